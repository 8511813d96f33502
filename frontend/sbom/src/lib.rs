//! SPDX 2.3 SBOMs for the images the frontend builds.
