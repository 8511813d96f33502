"""Dev pushes (tags from git, all pointing at one digest) and reproducible digests: a rebuild of
the release that ignores the build cache (or, with SUPPLY_CHAIN_REPRO=prune, after pruning it)
gives byte-identical images and SBOMs."""

from __future__ import annotations

import os

import pytest

from conftest import APPS, LOCAL_REGISTRY, PLATFORMS, RELEASE_VERSION, canary_flags, inspect, make, per_platform, pinned, releaselib, run

pytestmark = pytest.mark.engine


def test_dev_push_tags_point_at_one_digest(dev_push):
    for app in dev_push.apps:
        record = dev_push.handoff(app)
        tags = record["tags"]  # what tools/release/tags computed for the push
        sha = record["revision"][:12]
        assert tags[0].startswith("dev-") and f"-g{sha}" in tags[0], tags
        assert tags[1].startswith(f"sha-{sha}") and tags[2] == "dev", tags
        digests = {tag: inspect(dev_push.ref(app, tag), "{{json .Manifest}}")["digest"] for tag in tags}
        assert len(set(digests.values())) == 1, f"{app}: {digests}"
        assert record["digest"] == digests["dev"]
        assert record["version"] == tags[0], "the dev trace tag is the image version"


def image_manifests(ref: str) -> dict[str, str]:
    index = releaselib.index_of(ref)
    out = {}
    for m in index["manifests"]:
        p = m.get("platform") or {}
        if p.get("os") not in (None, "unknown"):
            out[f"{p['os']}/{p['architecture']}"] = m["digest"]
    return out


def test_a_cold_rebuild_gives_identical_images(release_push, tmp_path):
    mode = os.environ.get("SUPPLY_CHAIN_REPRO", "no-cache")
    if mode == "off":
        pytest.skip("SUPPLY_CHAIN_REPRO=off")
    if mode == "prune":
        # Only the build cache (and its cache mounts): never an image.
        run(["docker", "buildx", "prune", "--all", "--force"])
    # The rebuild goes to other repositories (<registry>/supply-chain-repro/<repository>), so the
    # release tags keep pointing at the release; provenance (build times, invocation) is left off.
    registry = f"{LOCAL_REGISTRY}/supply-chain-repro"
    flags, env = canary_flags(release_push.canaries)
    make(
        "container/push",
        f"IMAGE_TAG={RELEASE_VERSION}",
        f"REGISTRY={registry}",
        f"RELEASE_OUT={tmp_path}",
        "RELEASE_ATTEST=--provenance=false --sbom=true",
        f"RELEASE_BAKE_FLAGS={flags}{' --no-cache' if mode == 'no-cache' else ''}",
        *pinned(release_push.tags),
        env=env,
    )
    contract = releaselib.load_contract()
    for app in APPS:
        again_ref = f"{contract.image_name(app, registry)}:v{RELEASE_VERSION}"
        original = image_manifests(release_push.ref(app))
        again = image_manifests(again_ref)
        assert sorted(original) == PLATFORMS
        assert again == original, f"{app}: per-platform image manifests differ after a cold rebuild"
        sbom_a = per_platform(inspect(release_push.ref(app), "{{json .SBOM}}"), "SPDX")
        sbom_b = per_platform(inspect(again_ref, "{{json .SBOM}}"), "SPDX")
        assert sbom_a == sbom_b, f"{app}: the SBOMs differ"
