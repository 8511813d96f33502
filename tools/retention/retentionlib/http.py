"""A small HTTP client on the standard library: JSON, Link-header pagination, and the
registry token handshake (`WWW-Authenticate: Bearer realm=…,service=…,scope=…`)."""
from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Optional


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # follow GETs only
        if req.get_method() in ("GET", "HEAD"):
            return super().redirect_request(req, fp, code, msg, headers, newurl)
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def request(method: str, url: str, headers: Optional[dict] = None, data: Optional[bytes] = None,
            timeout: float = 60.0) -> Response:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=timeout) as r:
            return Response(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read(), url)
    except urllib.error.HTTPError as e:
        return Response(e.code, {k.lower(): v for k, v in (e.headers or {}).items()}, e.read() or b"", url)
    except (urllib.error.URLError, OSError) as e:  # refused, unresolvable, timed out
        reason = getattr(e, "reason", e)
        raise HttpError(f"{method} {url}: no answer ({reason})") from e


def next_link(link_header: str, base: str) -> str:
    """The rel="next" target of a Link header (RFC 8288), made absolute."""
    for part in link_header.split(","):
        m = re.match(r'\s*<([^>]*)>\s*;(.*)$', part)
        if m and re.search(r'rel="?next"?', m.group(2)):
            return urllib.parse.urljoin(base, m.group(1))
    return ""


def parse_challenge(value: str) -> tuple[str, dict[str, str]]:
    scheme, _, rest = value.strip().partition(" ")
    params = dict(re.findall(r'(\w+)="([^"]*)"', rest))
    return scheme.lower(), params


@dataclass
class RegistryAuth:
    """Credentials for a registry: anonymous, or user + password/token (basic, exchanged for a
    bearer token when the registry asks for one)."""
    username: str = ""
    password: str = ""
    _tokens: dict[str, str] = field(default_factory=dict)

    def basic(self) -> str:
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def authorize(self, challenge: str, scope_hint: str) -> Optional[str]:
        scheme, p = parse_challenge(challenge)
        if scheme == "basic":
            return self.basic() if self.username else None
        if scheme != "bearer" or "realm" not in p:
            return None
        scope = p.get("scope") or scope_hint
        key = f"{p['realm']}|{p.get('service', '')}|{scope}"
        if key in self._tokens:
            return self._tokens[key]
        q = {k: v for k, v in (("service", p.get("service", "")), ("scope", scope)) if v}
        url = p["realm"] + ("?" + urllib.parse.urlencode(q) if q else "")
        hdrs = {"Authorization": self.basic()} if self.username else {}
        r = request("GET", url, hdrs)
        if r.status != 200:
            raise HttpError(f"token endpoint {p['realm']} answered {r.status}: {r.body[:200]!r}")
        doc = r.json() or {}
        tok = doc.get("token") or doc.get("access_token")
        if not tok:
            raise HttpError(f"token endpoint {p['realm']} returned no token")
        self._tokens[key] = "Bearer " + tok
        return self._tokens[key]


class HttpError(RuntimeError):
    pass
