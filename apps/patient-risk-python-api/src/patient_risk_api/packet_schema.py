"""Validation of signal packets against contracts/signal-packet.schema.json.

The schema is the source of truth for the request body: the API validates every posted packet
with it (JSON Schema 2020-12, formats checked) and embeds it in the OpenAPI document. The
package carries a byte-identical copy of ``contracts/signal-packet.schema.json`` (a test fails
when they differ; ``make api/contract`` refreshes it).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from .models import FieldError

SCHEMA_RESOURCE = "contracts/signal-packet.schema.json"
MAX_ERRORS = 20


@cache
def packet_schema() -> dict[str, Any]:
    text = resources.files("patient_risk_api").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def _ecma_pattern(pattern: str) -> re.Pattern[str]:
    # JSON Schema patterns are ECMA-262: a final `$` matches only at the very end, while
    # Python's `$` also matches before a trailing newline ("id\n" must not pass).
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Any:
    if isinstance(instance, str) and not _ecma_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})


@cache
def _validator() -> Any:
    # rfc3339-validator is a dependency, so "date-time" is really checked.
    return _Validator(packet_schema(), format_checker=FormatChecker(["date-time"]))


def _path(parts: list[str | int]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _describe(error: ValidationError) -> list[FieldError]:
    parts: list[str | int] = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        return [FieldError(field=_path([*parts, name]), message="is required") for name in missing]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(name for name in error.instance if name not in allowed)
        return [
            FieldError(
                field=_path([*parts, name]),
                message=f"unknown field; allowed here: {', '.join(sorted(allowed))}",
            )
            for name in extra
        ]
    field = _path(parts) or "(body)"
    if error.validator == "format":
        message = f"{error.instance!r} is not an RFC 3339 date-time (e.g. 2026-11-28T09:00:00Z)"
    elif error.validator == "pattern":
        message = f"{error.instance!r} must match {error.validator_value} (letters, digits, '.', '_', '-')"
    else:
        message = error.message
    return [FieldError(field=field, message=message)]


def _sort_key(error: ValidationError) -> list[tuple[int, int, str]]:
    return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path]


# -- fast path --------------------------------------------------------------------------------
# jsonschema walks every sample through the generic validator: about 19 ms for the 235-sample
# low-SpO2 fixture, the largest cost of a POST (docs/api-load.md). A packet is
# valid iff the schema without `samples.items` accepts it and every sample is valid against
# the Sample definition, which is a flat object of numbers with bounds. That definition is
# compiled below from the schema itself into a direct check; when the schema uses a keyword
# the check does not know, there is no fast path. Any packet the fast path does not accept
# goes through the full validator, so every error message is the validator's own.

_SAMPLE_KEYWORDS = {"type", "additionalProperties", "required", "properties", "description", "title"}
_SAMPLE_FIELD_KEYWORDS = {"type", "minimum", "maximum", "description", "title"}


@dataclass(frozen=True)
class _SampleField:
    nullable: bool
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True)
class _FastPlan:
    outer: Any
    required: frozenset[str]
    fields: dict[str, _SampleField]


def _resolve(schema: dict[str, Any], node: Any) -> Any:
    ref = node.get("$ref") if isinstance(node, dict) else None
    if isinstance(ref, str) and ref.startswith("#/$defs/") and set(node) <= {"$ref", "description"}:
        return schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"))
    return node


@cache
def _fast_plan() -> _FastPlan | None:
    """The compiled sample check and the validator of everything else, or None."""
    schema = packet_schema()
    samples = schema.get("properties", {}).get("samples")
    if not isinstance(samples, dict) or "items" not in samples or set(samples) - {
        "type", "minItems", "maxItems", "items", "description"
    }:
        return None
    sample = _resolve(schema, samples["items"])
    if (not isinstance(sample, dict) or set(sample) - _SAMPLE_KEYWORDS or sample.get("type") != "object"
            or sample.get("additionalProperties") is not False):
        return None
    fields: dict[str, _SampleField] = {}
    for name, spec in sample.get("properties", {}).items():
        if not isinstance(spec, dict) or set(spec) - _SAMPLE_FIELD_KEYWORDS:
            return None
        types = spec.get("type")
        types = [types] if isinstance(types, str) else types
        if not isinstance(types, list) or "number" not in types or set(types) - {"number", "null"}:
            return None
        bounds = [spec.get(k) for k in ("minimum", "maximum")]
        if any(b is not None and (isinstance(b, bool) or not isinstance(b, int | float)) for b in bounds):
            return None
        fields[name] = _SampleField(nullable="null" in types, minimum=bounds[0], maximum=bounds[1])
    required = sample.get("required", [])
    if not isinstance(required, list) or not set(required) <= set(fields):
        return None
    outer = copy.deepcopy(schema)
    del outer["properties"]["samples"]["items"]
    return _FastPlan(outer=_Validator(outer, format_checker=FormatChecker(["date-time"])),
                     required=frozenset(required), fields=fields)


def _samples_valid(plan: _FastPlan, samples: Any) -> bool:
    if type(samples) is not list:
        return False
    fields, required = plan.fields, plan.required
    for sample in samples:
        if type(sample) is not dict or not required <= sample.keys():
            return False
        for name, value in sample.items():
            spec = fields.get(name)
            if spec is None:
                return False
            if value is None:
                if not spec.nullable:
                    return False
                continue
            # JSON numbers: int or float (bool is neither here: type() is exact).
            if type(value) is not int and type(value) is not float:
                return False
            if (spec.minimum is not None and value < spec.minimum) or (
                    spec.maximum is not None and value > spec.maximum):
                return False
    return True


def is_valid_fast(document: Any) -> bool:
    """True only when ``document`` is valid; False means "ask the full validator"."""
    plan = _fast_plan()
    if plan is None or not isinstance(document, dict):
        return False
    return _samples_valid(plan, document.get("samples")) and plan.outer.is_valid(document)


def validate_packet(document: Any) -> list[FieldError]:
    """Every schema violation of ``document``, in document order (at most MAX_ERRORS)."""
    if is_valid_fast(document):
        return []
    errors: list[FieldError] = []
    ordered = sorted(_validator().iter_errors(document), key=_sort_key)
    for error in ordered:
        errors.extend(_describe(error))
        if len(errors) >= MAX_ERRORS:
            break
    return errors[:MAX_ERRORS]


def openapi_components() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The packet schema as OpenAPI 3.1 components: (SignalPacket, {def name: schema}).

    OpenAPI 3.1 schemas are JSON Schema 2020-12, but a ``#/$defs/X`` reference would resolve
    against the OpenAPI document root, so local definitions move to components/schemas.
    """
    schema = copy.deepcopy(packet_schema())
    defs: dict[str, dict[str, Any]] = schema.pop("$defs", {})
    schema.pop("$schema", None)
    schema.pop("$id", None)

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: (f"#/components/schemas/SignalPacket{value.removeprefix('#/$defs/')}"
                      if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/")
                      else rewrite(value))
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    return rewrite(schema), {f"SignalPacket{name}": rewrite(body) for name, body in defs.items()}
