"""Every bench baseline Dockerfile (bench/dockerfiles/<app>.Dockerfile) parses and passes the
Dockerfile frontend's own linter: `docker buildx build --check` through the gateway image of the
Dockerfile frontend (bench/dockerfile-frontend, the second baseline), so a baseline cannot rot
between `make bench` runs. --check resolves the stages and evaluates the lint rules without
running a step (seconds per file)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[2]))
FRONTEND = os.environ.get("BENCH_DOCKERFILE_FRONTEND", "")
REGISTRY = os.environ.get("LOCAL_REGISTRY", "127.0.0.1:5000")
DOCKERFILES = sorted((REPO / "bench" / "dockerfiles").glob("*.Dockerfile"))


def check(dockerfile: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", "buildx", "build", "--builder", "default", "--check", "-f", str(dockerfile),
         "--build-arg", f"BUILDKIT_SYNTAX={FRONTEND}", "--build-arg", f"BASES={REGISTRY}/patient-risk/bases",
         *extra, str(REPO)],
        capture_output=True, text=True, timeout=300, check=False,
    )


def test_four_baselines_and_the_frontend_ref():
    """One baseline per app, and the gateway image is given by digest (make passes it)."""
    assert [p.name for p in DOCKERFILES] == [
        "dev-guide-docs.Dockerfile", "patient-risk-python-api.Dockerfile",
        "patient-risk-web.Dockerfile", "risk-monitor-operator.Dockerfile"]
    assert "@sha256:" in FRONTEND, "BENCH_DOCKERFILE_FRONTEND must be <ref>@sha256:… (make test/integration/bench)"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfile_passes_check(dockerfile: Path):
    """No parse error and no lint warning; the first line selects docker/dockerfile:1."""
    assert dockerfile.read_text().splitlines()[0] == "# syntax=docker/dockerfile:1"
    result = check(dockerfile)
    assert result.returncode == 0, f"{dockerfile.name}:\n{result.stdout}\n{result.stderr[-3000:]}"
    assert "Check complete, no warnings found." in result.stdout + result.stderr, result.stdout + result.stderr


def test_check_fails_on_a_broken_dockerfile(tmp_path):
    """Positive control: the same check refuses a Dockerfile with a lint warning, so a passing
    check above means something."""
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text("# syntax=docker/dockerfile:1\nFROM scratch as base\nCOPY x /x\n")
    result = check(bad)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "FromAsCasing" in result.stdout + result.stderr, result.stdout + result.stderr
