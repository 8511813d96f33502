//! The valid SpO2 readings, downsampled for a trend chart.

use crate::screen::Screen;
use crate::{Config, Sample};

/// One point of a downsampled series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesPoint {
    pub offset_s: f64,
    pub spo2: f64,
}

/// The valid SpO2 readings (same screening as [`crate::analyze`]) reduced to at most
/// `max_points` points: consecutive readings are grouped into equal-sized buckets and each
/// bucket keeps its lowest reading, so short desaturations stay visible on the chart.
/// With `max_points == 0` the series is empty.
pub fn spo2_series(samples: &[Sample], config: &Config, max_points: usize) -> Vec<SeriesPoint> {
    let valid = || {
        let mut screen = Screen::new(config);
        samples
            .iter()
            .enumerate()
            .filter_map(move |(index, sample)| {
                let screened = screen.next(index, sample, |_| {})?;
                Some(SeriesPoint {
                    offset_s: screened.offset_s,
                    spo2: screened.spo2?,
                })
            })
    };
    if max_points == 0 {
        return Vec::new();
    }
    let count = valid().count();
    if count <= max_points {
        return valid().collect();
    }
    let mut points = Vec::with_capacity(max_points);
    let mut bucket: Option<SeriesPoint> = None;
    let mut current_bucket = 0;
    for (position, point) in valid().enumerate() {
        // Bucket b holds positions [b * count / max_points, (b + 1) * count / max_points).
        let b = position * max_points / count;
        if b != current_bucket {
            points.extend(bucket.take());
            current_bucket = b;
        }
        bucket = Some(match bucket {
            Some(lowest) if lowest.spo2 <= point.spo2 => lowest,
            _ => point,
        });
    }
    points.extend(bucket);
    points
}
