"""The checked-in contracts agree with the code."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml
from helpers import CONTRACTS, FIXTURES, fixture
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from patient_risk_api import contract, packet_schema
from patient_risk_api.models import SignalPacket
from pydantic import ValidationError


def test_openapi_yaml_matches_the_app():
    checked_in = yaml.safe_load((CONTRACTS / "openapi.yaml").read_text("utf-8"))
    generated = contract.openapi_document()
    assert checked_in == generated, "contracts/openapi.yaml drifted from the app: run `make api/contract`"
    assert (CONTRACTS / "openapi.yaml").read_text("utf-8") == contract.render_openapi()


def test_packaged_schema_is_the_contract():
    packaged = packet_schema.packet_schema()
    assert packaged == json.loads((CONTRACTS / "signal-packet.schema.json").read_text("utf-8")), (
        "src/patient_risk_api/contracts/signal-packet.schema.json differs: run `make api/contract`"
    )
    Draft202012Validator.check_schema(packaged)


def test_openapi_embeds_the_packet_schema():
    document = contract.openapi_document()
    schemas = document["components"]["schemas"]
    source = packet_schema.packet_schema()
    assert schemas["SignalPacket"]["required"] == source["required"]
    assert set(schemas["SignalPacket"]["properties"]) == set(source["properties"])
    assert schemas["SignalPacketSample"]["properties"] == source["$defs"]["Sample"]["properties"]
    body = document["paths"]["/v1/signal-packets"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/SignalPacket"}
    assert "$defs" not in json.dumps(document)


def test_fixtures_against_the_schema():
    assert packet_schema.validate_packet(fixture("low-spo2-trend.json")) == []
    assert packet_schema.validate_packet(fixture("normal.json")) == []
    assert {e.field for e in packet_schema.validate_packet(fixture("malformed.json"))} == {"started_at", "samples[1].spo2"}
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == ["low-spo2-trend.json", "malformed.json", "normal.json"]


def test_model_fields_match_the_schema():
    source = packet_schema.packet_schema()
    model = SignalPacket.model_json_schema()
    assert set(model["properties"]) == set(source["properties"])
    assert set(model["required"]) == set(source["required"])
    sample = model["$defs"]["Sample"]
    assert set(sample["properties"]) == set(source["$defs"]["Sample"]["properties"])
    assert sample["required"] == source["$defs"]["Sample"]["required"]


# Mutations of a valid packet; each may or may not keep it valid. Schema and model must agree.
_BASE = fixture("normal.json")
_BASE["samples"] = _BASE["samples"][:3]
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 100_000), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=70), st.sampled_from(["2026-11-28T09:00:00Z", "2026-11-28T09:00:00+02:00",
                                          "2026-11-28 09:00:00", "2026-11-28T09:00:00", "alert", "cvpu", "a b", ""]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.sampled_from(["offset_s", "spo2", "x"]), st.integers(0, 300)),
)
_PATHS = [
    ("packet_id",), ("patient_id",), ("device_id",), ("started_at",), ("respiratory_rate",), ("temperature_c",),
    ("systolic_bp",), ("consciousness",), ("on_supplemental_oxygen",), ("patient",), ("patient", "display_name"),
    ("patient", "ward"), ("samples",), ("samples", 0), ("samples", 1, "offset_s"), ("samples", 2, "spo2"),
    ("samples", 0, "heart_rate"), ("extra_field",), ("samples", 1, "extra"),
]


def _mutate(packet: dict[str, Any], path: tuple[Any, ...], value: Any, delete: bool) -> dict[str, Any]:
    doc = copy.deepcopy(packet)
    target = doc
    for key in path[:-1]:
        if isinstance(target, dict) and key not in target:
            target[key] = {}
        target = target[key]
    if delete:
        if isinstance(target, dict):
            target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return doc


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_PATHS), _VALUES, st.booleans()), min_size=1, max_size=3))
# Values pydantic's lax mode would coerce but the schema rejects.
@example([(("started_at",), 0, False)])
@example([(("samples", 2, "spo2"), "97", False)])
@example([(("on_supplemental_oxygen",), 1, False)])
@example([(("respiratory_rate",), True, False)])
@example([(("patient", "ward"), 7, False)])
def test_schema_and_model_agree(mutations):
    doc = _BASE
    for path, value, delete in mutations:
        doc = _mutate(doc, path, value, delete)
    schema_ok = not packet_schema.validate_packet(doc)
    try:
        SignalPacket.model_validate(json.loads(json.dumps(doc)))
        model_ok = True
    except ValidationError:
        model_ok = False
    assert schema_ok == model_ok, (doc, packet_schema.validate_packet(doc))
