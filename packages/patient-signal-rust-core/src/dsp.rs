//! SpO2 artefact rejection and smoothing by patient-signal-dsp, the C library
//! linked from its Conan package (see `build.rs`). The C side works in tenths
//! of a percent with integer arithmetic; this module converts percent in and
//! out and keeps every `unsafe` call behind a checked, safe function.

use std::ffi::CStr;
use std::os::raw::c_char;

use crate::error::AnalysisError;

/// Mirrors `psd_spo2_config` (patient_signal_dsp.h).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
struct RawConfig {
    alpha_q15: i32,
    min_valid: i32,
    max_valid: i32,
    max_step: i32,
    max_hold: i32,
}

#[allow(unsafe_code)]
mod ffi {
    use super::{c_char, RawConfig};

    unsafe extern "C" {
        pub(super) fn psd_spo2_filter(
            input: *const i32,
            n: usize,
            cfg: *const RawConfig,
            out: *mut i32,
            artefact: *mut u8,
        ) -> i64;
        pub(super) fn psd_build_info() -> *const c_char;
    }
}

/// Sentinel the C filter outputs before its first accepted sample.
const NO_VALUE: i32 = -1;
const Q15_ONE: f64 = 32768.0;

/// Settings of the SpO2 filter; the defaults are the C library's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FilterConfig {
    /// Smoothing factor of the moving average, in (0, 1]; 1 = no smoothing.
    pub alpha: f64,
    /// Lowest plausible reading (%); lower ones (a probe-off 0) are artefacts.
    pub min_valid: f64,
    /// Highest plausible reading (%), at most 100.
    pub max_valid: f64,
    /// Largest plausible change between two samples (%); larger jumps are artefacts.
    pub max_step: f64,
    /// Consecutive jumps after which the new level is accepted.
    pub max_hold: u32,
}

impl Default for FilterConfig {
    fn default() -> Self {
        Self {
            alpha: 0.25,
            min_valid: 50.0,
            max_valid: 100.0,
            max_step: 4.0,
            max_hold: 5,
        }
    }
}

/// The filtered series: one entry per input sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Filtered {
    /// Smoothed SpO2 (%), `None` before the first plausible reading.
    pub values: Vec<Option<f64>>,
    /// Whether each input sample was rejected as an artefact (its output is the held value).
    pub artefact: Vec<bool>,
    /// How many samples were rejected.
    pub artefacts: usize,
}

fn tenths(field: &'static str, value: f64, lo: f64, hi: f64) -> Result<i32, AnalysisError> {
    if !value.is_finite() || value < lo || value > hi {
        return Err(AnalysisError::invalid_config(
            field,
            format!("must be within {lo}..={hi} %, got {value}"),
        ));
    }
    // In range, so the rounded tenths fit an i32.
    Ok((value * 10.0).round() as i32)
}

impl FilterConfig {
    fn raw(&self) -> Result<RawConfig, AnalysisError> {
        if !(self.alpha > 0.0 && self.alpha <= 1.0) {
            return Err(AnalysisError::invalid_config(
                "alpha",
                format!("must be in (0, 1], got {}", self.alpha),
            ));
        }
        let alpha_q15 = ((self.alpha * Q15_ONE).round() as i32).max(1);
        let min_valid = tenths("min_valid", self.min_valid, 0.0, 100.0)?;
        let max_valid = tenths("max_valid", self.max_valid, 0.0, 100.0)?;
        if max_valid < min_valid {
            return Err(AnalysisError::invalid_config(
                "max_valid",
                format!(
                    "must be at least min_valid ({}), got {}",
                    self.min_valid, self.max_valid
                ),
            ));
        }
        let max_step = tenths("max_step", self.max_step, 0.1, 100.0)?;
        if self.max_hold == 0 || self.max_hold > i32::MAX as u32 {
            return Err(AnalysisError::invalid_config(
                "max_hold",
                format!("must be at least 1, got {}", self.max_hold),
            ));
        }
        Ok(RawConfig {
            alpha_q15,
            min_valid,
            max_valid,
            max_step,
            max_hold: self.max_hold as i32,
        })
    }
}

/// Reading (%) → tenths for the C filter; NaN and absurd values become a
/// value the filter rejects as out of range.
fn reading(value: f64) -> i32 {
    if value.is_finite() && (0.0..=1000.0).contains(&value) {
        (value * 10.0).round() as i32
    } else {
        i32::MIN
    }
}

/// Rejects artefacts in `spo2` (%, one reading per sample at a steady rate)
/// and smooths the rest (see patient_signal_dsp.h for the exact arithmetic).
pub fn filter_spo2(spo2: &[f64], config: &FilterConfig) -> Result<Filtered, AnalysisError> {
    let raw = config.raw()?;
    let input: Vec<i32> = spo2.iter().copied().map(reading).collect();
    let mut out = vec![0_i32; input.len()];
    let mut flags = vec![0_u8; input.len()];
    #[allow(unsafe_code)]
    // SAFETY: `input`, `out` and `flags` are each `input.len()` long, `raw` is a valid
    // psd_spo2_config; the C function reads/writes exactly n elements and keeps no pointer.
    let rc = unsafe {
        ffi::psd_spo2_filter(
            input.as_ptr(),
            input.len(),
            &raw,
            out.as_mut_ptr(),
            flags.as_mut_ptr(),
        )
    };
    let artefacts = usize::try_from(rc).map_err(|_| {
        AnalysisError::invalid_config(
            "filter",
            format!("rejected by patient-signal-dsp (code {rc})"),
        )
    })?;
    Ok(Filtered {
        values: out
            .into_iter()
            .map(|v| (v != NO_VALUE).then(|| f64::from(v) / 10.0))
            .collect(),
        artefact: flags.into_iter().map(|f| f != 0).collect(),
        artefacts,
    })
}

/// `patient-signal-dsp/<version> arch=<conan arch> build=<how>`: which binary was linked.
pub fn dsp_build_info() -> &'static str {
    #[allow(unsafe_code)]
    // SAFETY: psd_build_info returns a pointer to a static NUL-terminated string.
    let info = unsafe { CStr::from_ptr(ffi::psd_build_info()) };
    info.to_str()
        .unwrap_or("patient-signal-dsp (non-UTF-8 build info)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Rust face gives the C filter's results in percent: the half-alpha
    /// step response worked out in patient_signal_dsp.h's formula (90.0 → 92.0
    /// gives 90.0, 91.0, 91.5, 91.8) and a probe-off 0 held as an artefact.
    #[test]
    fn filters_through_the_c_library() {
        let cfg = FilterConfig {
            alpha: 0.5,
            ..FilterConfig::default()
        };
        let f = filter_spo2(&[90.0, 92.0, 92.0, 92.0, 0.0, f64::NAN], &cfg).unwrap();
        assert_eq!(
            f.values,
            vec![
                Some(90.0),
                Some(91.0),
                Some(91.5),
                Some(91.8),
                Some(91.8),
                Some(91.8)
            ]
        );
        assert_eq!(f.artefact, vec![false, false, false, false, true, true]);
        assert_eq!(f.artefacts, 2);
    }

    #[test]
    fn nothing_before_the_first_plausible_reading() {
        let f = filter_spo2(&[0.0, 96.0], &FilterConfig::default()).unwrap();
        assert_eq!(f.values, vec![None, Some(96.0)]);
        assert!(filter_spo2(&[], &FilterConfig::default())
            .unwrap()
            .values
            .is_empty());
    }

    #[test]
    fn bad_settings_are_config_errors() {
        for (cfg, field) in [
            (
                FilterConfig {
                    alpha: 0.0,
                    ..FilterConfig::default()
                },
                "alpha",
            ),
            (
                FilterConfig {
                    alpha: f64::NAN,
                    ..FilterConfig::default()
                },
                "alpha",
            ),
            (
                FilterConfig {
                    max_valid: 101.0,
                    ..FilterConfig::default()
                },
                "max_valid",
            ),
            (
                FilterConfig {
                    min_valid: 99.0,
                    max_valid: 98.0,
                    ..FilterConfig::default()
                },
                "max_valid",
            ),
            (
                FilterConfig {
                    max_step: 0.0,
                    ..FilterConfig::default()
                },
                "max_step",
            ),
            (
                FilterConfig {
                    max_hold: 0,
                    ..FilterConfig::default()
                },
                "max_hold",
            ),
        ] {
            match filter_spo2(&[97.0], &cfg) {
                Err(AnalysisError::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{cfg:?}: {other:?}"),
            }
        }
    }

    /// The linked binary is the Conan package for this target's architecture.
    #[test]
    fn build_info_names_the_target_arch() {
        let want = if cfg!(target_arch = "aarch64") {
            "armv8"
        } else {
            "x86_64"
        };
        let info = dsp_build_info();
        assert!(info.starts_with("patient-signal-dsp/0.1.0 "), "{info}");
        assert!(
            info.contains(&format!(" arch={want} build=conan")),
            "{info}"
        );
    }
}
