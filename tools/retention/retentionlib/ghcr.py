"""GHCR through the GitHub Packages REST API (versions, deletes) plus the ghcr.io registry API
(manifest contents: which versions an index references).

  GET    {api}/orgs/{org}/packages/container/{package}/versions?per_page=100&page=N
  GET    {api}/users/{user}/packages/container/{package}/versions?per_page=100&page=N
  DELETE {api}/orgs/{org}/packages/container/{package}/versions/{id}     (users/{user}/… alike)
  GET    https://ghcr.io/v2/{owner}/{package}/manifests/{digest}         (token from /token)

On GHCR every manifest is a package version of its own, the platform and attestation manifests
of a multi-platform index included (untagged): the policy must know which index references
which version, or "delete untagged" breaks every multi-platform image.
"""
from __future__ import annotations

import urllib.parse
from datetime import datetime, timezone
from typing import Optional

from . import http
from .oci import OciRegistry, RegistryError, parse_time
from .policy import Version

API = "https://api.github.com"
API_VERSION = "2022-11-28"
PACKAGE_ADMIN_HELP = (
    "The token may list but not delete versions of this package. Section 8-2 of the container "
    "guide: the package must be connected to this repository and the repository must hold the "
    "package's Admin role. On github.com: the package page -> Package settings -> Manage Actions "
    "access -> add this repository with role Admin (or run with a token of a package admin). "
    "Steps: docs/release.md (When the GHCR package has no admin link to this repository)."
)


class GhcrError(RuntimeError):
    pass


def package_of(repository: str) -> tuple[str, str]:
    """`ghcr.io/tirosh-chain/guide/dev-guide-docs` -> ("tirosh-chain", "guide/dev-guide-docs")."""
    host, _, rest = repository.partition("/")
    owner, _, package = rest.partition("/")
    if not owner or not package:
        raise GhcrError(f"{repository!r} is not ghcr.io/<owner>/<package>")
    return owner, package


class GhcrPackages:
    def __init__(self, repository: str, token: str, *, owner_type: str = "auto", api: str = API,
                 registry_url: str = "", username: str = ""):
        if owner_type not in ("auto", "org", "user"):
            raise GhcrError(f"owner type must be auto, org or user, not {owner_type!r}")
        if not token:
            raise GhcrError("GHCR needs a token: set GITHUB_TOKEN (packages: write in the workflow)")
        self.repository = repository
        self.owner, self.package = package_of(repository)
        self.api = api.rstrip("/")
        self.token = token
        self.owner_type = owner_type
        self.requests = 0
        reg = registry_url.rstrip("/") or "https://" + repository.split("/", 1)[0]
        host = urllib.parse.urlparse(reg).netloc
        self.registry = OciRegistry(f"{host}/{self.owner}/{self.package}",
                                    http.RegistryAuth(username or self.owner, token),
                                    scheme=urllib.parse.urlparse(reg).scheme)

    # -- transport
    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION, "User-Agent": "patient-risk-retention"}

    def _route(self, kind: str) -> str:
        base = "orgs" if kind == "org" else "users"
        return f"{self.api}/{base}/{self.owner}/packages/container/{urllib.parse.quote(self.package, safe='')}"

    def _call(self, method: str, url: str) -> http.Response:
        self.requests += 1
        r = http.request(method, url, self._headers())
        if r.status in (403, 429) and (r.header("x-ratelimit-remaining") == "0" or r.header("retry-after")):
            reset = r.header("x-ratelimit-reset")
            when = (datetime.fromtimestamp(int(reset), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                    if reset.isdigit() else "")
            wait = r.header("retry-after")
            raise GhcrError(
                f"GitHub API rate limit hit on {method} {url} (HTTP {r.status}"
                + (f", limit resets at {when}" if when else "") + (f", retry after {wait} s" if wait else "")
                + "): nothing more was deleted; run again after the reset (the plan is recomputed)")
        return r

    def _message(self, r: http.Response) -> str:
        try:
            return (r.json() or {}).get("message", "")
        except ValueError:
            return r.body[:200].decode(errors="replace")

    # -- reads
    def list_versions(self) -> list[dict]:
        kinds = ["org", "user"] if self.owner_type == "auto" else [self.owner_type]
        for kind in kinds:
            url = self._route(kind) + "/versions?per_page=100&page=1"
            out: list[dict] = []
            while url:
                r = self._call("GET", url)
                if r.status == 404 and not out:
                    break  # not a package of this owner kind: try the next
                if r.status == 403:
                    raise GhcrError(f"GitHub answered 403 listing {self.owner}/{self.package}: {self._message(r)}."
                                    " The token needs read:packages (in a workflow: permissions: packages: read"
                                    " or write) and access to the package. " + PACKAGE_ADMIN_HELP)
                if r.status == 401:
                    raise GhcrError(f"GitHub answered 401 listing {self.owner}/{self.package}: the token is"
                                    " missing or expired (GITHUB_TOKEN)")
                if r.status != 200:
                    raise GhcrError(f"GitHub answered {r.status} listing {url}: {self._message(r)}")
                out += r.json() or []
                url = http.next_link(r.header("link"), url)
            else:
                self.owner_type = kind
                return out
        tried = " and ".join(f"/{'orgs' if k == 'org' else 'users'}/{self.owner}" for k in kinds)
        raise GhcrError(f"package container/{self.package} not found under {tried} (HTTP 404): check the"
                        f" image name ghcr.io/{self.owner}/{self.package}, that it was pushed, and that the"
                        " token can see it")

    def versions(self) -> list[Version]:
        listing = self.list_versions()
        docs: dict[str, tuple[str, dict]] = {}
        for item in listing:
            digest = item["name"]
            m = self.registry.manifest(digest)
            if m is not None:
                docs[digest] = (m[1], m[2])
        out = []
        for item in listing:
            digest = item["name"]
            mt, doc = docs.get(digest, ("", {}))
            tags = tuple(sorted(((item.get("metadata") or {}).get("container") or {}).get("tags") or []))
            children = tuple(OciRegistry._child(d) for d in doc.get("manifests") or [])
            out.append(Version(
                digest=digest, tags=tags, created=parse_time(item.get("created_at", "")),
                children=children, subject=(doc.get("subject") or {}).get("digest", ""),
                id=str(item["id"]), media_type=mt))
        return out

    # -- writes
    def delete(self, version: Version) -> str:
        url = f"{self._route(self.owner_type if self.owner_type != 'auto' else 'org')}/versions/{version.id}"
        r = self._call("DELETE", url)
        if r.status == 204:
            return "deleted"
        if r.status == 404:
            return "gone"  # deleted in the meantime (another run, a person): nothing to do
        if r.status == 403:
            raise GhcrError(f"GitHub answered 403 deleting version {version.id} ({version.digest}) of"
                            f" {self.owner}/{self.package}: {self._message(r)}. " + PACKAGE_ADMIN_HELP)
        if r.status == 401:
            raise GhcrError("GitHub answered 401 deleting a version: the token is missing or expired")
        raise GhcrError(f"GitHub answered {r.status} deleting version {version.id}: {self._message(r)}")

    def describe(self) -> str:
        return f"ghcr.io/{self.owner}/{self.package} (GitHub Packages API, {self.owner_type} package)"
