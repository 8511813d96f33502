"""A GHCR stand-in on 127.0.0.1: the GitHub Packages REST API for package versions (org and
user routes, Link-header pagination, bearer tokens, 403 without admin rights, 404 for a version
deleted in the meantime, a rate limit) and the ghcr.io registry side (manifests behind the
registry token handshake).

Every request and every Packages API response is checked against GitHub's published OpenAPI
description (the extract in openapi/github-packages-versions.json) with openapi-schema-validator;
what does not conform is recorded in `violations` and the tests assert there is none.
"""
from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from openapi_schema_validator import OAS30Validator

SPEC_PATH = Path(__file__).resolve().parent / "openapi" / "github-packages-versions.json"
SPEC = json.loads(SPEC_PATH.read_text())


def deref(node, spec=SPEC):
    """Inline every local $ref (the extract has no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return deref(target, spec)
        return {k: deref(v, spec) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(v, spec) for v in node]
    return node


def operation(method: str, path: str):
    """(operation, path params) of the spec matching this request, or (None, {})."""
    for template, item in SPEC["paths"].items():
        names = re.findall(r"{(\w+)}", template)
        rx = "^" + re.sub(r"{\w+}", "([^/]+)", template) + "$"
        m = re.match(rx, path)
        if m and method.lower() in item:
            return deref(item[method.lower()]), dict(zip(names, (urllib.parse.unquote(g) for g in m.groups())))
    return None, {}


def check_request(op: dict, path_params: dict, query: dict) -> list[str]:
    problems = []
    for p in op.get("parameters", []):
        src = path_params if p["in"] == "path" else query if p["in"] == "query" else None
        if src is None:
            continue
        if p["name"] not in src:
            if p.get("required"):
                problems.append(f"missing required {p['in']} parameter {p['name']}")
            continue
        value = src[p["name"]]
        if p["schema"].get("type") == "integer":
            if not re.fullmatch(r"-?\d+", value):
                problems.append(f"{p['name']}={value!r} is not an integer")
                continue
            value = int(value)
        errors = list(OAS30Validator(p["schema"]).iter_errors(value))
        problems += [f"parameter {p['name']}: {e.message}" for e in errors]
    return problems


def check_response(op: dict, status: int, body) -> list[str]:
    responses = op["responses"]
    spec = responses.get(str(status)) or responses.get("default")
    if spec is None:
        return [f"status {status} is not declared (declared: {', '.join(sorted(responses))})"]
    content = (spec.get("content") or {}).get("application/json")
    if content is None:
        return [] if body is None else [f"status {status} declares no body, but one was sent"]
    return [e.message for e in OAS30Validator(content["schema"]).iter_errors(body)]


@dataclass
class Package:
    kind: str  # "org" | "user"
    owner: str
    name: str  # e.g. guide/dev-guide-docs
    versions: list[dict] = field(default_factory=list)
    docs: dict[str, dict] = field(default_factory=dict)  # digest -> manifest document


class Standin:
    def __init__(self, token: str = "ghp_standin", admin: bool = True):
        self.token = token
        self.admin = admin
        self.packages: dict[tuple[str, str, str], Package] = {}
        self.vanish: set[int] = set()  # deleted by someone else after the listing
        self.rate_limit_after: int | None = None
        self.requests: list[tuple[str, str, int]] = []
        self.violations: list[str] = []
        self.deleted: list[int] = []
        self.registry_tokens: set[str] = set()
        self.lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def add(self, kind: str, owner: str, name: str, versions: list[dict], docs: dict[str, dict]) -> Package:
        p = Package(kind, owner, name, versions, docs)
        self.packages[(kind, owner, name)] = p
        return p

    @staticmethod
    def version(vid: int, digest: str, tags: list[str], created: datetime, owner: str, name: str, kind: str) -> dict:
        base = "orgs" if kind == "org" else "users"
        q = urllib.parse.quote(name, safe="")
        ts = created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"id": vid, "name": digest,
                "url": f"https://api.github.com/{base}/{owner}/packages/container/{q}/versions/{vid}",
                "package_html_url": f"https://github.com/{base}/{owner}/packages/container/package/{q}",
                "html_url": f"https://github.com/{base}/{owner}/packages/container/{q}/{vid}",
                "license": "Apache-2.0", "created_at": ts, "updated_at": ts,
                "metadata": {"package_type": "container", "container": {"tags": tags}}}

    # -- the HTTP side
    def _handler(self):
        standin = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def send(self, status: int, body=None, headers: dict | None = None, op=None):
                if op is not None:
                    for problem in check_response(op, status, body):
                        standin.violations.append(f"{self.command} {self.path} -> {status}: {problem}")
                data = b"" if body is None else json.dumps(body).encode()
                with standin.lock:  # recorded before the answer leaves: the client may act on it at once
                    standin.requests.append((self.command, self.path, status))
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if body is not None:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self.route()

            def do_HEAD(self):
                self.route()

            def do_DELETE(self):
                self.route()

            def route(self):
                url = urllib.parse.urlsplit(self.path)
                if url.path == "/token":
                    return self.token_endpoint(url)
                if url.path.startswith("/v2/"):
                    return self.registry(url)
                return self.api(url)

            # GitHub Packages REST API
            def api(self, url):
                op, pp = operation(self.command, url.path)
                if op is None:
                    standin.violations.append(f"{self.command} {url.path}: no such operation in the description")
                    return self.send(404, {"message": "Not Found"})
                query = dict(urllib.parse.parse_qsl(url.query))
                for problem in check_request(op, pp, query):
                    standin.violations.append(f"{self.command} {self.path}: {problem}")
                if self.headers.get("Authorization") != f"Bearer {standin.token}":
                    return self.send(401, {"message": "Requires authentication",
                                           "documentation_url": "https://docs.github.com/rest"}, op=op)
                if standin.rate_limit_after is not None:
                    if standin.rate_limit_after <= 0:
                        return self.send(403, {"message": "API rate limit exceeded for installation.",
                                               "documentation_url": "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"},
                                         {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1767225600"}, op=op)
                    standin.rate_limit_after -= 1
                kind = "org" if "org" in pp else "user"
                pkg = standin.packages.get((kind, pp.get("org") or pp.get("username"), pp["package_name"]))
                if pkg is None or pp["package_type"] != "container":
                    return self.send(404, {"message": "Package not found.",
                                           "documentation_url": "https://docs.github.com/rest/packages/packages"}, op=op)
                if "package_version_id" not in pp:
                    return self.list(url, query, pkg, op)
                vid = int(pp["package_version_id"])
                with standin.lock:
                    if vid in standin.vanish:
                        pkg.versions = [v for v in pkg.versions if v["id"] != vid]
                        standin.vanish.discard(vid)
                    current = next((v for v in pkg.versions if v["id"] == vid), None)
                    if current is None:
                        return self.send(404, {"message": "Package version not found.",
                                               "documentation_url": "https://docs.github.com/rest/packages/packages"}, op=op)
                    if self.command == "GET":
                        return self.send(200, current, op=op)
                    if not standin.admin:
                        return self.send(403, {"message": "You must have admin permissions on the package to delete this version.",
                                               "documentation_url": "https://docs.github.com/rest/packages/packages"}, op=op)
                    pkg.versions = [v for v in pkg.versions if v["id"] != vid]
                    pkg.docs.pop(current["name"], None)
                    standin.deleted.append(vid)
                return self.send(204, None, op=op)

            def list(self, url, query, pkg, op):
                per = min(int(query.get("per_page", 30)), 100)
                page = int(query.get("page", 1))
                # Newest first, as GitHub lists them.
                items = sorted(pkg.versions, key=lambda v: (v["created_at"], v["id"]), reverse=True)
                chunk = items[(page - 1) * per: page * per]
                last = max(1, -(-len(items) // per))
                links = []
                for rel, n in (("next", page + 1), ("last", last), ("first", 1), ("prev", page - 1)):
                    if (rel in ("next",) and page < last) or (rel == "prev" and page > 1) or (rel in ("last", "first") and last > 1):
                        q = urllib.parse.urlencode({**query, "page": n, "per_page": per})
                        links.append(f'<{standin.url}{url.path}?{q}>; rel="{rel}"')
                return self.send(200, chunk, {"Link": ", ".join(links)} if links else {}, op=op)

            # ghcr.io registry side (manifests only)
            def token_endpoint(self, url):
                auth = self.headers.get("Authorization", "")
                ok = auth.startswith("Basic ") and base64.b64decode(auth[6:]).decode().split(":", 1)[-1] == standin.token
                if not ok:
                    return self.send(401, {"errors": [{"code": "UNAUTHORIZED"}]})
                tok = secrets.token_hex(16)
                standin.registry_tokens.add(tok)
                return self.send(200, {"token": tok})

            def registry(self, url):
                m = re.match(r"^/v2/(.+)/manifests/(sha256:[0-9a-f]{64})$", url.path)
                auth = self.headers.get("Authorization", "")
                if not (auth.startswith("Bearer ") and auth[7:] in standin.registry_tokens):
                    scope = f"repository:{m.group(1)}:pull" if m else ""
                    return self.send(401, {"errors": [{"code": "UNAUTHORIZED"}]}, {
                        "WWW-Authenticate": f'Bearer realm="{standin.url}/token",service="ghcr.io",scope="{scope}"'})
                if not m:
                    return self.send(404, {"errors": [{"code": "NAME_UNKNOWN"}]})
                repo, digest = m.groups()
                for pkg in standin.packages.values():
                    if f"{pkg.owner}/{pkg.name}" == repo and digest in pkg.docs:
                        doc = pkg.docs[digest]
                        data = json.dumps(doc, sort_keys=True).encode()
                        self.send_response(200)
                        self.send_header("Content-Type", doc["mediaType"])
                        self.send_header("Docker-Content-Digest", digest)
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        if self.command != "HEAD":
                            self.wfile.write(data)
                        return
                return self.send(404, {"errors": [{"code": "MANIFEST_UNKNOWN"}]})

        return H
