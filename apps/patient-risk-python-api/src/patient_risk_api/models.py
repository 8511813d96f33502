"""Wire models of the HTTP API (the shapes in contracts/openapi.yaml).

The request body of ``POST /v1/signal-packets`` is validated against
``contracts/signal-packet.schema.json`` first (see :mod:`patient_risk_api.packet_schema`);
:class:`SignalPacket` is the typed view of a packet that passed that schema, and a test keeps
the two in agreement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Level = Literal["low", "medium", "high"]


def _rfc3339_text(value: object) -> object:
    # The schema says "string, format date-time": no Unix timestamps, unlike pydantic's lax mode.
    if isinstance(value, str | datetime):
        return value
    raise ValueError("must be an RFC 3339 date-time string, e.g. 2026-11-28T09:00:00Z")


class _Strict(BaseModel):
    # Strict like the JSON schema: no "97" for a number, no 1 for a boolean.
    model_config = ConfigDict(extra="forbid", strict=True)


class PatientInfo(_Strict):
    display_name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    ward: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class Sample(_Strict):
    offset_s: Annotated[float, Field(ge=0, le=86400)]
    spo2: Annotated[float, Field(ge=0, le=255)] | None = None
    heart_rate: Annotated[float, Field(ge=0, le=1000)] | None = None


class SignalPacket(_Strict):
    packet_id: Identifier
    patient_id: Identifier
    device_id: Identifier
    patient: PatientInfo | None = None
    started_at: Annotated[AwareDatetime, Field(strict=False), BeforeValidator(_rfc3339_text)]
    samples: Annotated[list[Sample], Field(min_length=1, max_length=7200)]
    respiratory_rate: Annotated[float, Field(ge=0, le=120)] | None = None
    temperature_c: Annotated[float, Field(ge=20, le=45)] | None = None
    systolic_bp: Annotated[float, Field(ge=0, le=350)] | None = None
    consciousness: Literal["alert", "cvpu"] | None = None
    on_supplemental_oxygen: bool | None = None


class Reason(BaseModel):
    code: str = Field(description="Stable machine-readable reason code, e.g. spo2_scale1 or spo2_falling.")
    message: str = Field(description="Human-readable explanation with the measured value.")
    points: int = Field(description="Points this reason adds to the score (0 for informational reasons).")


class Features(BaseModel):
    spo2_mean: float | None
    spo2_min: float | None
    spo2_recent: float | None = Field(description="Mean SpO2 over the last 30 s of valid readings.")
    spo2_slope_per_min: float | None = Field(
        description="Least-squares SpO2 trend in percentage points per minute."
    )
    desaturation_events: int = Field(description="Episodes of SpO2 < 90 % lasting at least 10 s.")
    seconds_below_90: float
    heart_rate_mean: float | None
    heart_rate_recent: float | None
    duration_s: float
    sample_count: int
    rejected_samples: int
    gaps: int = Field(description="Intervals between consecutive valid SpO2 readings longer than 10 s.")
    longest_gap_s: float


class Rejection(BaseModel):
    index: int = Field(description="Index of the sample in the packet's samples array.")
    field: Literal["offset_s", "spo2", "heart_rate", "sample"]
    code: str
    message: str


class SeriesPoint(BaseModel):
    offset_s: float
    spo2: float


class Assessment(BaseModel):
    assessment_id: str
    packet_id: str
    patient_id: str
    device_id: str
    score: int
    level: Level
    reasons: list[Reason]
    features: Features
    rejections: list[Rejection] = Field(description="Per-sample rejections (at most 100 listed).")
    started_at: datetime
    assessed_at: datetime
    spo2_series: list[SeriesPoint] = Field(
        description="Valid SpO2 readings downsampled to at most 120 points, for the trend chart."
    )


class RiskSnapshot(BaseModel):
    score: int
    level: Level
    assessed_at: datetime
    packet_id: str


class PatientSummary(BaseModel):
    patient_id: str
    display_name: str | None
    ward: str | None
    latest: RiskSnapshot | None


class PatientList(BaseModel):
    patients: list[PatientSummary]


class AssessmentList(BaseModel):
    assessments: list[Assessment]


class RiskChangedEvent(BaseModel):
    """Data of one ``risk-changed`` server-sent event on GET /v1/events/risk."""

    patient_id: str
    level: Level
    previous_level: Level | None
    score: int
    assessed_at: datetime
    packet_id: str


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "unready"]
    checks: dict[str, str] = Field(description="One entry per dependency: 'ok' or what is wrong.")


class FieldError(BaseModel):
    field: str = Field(description="Path of the offending field, e.g. samples[3].spo2.")
    message: str


class Problem(BaseModel):
    """RFC 7807-style error body (media type application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
