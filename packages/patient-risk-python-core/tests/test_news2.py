"""NEWS2 bands, edge by edge (RCP NEWS2 chart, 2017)."""

import pytest
from patient_risk_core import news2


@pytest.mark.parametrize(
    ("value", "points"),
    [(6, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (40, 3), (11.4, 1), (11.5, 0)],
)
def test_respiration_rate(value, points):
    assert news2.respiration_rate_points(value) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [(80, 3), (91, 3), (91.4, 3), (91.5, 2), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)],
)
def test_spo2_scale1(value, points):
    assert news2.spo2_scale1_points(value) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [(70, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3)],
)
def test_systolic_bp(value, points):
    assert news2.systolic_bp_points(value) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [(35, 3), (40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2), (131, 3)],
)
def test_pulse(value, points):
    assert news2.pulse_points(value) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [(34.0, 3), (35.0, 3), (35.04, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1), (39.0, 1), (39.1, 2)],
)
def test_temperature(value, points):
    assert news2.temperature_points(value) == points


def test_consciousness_and_oxygen():
    assert news2.consciousness_points("alert") == 0
    assert news2.consciousness_points("cvpu") == 3
    with pytest.raises(ValueError, match="alert"):
        news2.consciousness_points("asleep")  # type: ignore[arg-type]
    assert news2.supplemental_oxygen_points(True) == 2
    assert news2.supplemental_oxygen_points(False) == 0
