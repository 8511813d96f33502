"""The retention policy: pure and deterministic, shared by every backend.

    decide(versions, now, keep=N, grace=…) -> Plan (one Decision per version)
    validate(versions) -> [Finding]

A *version* is one manifest or index in an image repository, named by its digest (the OCI
backend) or by a package-version id whose name is the digest (GHCR). What the backends must
supply per version: its digest, its tags, its creation time if known, the children it
references (platform manifests and BuildKit attestation manifests of an index) and, for a
referrer (OCI 1.1 `subject`, or the `sha256-<hex>` tag schema), the digest of its subject.
Nothing here does I/O or reads the clock: `now` is an argument.

Rules (docs/retention.md has the table):
  keep   release        a `vX.Y.Z` tag (pre-releases `vX.Y.Z-rc.1` too); a version with a release
                        tag and trace tags is a release
  keep   latest         the `latest` tag
  keep   dev            the `dev` moving tag
  keep   window         one of the newest N non-release root versions (newest by creation time)
  keep   grace          untagged root younger than the grace period (a push may be under way:
                        BuildKit uploads the children before the index that references them)
  keep   child          platform or attestation manifest of a kept index
  keep   referrer       referrer of a kept version (referrers API or tag schema)
  delete outside-window non-release root version beyond the newest N
  delete child          child of deleted indexes only
  delete referrer       referrer whose subject is deleted
  delete orphan         referrer whose subject is not in the repository at all
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Optional

RELEASE_TAG = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")
TRACE_TAG = re.compile(r"^dev-(\d+)-g[0-9a-f]{7,40}(-dirty)?$")
SHA_TAG = re.compile(r"^sha-[0-9a-f]{7,40}(-dirty)?$")
# OCI 1.1 referrers tag schema (`sha256-<hex>`) and cosign's `sha256-<hex>.sig|.att|.sbom`.
REFERRERS_TAG = re.compile(r"^(sha256)-([0-9a-f]{64})(\.[a-z]+)?$")
MOVING_DEV = "dev"
MOVING_LATEST = "latest"

# Child roles (why an index references a child).
PLATFORM = "platform"
ATTESTATION = "attestation"


@dataclass(frozen=True)
class Child:
    digest: str
    role: str = PLATFORM  # PLATFORM | ATTESTATION
    platform: str = ""  # "linux/amd64", "unknown/unknown" for an attestation manifest
    # BuildKit's `vnd.docker.reference.digest`: the platform manifest an attestation describes.
    describes: str = ""


@dataclass(frozen=True)
class Version:
    digest: str
    tags: tuple[str, ...] = ()
    created: Optional[datetime] = None
    children: tuple[Child, ...] = ()
    subject: str = ""  # digest of the subject when this version is a referrer
    id: str = ""  # backend id (GHCR package-version id); the digest when empty
    media_type: str = ""

    @property
    def key(self) -> str:
        return self.id or self.digest


@dataclass(frozen=True)
class Decision:
    version: Version
    keep: bool
    rule: str
    reason: str
    parent: str = ""  # the index (child), the subject (referrer) this decision follows

    @property
    def action(self) -> str:
        return "keep" if self.keep else "delete"


@dataclass
class Plan:
    decisions: list[Decision]
    keep_n: int
    now: datetime

    @property
    def kept(self) -> list[Decision]:
        return [d for d in self.decisions if d.keep]

    @property
    def deleted(self) -> list[Decision]:
        return [d for d in self.decisions if not d.keep]

    def deletion_order(self) -> list[Decision]:
        """Deletions with every parent before its children and referrers, so a run cut short
        never leaves an index pointing at a deleted child."""
        by_digest = {d.version.digest: d for d in self.deleted}
        depth: dict[str, int] = {}

        def level(digest: str, seen: frozenset = frozenset()) -> int:
            if digest in depth:
                return depth[digest]
            d = by_digest[digest]
            parent = d.parent if d.parent in by_digest and d.parent not in seen else ""
            depth[digest] = 0 if not parent else level(parent, seen | {digest}) + 1
            return depth[digest]

        return sorted(self.deleted, key=lambda d: (level(d.version.digest), _order_key(d)))


@dataclass(frozen=True)
class Finding:
    kind: str  # broken-index | ghost-image | orphaned-referrer
    digest: str
    tags: tuple[str, ...]
    missing: tuple[str, ...] = ()
    message: str = ""


class PolicyError(ValueError):
    pass


def is_release(tags: Iterable[str]) -> bool:
    return any(RELEASE_TAG.match(t) for t in tags)


def trace_count(tags: Iterable[str]) -> int:
    counts = [int(m.group(1)) for t in tags if (m := TRACE_TAG.match(t))]
    return max(counts) if counts else -1


def referrers_tag_subject(tag: str) -> str:
    m = REFERRERS_TAG.match(tag)
    return f"{m.group(1)}:{m.group(2)}" if m else ""


def _short(digest: str) -> str:
    return digest.split(":", 1)[-1][:12]


def _order_key(d: Decision):
    v = d.version
    return (v.created is None, -(v.created.timestamp()) if v.created else 0.0, v.digest, v.key)


def _newest_first(v: Version):
    # Newest first; ties by the trace count of dev-<count>-g<sha>, then by digest (stable).
    return (
        v.created is None,
        -(v.created.timestamp()) if v.created else 0.0,
        -trace_count(v.tags),
        v.digest,
        v.key,
    )


def _check(versions: list[Version], keep: int) -> None:
    if keep < 0:
        raise PolicyError(f"keep-dev-versions must be 0 or more, got {keep}")
    seen: dict[str, str] = {}
    for v in versions:
        if not v.digest.startswith("sha256:") and not v.digest.startswith("sha512:"):
            raise PolicyError(f"version {v.key}: {v.digest!r} is not a digest (sha256:<hex>)")
        if v.digest in seen:
            raise PolicyError(f"digest {v.digest} listed twice (versions {seen[v.digest]} and {v.key})")
        seen[v.digest] = v.key
    tag_owner: dict[str, str] = {}
    for v in versions:
        for t in v.tags:
            if t in tag_owner:
                raise PolicyError(f"tag {t!r} names two versions ({tag_owner[t]} and {v.digest})")
            tag_owner[t] = v.digest


def decide(
    versions: Iterable[Version],
    now: datetime,
    keep: int = 10,
    grace: timedelta = timedelta(hours=1),
) -> Plan:
    """One decision per version; see the module doc for the rules."""
    vs = sorted(versions, key=lambda v: v.digest)
    _check(vs, keep)
    by_digest = {v.digest: v for v in vs}

    parents: dict[str, list[tuple[str, Child]]] = {}
    for v in vs:
        for c in v.children:
            parents.setdefault(c.digest, []).append((v.digest, c))

    def subject_of(v: Version) -> str:
        if v.subject:
            return v.subject
        for t in v.tags:
            if s := referrers_tag_subject(t):
                return s
        return ""

    referrers: dict[str, list[str]] = {}
    for v in vs:
        if (s := subject_of(v)) and s != v.digest:
            referrers.setdefault(s, []).append(v.digest)

    decisions: dict[str, Decision] = {}
    roots: list[Version] = []
    for v in vs:
        s = subject_of(v)
        if s:
            if s not in by_digest:
                decisions[v.digest] = Decision(
                    v, False, "orphan", f"referrer of {_short(s)}, which is not in the repository", s
                )
            continue  # a referrer follows its subject
        if v.digest in parents and not v.tags:
            continue  # an untagged child follows its parents
        roots.append(v)

    # Roots: release, latest, dev by tag; the rest compete for the window.
    non_release: list[Version] = []
    for v in roots:
        rel = sorted(t for t in v.tags if RELEASE_TAG.match(t))
        if rel:
            decisions[v.digest] = Decision(v, True, "release", f"release tag {', '.join(rel)}")
        elif MOVING_LATEST in v.tags:
            decisions[v.digest] = Decision(v, True, "latest", "moving tag latest (newest release)")
        else:
            non_release.append(v)
    non_release.sort(key=_newest_first)
    rank = 0
    for v in non_release:
        young = (
            not v.tags
            and v.created is not None
            and grace > timedelta(0)
            and now - v.created < grace
        )
        if young:
            decisions[v.digest] = Decision(
                v, True, "grace", f"untagged, pushed {now - v.created} ago (< grace {grace}): a push may be under way"
            )
            continue
        rank += 1
        if rank <= keep:
            decisions[v.digest] = Decision(v, True, "window", f"non-release version {rank} of the newest {keep}")
        elif MOVING_DEV in v.tags:
            decisions[v.digest] = Decision(
                v, True, "dev", f"moving tag dev (non-release version {rank}, outside the newest {keep})"
            )
        else:
            what = "tags " + ", ".join(sorted(v.tags)) if v.tags else "untagged"
            decisions[v.digest] = Decision(
                v, False, "outside-window", f"non-release version {rank}, outside the newest {keep} ({what})"
            )
    for d in list(decisions.values()):
        if d.rule == "window" and MOVING_DEV in d.version.tags:
            decisions[d.version.digest] = Decision(
                d.version, True, "dev", f"moving tag dev ({d.reason})"
            )

    # Propagate: children and referrers of kept versions are kept (transitively), whatever
    # else refers to them; then what is left follows a deleted parent.
    kept_queue = sorted(d.version.digest for d in decisions.values() if d.keep)
    while kept_queue:
        digest = kept_queue.pop(0)
        v = by_digest[digest]
        for c in sorted(v.children, key=lambda c: c.digest):
            cur = decisions.get(c.digest)
            if c.digest in by_digest and (cur is None or not cur.keep):
                what = f"{c.role} manifest" + (f" {c.platform}" if c.platform else "")
                if c.role == ATTESTATION and c.describes:
                    what += f" of {_short(c.describes)}"
                decisions[c.digest] = Decision(
                    by_digest[c.digest], True, "child", f"{what} of kept index {_short(digest)}", digest
                )
                kept_queue.append(c.digest)
        for r in sorted(referrers.get(digest, [])):
            cur = decisions.get(r)
            if cur is None or not cur.keep:
                decisions[r] = Decision(by_digest[r], True, "referrer", f"referrer of kept {_short(digest)}", digest)
                kept_queue.append(r)
        kept_queue.sort()

    pending = [v for v in vs if v.digest not in decisions]
    while pending:
        progressed = False
        for v in list(pending):
            ps = sorted(p for p, _ in parents.get(v.digest, []))
            s = subject_of(v)
            if s and s in decisions:
                decisions[v.digest] = Decision(v, False, "referrer", f"referrer of deleted {_short(s)}", s)
            elif ps and all(p in decisions for p in ps):
                c = next(c for p, c in parents[v.digest] if p == ps[0])
                what = f"{c.role} manifest" + (f" {c.platform}" if c.platform else "")
                decisions[v.digest] = Decision(
                    v, False, "child", f"{what} of deleted index {_short(ps[0])}"
                    + (f" (and {len(ps) - 1} more, all deleted)" if len(ps) > 1 else ""), ps[0]
                )
            else:
                continue
            pending.remove(v)
            progressed = True
        if not progressed:  # a reference cycle among deleted versions: delete them as such
            for v in pending:
                decisions[v.digest] = Decision(v, False, "child", "only referenced from a reference cycle of deleted versions")
            pending = []

    ordered = sorted(decisions.values(), key=lambda d: (not d.keep, _order_key(d)))
    return Plan(ordered, keep, now)


def validate(versions: Iterable[Version]) -> list[Finding]:
    """Broken indexes (a referenced child missing), ghost images (an index none of whose
    platform manifests exists) and orphaned referrers (subject missing)."""
    vs = sorted(versions, key=lambda v: v.digest)
    present = {v.digest for v in vs}
    out: list[Finding] = []
    for v in vs:
        if v.children:
            missing = tuple(sorted(c.digest for c in v.children if c.digest not in present))
            platforms = [c for c in v.children if c.role == PLATFORM]
            if platforms and all(c.digest not in present for c in platforms):
                out.append(Finding("ghost-image", v.digest, v.tags, missing,
                                   f"index {_short(v.digest)} has none of its {len(platforms)} platform manifests"))
            elif missing:
                out.append(Finding("broken-index", v.digest, v.tags, missing,
                                   f"index {_short(v.digest)} references {len(missing)} missing manifest(s)"))
        s = v.subject or next((referrers_tag_subject(t) for t in v.tags if referrers_tag_subject(t)), "")
        if s and s not in present:
            out.append(Finding("orphaned-referrer", v.digest, v.tags, (s,),
                               f"referrer {_short(v.digest)} of missing subject {_short(s)}"))
    return out
