"""Both platforms in every image, arm64 binaries that really are aarch64, and
manylinux wheels (issue 7 acceptance: platforms, ELF, auditwheel)."""

from __future__ import annotations

import json
import pytest

from conftest import APPS, ELF_MACHINES, LOCAL_REGISTRY, PLATFORMS, buildx, copy_out, elf_machine, run

# Native code each image ships, per app: (path in the image, what it is).
NATIVE_FILES = {
    "risk-monitor-operator": "/usr/local/bin/risk-monitor-operator",
    "patient-risk-web": "/usr/sbin/nginx",
    "dev-guide-docs": "/usr/sbin/nginx",
}


@pytest.mark.parametrize("app", APPS)
def test_index_has_both_platforms(images, app):
    raw = run(["docker", "buildx", "imagetools", "inspect", "--raw", images[app]]).stdout
    index = json.loads(raw)
    platforms = {
        f"{m['platform']['os']}/{m['platform']['architecture']}"
        for m in index.get("manifests", [])
        if m.get("platform", {}).get("os") != "unknown"  # attestation manifests
    }
    assert platforms == set(PLATFORMS), f"{images[app]}: {platforms}"


@pytest.mark.parametrize("app", sorted(NATIVE_FILES))
@pytest.mark.parametrize("platform", PLATFORMS)
def test_native_binaries_match_the_platform(images, app, platform, tmp_path):
    out = copy_out(images[app], platform, NATIVE_FILES[app], tmp_path / "bin")
    assert elf_machine(out) == ELF_MACHINES[platform], f"{app} {platform}: {NATIVE_FILES[app]}"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_api_wheel_extension_matches_the_platform(images, platform, tmp_path):
    site = "/opt/patient-risk-python-api/site-packages/patient_signal"
    out = copy_out(images["patient-risk-python-api"], platform, site, tmp_path / "patient_signal")
    natives = sorted(out.glob("_native*.so"))
    assert len(natives) == 1, f"one extension module in {site}: {list(out.iterdir())}"
    assert elf_machine(natives[0]) == ELF_MACHINES[platform], natives[0].name


def test_wheels_are_manylinux(images, tmp_path):
    """The `wheel` target for both platforms (cache hits of the release build),
    checked by auditwheel from the rust-builder base."""
    dest = tmp_path / "wheels"
    buildx(
        "apps/patient-risk-python-api/Dockerfile",
        "--target", "wheel",
        "--platform", ",".join(PLATFORMS),
        "-o", f"type=local,dest={dest}",
    )
    wheels = sorted(dest.glob("*/*.whl"))
    assert len(wheels) == 2, f"one wheel per platform: {wheels}"
    builder = f"{LOCAL_REGISTRY}/patient-risk/bases/rust-builder:local"
    for wheel in wheels:
        arch = "aarch64" if "arm64" in wheel.parent.name else "x86_64"
        assert f"manylinux_2_28_{arch}" in wheel.name, wheel.name
        shown = run(["docker", "run", "--rm", "--network", "none", "-v", f"{wheel.parent}:/w:ro", builder,
                     "auditwheel", "show", f"/w/{wheel.name}"]).stdout
        flat = " ".join(shown.split())
        assert f'platform tag: "manylinux_2_28_{arch}"' in flat or f'"manylinux_2_17_{arch}"' in flat, shown

