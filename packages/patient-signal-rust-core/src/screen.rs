//! Screening of single samples: which readings are usable, and why the others are not.

use std::fmt;

use crate::{Config, Range, Sample};

/// The part of a sample a rejection is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The sample's time offset (the whole sample is dropped).
    Offset,
    Spo2,
    HeartRate,
    /// The sample as a whole (it carries no reading).
    Sample,
}

impl Channel {
    /// The wire name of the field, as in the signal-packet schema.
    pub fn field(self) -> &'static str {
        match self {
            Self::Offset => "offset_s",
            Self::Spo2 => "spo2",
            Self::HeartRate => "heart_rate",
            Self::Sample => "sample",
        }
    }
}

/// Why a reading (or a whole sample) was left out of the features.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RejectReason {
    /// The offset is NaN or infinite.
    NonFiniteOffset,
    /// The offset is below zero.
    NegativeOffset,
    /// The offset is not later than the previous accepted sample's.
    OffsetNotIncreasing { previous: f64 },
    /// The reading is NaN or infinite.
    NonFinite,
    /// The reading is outside the plausible range.
    OutOfRange { value: f64, min: f64, max: f64 },
    /// The sample carries neither SpO2 nor heart rate.
    NoReadings,
}

impl RejectReason {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NonFiniteOffset => "offset_not_finite",
            Self::NegativeOffset => "offset_negative",
            Self::OffsetNotIncreasing { .. } => "offset_not_increasing",
            Self::NonFinite => "value_not_finite",
            Self::OutOfRange { .. } => "out_of_range",
            Self::NoReadings => "no_readings",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NonFiniteOffset => f.write_str("offset is not a finite number"),
            Self::NegativeOffset => f.write_str("offset is negative"),
            Self::OffsetNotIncreasing { previous } => {
                write!(
                    f,
                    "offset is not later than the previous sample's ({previous} s)"
                )
            }
            Self::NonFinite => f.write_str("value is not a finite number"),
            Self::OutOfRange { value, min, max } => {
                write!(f, "{value} is outside the plausible range {min}..={max}")
            }
            Self::NoReadings => f.write_str("sample has neither spo2 nor heart_rate"),
        }
    }
}

/// One dropped reading: sample `index`, the `channel` it concerns and the `reason`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rejection {
    pub index: usize,
    pub channel: Channel,
    pub reason: RejectReason,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "samples[{}].{}: {}",
            self.index,
            self.channel.field(),
            self.reason
        )
    }
}

/// The usable part of one sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Screened {
    pub offset_s: f64,
    pub spo2: Option<f64>,
    pub heart_rate: Option<f64>,
}

/// Screens samples in order. Offsets must increase strictly, so the screen remembers the
/// last accepted offset; everything else is decided per sample.
#[derive(Debug)]
pub(crate) struct Screen<'c> {
    config: &'c Config,
    last_offset: Option<f64>,
}

impl<'c> Screen<'c> {
    pub fn new(config: &'c Config) -> Self {
        Self {
            config,
            last_offset: None,
        }
    }

    /// The usable readings of `sample` (None when the whole sample is dropped); each dropped
    /// reading is passed to `reject`.
    pub fn next(
        &mut self,
        index: usize,
        sample: &Sample,
        mut reject: impl FnMut(Rejection),
    ) -> Option<Screened> {
        let mut rejection = |channel, reason| {
            reject(Rejection {
                index,
                channel,
                reason,
            })
        };
        let offset = sample.offset_s;
        if !offset.is_finite() {
            rejection(Channel::Offset, RejectReason::NonFiniteOffset);
            return None;
        }
        if offset < 0.0 {
            rejection(Channel::Offset, RejectReason::NegativeOffset);
            return None;
        }
        if let Some(previous) = self.last_offset {
            if offset <= previous {
                rejection(
                    Channel::Offset,
                    RejectReason::OffsetNotIncreasing { previous },
                );
                return None;
            }
        }
        self.last_offset = Some(offset);
        if sample.spo2.is_none() && sample.heart_rate.is_none() {
            rejection(Channel::Sample, RejectReason::NoReadings);
            return None;
        }
        let spo2 = check(sample.spo2, self.config.spo2_range, |reason| {
            rejection(Channel::Spo2, reason)
        });
        let heart_rate = check(sample.heart_rate, self.config.heart_rate_range, |reason| {
            rejection(Channel::HeartRate, reason)
        });
        Some(Screened {
            offset_s: offset,
            spo2,
            heart_rate,
        })
    }
}

fn check(value: Option<f64>, range: Range, mut reject: impl FnMut(RejectReason)) -> Option<f64> {
    let value = value?;
    if !value.is_finite() {
        reject(RejectReason::NonFinite);
        None
    } else if !range.contains(value) {
        reject(RejectReason::OutOfRange {
            value,
            min: range.min,
            max: range.max,
        });
        None
    } else {
        Some(value)
    }
}
