"""Scores, levels, reasons and trend escalation, from made-up features and from the fixtures
through the real Rust analysis."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from patient_risk_core import Vitals, assess, assess_samples, level_for

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
NORMAL_VITALS = Vitals(respiratory_rate=16, temperature_c=36.8, systolic_bp=124, consciousness="alert",
                       on_supplemental_oxygen=False)


@dataclass(frozen=True)
class Made:
    """Stand-in features with the attributes patient_risk_core reads."""

    sample_count: int = 120
    valid_spo2_count: int = 120
    spo2_recent: float | None = 97.0
    spo2_slope_per_min: float | None = 0.0
    desaturation_events: int = 0
    seconds_below_threshold: float = 0.0
    heart_rate_recent: float | None = 72.0
    duration_s: float = 600.0
    gaps: int = 0
    rejected_samples: int = 0


def codes(result):
    return [r.code for r in result.reasons]


def test_all_normal_is_low_with_no_scored_reasons():
    result = assess(Made(), NORMAL_VITALS)
    assert (result.score, result.level) == (0, "low")
    assert result.reasons == ()
    assert result.parameter_points == {
        "spo2": 0, "heart_rate": 0, "respiratory_rate": 0, "temperature_c": 0, "systolic_bp": 0,
        "consciousness": 0, "on_supplemental_oxygen": 0,
    }


@pytest.mark.parametrize(("score", "worst", "level"), [
    (0, 0, "low"), (4, 2, "low"), (3, 3, "medium"), (5, 2, "medium"), (6, 2, "medium"), (7, 2, "high"), (12, 3, "high"),
])
def test_levels(score, worst, level):
    assert level_for(score, worst) == level


def test_single_red_parameter_is_medium():
    result = assess(Made(), replace(NORMAL_VITALS, consciousness="cvpu"))
    assert (result.score, result.level) == (3, "medium")
    assert codes(result) == ["consciousness"]


def test_reasons_are_ranked_by_points_and_carry_values():
    result = assess(Made(spo2_recent=93.0, heart_rate_recent=115.0),
                    replace(NORMAL_VITALS, respiratory_rate=26, temperature_c=38.5))
    assert [(r.code, r.points) for r in result.reasons] == [
        ("respiratory_rate", 3), ("spo2_scale1", 2), ("heart_rate", 2), ("temperature", 1),
    ]
    assert result.score == 8 and result.level == "high"
    assert "93 %" in result.reasons[1].message
    assert "26 /min" in result.reasons[0].message


@pytest.mark.parametrize(("slope", "points"), [(-0.3, 0), (-0.5, 1), (-0.9, 1), (-1.0, 2), (-3.0, 2)])
def test_falling_spo2_escalates(slope, points):
    result = assess(Made(spo2_slope_per_min=slope), NORMAL_VITALS)
    assert result.score == points
    assert ("spo2_falling" in codes(result)) == (points > 0)


def test_short_or_sparse_trends_are_not_trusted():
    assert assess(Made(spo2_slope_per_min=-2.0, duration_s=90.0), NORMAL_VITALS).score == 0
    assert assess(Made(spo2_slope_per_min=-2.0, valid_spo2_count=5), NORMAL_VITALS).score == 0


@pytest.mark.parametrize(("events", "below", "points"), [(0, 0.0, 0), (1, 12.0, 1), (2, 40.0, 1), (1, 60.0, 2), (3, 30.0, 2)])
def test_desaturation_escalates(events, below, points):
    result = assess(Made(desaturation_events=events, seconds_below_threshold=below), NORMAL_VITALS)
    assert result.score == points


def test_trend_escalation_alone_can_reach_medium():
    features = Made(spo2_recent=94.0, spo2_slope_per_min=-1.2, desaturation_events=3, seconds_below_threshold=45)
    result = assess(features, NORMAL_VITALS)
    assert result.score == 1 + 2 + 2
    assert result.level == "medium"


def test_missing_observations_and_quality_are_reported_without_points():
    result = assess(Made(spo2_recent=None, valid_spo2_count=0, spo2_slope_per_min=None, gaps=2,
                         rejected_samples=40), Vitals())
    assert result.score == 0
    assert codes(result) == ["spo2_missing", "data_quality", "incomplete_observations"]
    assert "respiratory_rate" in result.reasons[-1].message
    assert all(r.points == 0 for r in result.reasons)


def _fixture(name: str):
    packet = json.loads((FIXTURES / name).read_text())
    vitals = Vitals(**{k: packet.get(k) for k in ("respiratory_rate", "temperature_c", "systolic_bp",
                                                   "consciousness", "on_supplemental_oxygen")})
    return packet, vitals


def test_low_spo2_fixture_is_high_risk_through_the_rust_core():
    packet, vitals = _fixture("low-spo2-trend.json")
    result, features = assess_samples(packet["samples"], vitals)
    assert result.level == "high"
    assert result.score >= 7
    assert {"spo2_scale1", "spo2_falling", "desaturation"} <= set(codes(result))
    assert features.spo2_slope_per_min < -1.0
    assert features.rejected_samples == 1  # the 127 sentinel
    assert features.gaps == 1  # the 14 s dropout


def test_normal_fixture_is_low_risk():
    packet, vitals = _fixture("normal.json")
    result, features = assess_samples(packet["samples"], vitals)
    assert (result.level, result.score) == ("low", 0)
    assert features.desaturation_events == 0
