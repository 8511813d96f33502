"""The server runs on uvloop + httptools (docs/api-load.md: h11 + asyncio cost about a third of
the API's CPU per packet), and a missing one fails the start rather than falling back quietly."""

from __future__ import annotations

from patient_risk_api import cli, config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def test_serve_uses_httptools_and_uvloop():
    settings = config.load({"PATIENT_RISK_STORAGE_BACKEND": "memory"})
    uv_config = cli._uvicorn_config(None, settings)
    assert (uv_config.loop, uv_config.http) == ("uvloop", "httptools")
    uv_config.load()
    assert uv_config.http_protocol_class is HttpToolsProtocol
    factory = uv_config.get_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop"), type(loop)
    finally:
        loop.close()
