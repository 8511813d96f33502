//! Behaviour of `analyze` on hand-made packets whose features are known.

use patient_signal_core::{
    analyze, spo2_series, AnalysisError, Channel, Config, Range, RejectReason, Sample,
};

fn spo2_every(step_s: f64, values: &[f64]) -> Vec<Sample> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| Sample::new(i as f64 * step_s, Some(v), None))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn empty_packet_is_an_error() {
    assert_eq!(
        analyze(&[], &Config::default()),
        Err(AnalysisError::NoSamples)
    );
}

#[test]
fn oversized_packet_is_an_error() {
    let config = Config {
        max_samples: 3,
        ..Config::default()
    };
    let samples = spo2_every(1.0, &[97.0; 4]);
    let err = analyze(&samples, &config).unwrap_err();
    assert_eq!(err, AnalysisError::TooManySamples { count: 4, max: 3 });
    assert!(err.to_string().contains("split it"), "{err}");
}

#[test]
fn unusable_config_names_the_field() {
    let config = Config {
        max_gap_s: 0.0,
        ..Config::default()
    };
    let err = analyze(&spo2_every(1.0, &[97.0]), &config).unwrap_err();
    assert!(
        matches!(
            err,
            AnalysisError::InvalidConfig {
                field: "max_gap_s",
                ..
            }
        ),
        "{err:?}"
    );
    let config = Config {
        spo2_range: Range::new(100.0, 50.0),
        ..Config::default()
    };
    assert!(matches!(
        analyze(&spo2_every(1.0, &[97.0]), &config),
        Err(AnalysisError::InvalidConfig {
            field: "spo2_range",
            ..
        })
    ));
}

#[test]
fn summary_statistics() {
    let samples = spo2_every(2.0, &[98.0, 96.0, 94.0, 92.0]);
    let f = analyze(&samples, &Config::default()).unwrap();
    assert_eq!(f.sample_count, 4);
    assert_eq!(f.valid_spo2_count, 4);
    assert!(close(f.spo2_mean.unwrap(), 95.0));
    assert_eq!(f.spo2_min, Some(92.0));
    assert_eq!(f.spo2_max, Some(98.0));
    // -2 points every 2 s = -60 per minute.
    assert!(close(f.spo2_slope_per_min.unwrap(), -60.0));
    assert!(close(f.duration_s, 6.0));
    assert_eq!(f.heart_rate_mean, None);
    assert_eq!(f.rejections, vec![]);
}

#[test]
fn slope_per_minute_of_a_slow_drift() {
    // 97 -> 86 over 6 minutes at 1 Hz: -11/6 points per minute.
    let values: Vec<f64> = (0..=360)
        .map(|i| 97.0 - 11.0 * f64::from(i) / 360.0)
        .collect();
    let f = analyze(&spo2_every(1.0, &values), &Config::default()).unwrap();
    assert!((f.spo2_slope_per_min.unwrap() + 11.0 / 6.0).abs() < 1e-9);
}

#[test]
fn single_reading_has_no_slope() {
    let f = analyze(&spo2_every(1.0, &[95.0]), &Config::default()).unwrap();
    assert_eq!(f.spo2_slope_per_min, None);
    assert_eq!(f.spo2_recent, Some(95.0));
    assert_eq!(f.duration_s, 0.0);
}

#[test]
fn desaturation_needs_ten_seconds_below_ninety() {
    // 9 s below 90 (held intervals of 1 s from t=1..10): not an event.
    let mut values = vec![95.0];
    values.extend([88.0; 9]);
    values.push(95.0);
    let f = analyze(&spo2_every(1.0, &values), &Config::default()).unwrap();
    assert_eq!(f.desaturation_events, 0);
    assert!(close(f.seconds_below_threshold, 9.0));

    // 10 s below: one event.
    let mut values = vec![95.0];
    values.extend([88.0; 10]);
    values.push(95.0);
    let f = analyze(&spo2_every(1.0, &values), &Config::default()).unwrap();
    assert_eq!(f.desaturation_events, 1);
    assert!(close(f.seconds_below_threshold, 10.0));
    assert!(close(f.longest_desaturation_s, 10.0));
}

#[test]
fn exactly_ninety_is_not_desaturated() {
    let f = analyze(&spo2_every(1.0, &[90.0; 30]), &Config::default()).unwrap();
    assert_eq!(f.desaturation_events, 0);
    assert_eq!(f.seconds_below_threshold, 0.0);
}

#[test]
fn two_episodes_are_two_events() {
    let mut values = vec![];
    values.extend([85.0; 12]);
    values.extend([95.0; 5]);
    values.extend([87.0; 15]);
    let f = analyze(&spo2_every(1.0, &values), &Config::default()).unwrap();
    assert_eq!(f.desaturation_events, 2);
    // Last reading holds for no time: 12 + 14 seconds below.
    assert!(close(f.seconds_below_threshold, 26.0));
}

#[test]
fn a_gap_ends_an_episode_and_is_counted() {
    // 6 s below, a 15 s dropout, 6 s below: two short episodes, no event, one gap.
    let mut samples: Vec<Sample> = (0..7)
        .map(|i| Sample::new(f64::from(i), Some(85.0), None))
        .collect();
    samples.extend((0..7).map(|i| Sample::new(21.0 + f64::from(i), Some(85.0), None)));
    let f = analyze(&samples, &Config::default()).unwrap();
    assert_eq!(f.gaps, 1);
    assert!(close(f.longest_gap_s, 15.0));
    assert_eq!(f.desaturation_events, 0);
    assert!(close(f.seconds_below_threshold, 12.0));
}

#[test]
fn out_of_range_and_non_finite_readings_are_rejected_with_reasons() {
    let samples = vec![
        Sample::new(0.0, Some(97.0), Some(80.0)),
        Sample::new(1.0, Some(127.0), Some(81.0)),
        Sample::new(2.0, Some(f64::NAN), Some(500.0)),
        Sample::new(3.0, None, None),
        Sample::new(3.0, Some(96.0), None),
        Sample::new(-1.0, Some(96.0), None),
        Sample::new(4.0, Some(95.0), Some(82.0)),
    ];
    let f = analyze(&samples, &Config::default()).unwrap();
    let got: Vec<(usize, Channel, &str)> = f
        .rejections
        .iter()
        .map(|r| (r.index, r.channel, r.reason.code()))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, Channel::Spo2, "out_of_range"),
            (2, Channel::Spo2, "value_not_finite"),
            (2, Channel::HeartRate, "out_of_range"),
            (3, Channel::Sample, "no_readings"),
            (4, Channel::Offset, "offset_not_increasing"),
            (5, Channel::Offset, "offset_negative"),
        ]
    );
    assert_eq!(f.rejected_samples, 5);
    assert_eq!(f.valid_spo2_count, 2);
    assert_eq!(f.valid_heart_rate_count, 3);
    assert!(close(f.heart_rate_mean.unwrap(), 81.0));
    assert_eq!(
        f.rejections[0].reason,
        RejectReason::OutOfRange {
            value: 127.0,
            min: 50.0,
            max: 100.0
        }
    );
    assert_eq!(
        f.rejections[0].to_string(),
        "samples[1].spo2: 127 is outside the plausible range 50..=100"
    );
}

#[test]
fn all_readings_rejected_leaves_no_values() {
    let samples = vec![
        Sample::new(0.0, Some(0.0), None),
        Sample::new(1.0, Some(255.0), None),
    ];
    let f = analyze(&samples, &Config::default()).unwrap();
    assert_eq!(f.valid_spo2_count, 0);
    assert_eq!(f.spo2_mean, None);
    assert_eq!(f.spo2_min, None);
    assert_eq!(f.spo2_recent, None);
    assert_eq!(f.rejected_samples, 2);
}

#[test]
fn recent_values_average_the_last_thirty_seconds() {
    // 60 s at 1 Hz: 97 for t < 30, then 88 from t = 30; the window [30, 60] is all 88.
    let values: Vec<f64> = (0..=60).map(|i| if i < 30 { 97.0 } else { 88.0 }).collect();
    let mut samples = spo2_every(1.0, &values);
    for s in &mut samples {
        s.heart_rate = Some(if s.offset_s < 30.0 { 70.0 } else { 110.0 });
    }
    let f = analyze(&samples, &Config::default()).unwrap();
    assert_eq!(f.spo2_recent, Some(88.0));
    assert_eq!(f.heart_rate_recent, Some(110.0));
}

#[test]
fn series_keeps_small_packets_whole_and_buckets_large_ones_by_minimum() {
    let samples = spo2_every(1.0, &[97.0, 96.0, 95.0]);
    let config = Config::default();
    assert_eq!(spo2_series(&samples, &config, 10).len(), 3);
    assert!(spo2_series(&samples, &config, 0).is_empty());

    let values: Vec<f64> = (0..1000)
        .map(|i| if i == 500 { 80.0 } else { 97.0 })
        .collect();
    let series = spo2_series(&spo2_every(1.0, &values), &config, 100);
    assert_eq!(series.len(), 100);
    assert!(
        series.iter().any(|p| p.spo2 == 80.0 && p.offset_s == 500.0),
        "the dip survives downsampling"
    );
    assert!(series.windows(2).all(|w| w[0].offset_s < w[1].offset_s));
}

#[test]
fn series_skips_rejected_readings() {
    let samples = vec![
        Sample::new(0.0, Some(97.0), None),
        Sample::new(1.0, Some(127.0), None),
        Sample::new(2.0, None, Some(80.0)),
        Sample::new(3.0, Some(96.0), None),
    ];
    let series = spo2_series(&samples, &Config::default(), 120);
    let offsets: Vec<f64> = series.iter().map(|p| p.offset_s).collect();
    assert_eq!(offsets, vec![0.0, 3.0]);
}
