"""patient_signal.filter_spo2: the C library patient-signal-dsp (linked from its Conan
package for this platform) seen through the installed wheel."""

from __future__ import annotations

import platform

import patient_signal as ps
import pytest


def test_the_wheel_links_the_conan_package_for_this_machine():
    """The build info compiled into the C library names the Conan arch of this machine."""
    want = {"x86_64": "x86_64", "aarch64": "armv8"}[platform.machine()]
    info = ps.dsp_build_info()
    assert info == f"patient-signal-dsp/0.1.0 arch={want} build=conan"


def test_half_alpha_step_response_and_held_artefacts():
    """alpha 0.5 from 90.0 towards 92.0: 91.0, 91.5, 91.75 -> 91.8 (fixed point, rounded to
    0.1 %); a probe-off 0 and a NaN are artefacts that hold the last value."""
    values, artefact = ps.filter_spo2([90, 92, 92.0, 92, 0, float("nan")], alpha=0.5)
    assert values == [90.0, 91.0, 91.5, 91.8, 91.8, 91.8]
    assert artefact == [False, False, False, False, True, True]


def test_motion_spike_is_rejected_and_a_sustained_drop_accepted():
    """max_step 4 %: a one-sample +5 % spike is an artefact; a sustained -15 % drop is
    accepted (re-seeded) after max_hold samples."""
    values, artefact = ps.filter_spo2([95, 100, 95.2], alpha=1.0)
    assert values == [95.0, 95.0, 95.2]
    assert artefact == [False, True, False]
    values, artefact = ps.filter_spo2([95, 80, 80, 80, 80], alpha=1.0, max_hold=3)
    assert values == [95.0, 95.0, 95.0, 80.0, 80.0]
    assert artefact == [False, True, True, False, False]


def test_nothing_before_the_first_plausible_reading():
    assert ps.filter_spo2([0, 42, 96]) == ([None, None, 96.0], [True, True, False])
    assert ps.filter_spo2([]) == ([], [])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"alpha": 0.0}, "alpha"),
        ({"alpha": 1.5}, "alpha"),
        ({"max_valid": 100.5}, "max_valid"),
        ({"min_valid": 95, "max_valid": 90}, "max_valid"),
        ({"max_step": 0}, "max_step"),
        ({"max_hold": 0}, "max_hold"),
    ],
)
def test_unusable_settings_raise_config_error(kwargs, field):
    with pytest.raises(ps.ConfigError, match=field):
        ps.filter_spo2([97.0], **kwargs)
