//! What a caller hands to [`crate::analyze`]: samples and the thresholds to apply.

use crate::AnalysisError;

/// One reading of a bedside monitor, `offset_s` seconds after the packet started.
/// A sample may carry SpO2, heart rate or both.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub offset_s: f64,
    pub spo2: Option<f64>,
    pub heart_rate: Option<f64>,
}

impl Sample {
    pub fn new(offset_s: f64, spo2: Option<f64>, heart_rate: Option<f64>) -> Self {
        Self {
            offset_s,
            spo2,
            heart_rate,
        }
    }
}

/// An inclusive range of plausible values; readings outside it are rejected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

impl Range {
    pub const fn new(min: f64, max: f64) -> Self {
        Self { min, max }
    }

    pub fn contains(&self, value: f64) -> bool {
        self.min <= value && value <= self.max
    }
}

/// Thresholds of the analysis. [`Config::default`] holds the clinical defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// SpO2 strictly below this (percent) counts as desaturated. Default 90.
    pub desaturation_threshold: f64,
    /// A desaturation episode counts as an event when it lasts at least this long. Default 10 s.
    pub desaturation_min_duration_s: f64,
    /// Two valid SpO2 readings further apart than this are a gap: nothing is assumed about the
    /// time between them and an ongoing desaturation episode ends. Default 10 s.
    pub max_gap_s: f64,
    /// The "recent" values average the readings of this many final seconds. Default 30 s.
    pub recent_window_s: f64,
    /// Plausible SpO2 readings. Default 50–100 %.
    pub spo2_range: Range,
    /// Plausible heart-rate readings. Default 20–300 bpm.
    pub heart_rate_range: Range,
    /// Largest packet accepted. Default 7200 samples (two hours at 1 Hz).
    pub max_samples: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            desaturation_threshold: 90.0,
            desaturation_min_duration_s: 10.0,
            max_gap_s: 10.0,
            recent_window_s: 30.0,
            spo2_range: Range::new(50.0, 100.0),
            heart_rate_range: Range::new(20.0, 300.0),
            max_samples: 7200,
        }
    }
}

impl Config {
    /// Checks that every threshold is usable, naming the first one that is not.
    pub fn validate(&self) -> Result<(), AnalysisError> {
        let positive = [
            (
                "desaturation_min_duration_s",
                self.desaturation_min_duration_s,
            ),
            ("max_gap_s", self.max_gap_s),
            ("recent_window_s", self.recent_window_s),
        ];
        for (field, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return Err(AnalysisError::invalid_config(
                    field,
                    format!("must be a finite number > 0, got {value}"),
                ));
            }
        }
        if !self.desaturation_threshold.is_finite() {
            return Err(AnalysisError::invalid_config(
                "desaturation_threshold",
                format!("must be finite, got {}", self.desaturation_threshold),
            ));
        }
        for (field, range) in [
            ("spo2_range", self.spo2_range),
            ("heart_rate_range", self.heart_rate_range),
        ] {
            if !(range.min.is_finite() && range.max.is_finite() && range.min <= range.max) {
                return Err(AnalysisError::invalid_config(
                    field,
                    format!(
                        "must be finite with min <= max, got {}..={}",
                        range.min, range.max
                    ),
                ));
            }
        }
        if self.max_samples == 0 {
            return Err(AnalysisError::invalid_config(
                "max_samples",
                "must be at least 1".to_owned(),
            ));
        }
        Ok(())
    }
}
