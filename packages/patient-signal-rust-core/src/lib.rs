//! Features of one bedside signal packet: the numbers a risk score needs from a stream of
//! timestamped SpO2 (%) and heart-rate (bpm) readings.
//!
//! - [`Sample`] and [`Config`]: the input (one reading per sample, offsets in seconds) and the
//!   clinical thresholds (desaturation below 90 % for at least 10 s, gaps longer than 10 s, …).
//! - [`analyze`]: one pass over the samples that screens every reading ([`Rejection`] says
//!   which reading was dropped and why) and returns [`Features`]: mean/min/recent SpO2, the
//!   least-squares trend per minute, desaturation events, time below threshold, heart-rate
//!   summary and data quality (gaps, rejected samples).
//! - [`spo2_series`]: the valid SpO2 readings downsampled for a trend chart.
//! - [`filter_spo2`]: fixed-point artefact rejection and smoothing of an SpO2 series by the C
//!   library patient-signal-dsp, linked from its Conan package for the target (`build.rs`).
//!
//! Analysis allocates nothing per sample: only rejections are collected.

mod desaturation;
mod dsp;
mod error;
mod features;
mod input;
mod screen;
mod series;
mod trend;

pub use dsp::{dsp_build_info, filter_spo2, FilterConfig, Filtered};
pub use error::AnalysisError;
pub use features::{analyze, Features};
pub use input::{Config, Range, Sample};
pub use screen::{Channel, RejectReason, Rejection};
pub use series::{spo2_series, SeriesPoint};
