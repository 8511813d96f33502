"""Every app through the frontend on the newest BuildKit (standalone buildkitd, `remote` buildx
driver), both platforms: SBOM and provenance attestations, the host CA only as a secret, and
`rewrite-timestamp=true` keeping the per-platform manifests byte-identical across a rebuild
without the solver cache."""

from __future__ import annotations

import json

import pytest

from conftest import (APPS, NEXT_BUILDER, PLATFORMS, PREFIX, SOURCE_DATE_EPOCH, build, decompressed_blobs, executed_steps,
                      layer_files, platform_manifests, push_output, run)


def engine_version() -> str:
    out = run(["docker", "buildx", "inspect", NEXT_BUILDER], timeout=60).stdout
    return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.strip().startswith("BuildKit version"))


def test_builder_is_the_newest_buildkit():
    """The tier really runs on the standalone daemon, not on Docker's embedded 0.13."""
    version = engine_version()
    assert version.startswith("v0.34."), version


@pytest.fixture(scope="module")
def pushed(frontend_syntax, canary_ca_bundle):
    """Each app built once on the newest engine and pushed with attestations; the CA secret is a
    bundle holding a CA made for this run."""
    bundle, _, _ = canary_ca_bundle
    refs = {}
    for app in APPS:
        ref = f"{PREFIX}/{app}:next"
        build(NEXT_BUILDER, app, frontend_syntax, "--provenance=mode=max", "--sbom=true",
              "--output", push_output(ref), secret_bundle=bundle)
        refs[app] = ref
    return refs


@pytest.mark.parametrize("app", APPS)
def test_app_builds_both_platforms_with_sbom_and_provenance(pushed, app):
    ref = pushed[app]
    assert set(platform_manifests(ref)) == set(PLATFORMS)
    sbom = json.loads(run(["docker", "buildx", "imagetools", "inspect", ref, "--format", "{{json .SBOM}}"],
                          timeout=120).stdout)
    provenance = json.loads(run(["docker", "buildx", "imagetools", "inspect", ref, "--format",
                                 "{{json .Provenance}}"], timeout=120).stdout)
    for platform in PLATFORMS:
        document = sbom[platform]["SPDX"]
        assert document["spdxVersion"].startswith("SPDX-2."), document.get("spdxVersion")
        names = {p["name"] for p in document["packages"]}
        assert len(names) > 5, f"{app} {platform}: SBOM lists only {names}"
        slsa = provenance[platform]["SLSA"]
        # BuildKit 0.34 writes SLSA v1 by default: the frontend and its inputs are recorded.
        definition = slsa.get("buildDefinition") or {}
        params = definition.get("externalParameters", {}).get("request", {})
        assert params.get("frontend") == "gateway.v0", params
        deps = [d["uri"] for d in definition.get("resolvedDependencies", [])]
        assert any("llb-frontend" in uri for uri in deps), deps
        assert any("patient-risk/bases/" in uri for uri in deps), deps


@pytest.mark.parametrize("app", APPS)
def test_secret_ca_is_in_no_blob(pushed, canary_ca_bundle, app):
    """The CA reached the steps that talk to registries only as a mounted secret: no layer,
    config, manifest or attestation of either platform carries it."""
    _, pem_slice, der_prefix = canary_ca_bundle
    scanned = 0
    for digest, data in decompressed_blobs(pushed[app]):
        scanned += 1
        assert pem_slice not in data and der_prefix not in data, f"{app}: the canary CA is in blob {digest}"
    assert scanned >= 8, f"{app}: only {scanned} blobs scanned"


def test_rewrite_timestamp_rebuild_is_byte_identical(pushed, frontend_syntax):
    """Without the solver cache every step runs again; with rewrite-timestamp the per-platform
    manifests (config and every layer) come out identical, and every layer file has the
    SOURCE_DATE_EPOCH mtime."""
    app = "dev-guide-docs"  # the cheapest graph to run again from scratch
    again = f"{PREFIX}/{app}:next-again"
    result = build(NEXT_BUILDER, app, frontend_syntax, "--no-cache", "--provenance=false",
                   "--output", push_output(again))
    ran = executed_steps(result.stderr)
    assert any("mkdocs" in name for name in ran), f"--no-cache did not run the site build again: {ran}"
    assert platform_manifests(again) == platform_manifests(pushed[app])
    for _, data in decompressed_blobs(again):
        if data[257:262] == b"ustar":
            for member in layer_files(data):
                assert member.mtime <= int(SOURCE_DATE_EPOCH), (member.name, member.mtime)
