"""Type stubs of the native module (src/lib.rs)."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal, Protocol, final

__version__: Final[str]

class _SampleLike(Protocol):
    offset_s: float
    spo2: float | None
    heart_rate: float | None

Sample = (
    Mapping[str, float | None]
    | tuple[float]
    | tuple[float, float | None]
    | tuple[float, float | None, float | None]
    | _SampleLike
)

class SignalError(ValueError):
    """Base class of every patient_signal error."""

class EmptyPacketError(SignalError):
    """The packet has no samples."""

class TooManySamplesError(SignalError):
    """The packet has more samples than Config.max_samples."""

class ConfigError(SignalError):
    """A Config threshold is unusable."""

class SampleFormatError(SignalError):
    """A sample is not shaped like {offset_s, spo2?, heart_rate?}."""

@final
class Config:
    def __init__(
        self,
        *,
        desaturation_threshold: float = 90.0,
        desaturation_min_duration_s: float = 10.0,
        max_gap_s: float = 10.0,
        recent_window_s: float = 30.0,
        spo2_min: float = 50.0,
        spo2_max: float = 100.0,
        heart_rate_min: float = 20.0,
        heart_rate_max: float = 300.0,
        max_samples: int = 7200,
    ) -> None: ...
    @property
    def desaturation_threshold(self) -> float: ...
    @property
    def desaturation_min_duration_s(self) -> float: ...
    @property
    def max_gap_s(self) -> float: ...
    @property
    def recent_window_s(self) -> float: ...
    @property
    def spo2_min(self) -> float: ...
    @property
    def spo2_max(self) -> float: ...
    @property
    def heart_rate_min(self) -> float: ...
    @property
    def heart_rate_max(self) -> float: ...
    @property
    def max_samples(self) -> int: ...

@final
class Rejection:
    @property
    def index(self) -> int: ...
    @property
    def field(self) -> Literal["offset_s", "spo2", "heart_rate", "sample"]: ...
    @property
    def code(
        self,
    ) -> Literal[
        "offset_not_finite",
        "offset_negative",
        "offset_not_increasing",
        "value_not_finite",
        "out_of_range",
        "no_readings",
    ]: ...
    @property
    def message(self) -> str: ...

@final
class Features:
    @property
    def sample_count(self) -> int: ...
    @property
    def valid_spo2_count(self) -> int: ...
    @property
    def valid_heart_rate_count(self) -> int: ...
    @property
    def spo2_mean(self) -> float | None: ...
    @property
    def spo2_min(self) -> float | None: ...
    @property
    def spo2_max(self) -> float | None: ...
    @property
    def spo2_recent(self) -> float | None: ...
    @property
    def spo2_slope_per_min(self) -> float | None: ...
    @property
    def desaturation_events(self) -> int: ...
    @property
    def seconds_below_threshold(self) -> float: ...
    @property
    def longest_desaturation_s(self) -> float: ...
    @property
    def heart_rate_mean(self) -> float | None: ...
    @property
    def heart_rate_min(self) -> float | None: ...
    @property
    def heart_rate_max(self) -> float | None: ...
    @property
    def heart_rate_recent(self) -> float | None: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def gaps(self) -> int: ...
    @property
    def longest_gap_s(self) -> float: ...
    @property
    def rejected_samples(self) -> int: ...
    @property
    def rejections(self) -> list[Rejection]: ...
    def to_dict(self) -> dict[str, Any]: ...

def analyze(samples: Iterable[Sample], config: Config | None = None) -> Features: ...
def spo2_series(
    samples: Iterable[Sample], max_points: int = 120, config: Config | None = None
) -> list[tuple[float, float]]: ...
def filter_spo2(
    spo2: Sequence[float],
    *,
    alpha: float = 0.25,
    min_valid: float = 50.0,
    max_valid: float = 100.0,
    max_step: float = 4.0,
    max_hold: int = 5,
) -> tuple[list[float | None], list[bool]]: ...
def dsp_build_info() -> str: ...
