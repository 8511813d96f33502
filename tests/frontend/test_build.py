"""Real builds of an app through the frontend: single platform into the local image store,
multi-platform into the local registry."""

from __future__ import annotations

import json

from conftest import APP, CA_SECRET, LOCAL_BASES, LOCAL_REGISTRY, buildx, run

TEST_LABEL = "org.example.frontend-it"


def test_single_platform_build_loads_an_image(unique_tag, tmp_path):
    name = f"patient-risk-it/{APP}:{unique_tag}"
    metadata = tmp_path / "metadata.json"
    try:
        result = buildx(*LOCAL_BASES, *CA_SECRET, "--label", f"{TEST_LABEL}={unique_tag}",
                        "--metadata-file", str(metadata), "--load", "-t", name)
        # progress shows the spec load and the pinned base resolution done by the frontend
        assert "[internal] load app spec from Dockerfile" in result.stderr
        assert "[internal] load metadata for" in result.stderr
        image = json.loads(run(["docker", "image", "inspect", name], timeout=60).stdout)[0]
        arch = run(["docker", "version", "-f", "{{.Server.Arch}}"], timeout=60).stdout.strip()
        assert image["Architecture"] == arch
        assert image["Os"] == "linux"
        config = image["Config"]
        assert config["Labels"][TEST_LABEL] == unique_tag, "label:* is merged into the image config"
        assert config["User"].split(":")[0] == "65532", "the operator runs as the spec's non-root user"
        assert config["Entrypoint"], config
        assert json.loads(metadata.read_text()).get("containerimage.digest", "").startswith("sha256:")
    finally:
        run(["docker", "image", "rm", "-f", name], check=False, timeout=120)


def test_multi_platform_build_pushes_an_index(unique_tag, tmp_path):
    ref = f"{LOCAL_REGISTRY}/patient-risk-it/{APP}:{unique_tag}"
    buildx(*LOCAL_BASES, *CA_SECRET, "--platform", "linux/amd64,linux/arm64",
           "--provenance=mode=max", "--push", "-t", ref)
    raw = json.loads(run(["docker", "buildx", "imagetools", "inspect", ref, "--raw"], timeout=120).stdout)
    platforms = {
        f"{m['platform']['os']}/{m['platform']['architecture']}"
        for m in raw["manifests"]
        if m["platform"]["os"] != "unknown"
    }
    assert platforms == {"linux/amd64", "linux/arm64"}
    images = json.loads(
        run(["docker", "buildx", "imagetools", "inspect", ref, "--format", "{{json .Image}}"], timeout=120).stdout
    )
    assert images["linux/arm64"]["architecture"] == "arm64"
    assert images["linux/amd64"]["architecture"] == "amd64"
    # the frontend pinned every base image to the digest it resolved: provenance records them
    provenance = json.loads(
        run(["docker", "buildx", "imagetools", "inspect", ref, "--format", "{{json .Provenance}}"], timeout=120).stdout
    )
    slsa = provenance["linux/arm64"]["SLSA"]
    # SLSA v0.2 (BuildKit 0.13) lists `materials`; SLSA v1 (BuildKit >= 0.23's default) lists
    # `buildDefinition.resolvedDependencies`, with the same uri + digest entries.
    materials = slsa.get("materials") or slsa["buildDefinition"]["resolvedDependencies"]
    bases = [m for m in materials if "patient-risk/bases/" in m["uri"]]
    assert bases, materials
    assert all(m["digest"].get("sha256") for m in bases), bases


def test_lint_findings_are_build_warnings():
    """During a build the --check rules arrive as BuildKit warnings on the spec-load step. A
    credential-like build arg refuses a build (test_errors.py); with the documented opt-out the
    build goes ahead and the finding still arrives as a warning."""
    result = buildx(*LOCAL_BASES, *CA_SECRET, "--build-arg", "API_PASSWORD=hunter2hunter2",
                    "--build-arg", "ALLOW_CREDENTIAL_LIKE_BUILD_ARGS=API_PASSWORD")
    assert "warnings found" in result.stderr or "warning found" in result.stderr, result.stderr[-3000:]
    assert "CredentialLikeBuildArg: build arg `API_PASSWORD`" in result.stderr, result.stderr[-3000:]
