"""Risk assessment of one signal packet: NEWS2 parameter points, SpO2 trend escalation from
the Rust signal features, and the level with the reasons behind it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import patient_signal

from . import news2

Level = Literal["low", "medium", "high"]

#: Aggregate score at or above which the level is medium / high (NEWS2 thresholds).
MEDIUM_AT = 5
HIGH_AT = 7
#: Trend escalation: slope thresholds (points per minute) and the data needed to trust them.
FALLING_SLOPE = -0.5
FAST_FALLING_SLOPE = -1.0
TREND_MIN_DURATION_S = 120.0
TREND_MIN_READINGS = 10
#: Desaturation burden that doubles the desaturation points.
HEAVY_DESATURATION_EVENTS = 3
HEAVY_DESATURATION_SECONDS = 60.0
#: Fraction of rejected samples above which the data-quality reason is raised.
POOR_QUALITY_FRACTION = 0.2


class SignalFeatures(Protocol):
    """The features this module reads (patient_signal.Features has them all)."""

    @property
    def sample_count(self) -> int: ...
    @property
    def valid_spo2_count(self) -> int: ...
    @property
    def spo2_recent(self) -> float | None: ...
    @property
    def spo2_slope_per_min(self) -> float | None: ...
    @property
    def desaturation_events(self) -> int: ...
    @property
    def seconds_below_threshold(self) -> float: ...
    @property
    def heart_rate_recent(self) -> float | None: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def gaps(self) -> int: ...
    @property
    def rejected_samples(self) -> int: ...


@dataclass(frozen=True)
class Vitals:
    """Spot observations that come with a packet; None means not observed."""

    respiratory_rate: float | None = None
    temperature_c: float | None = None
    systolic_bp: float | None = None
    consciousness: news2.Consciousness | None = None
    on_supplemental_oxygen: bool | None = None


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    points: int

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "points": self.points}


@dataclass(frozen=True)
class RiskAssessment:
    score: int
    level: Level
    reasons: tuple[Reason, ...]
    #: Points per NEWS2 parameter that was observed (before trend escalation).
    parameter_points: dict[str, int] = field(default_factory=dict)


def _fmt(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _news2_reasons(features: SignalFeatures, vitals: Vitals) -> tuple[list[Reason], dict[str, int], list[str]]:
    reasons: list[Reason] = []
    points: dict[str, int] = {}
    missing: list[str] = []

    def add(name: str, code: str, value: float | str | bool | None, score: int, message: str) -> None:
        points[name] = score
        if score:
            reasons.append(Reason(code, message, score))

    spo2 = features.spo2_recent
    if spo2 is None:
        missing.append("spo2")
    else:
        add("spo2", "spo2_scale1", spo2, news2.spo2_scale1_points(spo2),
            f"SpO2 {_fmt(spo2)} % over the last 30 s (NEWS2 scale 1)")
    pulse = features.heart_rate_recent
    if pulse is None:
        missing.append("heart_rate")
    else:
        add("heart_rate", "heart_rate", pulse, news2.pulse_points(pulse),
            f"heart rate {_fmt(pulse)} bpm over the last 30 s")
    if vitals.respiratory_rate is None:
        missing.append("respiratory_rate")
    else:
        rate = vitals.respiratory_rate
        add("respiratory_rate", "respiratory_rate", rate, news2.respiration_rate_points(rate),
            f"respiratory rate {_fmt(rate)} /min")
    if vitals.temperature_c is None:
        missing.append("temperature_c")
    else:
        t = vitals.temperature_c
        add("temperature_c", "temperature", t, news2.temperature_points(t), f"temperature {_fmt(t)} °C")
    if vitals.systolic_bp is None:
        missing.append("systolic_bp")
    else:
        bp = vitals.systolic_bp
        add("systolic_bp", "systolic_bp", bp, news2.systolic_bp_points(bp), f"systolic blood pressure {_fmt(bp)} mmHg")
    if vitals.consciousness is None:
        missing.append("consciousness")
    else:
        add("consciousness", "consciousness", vitals.consciousness, news2.consciousness_points(vitals.consciousness),
            "new confusion or responds only to voice/pain or unresponsive (CVPU)")
    if vitals.on_supplemental_oxygen is None:
        missing.append("on_supplemental_oxygen")
    else:
        add("on_supplemental_oxygen", "supplemental_oxygen", vitals.on_supplemental_oxygen,
            news2.supplemental_oxygen_points(vitals.on_supplemental_oxygen), "on supplemental oxygen")
    return reasons, points, missing


def _trend_reasons(features: SignalFeatures) -> list[Reason]:
    reasons: list[Reason] = []
    slope = features.spo2_slope_per_min
    trusted = features.duration_s >= TREND_MIN_DURATION_S and features.valid_spo2_count >= TREND_MIN_READINGS
    if slope is not None and trusted and slope <= FALLING_SLOPE:
        points = 2 if slope <= FAST_FALLING_SLOPE else 1
        minutes = features.duration_s / 60
        reasons.append(Reason("spo2_falling", f"SpO2 falling {_fmt(abs(slope))} points per minute over {_fmt(minutes)} min", points))
    events = features.desaturation_events
    if events:
        below = features.seconds_below_threshold
        heavy = events >= HEAVY_DESATURATION_EVENTS or below >= HEAVY_DESATURATION_SECONDS
        plural = "s" if events != 1 else ""
        reasons.append(Reason(
            "desaturation",
            f"{events} desaturation event{plural} (SpO2 < 90 % for ≥ 10 s), {_fmt(below)} s below 90 % in total",
            2 if heavy else 1,
        ))
    return reasons


def _quality_reasons(features: SignalFeatures, missing: list[str]) -> list[Reason]:
    reasons: list[Reason] = []
    if features.valid_spo2_count == 0:
        reasons.append(Reason("spo2_missing", "no valid SpO2 reading in the packet: SpO2 not scored", 0))
    if features.sample_count and features.rejected_samples / features.sample_count > POOR_QUALITY_FRACTION or features.gaps:
        reasons.append(Reason(
            "data_quality",
            f"{features.rejected_samples} of {features.sample_count} samples rejected, {features.gaps} gap(s) over 10 s",
            0,
        ))
    if missing:
        reasons.append(Reason("incomplete_observations", f"not observed, not scored: {', '.join(missing)}", 0))
    return reasons


def level_for(score: int, worst_parameter_points: int) -> Level:
    """NEWS2 response bands: 0–4 low, 5–6 medium, 7+ high; a single parameter scoring 3 (a
    "red score") makes it at least medium."""
    if score >= HIGH_AT:
        return "high"
    if score >= MEDIUM_AT or worst_parameter_points >= 3:
        return "medium"
    return "low"


def assess(features: SignalFeatures, vitals: Vitals) -> RiskAssessment:
    """Score one packet from its signal features and spot observations."""
    news2_reasons, points, missing = _news2_reasons(features, vitals)
    trend = _trend_reasons(features)
    score = sum(points.values()) + sum(r.points for r in trend)
    level = level_for(score, max(points.values(), default=0))
    ranked = sorted([*news2_reasons, *trend], key=lambda r: -r.points)
    return RiskAssessment(score, level, (*ranked, *_quality_reasons(features, missing)), points)


def assess_samples(
    samples: Iterable[Any], vitals: Vitals, config: patient_signal.Config | None = None
) -> tuple[RiskAssessment, patient_signal.Features]:
    """Analyse the samples with the Rust signal core, then :func:`assess` them."""
    features = patient_signal.analyze(samples, config)
    return assess(features, vitals), features
