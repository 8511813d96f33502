//! What every reader produces: components (packages with version, purl,
//! license) and the dependency edges between them, as one [`ComponentSet`]
//! per source (a dpkg database, a site-packages tree, a lock file, a binary).

use crate::license::License;

/// The package ecosystem a component comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecosystem {
    /// A Debian package (dpkg database).
    Deb,
    /// A Python distribution (`*.dist-info`).
    PyPi,
    /// A Rust crate.
    Cargo,
    /// An npm package.
    Npm,
    /// A Go module (or the Go standard library).
    Golang,
    /// A C/C++ package from Conan.
    Conan,
}

impl Ecosystem {
    /// Short name, used in SPDX ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::PyPi => "pypi",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::Golang => "golang",
            Ecosystem::Conan => "conan",
        }
    }
}

/// SPDX checksum algorithms used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    /// SHA256.
    Sha256,
    /// SHA512.
    Sha512,
}

impl Algorithm {
    /// The SPDX name.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }
}

/// A checksum of the package's distribution archive (hex, lower case).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Checksum {
    /// Algorithm.
    pub algorithm: Algorithm,
    /// Lower-case hex digest.
    pub hex: String,
}

/// SPDX `primaryPackagePurpose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Purpose {
    /// A library.
    Library,
    /// An application (a main module, the app's own workspace package).
    Application,
    /// An operating-system package.
    OperatingSystem,
    /// A container image.
    Container,
}

impl Purpose {
    /// The SPDX name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Library => "LIBRARY",
            Purpose::Application => "APPLICATION",
            Purpose::OperatingSystem => "OPERATING-SYSTEM",
            Purpose::Container => "CONTAINER",
        }
    }
}

/// One package found in an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Ecosystem.
    pub ecosystem: Ecosystem,
    /// Package name as the ecosystem spells it.
    pub name: String,
    /// Version (empty when unknown).
    pub version: String,
    /// Package URL.
    pub purl: Option<String>,
    /// Declared license.
    pub license: License,
    /// What the metadata said when it was not an SPDX expression.
    pub license_comment: Option<String>,
    /// Where the package was downloaded from (`None` = NOASSERTION).
    pub download_location: Option<String>,
    /// Archive checksums.
    pub checksums: Vec<Checksum>,
    /// SPDX supplier (`Organization: …` / `Person: …`).
    pub supplier: Option<String>,
    /// Project home page.
    pub homepage: Option<String>,
    /// Purpose.
    pub purpose: Purpose,
    /// Free text: where the record was read, replacements, build settings.
    pub comment: Option<String>,
}

impl Component {
    /// A library component with nothing but a name and version.
    pub fn new(ecosystem: Ecosystem, name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            ecosystem,
            name: name.into(),
            version: version.into(),
            purl: None,
            license: License::NoAssertion,
            license_comment: None,
            download_location: None,
            checksums: Vec::new(),
            supplier: None,
            homepage: None,
            purpose: Purpose::Library,
            comment: None,
        }
    }

    /// Sets the declared license from metadata text: an SPDX expression is
    /// kept, anything else becomes NOASSERTION with the text as a comment.
    pub fn declared_license(&mut self, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        match License::parse(text) {
            Some(l) => self.license = l,
            None => {
                self.license = License::NoAssertion;
                let first = text.lines().next().unwrap_or_default();
                let shown: String = first.chars().take(200).collect();
                self.license_comment = Some(format!("declared license (not an SPDX expression): {shown}"));
            }
        }
    }
}

/// Which package of the document a set's components are CONTAINed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Parent {
    /// The image itself (what the build added).
    Image,
    /// The runtime base image the build started from.
    BaseImage,
}

/// The components read from one source, with their dependency edges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentSet {
    /// What was read, e.g. `/var/lib/dpkg/status` or `Cargo.lock`.
    pub source: String,
    /// Which document package contains these components.
    pub parent: Parent,
    /// The components.
    pub components: Vec<Component>,
    /// `(a, b)`: components[a] DEPENDS_ON components[b].
    pub depends_on: Vec<(usize, usize)>,
}

impl ComponentSet {
    /// An empty set read from `source`.
    pub fn new(source: impl Into<String>, parent: Parent) -> Self {
        Self {
            source: source.into(),
            parent,
            components: Vec::new(),
            depends_on: Vec::new(),
        }
    }

    /// The index of the component named `name`, if any.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.components.iter().position(|c| c.name == name)
    }

    /// Edges de-duplicated and sorted, self-edges dropped.
    pub(crate) fn tidy(&mut self) {
        self.depends_on.retain(|(a, b)| a != b);
        self.depends_on.sort_unstable();
        self.depends_on.dedup();
    }
}

/// An error reading a source: which file, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct SourceError {
    /// The file (as the image or build context names it).
    pub file: String,
    /// What is wrong, and where in the file when known.
    pub message: String,
}

impl SourceError {
    /// An error about `file`.
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            message: message.into(),
        }
    }
}
