"""The checked-in contract files: contracts/openapi.yaml is generated from the app, and the
package's copy of the signal-packet schema mirrors contracts/signal-packet.schema.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from . import config
from .app import create_app

HEADER = "# Generated from the FastAPI app by `make api/contract`; a test fails when it drifts.\n"


def openapi_document() -> dict[str, Any]:
    return create_app(config.Settings()).openapi()


def render_openapi() -> str:
    return HEADER + yaml.safe_dump(openapi_document(), sort_keys=False, allow_unicode=True, width=100)


def write(contracts_dir: Path) -> list[Path]:
    """Write contracts/openapi.yaml and refresh the packaged schema copy; returns changed files."""
    changed = []
    openapi = contracts_dir / "openapi.yaml"
    text = render_openapi()
    if not openapi.exists() or openapi.read_text("utf-8") != text:
        openapi.write_text(text, "utf-8")
        changed.append(openapi)
    packaged = Path(__file__).resolve().parent / "contracts" / "signal-packet.schema.json"
    source = (contracts_dir / "signal-packet.schema.json").read_text("utf-8")
    if packaged.read_text("utf-8") != source:
        packaged.write_text(source, "utf-8")
        changed.append(packaged)
    return changed
