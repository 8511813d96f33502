//! [`analyze`]: one packet in, [`Features`] out.

use crate::desaturation::Desaturations;
use crate::screen::Screen;
use crate::trend::LeastSquares;
use crate::{AnalysisError, Config, Rejection, Sample};

/// Everything the risk score needs to know about one packet.
///
/// Values are `None` when the packet has no valid reading of that kind (or, for the slope,
/// fewer than two). Slopes are in percentage points per minute.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    pub sample_count: usize,
    pub valid_spo2_count: usize,
    pub valid_heart_rate_count: usize,
    pub spo2_mean: Option<f64>,
    pub spo2_min: Option<f64>,
    pub spo2_max: Option<f64>,
    /// Mean SpO2 over the last [`Config::recent_window_s`] seconds of valid readings.
    pub spo2_recent: Option<f64>,
    pub spo2_slope_per_min: Option<f64>,
    pub desaturation_events: u32,
    pub seconds_below_threshold: f64,
    pub longest_desaturation_s: f64,
    pub heart_rate_mean: Option<f64>,
    pub heart_rate_min: Option<f64>,
    pub heart_rate_max: Option<f64>,
    /// Mean heart rate over the last [`Config::recent_window_s`] seconds of valid readings.
    pub heart_rate_recent: Option<f64>,
    /// Time from the first to the last accepted sample.
    pub duration_s: f64,
    /// Intervals between consecutive valid SpO2 readings longer than [`Config::max_gap_s`].
    pub gaps: u32,
    /// Longest interval between consecutive valid SpO2 readings.
    pub longest_gap_s: f64,
    /// Number of samples with at least one rejection.
    pub rejected_samples: usize,
    /// Every dropped reading, in sample order.
    pub rejections: Vec<Rejection>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Extremes {
    min: Option<f64>,
    max: Option<f64>,
}

impl Extremes {
    fn push(&mut self, value: f64) {
        self.min = Some(self.min.map_or(value, |m| m.min(value)));
        self.max = Some(self.max.map_or(value, |m| m.max(value)));
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Mean {
    sum: f64,
    count: usize,
}

impl Mean {
    fn push(&mut self, value: f64) {
        self.sum += value;
        self.count += 1;
    }

    fn get(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }
}

/// Analyses one packet. Fails only for an empty or oversized packet or an unusable config;
/// bad readings are dropped and listed in [`Features::rejections`].
pub fn analyze(samples: &[Sample], config: &Config) -> Result<Features, AnalysisError> {
    config.validate()?;
    if samples.is_empty() {
        return Err(AnalysisError::NoSamples);
    }
    if samples.len() > config.max_samples {
        return Err(AnalysisError::TooManySamples {
            count: samples.len(),
            max: config.max_samples,
        });
    }

    let mut rejections = Vec::new();
    let mut screen = Screen::new(config);
    let mut spo2_fit = LeastSquares::default();
    let mut spo2_extremes = Extremes::default();
    let mut heart_rate = Mean::default();
    let mut heart_rate_extremes = Extremes::default();
    let mut desaturations = Desaturations::new(config);
    let mut first_offset = None;
    let mut last_offset = 0.0;
    let mut last_spo2_offset = None;
    let mut last_heart_rate_offset = None;

    for (index, sample) in samples.iter().enumerate() {
        let Some(screened) = screen.next(index, sample, |r| rejections.push(r)) else {
            continue;
        };
        first_offset.get_or_insert(screened.offset_s);
        last_offset = screened.offset_s;
        if let Some(spo2) = screened.spo2 {
            spo2_fit.push(screened.offset_s / 60.0, spo2);
            spo2_extremes.push(spo2);
            desaturations.push(screened.offset_s, spo2);
            last_spo2_offset = Some(screened.offset_s);
        }
        if let Some(rate) = screened.heart_rate {
            heart_rate.push(rate);
            heart_rate_extremes.push(rate);
            last_heart_rate_offset = Some(screened.offset_s);
        }
    }
    desaturations.finish();

    // Second pass, no allocation: means over the final window of each channel.
    let mut spo2_recent = Mean::default();
    let mut heart_rate_recent = Mean::default();
    let mut screen = Screen::new(config);
    for (index, sample) in samples.iter().enumerate() {
        let Some(screened) = screen.next(index, sample, |_| {}) else {
            continue;
        };
        if let (Some(spo2), Some(last)) = (screened.spo2, last_spo2_offset) {
            if screened.offset_s >= last - config.recent_window_s {
                spo2_recent.push(spo2);
            }
        }
        if let (Some(rate), Some(last)) = (screened.heart_rate, last_heart_rate_offset) {
            if screened.offset_s >= last - config.recent_window_s {
                heart_rate_recent.push(rate);
            }
        }
    }

    let rejected_samples = count_distinct_indices(&rejections);
    Ok(Features {
        sample_count: samples.len(),
        valid_spo2_count: usize::try_from(spo2_fit.count()).unwrap_or(usize::MAX),
        valid_heart_rate_count: heart_rate.count,
        spo2_mean: spo2_fit.mean_y(),
        spo2_min: spo2_extremes.min,
        spo2_max: spo2_extremes.max,
        spo2_recent: spo2_recent.get(),
        spo2_slope_per_min: spo2_fit.slope(),
        desaturation_events: desaturations.events,
        seconds_below_threshold: desaturations.seconds_below,
        longest_desaturation_s: desaturations.longest_episode_s,
        heart_rate_mean: heart_rate.get(),
        heart_rate_min: heart_rate_extremes.min,
        heart_rate_max: heart_rate_extremes.max,
        heart_rate_recent: heart_rate_recent.get(),
        duration_s: first_offset.map_or(0.0, |first| last_offset - first),
        gaps: desaturations.gaps,
        longest_gap_s: desaturations.longest_interval_s,
        rejected_samples,
        rejections,
    })
}

/// Rejections come in sample order, so distinct indices are counted by comparing neighbours.
fn count_distinct_indices(rejections: &[Rejection]) -> usize {
    let mut count = 0;
    let mut previous = None;
    for rejection in rejections {
        if previous != Some(rejection.index) {
            count += 1;
            previous = Some(rejection.index);
        }
    }
    count
}
