"""Any OCI distribution registry, through the registry API:

  GET    /v2/<name>/tags/list               (Link-header pagination)
  GET    /v2/<name>/manifests/<ref>         (tags, then every child digest an index names)
  GET    /v2/<name>/blobs/<config digest>   (creation time when no annotation carries it)
  GET    /v2/<name>/referrers/<digest>      (OCI 1.1, where the registry offers it)
  DELETE /v2/<name>/manifests/<digest>

The distribution API cannot list untagged manifests: what this backend sees is every tag, what
the tagged manifests reference (transitively), and referrers (API or `sha256-<hex>` tags).
"""
from __future__ import annotations

import hashlib
import json
import urllib.parse
from datetime import datetime, timezone
from typing import Optional

from . import http
from .policy import ATTESTATION, PLATFORM, Child, Version

INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
MANIFEST_TYPES = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
}
ACCEPT = ", ".join(sorted(INDEX_TYPES | MANIFEST_TYPES))
CREATED = "org.opencontainers.image.created"
REF_TYPE = "vnd.docker.reference.type"
REF_DIGEST = "vnd.docker.reference.digest"


class RegistryError(RuntimeError):
    pass


def parse_time(value: str) -> Optional[datetime]:
    if not value:
        return None
    v = value.strip().replace("Z", "+00:00")
    if "." in v:  # Python's fromisoformat takes at most microseconds
        head, _, tail = v.partition(".")
        frac = "".join(ch for ch in tail if ch.isdigit())
        rest = tail[len(frac):]
        v = f"{head}.{frac[:6]}{rest}"
    try:
        t = datetime.fromisoformat(v)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def split_reference(ref: str) -> tuple[str, str]:
    """`127.0.0.1:5000/patient-risk/app` -> ("127.0.0.1:5000", "patient-risk/app")."""
    host, _, name = ref.partition("/")
    if not name or ("." not in host and ":" not in host and host != "localhost"):
        raise RegistryError(
            f"{ref!r} is not <registry host>/<repository> (e.g. 127.0.0.1:5000/patient-risk/dev-guide-docs)")
    return host, name


class OciRegistry:
    def __init__(self, repository: str, auth: Optional[http.RegistryAuth] = None, scheme: str = ""):
        self.host, self.name = split_reference(repository)
        loopback = self.host.split(":")[0] in ("127.0.0.1", "localhost", "[::1]")
        self.base = f"{scheme or ('http' if loopback else 'https')}://{self.host}"
        self.auth = auth or http.RegistryAuth()
        self._header: dict[str, str] = {}
        self.referrers_api: Optional[bool] = None
        self.requests = 0

    # -- transport
    def _call(self, method: str, path: str, accept: str = "", write: bool = False) -> http.Response:
        url = path if path.startswith("http") else self.base + path
        hdrs = {"Accept": accept} if accept else {}
        hdrs.update(self._header)
        self.requests += 1
        r = http.request(method, url, hdrs)
        if r.status == 401 and r.header("www-authenticate"):
            scope = f"repository:{self.name}:{'pull,delete' if write else 'pull'}"
            authz = self.auth.authorize(r.header("www-authenticate"), scope)
            if authz:
                self._header = {"Authorization": authz}
                hdrs.update(self._header)
                r = http.request(method, url, hdrs)
        return r

    def _fail(self, what: str, r: http.Response) -> RegistryError:
        hint = {
            401: "the registry wants credentials (REGISTRY_USERNAME / REGISTRY_PASSWORD)",
            403: "the credentials may not do this on the repository",
            405: "the registry refuses this method (for DELETE: storage.delete.enabled is false)",
        }.get(r.status, "")
        return RegistryError(f"{self.host}/{self.name}: {what}: HTTP {r.status}"
                             + (f" ({hint})" if hint else "") + f": {r.body[:300].decode(errors='replace')}")

    # -- reads
    def tags(self) -> list[str]:
        out: list[str] = []
        url = f"/v2/{self.name}/tags/list?n=100"
        while url:
            r = self._call("GET", url)
            if r.status == 404:
                return out  # no such repository yet: nothing to keep or delete
            if r.status != 200:
                raise self._fail("listing tags", r)
            out += (r.json() or {}).get("tags") or []
            url = http.next_link(r.header("link"), self.base + f"/v2/{self.name}/tags/list")
        return sorted(set(out))

    def manifest(self, ref: str) -> Optional[tuple[str, str, dict]]:
        """(digest, media type, document) or None when the registry answers 404."""
        r = self._call("GET", f"/v2/{self.name}/manifests/{ref}", ACCEPT)
        if r.status == 404:
            return None
        if r.status != 200:
            raise self._fail(f"reading manifest {ref}", r)
        digest = r.header("docker-content-digest") or "sha256:" + hashlib.sha256(r.body).hexdigest()
        doc = json.loads(r.body)
        return digest, doc.get("mediaType") or r.header("content-type").split(";")[0], doc

    def manifest_exists(self, digest: str) -> bool:
        r = self._call("HEAD", f"/v2/{self.name}/manifests/{digest}", ACCEPT)
        if r.status in (200, 404):
            return r.status == 200
        raise self._fail(f"checking manifest {digest}", r)

    def blob_json(self, digest: str) -> Optional[dict]:
        r = self._call("GET", f"/v2/{self.name}/blobs/{digest}")
        return json.loads(r.body) if r.status == 200 else None

    def referrers(self, digest: str) -> list[dict]:
        if self.referrers_api is False:
            return []
        r = self._call("GET", f"/v2/{self.name}/referrers/{digest}", "application/vnd.oci.image.index.v1+json")
        ok = r.status == 200 and r.header("content-type").startswith("application/vnd.oci.image.index.v1+json")
        if self.referrers_api is None:
            self.referrers_api = ok
        return (r.json() or {}).get("manifests") or [] if ok else []

    # -- the listing the policy needs
    def versions(self) -> list[Version]:
        tags = self.tags()
        docs: dict[str, tuple[str, dict]] = {}
        tags_of: dict[str, list[str]] = {}
        for t in tags:
            m = self.manifest(t)
            if m is None:
                continue  # tag removed while we list
            digest, mt, doc = m
            docs[digest] = (mt, doc)
            tags_of.setdefault(digest, []).append(t)
        subject_of: dict[str, str] = {}
        queue = sorted(docs)
        seen = set(queue)
        while queue:
            digest = queue.pop(0)
            mt, doc = docs[digest]
            refs = [d["digest"] for d in doc.get("manifests") or []] if mt in INDEX_TYPES else []
            for rd in self.referrers(digest):
                subject_of[rd["digest"]] = digest
                refs.append(rd["digest"])
            for child in refs:
                if child in seen:
                    continue
                seen.add(child)
                m = self.manifest(child)
                if m is not None:
                    docs[child] = (m[1], m[2])
                    queue.append(child)
        out = []
        for digest in sorted(docs):
            mt, doc = docs[digest]
            children = tuple(self._child(d) for d in doc.get("manifests") or []) if mt in INDEX_TYPES else ()
            subj = (doc.get("subject") or {}).get("digest", "") or subject_of.get(digest, "")
            out.append(Version(
                digest=digest, tags=tuple(sorted(tags_of.get(digest, []))), media_type=mt,
                created=self._created(mt, doc, docs) if digest in tags_of else None,
                children=children, subject=subj))
        return out

    @staticmethod
    def _child(d: dict) -> Child:
        ann = d.get("annotations") or {}
        p = d.get("platform") or {}
        plat = "/".join(x for x in (p.get("os", ""), p.get("architecture", ""), p.get("variant", "")) if x)
        if ann.get(REF_TYPE) == "attestation-manifest":
            return Child(d["digest"], ATTESTATION, plat, ann.get(REF_DIGEST, ""))
        return Child(d["digest"], PLATFORM, plat)

    def _created(self, mt: str, doc: dict, docs: dict) -> Optional[datetime]:
        t = parse_time((doc.get("annotations") or {}).get(CREATED, ""))
        if t:
            return t
        if mt in MANIFEST_TYPES:
            cfg = (doc.get("config") or {})
            if cfg.get("mediaType", "").endswith(("config.v1+json", "container.image.v1+json")):
                blob = self.blob_json(cfg["digest"]) or {}
                return parse_time(blob.get("created", "")) or parse_time(
                    ((blob.get("config") or {}).get("Labels") or {}).get(CREATED, ""))
            return None
        for d in doc.get("manifests") or []:  # an index: its first platform image's time
            c = self._child(d)
            if c.role == PLATFORM and c.digest in docs:
                cmt, cdoc = docs[c.digest]
                if cmt in MANIFEST_TYPES:
                    return self._created(cmt, cdoc, docs)
        return None

    # -- writes
    def delete(self, digest: str) -> str:
        """Delete a manifest by digest: "deleted", or "gone" when it had already disappeared."""
        r = self._call("DELETE", f"/v2/{self.name}/manifests/{digest}", write=True)
        if r.status in (200, 202):
            return "deleted"
        if r.status == 404:
            return "gone"
        raise self._fail(f"deleting {digest}", r)

    def describe(self) -> str:
        return f"{self.host}/{self.name} (OCI distribution API)"

    def quote(self, s: str) -> str:
        return urllib.parse.quote(s, safe="")
