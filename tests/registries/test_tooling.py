"""Unit tests of the registry tooling (no engine, no running registry): the Cargo
sparse registry's index paths, index entries and publish-API parsing, the
publish script's metadata and same-source comparison, and the token check of
a real cargo_registry.py server on an ephemeral loopback port."""

from __future__ import annotations

import io
import json
import socket
import struct
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "registries"
sys.path.insert(0, str(TOOLS))

import cargo_registry  # noqa: E402
import publish  # noqa: E402


def test_index_paths_follow_cargos_prefix_scheme():
    """Cargo looks crates up at 1/a, 2/ab, 3/a/abc, ab/cd/abcd…, lower-cased."""
    assert cargo_registry.index_path("a") == "1/a"
    assert cargo_registry.index_path("ab") == "2/ab"
    assert cargo_registry.index_path("abc") == "3/a/abc"
    assert cargo_registry.index_path("Patient-Signal") == "pa/ti/patient-signal"


def test_index_entry_maps_publish_metadata():
    """Publish JSON (version_req, explicit_name_in_toml) becomes index JSON (req, package)."""
    meta = {
        "name": "x", "vers": "0.1.0", "features": {"f": []}, "rust_version": "1.85",
        "deps": [
            {"name": "proptest", "version_req": "^1.9", "features": ["std"], "optional": False,
             "default_features": False, "target": None, "kind": "dev",
             "registry": publish.CRATES_IO, "explicit_name_in_toml": None},
            {"name": "real", "version_req": "=1", "features": [], "optional": True,
             "default_features": True, "target": "cfg(unix)", "kind": "normal",
             "registry": None, "explicit_name_in_toml": "alias"},
        ],
    }
    e = cargo_registry.index_entry(meta, "ab" * 32)
    assert e["cksum"] == "ab" * 32 and e["v"] == 2 and e["rust_version"] == "1.85"
    assert e["deps"][0] == {"name": "proptest", "req": "^1.9", "features": ["std"], "optional": False,
                            "default_features": False, "target": None, "kind": "dev",
                            "registry": publish.CRATES_IO}
    assert e["deps"][1]["name"] == "alias" and e["deps"][1]["package"] == "real"


def _crate(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_crate_metadata_reads_the_normalized_manifest():
    """The publish API JSON comes from the .crate's own Cargo.toml: deps of every kind and target."""
    crate = _crate({"c-0.1.0/Cargo.toml": """
[package]
name = "c"
version = "0.1.0"
rust-version = "1.85"
license = "Apache-2.0"
[dependencies.serde]
version = "1"
features = ["derive"]
[dev-dependencies.proptest]
version = "1.9"
default-features = false
[target."cfg(unix)".dependencies.libc]
version = "0.2"
"""})
    m = publish.crate_metadata(crate)
    assert (m["name"], m["vers"], m["license"], m["rust_version"]) == ("c", "0.1.0", "Apache-2.0", "1.85")
    by = {d["name"]: d for d in m["deps"]}
    assert by["serde"]["features"] == ["derive"] and by["serde"]["kind"] == "normal"
    assert by["proptest"]["kind"] == "dev" and by["proptest"]["default_features"] is False
    assert by["libc"]["target"] == "cfg(unix)" and by["libc"]["registry"] == publish.CRATES_IO


def test_same_source_compares_every_file(monkeypatch, capsys):
    """Equal files: kept; a changed file: warned and replaced, or refused under REGISTRIES_PUBLISH_STRICT=1."""
    assert publish.same_source("p", {"a": b"1"}, {"a": b"1"})
    monkeypatch.delenv("REGISTRIES_PUBLISH_STRICT", raising=False)
    assert not publish.same_source("p", {"a": b"1"}, {"a": b"2"})
    assert "different content (a)" in capsys.readouterr().err
    monkeypatch.setenv("REGISTRIES_PUBLISH_STRICT", "1")
    with pytest.raises(SystemExit):
        publish.same_source("p", {"a": b"1"}, {"a": b"1", "b": b""})
    assert "bump the version" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str | None = None, data: bytes | None = None, method: str = "GET"):
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_cargo_registry_server_checks_the_token_and_publishes(tmp_path):
    """The real server: every path 401 without/with a wrong token; publish then download round-trips."""
    (tmp_path / "token").write_text("s3cret\n")
    port = _free_port()
    p = subprocess.Popen([sys.executable, str(TOOLS / "cargo_registry.py"), "--root", str(tmp_path / "reg"),
                          "--token-file", str(tmp_path / "token"), "--listen", f"127.0.0.1:{port}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if _get(f"{base}/index/config.json")[0] == 401:
                    break
            except urllib.error.URLError:
                pass
            time.sleep(0.1)
        for path in ("/index/config.json", "/index/3/a/abc", "/api/v1/crates/abc/0.1.0/download"):
            code, body = _get(base + path)
            assert code == 401 and "requires a token" in json.loads(body)["errors"][0]["detail"]
            code, body = _get(base + path, "wrong")
            assert code == 401 and "invalid token" in json.loads(body)["errors"][0]["detail"]
        code, body = _get(f"{base}/index/config.json", "s3cret")
        assert code == 200 and json.loads(body) == {
            "dl": f"{base}/api/v1/crates", "api": base, "auth-required": True}
        crate = _crate({"abc-0.1.0/Cargo.toml": "[package]\nname='abc'\nversion='0.1.0'\n"})
        meta = json.dumps({"name": "abc", "vers": "0.1.0", "deps": [], "features": {}}).encode()
        payload = struct.pack("<I", len(meta)) + meta + struct.pack("<I", len(crate)) + crate
        assert _get(f"{base}/api/v1/crates/new", None, payload, "PUT")[0] == 401
        assert _get(f"{base}/api/v1/crates/new", "s3cret", payload, "PUT")[0] == 200
        assert _get(f"{base}/api/v1/crates/new", "s3cret", payload, "PUT")[0] == 409
        code, body = _get(f"{base}/index/3/a/abc", "s3cret")
        assert code == 200 and json.loads(body)["vers"] == "0.1.0"
        assert _get(f"{base}/api/v1/crates/abc/0.1.0/download", "s3cret") == (200, crate)
    finally:
        p.terminate()
        p.wait(timeout=10)
