"""Property tests of the retention policy core (tools/retention/retentionlib/policy.py).

Random push histories (dev pushes, releases, moved tags, re-pushed digests, reproducible
rebuilds that share platform manifests, referrers, stray untagged manifests) must never lose a
release, `latest` or `dev` version or any child of a kept index; exactly N non-release
versions survive (plus `dev` when it points outside them); a second run deletes nothing; the
result does not depend on input order. Example tests pin the wording of decisions, the
deletion order, the grace period and validate's findings.
"""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from histories import Repo, T0
from retentionlib.policy import (RELEASE_TAG, Child, PolicyError, Version, decide, validate)

EVENTS = st.lists(
    st.one_of(
        st.tuples(st.just("dev")),
        st.tuples(st.just("release"), st.integers(0, 3), st.integers(0, 5), st.booleans()),
        st.tuples(st.just("repush"), st.integers(0, 50)),  # the same build again: same digest
        st.tuples(st.just("rebuild"), st.integers(0, 50)),  # same platform images, new attestations
        st.tuples(st.just("retag"), st.integers(0, 50)),  # a trace tag moved onto an older version
        st.tuples(st.just("referrer"), st.integers(0, 50)),
        st.tuples(st.just("stray"),),  # an untagged single manifest (a tag moved off it long ago)
    ),
    min_size=0, max_size=40,
)


def build(events) -> Repo:
    repo = Repo()
    builds: list[str] = []
    for ev in events:
        kind = ev[0]
        if kind == "dev":
            builds.append(f"dev {len(builds)}")
            repo.dev_push(builds[-1])
        elif kind == "release":
            repo.release_push(f"{ev[1]}.{ev[2]}.0" + ("" if ev[3] else "-rc.1"), latest=ev[3])
        elif kind == "repush" and builds:
            repo.dev_push(builds[ev[1] % len(builds)])
        elif kind == "rebuild" and builds:
            b = builds[ev[1] % len(builds)]
            builds.append(f"rebuild of {b} #{len(builds)}")
            repo.dev_push(builds[-1], shared_platform=b)
        elif kind == "retag" and repo.tags:
            digests = sorted(set(repo.tags.values()))
            repo.tick()
            repo.tag(digests[ev[1] % len(digests)], f"sha-{ev[1]:012x}")
        elif kind == "referrer" and repo.docs:
            subjects = sorted(d for d, doc in repo.docs.items() if "manifests" in doc)
            if subjects:
                repo.tick(1)
                repo.referrer(subjects[ev[1] % len(subjects)], f"application/vnd.example.sig.{ev[1]}")
        elif kind == "stray":
            repo.tick()
            repo._put({"mediaType": "application/vnd.oci.image.manifest.v1+json", "stray": repo.seq})
            repo.seq += 1
    return repo


def roots(versions: list[Version]) -> list[Version]:
    referenced = {c.digest for v in versions for c in v.children}
    return [v for v in versions if not v.subject and (v.tags or v.digest not in referenced)]


def non_release(v: Version) -> bool:
    return not any(RELEASE_TAG.match(t) for t in v.tags) and "latest" not in v.tags


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=EVENTS, keep=st.integers(0, 12), seed=st.integers(0, 2**32 - 1))
def test_policy_invariants(events, keep, seed):
    repo = build(events)
    versions = repo.versions()
    now = repo.clock + timedelta(days=1)  # every untagged version is past the grace period
    plan = decide(versions, now, keep=keep)
    by = {d.version.digest: d for d in plan.decisions}

    # One decision per version, each with a rule and a reason.
    assert sorted(by) == sorted(v.digest for v in versions)
    assert all(d.rule and d.reason for d in plan.decisions)

    # Never delete a release, latest or dev version.
    for v in versions:
        if any(RELEASE_TAG.match(t) for t in v.tags) or {"latest", "dev"} & set(v.tags):
            assert by[v.digest].keep, (v.tags, by[v.digest])

    # Never delete a child of a kept index, nor a referrer of a kept version.
    present = {v.digest for v in versions}
    for v in versions:
        if by[v.digest].keep:
            for c in v.children:
                if c.digest in present:
                    assert by[c.digest].keep, (v.digest, c, by[c.digest])
        if v.subject and v.subject in by and by[v.subject].keep:
            assert by[v.digest].keep

    # Exactly N non-release versions survive (newest first), plus dev when it lies outside.
    nr = sorted((v for v in roots(versions) if non_release(v)),
                key=lambda v: (-v.created.timestamp(), -max([int(t.split("-")[1]) for t in v.tags
                                                              if t.startswith("dev-")] or [-1]), v.digest))
    window = nr[:keep]
    dev_extra = [v for v in nr[keep:] if "dev" in v.tags]
    kept_nr = {v.digest for v in nr if by[v.digest].keep}
    assert kept_nr == {v.digest for v in window + dev_extra}
    assert len(kept_nr) == min(keep, len(nr)) + len(dev_extra)

    # Deletion order: no deleted parent comes after one of its deleted children.
    order = [d.version.digest for d in plan.deletion_order()]
    pos = {d: i for i, d in enumerate(order)}
    for v in versions:
        for c in v.children:
            if v.digest in pos and c.digest in pos:
                assert pos[v.digest] < pos[c.digest]

    # A second run over what is left deletes nothing.
    left = {d.version.digest for d in plan.kept}
    again = decide(repo.versions(present=left), now, keep=keep)
    assert again.deleted == [], [(d.version.tags, d.rule, d.reason) for d in again.deleted]

    # Input order does not matter.
    shuffled = list(versions)
    random.Random(seed).shuffle(shuffled)
    assert decide(shuffled, now, keep=keep).decisions == plan.decisions

    # What is kept is consistent: validate finds no broken index among the kept versions.
    assert [f for f in validate(repo.versions(present=left)) if f.kind != "orphaned-referrer"] == []


def scenario():
    """15 dev builds and 2 releases, the history the registry test pushes."""
    repo = Repo()
    for i in range(1, 16):
        repo.dev_push()
        if i == 5:
            repo.release_push("0.1.0")
        if i == 12:
            repo.release_push("0.2.0")
    return repo


def test_decisions_name_rule_and_parent():
    """Dry-run output material: every decision says which rule and which parent index."""
    repo = scenario()
    plan = decide(repo.versions(), repo.clock + timedelta(days=1), keep=10)
    rules = {}
    for d in plan.decisions:
        rules.setdefault((d.action, d.rule), []).append(d)
    assert len(rules[("keep", "release")]) == 2
    assert len(rules[("keep", "window")]) == 9 and len(rules[("keep", "dev")]) == 1
    assert len(rules[("delete", "outside-window")]) == 5
    # 12 kept indexes x 4 children; 5 deleted indexes x 4 children.
    assert len(rules[("keep", "child")]) == 48 and len(rules[("delete", "child")]) == 20
    d = rules[("delete", "child")][0]
    assert d.parent and d.parent in {x.version.digest for x in rules[("delete", "outside-window")]}
    assert "of deleted index" in d.reason
    assert any("attestation manifest unknown/unknown of" in x.reason for x in rules[("keep", "child")])
    oldest = min(rules[("delete", "outside-window")], key=lambda x: x.version.created)
    assert "non-release version 15, outside the newest 10" in oldest.reason


def test_shared_child_survives_when_one_parent_is_kept():
    """A reproducible rebuild references the same platform manifests as an old build: deleting
    the old index must not take them away from the new one."""
    repo = Repo()
    repo.dev_push("a")
    for _ in range(3):
        repo.dev_push()
    repo.dev_push("b", shared_platform="a")
    plan = decide(repo.versions(), repo.clock + timedelta(days=1), keep=1)
    by = {d.version.digest: d for d in plan.decisions}
    old = repo.tags["dev-1-g" + next(t for t in repo.tags if t.startswith("dev-1-g"))[7:]]
    assert not by[old].keep
    shared = [c for c in repo.versions() if c.digest == old][0].children
    for c in shared:
        if c.role == "platform":
            assert by[c.digest].keep and by[c.digest].rule == "child"


def test_grace_keeps_a_young_untagged_root():
    """An untagged manifest younger than the grace period may be a push under way."""
    repo = Repo()
    repo.dev_push()
    repo.tick()
    stray = repo._put({"mediaType": "application/vnd.oci.image.manifest.v1+json", "x": 1})
    versions = repo.versions()
    young = decide(versions, repo.clock + timedelta(minutes=10), keep=0)
    old = decide(versions, repo.clock + timedelta(hours=2), keep=0)
    assert {d.version.digest: d.rule for d in young.decisions}[stray] == "grace"
    assert {d.version.digest: d.rule for d in old.decisions}[stray] == "outside-window"


def test_orphaned_referrer_and_validate():
    """validate reports broken indexes, ghost images and orphaned referrers."""
    repo = scenario()
    versions = repo.versions()
    index = next(v for v in versions if "dev" in v.tags)
    ghost = next(v for v in versions if "v0.1.0" in v.tags)
    platforms_of_ghost = {c.digest for c in ghost.children if c.role == "platform"}
    one_child = index.children[0].digest
    gone = platforms_of_ghost | {one_child}
    sig = Version(digest="sha256:" + "5" * 64, subject="sha256:" + "6" * 64, created=T0)
    left = [v for v in versions if v.digest not in gone] + [sig]
    found = {(f.kind, f.digest) for f in validate(left)}
    assert ("broken-index", index.digest) in found
    assert ("ghost-image", ghost.digest) in found
    assert ("orphaned-referrer", sig.digest) in found
    plan = decide(left, repo.clock + timedelta(days=1))
    assert {d.version.digest: d.rule for d in plan.decisions}[sig.digest] == "orphan"


def test_bad_input_is_refused_with_the_reason():
    v = Version(digest="sha256:" + "1" * 64, tags=("dev",), created=T0)
    with pytest.raises(PolicyError, match="listed twice"):
        decide([v, v], T0)
    with pytest.raises(PolicyError, match="not a digest"):
        decide([Version(digest="latest")], T0)
    with pytest.raises(PolicyError, match="0 or more"):
        decide([v], T0, keep=-1)
    w = Version(digest="sha256:" + "2" * 64, tags=("dev",), created=T0)
    with pytest.raises(PolicyError, match="names two versions"):
        decide([v, w], T0)


def test_release_with_trace_tags_is_a_release():
    v = Version(digest="sha256:" + "3" * 64, tags=("dev-9-gabcdef123456", "sha-abcdef123456", "v1.2.3"),
                created=T0, children=(Child("sha256:" + "4" * 64),))
    c = Version(digest="sha256:" + "4" * 64, created=T0)
    plan = decide([v, c], T0 + timedelta(days=3), keep=0)
    assert [(d.action, d.rule) for d in plan.decisions] == [("keep", "release"), ("keep", "child")]
