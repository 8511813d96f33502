"""The request path's faster JSON gives exactly the old results:

- ``service.digest_and_body`` (one model dump, orjson where its text is provably json.dumps')
  gives the digest of ``service.digest``, the reference every stored packet was keyed with, so
  a resend of a packet stored before this change is still a 200, not a 409;
- the API's orjson parse of a body only decides for valid packets, and for those it is the
  document json.loads gives; everything else goes through json.loads and the full validator
  as before (so every 422 keeps its message).
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from helpers import fixture
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from patient_risk_api import packet_schema, service
from patient_risk_api.models import SignalPacket


def _number(low: float, high: float) -> st.SearchStrategy[float | int]:
    # Tiny and round values, whole numbers as int and float, and everything in between.
    return st.one_of(
        st.floats(low, high, allow_nan=False, allow_infinity=False),
        st.integers(int(low), int(high)),
        st.sampled_from([v for v in (0, 0.0, -0.0, 1e-05, 5e-324, 1.5e-07, 0.0001, 9.999e-05, 123.456,
                                     1 / 3, low, high) if low <= v <= high]),
    )


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)
_ID = st.from_regex(r"\A[A-Za-z0-9._-]{1,64}\Z")
_SAMPLE = st.fixed_dictionaries(
    {"offset_s": _number(0, 86400)},
    optional={"spo2": st.one_of(st.none(), _number(0, 255)), "heart_rate": st.one_of(st.none(), _number(0, 1000))},
)
_STARTED = st.builds(
    lambda moment, minutes, text: (moment.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat()
                                   if text else moment.replace(tzinfo=timezone(timedelta(minutes=minutes)))),
    st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)), st.integers(-14 * 60, 14 * 60), st.booleans(),
)
_PACKET = st.fixed_dictionaries(
    {"packet_id": _ID, "patient_id": _ID, "device_id": _ID, "started_at": _STARTED,
     "samples": st.lists(_SAMPLE, min_size=1, max_size=12)},
    optional={
        "patient": st.one_of(st.none(), st.fixed_dictionaries(
            {}, optional={"display_name": st.one_of(st.none(), _TEXT), "ward": st.one_of(st.none(), _TEXT)})),
        "respiratory_rate": st.one_of(st.none(), _number(0, 120)),
        "temperature_c": st.one_of(st.none(), _number(20, 45)),
        "systolic_bp": st.one_of(st.none(), _number(0, 350)),
        "consciousness": st.sampled_from([None, "alert", "cvpu"]),
        "on_supplemental_oxygen": st.sampled_from([None, True, False]),
    },
)


def _packet(doc: dict) -> SignalPacket:
    return SignalPacket.model_validate(doc)


@pytest.mark.parametrize("name", ["low-spo2-trend.json", "normal.json"])
def test_fixture_digests_are_the_stored_ones(name):
    """The fixtures' digests are the reference's, and (pinned here) did not change."""
    packet = _packet(fixture(name))
    fast, body = service.digest_and_body(packet)
    assert fast == service.digest(packet)
    assert body == packet.model_dump(mode="json", exclude_none=True)


def test_bench_packets_take_the_orjson_path():
    """The load benchmark's packets (hex packet ids, the low-SpO2 readings) are written by orjson,
    not by the json.dumps fallback (else the fast digest would be as slow as the old one)."""
    doc = fixture("low-spo2-trend.json")
    doc["packet_id"] = "load-3a8e91f2-000123"
    packet = _packet(doc)
    canonical = packet.model_dump(mode="json", exclude_none=True)
    canonical["started_at"] = packet.started_at.isoformat()
    assert service._MAYBE_DIFFERENT.search(orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)) is None
    assert service.digest_and_body(packet)[0] == service.digest(packet)


def test_low_spo2_digest_is_pinned():
    """A pinned value: a change to the canonical form would make stored packets' resends 409s."""
    packet = _packet(fixture("low-spo2-trend.json"))
    assert service.digest_and_body(packet)[0] == "95b38d815d140f5b9d7b2573c6a367f9f22874c3bd2ac77119cd33be20ccfedf"


@settings(max_examples=600, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PACKET)
@example({"packet_id": "p", "patient_id": "q", "device_id": "d", "started_at": "2026-11-28T09:00:00+02:00",
          "samples": [{"offset_s": 1e-05, "spo2": 5e-324, "heart_rate": 1.5e-07}]})
@example({"packet_id": "p", "patient_id": "q", "device_id": "d", "started_at": "2026-11-28T09:00:00Z",
          "samples": [{"offset_s": 0}], "patient": {"display_name": "\x00\x1f\x7f\u2028 é \"\\ 1e5 0.00001 \U0001f600"}})
def test_fast_digest_is_the_reference_digest(doc):
    """Over generated valid packets (tiny floats, ints for floats, -0.0, any time zone, any
    Unicode in the free-text fields), the fast digest is byte-for-byte the reference's and
    the body is the model dump the database stored before."""
    packet = _packet(doc)
    fast, body = service.digest_and_body(packet)
    assert fast == service.digest(packet), doc
    assert body == packet.model_dump(mode="json", exclude_none=True)


def test_canonical_text_falls_back_where_orjson_writes_otherwise():
    """The two known spellings orjson does not share with json.dumps are caught."""
    for value in (1e-05, 5e-05, 1.5e-07):
        doc = {"v": value}
        assert orjson.dumps(doc) != json.dumps(doc, separators=(",", ":")).encode()
        assert service.canonical_text(doc) == json.dumps(doc, separators=(",", ":")).encode()


_BASE = fixture("low-spo2-trend.json")
_BASE["samples"] = _BASE["samples"][:3]
_BASE_TEXT = json.dumps(_BASE)
# Spellings where the parsers may disagree, spliced into the body's text.
_SPLICES = st.sampled_from([
    "18446744073709551616", "-18446744073709551617", "1e400", "-1e400", "NaN", "Infinity", "-0", "-0.0",
    "1E2", "97.00000000000000001", '"\\ud800"', '"\\u0000"', '"\xe9"', "[]", "{}", "null", "true", "1" * 30,
])
_TARGETS = ['"spo2": 97', '"offset_s": 0', '"respiratory_rate": ', '"ward": ', '"packet_id": ']


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.sampled_from(_TARGETS), _SPLICES, st.booleans())
@example('"spo2": 97', "18446744073709551616", False)
def test_orjson_decides_only_where_json_loads_agrees(target, splice, duplicate):
    """Where the API takes orjson's document (it parses and passes the fast schema check),
    json.loads gives the same document and the full validator accepts it; elsewhere the API
    uses json.loads as before."""
    text = _BASE_TEXT
    at = text.find(target)
    if at >= 0:
        start = at + len(target.split(":")[0]) + 1
        end = start
        while end < len(text) and text[end] not in ",}":
            end += 1
        text = text[:start] + " " + splice + text[end:]
    if duplicate:  # a duplicated key: both parsers keep the last
        text = text.replace('"device_id": ', f'"device_id": {splice}, "device_id": ', 1)
    body = text.encode("utf-8", "surrogatepass")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return
    if not packet_schema.is_valid_fast(document):
        return
    reference = json.loads(body)
    assert document == reference and type(document) is type(reference)
    assert json.dumps(document, sort_keys=True) == json.dumps(reference, sort_keys=True)
    assert not packet_schema.validate_packet(copy.deepcopy(reference))


def test_orjson_documents_are_taken_for_valid_packets():
    """The comparison above is reached: valid bodies, however spelled, take orjson's document."""
    for text in (_BASE_TEXT, _BASE_TEXT.replace('"spo2": 97', '"spo2": -0', 1), json.dumps(_BASE, indent=2)):
        document = orjson.loads(text.encode())
        assert packet_schema.is_valid_fast(document) and document == json.loads(text)
