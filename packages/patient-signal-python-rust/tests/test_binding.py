"""The patient_signal wheel as installed (maturin build + pip install), not the source tree."""

from __future__ import annotations

import math
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import patient_signal as ps
import pytest

PACKAGE_SOURCE = Path(__file__).resolve().parents[1] / "python"


def test_imports_the_installed_wheel_not_the_source_tree():
    module_path = Path(ps.__file__).resolve()
    assert PACKAGE_SOURCE not in module_path.parents, module_path
    assert "site-packages" in module_path.parts
    native = Path(ps._native.__file__)
    assert native.name.endswith(".abi3.so"), native.name
    assert ps.__version__ == "0.1.0"


def test_stub_and_marker_ship_in_the_wheel():
    package_dir = Path(ps.__file__).parent
    assert (package_dir / "py.typed").is_file()
    stub = (package_dir / "_native.pyi").read_text()
    for name in ("def analyze", "def spo2_series", "class Features", "class SampleFormatError"):
        assert name in stub


def test_analyze_accepts_mappings_tuples_and_objects():
    @dataclass
    class Reading:
        offset_s: float
        spo2: float | None
        heart_rate: float | None

    as_dicts = ps.analyze([{"offset_s": 0, "spo2": 97, "heart_rate": 80}, {"offset_s": 60, "spo2": 95}])
    as_tuples = ps.analyze([(0, 97, 80), (60, 95, None)])
    as_objects = ps.analyze([Reading(0, 97, 80), Reading(60, 95, None)])
    for features in (as_dicts, as_tuples, as_objects):
        assert features.sample_count == 2
        assert features.spo2_mean == 96.0
        assert features.spo2_min == 95.0
        assert features.spo2_slope_per_min == pytest.approx(-2.0)
        assert features.heart_rate_mean == 80.0
        assert features.valid_heart_rate_count == 1


def test_desaturation_and_quality_features():
    samples = [{"offset_s": t, "spo2": 86 if 10 <= t < 30 else 96} for t in range(0, 61, 2)]
    samples[1]["spo2"] = 127
    f = ps.analyze(samples)
    assert f.desaturation_events == 1
    assert f.seconds_below_threshold == pytest.approx(20.0)
    assert f.rejected_samples == 1
    (rejection,) = f.rejections
    assert (rejection.index, rejection.field, rejection.code) == (1, "spo2", "out_of_range")
    assert "127" in rejection.message
    as_dict = f.to_dict()
    assert as_dict["rejections"] == [
        {"index": 1, "field": "spo2", "code": "out_of_range", "message": rejection.message}
    ]
    assert as_dict["desaturation_events"] == 1
    assert "desaturation_events=1" in repr(f)


def test_config_changes_thresholds_and_is_validated():
    samples = [(t, 91.0, None) for t in range(0, 30)]
    assert ps.analyze(samples).desaturation_events == 0
    strict = ps.Config(desaturation_threshold=92.0)
    assert ps.analyze(samples, strict).desaturation_events == 1
    assert strict.desaturation_threshold == 92.0
    assert "max_samples=7200" in repr(strict)
    with pytest.raises(ps.ConfigError, match="max_gap_s"):
        ps.Config(max_gap_s=-1)
    with pytest.raises(ps.ConfigError, match="spo2_range"):
        ps.Config(spo2_min=100, spo2_max=50)


@pytest.mark.parametrize(
    ("samples", "error", "message"),
    [
        ([], ps.EmptyPacketError, "no samples"),
        ([{"spo2": 97}], ps.SampleFormatError, r"samples\[0\]\.offset_s: is required"),
        ([{"offset_s": 0, "spo2": "97%"}], ps.SampleFormatError, r"samples\[0\]\.spo2: expected a number, got str"),
        ([(0, True)], ps.SampleFormatError, r"samples\[0\]\.spo2: expected a number, got bool"),
        ([(0, 97), (1, 2, 3, 4)], ps.SampleFormatError, r"samples\[1\]: a tuple sample"),
        ("not samples", ps.SampleFormatError, "expected a sequence"),
        (42, ps.SampleFormatError, "got int"),
    ],
)
def test_typed_errors(samples, error, message):
    with pytest.raises(error, match=message):
        ps.analyze(samples)


def test_too_many_samples():
    with pytest.raises(ps.TooManySamplesError, match="8 samples, more than the limit of 7"):
        ps.analyze([(t, 97.0, None) for t in range(8)], ps.Config(max_samples=7))


def test_error_hierarchy():
    for error in (ps.EmptyPacketError, ps.TooManySamplesError, ps.ConfigError, ps.SampleFormatError):
        assert issubclass(error, ps.SignalError)
    assert issubclass(ps.SignalError, ValueError)


def test_non_finite_values_are_rejected_not_raised():
    f = ps.analyze([(0, math.nan, None), (1, 97.0, math.inf), (math.nan, 97.0, None)])
    assert [(r.index, r.field, r.code) for r in f.rejections] == [
        (0, "spo2", "value_not_finite"),
        (1, "heart_rate", "value_not_finite"),
        (2, "offset_s", "offset_not_finite"),
    ]
    assert f.spo2_mean == 97.0


def test_spo2_series_downsamples_keeping_minima():
    samples = [(t, 80.0 if t == 500 else 97.0, None) for t in range(1000)]
    series = ps.spo2_series(samples, 50)
    assert len(series) == 50
    assert (500.0, 80.0) in series
    assert ps.spo2_series(samples[:10]) == [(float(t), 97.0) for t in range(10)]


def test_analysis_runs_in_parallel_threads():
    samples = [(t, 97.0 - t / 1000, 80.0) for t in range(7200)]
    results: list[float] = []

    def work() -> None:
        for _ in range(20):
            results.append(ps.analyze(samples).spo2_slope_per_min)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 80
    assert all(r == pytest.approx(-0.06) for r in results)


def test_python_version_is_covered_by_abi3():
    assert sys.version_info >= (3, 9)
