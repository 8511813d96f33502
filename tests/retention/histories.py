"""Push histories of an image repository, as the policy core sees them (shared by the property
tests and the GHCR stand-in tests).

Every push is a BuildKit multi-platform index: one platform manifest per platform and one
attestation manifest per platform (platform unknown/unknown, `vnd.docker.reference.type:
attestation-manifest`, `vnd.docker.reference.digest` = the platform manifest it describes).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from retentionlib.policy import ATTESTATION, PLATFORM, Child, Version

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def digest_of(doc: dict) -> str:
    return "sha256:" + hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


@dataclass
class Repo:
    """Versions by digest, tags, creation times and the documents behind them."""
    docs: dict[str, dict] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)  # tag -> digest
    created: dict[str, datetime] = field(default_factory=dict)
    count: int = 0
    clock: datetime = T0
    seq: int = 0

    def tick(self, minutes: int = 30) -> datetime:
        self.clock += timedelta(minutes=minutes)
        return self.clock

    def _put(self, doc: dict) -> str:
        d = digest_of(doc)
        self.docs.setdefault(d, doc)
        self.created.setdefault(d, self.clock)  # a re-pushed digest keeps its first time
        return d

    def image(self, build: str, platforms=("linux/amd64", "linux/arm64"), shared_platform: str = "") -> str:
        """One multi-platform push; `build` makes it distinct, `shared_platform` reuses the
        platform manifests of an earlier build (a reproducible rebuild: same images, new
        attestations)."""
        self.seq += 1
        manifests = []
        for p in platforms:
            os_, arch = p.split("/")
            pm = {"mediaType": OCI_MANIFEST, "schemaVersion": 2, "platform": p,
                  "config": {"digest": "sha256:" + hashlib.sha256(f"cfg {shared_platform or build} {p}".encode()).hexdigest()}}
            pd = self._put(pm)
            att = {"mediaType": OCI_MANIFEST, "schemaVersion": 2, "attests": pd, "build": build,
                   "layers": [{"mediaType": "application/vnd.in-toto+json",
                               "annotations": {"in-toto.io/predicate-type": t}}
                              for t in ("https://spdx.dev/Document", "https://slsa.dev/provenance/v0.2")]}
            ad = self._put(att)
            manifests.append({"mediaType": OCI_MANIFEST, "digest": pd, "size": 500,
                              "platform": {"os": os_, "architecture": arch}})
            manifests.append({"mediaType": OCI_MANIFEST, "digest": ad, "size": 800,
                              "platform": {"os": "unknown", "architecture": "unknown"},
                              "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                                              "vnd.docker.reference.digest": pd}})
        index = {"mediaType": OCI_INDEX, "schemaVersion": 2, "manifests": manifests,
                 "annotations": {"build": build}}
        return self._put(index)

    def referrer(self, subject: str, kind: str) -> str:
        return self._put({"mediaType": OCI_MANIFEST, "schemaVersion": 2, "artifactType": kind,
                          "subject": {"mediaType": OCI_INDEX, "digest": subject, "size": 1}})

    def tag(self, digest: str, *tags: str) -> None:
        for t in tags:
            self.tags[t] = digest  # a tag moves: the old version keeps its other tags

    def dev_push(self, build: str = "", shared_platform: str = "") -> str:
        self.tick()
        self.count += 1
        sha = hashlib.sha1(f"commit {self.count} {build}".encode()).hexdigest()[:12]
        d = self.image(build or f"dev {self.count} {self.seq}", shared_platform=shared_platform)
        self.tag(d, f"dev-{self.count}-g{sha}", f"sha-{sha}", "dev")
        return d

    def release_push(self, version: str, latest: bool = True) -> str:
        self.tick()
        d = self.image(f"release {version} {self.seq}")
        self.tag(d, f"v{version}", *(["latest"] if latest else []))
        return d

    def versions(self, present: set[str] | None = None) -> list[Version]:
        tags_of: dict[str, list[str]] = {}
        for t, d in self.tags.items():
            tags_of.setdefault(d, []).append(t)
        out = []
        for d, doc in self.docs.items():
            if present is not None and d not in present:
                continue
            children = ()
            if doc["mediaType"] == OCI_INDEX:
                children = tuple(
                    Child(m["digest"], ATTESTATION, "unknown/unknown", m["annotations"]["vnd.docker.reference.digest"])
                    if (m.get("annotations") or {}).get("vnd.docker.reference.type") == "attestation-manifest"
                    else Child(m["digest"], PLATFORM, f"{m['platform']['os']}/{m['platform']['architecture']}")
                    for m in doc["manifests"])
            out.append(Version(digest=d, tags=tuple(sorted(tags_of.get(d, []))), created=self.created[d],
                               children=children, subject=(doc.get("subject") or {}).get("digest", ""),
                               media_type=doc["mediaType"]))
        return out
