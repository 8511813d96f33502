"""Every app image runs on both platforms (linux/arm64 under QEMU) hardened as in production:
`--read-only --cap-drop ALL --security-opt no-new-privileges` and nothing writable beyond the
volumes the image itself declares (its config's `Volumes`: `/tmp` for the servers, none for the
operator; docs/container-graphs.md) —
no extra `--tmpfs`. On each: the process runs as the uid the spec declares, the only read-write
mounts are the declared volumes (plus the kernel's /proc, /sys, /dev), a file cannot be created
anywhere else, and the servers answer health and readiness.

Most images have no shell, so a static probe (tools/claims/writeprobe, built here for each
architecture) is bind-mounted read-only at /probe and run with `docker exec` (or as the
entrypoint of the operator, which does not stay up without a cluster).

The operator needs a Kubernetes API server before it serves anything: its start-up check
(`preflight` in cmd/risk-monitor-operator) exits 1 with a message naming the server when none
answers, so without a cluster it serves neither /healthz nor /readyz (docs/operator.md). That is
what is asserted here, with a kubeconfig pointing at a closed loopback port — no API server is
faked. Its probes against a real API server are tested with the operator's own tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, container, free_port, image_config, run, wait_http

HARDENED = ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
PLATFORMS = ("linux/amd64", "linux/arm64")
# The uid:gid each spec declares ([runtime] user/group in apps/<app>/Dockerfile).
USERS = {
    "risk-monitor-operator": "65532:65532",
    "patient-risk-python-api": "10001:10001",
    "patient-risk-web": "101:101",
    "dev-guide-docs": "101:101",
}
SERVERS = ["patient-risk-python-api", "patient-risk-web", "dev-guide-docs"]
# What each image declares writable (its config's `Volumes`): the servers write to /tmp (nginx's
# rendered config and temp files, Python's temp files); the static operator writes nothing.
VOLUMES = {
    "risk-monitor-operator": [],
    "patient-risk-python-api": ["/tmp"],
    "patient-risk-web": ["/tmp"],
    "dev-guide-docs": ["/tmp"],
}
# Kernel file systems Docker mounts read-write in every container.
KERNEL_MOUNTS = ("/proc", "/sys", "/dev")
# Places a file must not be creatable in (those that exist in the image), besides its workdir.
NOT_WRITABLE = ["/", "/etc", "/usr", "/usr/local", "/var", "/opt", "/app", "/root", "/home", "/srv", "/run"]
# QEMU start-up of the arm64 API (CPython + the native wheel) is slow on 2 cores.
START_S = {"linux/amd64": 60, "linux/arm64": 240}


@pytest.fixture(scope="session")
def writeprobe(tmp_path_factory) -> dict[str, Path]:
    """The static probe for each architecture (Go build cache under STATE_DIR)."""
    out = tmp_path_factory.mktemp("writeprobe")
    state = Path(os.environ.get("STATE_DIR", "/var/lib/patient-risk"))
    env = {**os.environ, "GOWORK": "off", "GOTOOLCHAIN": "local", "CGO_ENABLED": "0", "GOFLAGS": "-trimpath",
           "GOCACHE": str(state / "claims" / "gocache")}
    probes = {}
    for platform in PLATFORMS:
        arch = platform.split("/")[1]
        path = out / f"writeprobe-{arch}"
        subprocess.run(["go", "build", "-o", str(path), "."], cwd=REPO_ROOT / "tools/claims/writeprobe", check=True,
                       env={**env, "GOARCH": arch}, timeout=300)
        path.chmod(0o755)
        probes[platform] = path
    return probes


def declared_volumes(ref: str, platform: str) -> list[str]:
    cfg = image_config(ref, platform)["config"]
    return sorted((cfg.get("Volumes") or {}).keys())


def probe_args(writeprobe: dict[str, Path], platform: str) -> list[str]:
    return ["-v", f"{writeprobe[platform]}:/probe/writeprobe:ro"]


def check_filesystem(app: str, platform: str, volumes: list[str], workdir: str, probe) -> None:
    """uid, read-write mounts and write attempts, through `probe(*args) -> stdout`."""
    assert probe("id").strip() == USERS[app], f"{app} {platform}: runs as {probe('id').strip()}"
    rw = {m for m in probe("rw-mounts").split() if not m.startswith(KERNEL_MOUNTS)}
    assert rw == set(volumes), f"{app} {platform}: read-write mounts {sorted(rw)}, declared volumes {volumes}"
    places = sorted({*NOT_WRITABLE, "/tmp", *([workdir] if workdir else [])} - set(volumes))
    answers = dict(line.split(" ", 1) for line in probe("write", *places, *volumes).splitlines())
    for place in places:
        answer = answers[place]
        assert answer != "ok", f"{app} {platform}: could create a file in {place}"
        # a place that exists must refuse with a read-only file system (or permission) error
        assert "read-only file system" in answer or "permission denied" in answer or "no such file" in answer, \
            f"{app} {platform}: {place}: {answer}"
    assert any("read-only file system" in answers[p] for p in places), answers
    for volume in volumes:
        assert answers[volume] == "ok", f"{app} {platform}: the declared volume {volume} is not writable: {answers[volume]}"


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("app", SERVERS)
def test_server_images_run_hardened_on_both_platforms(images, writeprobe, app, platform):
    ref = images[app]
    volumes = declared_volumes(ref, platform)
    assert volumes == VOLUMES[app], f"{app} {platform}: declared volumes {volumes}, documented {VOLUMES[app]}"
    cfg = image_config(ref, platform)["config"]
    args = [*HARDENED, *probe_args(writeprobe, platform), "-p", "127.0.0.1::8080"]
    with container(ref, platform=platform, run_args=args) as name:
        host_config = json.loads(run(["docker", "inspect", name]).stdout)[0]["HostConfig"]
        assert host_config["ReadonlyRootfs"] and host_config["CapDrop"] == ["ALL"], host_config
        assert not host_config.get("Tmpfs"), "no tmpfs beyond what the image declares"
        port = int(run(["docker", "port", name, "8080/tcp"]).stdout.split()[0].rsplit(":", 1)[1])
        wait_http(f"http://127.0.0.1:{port}/healthz", START_S[platform])
        status, body = wait_http(f"http://127.0.0.1:{port}/readyz", 60)
        assert status == 200, body[:300]
        check_filesystem(app, platform, volumes, cfg.get("WorkingDir", ""),
                         lambda *a: run(["docker", "exec", name, "/probe/writeprobe", *a]).stdout)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_operator_image_runs_hardened_on_both_platforms_and_refuses_to_start_without_a_cluster(
        images, writeprobe, platform, tmp_path):
    app = "risk-monitor-operator"
    ref = images[app]
    volumes = declared_volumes(ref, platform)
    assert volumes == VOLUMES[app], f"{app} {platform}: declared volumes {volumes}, documented {VOLUMES[app]}"
    cfg = image_config(ref, platform)["config"]
    base = ["docker", "run", "--rm", "--platform", platform, *HARDENED]
    version = run([*base, "--network", "none", ref, "--version"], timeout=300).stdout
    assert version.startswith("risk-monitor-operator ") and platform in version, version
    # The image's user and file system, with the probe as entrypoint (same image, same flags).
    check_filesystem(app, platform, volumes, cfg.get("WorkingDir", ""),
                     lambda *a: run([*base, *probe_args(writeprobe, platform), "--network", "none",
                                     "--entrypoint", "/probe/writeprobe", ref, *a], timeout=300).stdout)
    # No API server: a kubeconfig naming a closed loopback port. The start-up check gives up after
    # --api-server-timeout, exits 1 and names the server; no probe port was ever opened.
    closed, probe_port = free_port(), free_port()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "none",
        "clusters": [{"name": "none", "cluster": {"server": f"http://127.0.0.1:{closed}"}}],
        "contexts": [{"name": "none", "context": {"cluster": "none", "user": "none"}}],
        "users": [{"name": "none", "user": {}}],
    }))
    kubeconfig.chmod(0o644)
    started = time.monotonic()
    result = subprocess.run(
        [*base, "--network", "host", "-v", f"{kubeconfig}:/kube/config:ro", ref, "--kubeconfig", "/kube/config",
         "--api-server-timeout=3s", f"--health-probe-bind-address=127.0.0.1:{probe_port}", "--metrics-bind-address=0"],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert f"cannot reach the Kubernetes API server at http://127.0.0.1:{closed} within 3s" in result.stderr, \
        result.stderr[-2000:]
    assert time.monotonic() - started < 120, "bounded start-up wait"
    assert "starting" not in result.stderr, "the manager (and its probe server) must not start without a cluster"
