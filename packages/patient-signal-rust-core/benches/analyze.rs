//! `cargo bench -p patient-signal-rust-core`: analysis of a full 7200-sample packet (two hours
//! at 1 Hz) with a slow desaturation, a few dropouts and some sentinel readings.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use patient_signal_core::{analyze, spo2_series, Config, Sample};
use std::hint::black_box;

fn packet(len: usize) -> Vec<Sample> {
    (0..len)
        .filter(|i| i % 997 > 12) // a 13 s dropout roughly every 1000 s
        .map(|i| {
            let t = i as f64;
            let wave = ((i * 7919) % 13) as f64 / 6.0 - 1.0; // deterministic jitter in -1..1
            let spo2 = if i % 1201 == 0 {
                127.0
            } else {
                97.0 - 11.0 * t / len as f64 + wave
            };
            Sample::new(t, Some(spo2), Some(80.0 + 30.0 * t / len as f64 + wave))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let config = Config::default();
    let samples = packet(7200);
    let mut group = c.benchmark_group("packet_7200");
    group.throughput(Throughput::Elements(samples.len() as u64));
    group.bench_function("analyze", |b| {
        b.iter(|| analyze(black_box(&samples), &config))
    });
    group.bench_function("spo2_series_120", |b| {
        b.iter_batched(
            || (),
            |()| spo2_series(black_box(&samples), &config, 120),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
