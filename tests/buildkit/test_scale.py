"""Beyond one build machine (docs/scale.md): a registry cache that a builder with an empty
cache rebuilds from without running a step, and a two-node builder where each platform is
solved by its own node and the result equals a single-node build's."""

from __future__ import annotations

import json

from conftest import (FRESH_BUILDER, MULTI_BUILDER, NEXT_BUILDER, PREFIX, STATE_DIR, build,
                      cached_steps, executed_steps, index_of, platform_manifests, push_output,
                      registry_manifest, run)

CACHE_APP = "dev-guide-docs"
MULTI_APP = "risk-monitor-operator"


def registry_cache(ref: str, mode: str = "") -> str:
    return f"type=registry,ref={ref},registry.insecure=true{',mode=max' if mode == 'to' else ''}"


def disk_usage(builder: str) -> int:
    out = run(["docker", "buildx", "du", "--builder", builder, "--verbose"], timeout=120).stdout
    return sum(1 for line in out.splitlines() if line.startswith("ID:"))


def test_registry_cache_rebuilds_on_an_empty_builder_without_running_a_step(frontend_syntax):
    """Push the cache (mode=max) from one engine; empty a second engine completely; the second
    engine then rebuilds from the registry cache alone: zero steps executed, same manifests."""
    cache_ref = f"{PREFIX}/cache/{CACHE_APP}:buildcache"
    first_ref = f"{PREFIX}/{CACHE_APP}:cache-source"
    build(NEXT_BUILDER, CACHE_APP, frontend_syntax, "--provenance=false",
          "--cache-to", registry_cache(cache_ref, "to"), "--output", push_output(first_ref))

    run(["docker", "buildx", "prune", "--builder", FRESH_BUILDER, "--all", "--force"], timeout=600)
    assert disk_usage(FRESH_BUILDER) == 0, "the fresh builder still holds cache records after prune"

    again_ref = f"{PREFIX}/{CACHE_APP}:cache-rebuilt"
    result = build(FRESH_BUILDER, CACHE_APP, frontend_syntax, "--provenance=false",
                   "--cache-from", registry_cache(cache_ref), "--output", push_output(again_ref))
    ran = executed_steps(result.stderr)
    assert ran == [], f"steps executed despite the registry cache: {ran}"
    # Positive control for the progress parser: it did see the graph's steps, as cache hits.
    hits = cached_steps(result.stderr)
    assert any("mkdocs" in name for name in hits), hits
    assert platform_manifests(again_ref) == platform_manifests(first_ref)


def test_two_node_builder_solves_each_platform_on_its_node(frontend_syntax):
    """`peer` (declared linux/amd64) and `next` (declared linux/arm64) form one builder; buildx
    splits the platforms between them. Each node's build history gains exactly the build of its
    platform, and the pushed index equals the index of the same build on one node."""
    single_ref = f"{PREFIX}/{MULTI_APP}:single-node"
    multi_ref = f"{PREFIX}/{MULTI_APP}:two-nodes"
    build(NEXT_BUILDER, MULTI_APP, frontend_syntax, "--provenance=false", "--output", push_output(single_ref))

    before = {node: history_ids(node) for node in ("peer", "next")}
    build(MULTI_BUILDER, MULTI_APP, frontend_syntax, "--provenance=false", "--output", push_output(multi_ref))
    after = {node: history_ids(node) for node in ("peer", "next")}
    new = {node: [rec for key, rec in after[node].items() if key not in before[node]] for node in after}
    assert [rec["platforms"] for rec in new["peer"]] == [["linux/amd64"]], new
    assert [rec["platforms"] for rec in new["next"]] == [["linux/arm64"]], new

    assert platform_manifests(multi_ref) == platform_manifests(single_ref)
    # The index lists the very same manifest descriptors. The one difference: buildx assembles a
    # multi-node index itself and drops the index-level copy of the frontend's OCI annotations;
    # each platform manifest (identical above) still carries them (docs/scale.md).
    single, multi = index_of(single_ref), index_of(multi_ref)
    assert multi["manifests"] == single["manifests"]
    assert {k: v for k, v in multi.items() if k != "annotations"} == \
        {k: v for k, v in single.items() if k != "annotations"}
    assert single["annotations"]["org.opencontainers.image.title"] == MULTI_APP
    assert set(multi.get("annotations", {}).items()) <= set(single["annotations"].items())
    repo = multi_ref.split("/", 1)[1].rsplit(":", 1)[0]
    for digest in platform_manifests(multi_ref).values():
        annotations = registry_manifest(repo, digest).get("annotations", {})
        assert annotations.get("org.opencontainers.image.title") == MULTI_APP, annotations


def history_ids(node: str) -> dict[str, dict]:
    """Build records of one daemon, from its history API (`buildctl debug histories`): the
    ref of each build and the platforms its frontend was asked for."""
    buildctl = next((STATE_DIR / "buildkit").glob("v*/bin/buildctl"))
    out = run([str(buildctl), "--addr", f"unix://{STATE_DIR}/buildkit/run/{node}.sock", "debug", "histories",
               "--format", "{{json .}}"], timeout=120).stdout
    result = {}
    for line in out.splitlines():
        if not line.strip():
            continue
        record = json.loads(line).get("record") or {}
        attrs = record.get("FrontendAttrs") or {}
        result[record["Ref"]] = {"platforms": sorted(filter(None, attrs.get("platform", "").split(",")))}
    return result
