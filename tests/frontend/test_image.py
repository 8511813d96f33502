"""The frontend image itself: what BuildKit checks before it starts the frontend."""

from __future__ import annotations

import json

from conftest import FRONTEND_IMAGE, FRONTEND_REF, run

MAX_IMAGE_BYTES = 10 * 1024 * 1024
REQUIRED_CAPS = {
    "moby.buildkit.frontend.inputs",
    "moby.buildkit.frontend.subrequests",
    "moby.buildkit.frontend.contexts",
}


def inspect_local():
    return json.loads(run(["docker", "image", "inspect", FRONTEND_IMAGE], timeout=60).stdout)[0]


def test_labels_declare_caps_and_no_network():
    config = inspect_local()["Config"]
    labels = config["Labels"]
    caps = set(labels["moby.buildkit.frontend.caps"].split(","))
    assert REQUIRED_CAPS <= caps, caps
    assert labels["moby.buildkit.frontend.network.none"] == "true"
    for key in ("org.opencontainers.image.title", "org.opencontainers.image.source",
                "org.opencontainers.image.version", "org.opencontainers.image.revision"):
        assert labels.get(key), key
    assert config["Entrypoint"] == ["/bin/patient-risk-frontend"]


def test_image_is_small_and_native():
    image = inspect_local()
    assert image["Size"] <= MAX_IMAGE_BYTES, f"{image['Size']} bytes"
    arch = run(["docker", "version", "-f", "{{.Server.Arch}}"], timeout=60).stdout.strip()
    assert image["Architecture"] == arch
    assert len(image["RootFS"]["Layers"]) == 1, "scratch + one binary"


def test_registry_ref_has_both_platforms():
    raw = json.loads(run(["docker", "buildx", "imagetools", "inspect", FRONTEND_REF, "--raw"], timeout=120).stdout)
    platforms = {
        f"{m['platform']['os']}/{m['platform']['architecture']}"
        for m in raw.get("manifests", [])
        if m.get("platform", {}).get("os") != "unknown"
    }
    assert {"linux/amd64", "linux/arm64"} <= platforms, platforms
    for m in raw["manifests"]:
        if m.get("platform", {}).get("os") == "unknown":
            continue
        manifest = json.loads(
            run(["docker", "buildx", "imagetools", "inspect", f"{FRONTEND_REF}@{m['digest']}", "--raw"], timeout=120).stdout
        )
        size = sum(layer["size"] for layer in manifest["layers"])
        assert size <= MAX_IMAGE_BYTES, f"{m['platform']}: {size} compressed bytes"


def test_binary_runs_outside_buildkit():
    """Without the gateway environment the binary explains itself instead of hanging on stdin."""
    result = run(["docker", "run", "--rm", "--network", "none", FRONTEND_IMAGE], check=False, timeout=120)
    assert result.returncode == 2
    assert "no BuildKit gateway environment" in result.stderr
    targets = run(["docker", "run", "--rm", "--network", "none", FRONTEND_IMAGE, "targets"], timeout=120)
    assert "risk-monitor-operator" in targets.stdout and "release (default)" in targets.stdout
