//! Properties of `analyze` over arbitrary packets (proptest).

use patient_signal_core::{analyze, spo2_series, Channel, Config, Sample};
use proptest::prelude::*;

fn reading() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        3 => (0.0f64..260.0).prop_map(Some),
        1 => Just(None),
        1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-5.0), Just(127.0)].prop_map(Some),
    ]
}

/// Packets with mostly increasing offsets and some out-of-order, negative or bad ones.
fn packet() -> impl Strategy<Value = Vec<Sample>> {
    prop::collection::vec((0.0f64..20.0, any::<u8>(), reading(), reading()), 1..300).prop_map(
        |rows| {
            let mut t = 0.0;
            rows.into_iter()
                .map(|(step, kind, spo2, heart_rate)| {
                    t += step;
                    let offset = match kind {
                        0..=4 => t - 30.0,
                        5 => f64::NAN,
                        _ => t,
                    };
                    Sample::new(offset, spo2, heart_rate)
                })
                .collect()
        },
    )
}

fn increasing_spo2(values: Vec<(f64, f64)>) -> Vec<Sample> {
    let mut t = 0.0;
    values
        .into_iter()
        .map(|(step, spo2)| {
            t += step;
            Sample::new(t, Some(spo2), None)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn features_are_consistent(samples in packet()) {
        let config = Config::default();
        let f = analyze(&samples, &config).unwrap();
        prop_assert_eq!(f.sample_count, samples.len());
        prop_assert!(f.valid_spo2_count <= samples.len());
        if let (Some(min), Some(max), Some(mean)) = (f.spo2_min, f.spo2_max, f.spo2_mean) {
            prop_assert!(min <= mean + 1e-9 && mean <= max + 1e-9);
            prop_assert!(config.spo2_range.contains(min) && config.spo2_range.contains(max));
            let recent = f.spo2_recent.unwrap();
            prop_assert!(min - 1e-9 <= recent && recent <= max + 1e-9);
        } else {
            prop_assert_eq!(f.valid_spo2_count, 0);
            prop_assert!(f.spo2_recent.is_none() && f.spo2_slope_per_min.is_none());
        }
        if let (Some(min), Some(max)) = (f.heart_rate_min, f.heart_rate_max) {
            let mean = f.heart_rate_mean.unwrap();
            prop_assert!(min <= mean + 1e-9 && mean <= max + 1e-9);
        }
        prop_assert!(f.seconds_below_threshold >= 0.0);
        prop_assert!(f.seconds_below_threshold <= f.duration_s + 1e-9);
        prop_assert!(f.longest_desaturation_s <= f.seconds_below_threshold + 1e-9);
        prop_assert!(f64::from(f.desaturation_events) * config.desaturation_min_duration_s <= f.seconds_below_threshold + 1e-9);
        if f.gaps > 0 {
            prop_assert!(f.longest_gap_s > config.max_gap_s);
        }
        prop_assert!(f.rejections.windows(2).all(|w| w[0].index <= w[1].index));
        prop_assert!(f.rejections.iter().all(|r| r.index < samples.len()));
        prop_assert!(f.rejected_samples <= samples.len());
        // Every sample either contributed a reading or was rejected for something.
        for (index, sample) in samples.iter().enumerate() {
            let rejected: Vec<_> = f.rejections.iter().filter(|r| r.index == index).collect();
            if rejected.iter().any(|r| r.channel == Channel::Offset) {
                prop_assert_eq!(rejected.len(), 1);
            }
            if sample.spo2.is_none() && sample.heart_rate.is_none() {
                prop_assert_eq!(rejected.len(), 1);
            }
        }
    }

    #[test]
    fn series_is_bounded_ordered_and_from_valid_readings(samples in packet(), max_points in 0usize..150) {
        let config = Config::default();
        let series = spo2_series(&samples, &config, max_points);
        let f = analyze(&samples, &config).unwrap();
        prop_assert_eq!(series.len(), f.valid_spo2_count.min(max_points));
        prop_assert!(series.windows(2).all(|w| w[0].offset_s < w[1].offset_s));
        if let (Some(min), false) = (f.spo2_min, series.is_empty()) {
            let lowest = series.iter().map(|p| p.spo2).fold(f64::INFINITY, f64::min);
            prop_assert_eq!(lowest, min);
        }
    }

    #[test]
    fn slope_of_a_line_is_recovered(
        steps in prop::collection::vec(0.5f64..5.0, 2..200),
        start in 80.0f64..100.0,
        slope_per_min in -5.0f64..5.0,
    ) {
        let mut t = 0.0;
        let samples: Vec<Sample> = steps.iter().map(|step| {
            t += step;
            Sample::new(t, Some(start + slope_per_min * t / 60.0), None)
        }).collect();
        let config = Config { spo2_range: patient_signal_core::Range::new(0.0, 200.0), ..Config::default() };
        let f = analyze(&samples, &config).unwrap();
        prop_assert!((f.spo2_slope_per_min.unwrap() - slope_per_min).abs() < 1e-6);
    }

    #[test]
    fn shifting_time_changes_nothing_but_offsets(values in prop::collection::vec((0.5f64..15.0, 70.0f64..100.0), 1..200), shift in 0.0f64..10_000.0) {
        let samples = increasing_spo2(values);
        let shifted: Vec<Sample> = samples.iter().map(|s| Sample::new(s.offset_s + shift, s.spo2, s.heart_rate)).collect();
        let config = Config::default();
        let (a, b) = (analyze(&samples, &config).unwrap(), analyze(&shifted, &config).unwrap());
        prop_assert_eq!(a.desaturation_events, b.desaturation_events);
        prop_assert_eq!(a.gaps, b.gaps);
        prop_assert_eq!(a.spo2_min, b.spo2_min);
        prop_assert!((a.seconds_below_threshold - b.seconds_below_threshold).abs() < 1e-6);
        prop_assert!((a.spo2_mean.unwrap() - b.spo2_mean.unwrap()).abs() < 1e-9);
        if let (Some(x), Some(y)) = (a.spo2_slope_per_min, b.spo2_slope_per_min) {
            prop_assert!((x - y).abs() < 1e-6 * (1.0 + x.abs()));
        }
    }

    #[test]
    fn constant_saturation_above_threshold_has_no_desaturation(values in prop::collection::vec(0.5f64..15.0, 1..200), level in 90.0f64..100.0) {
        let samples = increasing_spo2(values.into_iter().map(|step| (step, level)).collect());
        let f = analyze(&samples, &Config::default()).unwrap();
        prop_assert_eq!(f.desaturation_events, 0);
        prop_assert_eq!(f.seconds_below_threshold, 0.0);
        if let Some(slope) = f.spo2_slope_per_min {
            prop_assert!(slope.abs() < 1e-9);
        }
    }
}
