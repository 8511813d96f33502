"""NEWS2 parameter scores (Royal College of Physicians, National Early Warning Score 2, 2017).

Each function maps one observation to its 0–3 points using the published bands. Observations
are first rounded the way a chart records them: whole numbers, temperature to 0.1 °C (half
up). SpO2 uses scale 1 (patients without hypercapnic respiratory failure).
"""

from __future__ import annotations

import math
from typing import Literal

Consciousness = Literal["alert", "cvpu"]


def _whole(value: float) -> int:
    return math.floor(value + 0.5)


def _tenths(value: float) -> float:
    return math.floor(value * 10 + 0.5) / 10


def respiration_rate_points(breaths_per_min: float) -> int:
    rate = _whole(breaths_per_min)
    if rate <= 8:
        return 3
    if rate <= 11:
        return 1
    if rate <= 20:
        return 0
    if rate <= 24:
        return 2
    return 3


def spo2_scale1_points(percent: float) -> int:
    spo2 = _whole(percent)
    if spo2 <= 91:
        return 3
    if spo2 <= 93:
        return 2
    if spo2 <= 95:
        return 1
    return 0


def supplemental_oxygen_points(on_oxygen: bool) -> int:
    return 2 if on_oxygen else 0


def systolic_bp_points(mmhg: float) -> int:
    pressure = _whole(mmhg)
    if pressure <= 90:
        return 3
    if pressure <= 100:
        return 2
    if pressure <= 110:
        return 1
    if pressure <= 219:
        return 0
    return 3


def pulse_points(beats_per_min: float) -> int:
    pulse = _whole(beats_per_min)
    if pulse <= 40:
        return 3
    if pulse <= 50:
        return 1
    if pulse <= 90:
        return 0
    if pulse <= 110:
        return 1
    if pulse <= 130:
        return 2
    return 3


def consciousness_points(level: Consciousness) -> int:
    if level == "alert":
        return 0
    if level == "cvpu":
        return 3
    raise ValueError(f"consciousness must be 'alert' or 'cvpu', got {level!r}")


def temperature_points(celsius: float) -> int:
    temperature = _tenths(celsius)
    if temperature <= 35.0:
        return 3
    if temperature <= 36.0:
        return 1
    if temperature <= 38.0:
        return 0
    if temperature <= 39.0:
        return 1
    return 2
