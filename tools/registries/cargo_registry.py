#!/usr/bin/env python3
"""A Cargo sparse registry that requires authentication on every request.

Serves (all under one loopback port):
  GET  /index/config.json                  {"dl", "api", "auth-required": true}
  GET  /index/<prefix>/<name>              the crate's index file (one JSON line per version)
  GET  /api/v1/crates/<name>/<ver>/download  the .crate file
  PUT  /api/v1/crates/new                  the publish API `cargo publish` uses

Every request must carry `Authorization: <token>` equal to the token in
--token-file; otherwise 401 with a Cargo-style `{"errors": [{"detail": ...}]}`
body. Storage: <root>/index (the sparse index files) and <root>/crates.

Run: cargo_registry.py --root DIR --token-file FILE --listen 127.0.0.1:PORT
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(?:[-+][0-9A-Za-z.+-]+)?$")
CRATES_IO = "https://github.com/rust-lang/crates.io-index"


def index_path(name: str) -> str:
    """The sparse index path of a crate (Cargo's prefix scheme, lower-cased)."""
    n = name.lower()
    if len(n) <= 2:
        return f"{len(n)}/{n}"
    if len(n) == 3:
        return f"3/{n[0]}/{n}"
    return f"{n[0:2]}/{n[2:4]}/{n}"


def index_entry(meta: dict, cksum: str) -> dict:
    """Turns the publish API's metadata into an index line (Cargo's registry format)."""
    deps = []
    for d in meta.get("deps", []):
        entry = {
            "name": d.get("explicit_name_in_toml") or d["name"],
            "req": d["version_req"],
            "features": d.get("features", []),
            "optional": d.get("optional", False),
            "default_features": d.get("default_features", True),
            "target": d.get("target"),
            "kind": d.get("kind", "normal"),
            # null = this registry; crates.io deps name crates.io's index.
            "registry": d.get("registry"),
        }
        if d.get("explicit_name_in_toml"):
            entry["package"] = d["name"]
        deps.append(entry)
    features = meta.get("features", {})
    line = {
        "name": meta["name"],
        "vers": meta["vers"],
        "deps": deps,
        "cksum": cksum,
        "features": features,
        "yanked": False,
        "links": meta.get("links"),
        "v": 2,
    }
    if meta.get("rust_version"):
        line["rust_version"] = meta["rust_version"]
    return line


class Registry:
    def __init__(self, root: Path, token: str, base_url: str):
        self.root = root
        self.token = token
        self.base_url = base_url
        self.lock = threading.Lock()
        (root / "index").mkdir(parents=True, exist_ok=True)
        (root / "crates").mkdir(parents=True, exist_ok=True)

    def config(self) -> bytes:
        return json.dumps(
            {
                "dl": f"{self.base_url}/api/v1/crates",
                "api": self.base_url,
                "auth-required": True,
            }
        ).encode()

    def publish(self, body: bytes) -> tuple[int, dict]:
        if len(body) < 8:
            return 400, {"errors": [{"detail": "truncated publish request"}]}
        (jlen,) = struct.unpack("<I", body[:4])
        meta = json.loads(body[4 : 4 + jlen])
        (clen,) = struct.unpack("<I", body[4 + jlen : 8 + jlen])
        crate = body[8 + jlen : 8 + jlen + clen]
        if len(crate) != clen:
            return 400, {"errors": [{"detail": "truncated .crate in publish request"}]}
        name, vers = meta.get("name", ""), meta.get("vers", "")
        if not NAME_RE.match(name) or not VERSION_RE.match(vers):
            return 400, {"errors": [{"detail": f"invalid crate name or version: {name!r} {vers!r}"}]}
        cksum = hashlib.sha256(crate).hexdigest()
        idx = self.root / "index" / index_path(name)
        with self.lock:
            lines = idx.read_text().splitlines() if idx.exists() else []
            for line in lines:
                if json.loads(line)["vers"] == vers:
                    return 409, {
                        "errors": [{"detail": f"crate version `{name}@{vers}` is already uploaded"}]
                    }
            dest = self.root / "crates" / name.lower() / f"{vers}.crate"
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_suffix(".tmp")
            tmp.write_bytes(crate)
            os.replace(tmp, dest)
            idx.parent.mkdir(parents=True, exist_ok=True)
            lines.append(json.dumps(index_entry(meta, cksum), sort_keys=True))
            tmp = idx.with_suffix(".tmp")
            tmp.write_text("\n".join(lines) + "\n")
            os.replace(tmp, idx)
        return 200, {"warnings": {"invalid_categories": [], "invalid_badges": [], "other": []}}


def make_handler(reg: Registry):
    class Handler(BaseHTTPRequestHandler):
        server_version = "patient-risk-cargo-registry"
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # one line per request on stderr (the log file)
            sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

        def send(self, code: int, body: bytes, ctype: str = "application/json", extra=None):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def error(self, code: int, detail: str, extra=None):
            self.send(code, json.dumps({"errors": [{"detail": detail}]}).encode(), extra=extra)

        def authorized(self) -> bool:
            got = self.headers.get("Authorization", "")
            if got and hmac.compare_digest(got.encode(), reg.token.encode()):
                return True
            detail = (
                "this registry requires a token: set CARGO_REGISTRIES_<NAME>_TOKEN"
                if not got
                else "invalid token for this registry (check cargo_registry_token)"
            )
            # Cargo asks for config.json without a token first and retries with one on 401.
            self.error(401, detail, {"WWW-Authenticate": "Cargo"})
            return False

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if not self.authorized():
                return
            if path == "/index/config.json":
                return self.send(200, reg.config())
            if path.startswith("/index/"):
                rel = path[len("/index/") :]
                name = rel.rsplit("/", 1)[-1]
                if NAME_RE.match(name) and rel == index_path(name):
                    f = reg.root / "index" / rel
                    if f.is_file():
                        return self.send(200, f.read_bytes(), "text/plain")
                return self.error(404, f"no crate at index path {rel!r}")
            m = re.match(r"^/api/v1/crates/([^/]+)/([^/]+)/download$", path)
            if m and NAME_RE.match(m[1]) and VERSION_RE.match(m[2]):
                f = reg.root / "crates" / m[1].lower() / f"{m[2]}.crate"
                if f.is_file():
                    return self.send(200, f.read_bytes(), "application/x-tar")
            return self.error(404, f"not found: {path}")

        def do_PUT(self):
            length = int(self.headers.get("Content-Length", "0") or 0)
            body = self.rfile.read(length) if length else b""
            if not self.authorized():
                return
            if self.path.split("?", 1)[0] != "/api/v1/crates/new":
                return self.error(404, f"not found: {self.path}")
            try:
                code, answer = reg.publish(body)
            except (ValueError, KeyError, struct.error) as e:
                code, answer = 400, {"errors": [{"detail": f"bad publish request: {e}"}]}
            self.send(code, json.dumps(answer).encode())

    return Handler


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True, type=Path)
    ap.add_argument("--token-file", required=True, type=Path)
    ap.add_argument("--listen", default="127.0.0.1:5303")
    a = ap.parse_args()
    host, port = a.listen.rsplit(":", 1)
    if host not in ("127.0.0.1", "::1", "localhost"):
        ap.error(f"--listen {a.listen}: this registry binds to loopback only")
    token = a.token_file.read_text().strip()
    if not token:
        ap.error(f"{a.token_file}: empty token")
    reg = Registry(a.root, token, f"http://{host}:{port}")
    srv = ThreadingHTTPServer((host, int(port)), make_handler(reg))
    print(f"cargo registry on http://{host}:{port}/index/ (storage {a.root})", flush=True)
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
