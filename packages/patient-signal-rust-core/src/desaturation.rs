//! Desaturation episodes and gaps along the valid SpO2 readings.
//!
//! Each valid reading is taken to hold until the next one, unless the next one is more than
//! `max_gap_s` away: then the interval is a gap, nothing is assumed about it and any ongoing
//! episode ends. An episode is a run of held intervals below the threshold; it is an event when
//! it lasts at least `desaturation_min_duration_s`.

use crate::Config;

#[derive(Debug)]
pub(crate) struct Desaturations<'c> {
    config: &'c Config,
    previous: Option<(f64, f64)>,
    episode_s: f64,
    pub events: u32,
    pub seconds_below: f64,
    pub longest_episode_s: f64,
    pub gaps: u32,
    pub longest_interval_s: f64,
}

impl<'c> Desaturations<'c> {
    pub fn new(config: &'c Config) -> Self {
        Self {
            config,
            previous: None,
            episode_s: 0.0,
            events: 0,
            seconds_below: 0.0,
            longest_episode_s: 0.0,
            gaps: 0,
            longest_interval_s: 0.0,
        }
    }

    pub fn push(&mut self, offset_s: f64, spo2: f64) {
        if let Some((previous_offset, previous_spo2)) = self.previous {
            let interval = offset_s - previous_offset;
            self.longest_interval_s = self.longest_interval_s.max(interval);
            if interval > self.config.max_gap_s {
                self.gaps += 1;
                self.end_episode();
            } else if previous_spo2 < self.config.desaturation_threshold {
                self.seconds_below += interval;
                self.episode_s += interval;
            } else {
                self.end_episode();
            }
        }
        self.previous = Some((offset_s, spo2));
    }

    pub fn finish(&mut self) {
        self.end_episode();
    }

    fn end_episode(&mut self) {
        if self.episode_s > 0.0 {
            if self.episode_s >= self.config.desaturation_min_duration_s {
                self.events += 1;
            }
            self.longest_episode_s = self.longest_episode_s.max(self.episode_s);
            self.episode_s = 0.0;
        }
    }
}
