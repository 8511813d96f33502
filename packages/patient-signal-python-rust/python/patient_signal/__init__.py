"""Features of bedside signal packets (SpO2 and heart rate), computed by a Rust core.

>>> import patient_signal
>>> f = patient_signal.analyze([{"offset_s": 0, "spo2": 97}, {"offset_s": 2, "spo2": 95}])
>>> f.spo2_min, round(f.spo2_slope_per_min, 1)
(95.0, -60.0)
"""

from ._native import (
    Config,
    ConfigError,
    EmptyPacketError,
    Features,
    Rejection,
    SampleFormatError,
    SignalError,
    TooManySamplesError,
    __version__,
    analyze,
    dsp_build_info,
    filter_spo2,
    spo2_series,
)

__all__ = [
    "Config",
    "ConfigError",
    "EmptyPacketError",
    "Features",
    "Rejection",
    "SampleFormatError",
    "SignalError",
    "TooManySamplesError",
    "__version__",
    "analyze",
    "dsp_build_info",
    "filter_spo2",
    "spo2_series",
]
