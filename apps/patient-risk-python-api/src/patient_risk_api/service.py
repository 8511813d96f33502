"""From a validated packet to a stored assessment: signal features (Rust), risk score
(patient_risk_core), idempotency digest."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import patient_risk_core
import patient_signal

from .models import Assessment, Features, SignalPacket
from .storage import Saved, Storage

SERIES_POINTS = 120
MAX_LISTED_REJECTIONS = 100


def digest(packet: SignalPacket) -> str:
    """sha256 of the packet's canonical JSON: equal for the same readings however they were
    spelled (key order, 97 vs 97.0, time-zone notation of started_at).

    The reference definition: every packet stored so far has this digest, and a resend is
    recognised by it. ``digest_and_body`` computes the same bytes faster (a property test
    holds the two equal)."""
    canonical = packet.model_dump(mode="json", exclude_none=True)
    canonical["started_at"] = packet.started_at.astimezone(UTC).isoformat()
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# orjson writes some floats differently from json.dumps: below 1e-4 ("0.00001" for 1e-05,
# "1.5e-7" for 1.5e-07) and possibly in other exponent forms. In compact JSON a number starts
# right after ':', '[' or ','; any output where such a number has an exponent or starts with
# "0.0000" is written again by json.dumps. Everything else is byte-identical (the same
# separators, key order, escapes and UTF-8). Text inside a string that looks like that (a
# quote is always escaped there, so only e.g. "a:1e5") only costs the slower path.
_MAYBE_DIFFERENT = re.compile(rb"[:\[,]-?(?:0\.0000|[0-9.]+[eE])")


def canonical_text(canonical: dict[str, Any]) -> bytes:
    """UTF-8 bytes of ``json.dumps(canonical, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)``, by orjson where that is provably the same text."""
    try:
        text = orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # e.g. a lone surrogate in a string, which json.dumps writes as such
        text = None
    if text is None or _MAYBE_DIFFERENT.search(text):
        return json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return text


def digest_and_body(packet: SignalPacket) -> tuple[str, dict[str, Any]]:
    """The packet's digest (byte-identical to :func:`digest`) and its JSON document for the
    ``packets.body`` column (``model_dump(mode="json", exclude_none=True)``), from one dump."""
    body = packet.model_dump(mode="json", exclude_none=True)
    given = body["started_at"]
    body["started_at"] = packet.started_at.astimezone(UTC).isoformat()
    text = canonical_text(body)
    body["started_at"] = given
    return hashlib.sha256(text).hexdigest(), body


def assess(packet: SignalPacket) -> Assessment:
    samples = [(s.offset_s, s.spo2, s.heart_rate) for s in packet.samples]
    vitals = patient_risk_core.Vitals(
        respiratory_rate=packet.respiratory_rate,
        temperature_c=packet.temperature_c,
        systolic_bp=packet.systolic_bp,
        consciousness=packet.consciousness,
        on_supplemental_oxygen=packet.on_supplemental_oxygen,
    )
    risk, f = patient_risk_core.assess_samples(samples, vitals)
    series = patient_signal.spo2_series(samples, SERIES_POINTS)
    # Nested values as plain dicts and tuples: pydantic builds the up to 120 series points, the
    # reasons and the rejections in one validation instead of one Python __init__ each.
    return Assessment(
        assessment_id=str(uuid.uuid4()),
        packet_id=packet.packet_id,
        patient_id=packet.patient_id,
        device_id=packet.device_id,
        score=risk.score,
        level=risk.level,
        reasons=[{"code": r.code, "message": r.message, "points": r.points} for r in risk.reasons],
        features=Features(
            spo2_mean=f.spo2_mean,
            spo2_min=f.spo2_min,
            spo2_recent=f.spo2_recent,
            spo2_slope_per_min=f.spo2_slope_per_min,
            desaturation_events=f.desaturation_events,
            seconds_below_90=f.seconds_below_threshold,
            heart_rate_mean=f.heart_rate_mean,
            heart_rate_recent=f.heart_rate_recent,
            duration_s=f.duration_s,
            sample_count=f.sample_count,
            rejected_samples=f.rejected_samples,
            gaps=f.gaps,
            longest_gap_s=f.longest_gap_s,
        ),
        rejections=[
            {"index": r.index, "field": r.field, "code": r.code, "message": r.message}
            for r in f.rejections[:MAX_LISTED_REJECTIONS]
        ],
        started_at=packet.started_at,
        assessed_at=datetime.now(UTC),
        spo2_series=[{"offset_s": t, "spo2": v} for t, v in series],
    )


def submit(storage: Storage, packet: SignalPacket) -> Saved:
    """Store the packet once and return its assessment (see Storage.save)."""
    packet_digest, body = digest_and_body(packet)
    return storage.save(packet, packet_digest, lambda: assess(packet), body)
