"""The engine that `make engine/up` brings up: dockerd, containerd store, buildx, binfmt, registry."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from conftest import ENGINE_SH, LOCAL_REGISTRY, REPO_ROOT, STATE_DIR, registry_get, run


def test_docker_engine_answers():
    info = json.loads(run(["docker", "info", "--format", "{{json .}}"]).stdout)
    assert info["ServerVersion"], info
    assert info["OSType"] == "linux"


def test_containerd_image_store_is_on():
    status = run(["docker", "info", "--format", "{{json .DriverStatus}}"]).stdout
    assert "io.containerd.snapshotter.v1" in status, f"containerd image store is off: {status}"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_buildx_is_at_least_0_15():
    out = run(["docker", "buildx", "version"]).stdout
    match = re.search(r"\bv?(\d+\.\d+\.\d+)", out)
    assert match, out
    assert _version_tuple(match.group(1)) >= (0, 15, 0), out


def test_registry_answers_distribution_api():
    status, headers, _ = registry_get("/v2/")
    assert status == 200
    assert headers.get("docker-distribution-api-version") == "registry/2.0"


def test_registry_deletes_are_enabled():
    config = (STATE_DIR / "etc" / "registry.yml").read_text()
    assert re.search(r"delete:\s*\n\s*enabled: true", config), config
    assert f"addr: {LOCAL_REGISTRY}" in config


def test_qemu_aarch64_handler_has_fix_binary_flag():
    handler = Path("/proc/sys/fs/binfmt_misc/qemu-aarch64").read_text()
    assert handler.splitlines()[0] == "enabled"
    flags = next(line for line in handler.splitlines() if line.startswith("flags:"))
    assert "F" in flags.split(":", 1)[1], handler


def test_arm64_and_amd64_containers_run(base_ref):
    image = base_ref("python-runtime")
    arm = run(["docker", "run", "--rm", "--platform", "linux/arm64", image, "uname", "-m"], timeout=180)
    assert arm.stdout.strip() == "aarch64"
    amd = run(["docker", "run", "--rm", "--platform", "linux/amd64", image, "uname", "-m"], timeout=180)
    assert amd.stdout.strip() == "x86_64"


def test_dockerd_log_is_under_state_dir():
    log = STATE_DIR / "log" / "dockerd.log"
    assert log.is_file() and log.stat().st_size > 0
    assert not str(log).startswith(str(REPO_ROOT))


def test_engine_up_twice_is_a_fast_no_op():
    started = time.monotonic()
    result = run(["make", "-C", str(REPO_ROOT), "engine/up"], timeout=120)
    elapsed = time.monotonic() - started
    assert "engine: summary: 0 action(s) taken" in result.stdout, result.stdout
    assert "already: dockerd running" in result.stdout
    assert "already: registry on" in result.stdout
    assert "engine: ready" in result.stdout
    assert elapsed < 20, f"a second engine/up took {elapsed:.1f}s"


def test_engine_status_reports_ready():
    result = run(["bash", str(ENGINE_SH), "status"])
    assert "status:     ready" in result.stdout, result.stdout
    assert "image store: containerd" in result.stdout


def _pids(name: str) -> set[str]:
    found = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True, check=False)
    return set(found.stdout.split())


def test_engine_up_only_checks_a_docker_it_did_not_start():
    """With another state dir the running engine is not ours: engine/up must only check it."""
    dockerd_before = _pids("dockerd")
    registry_before = _pids("docker-registry")
    daemon_json = Path("/etc/docker/daemon.json").read_bytes()
    with tempfile.TemporaryDirectory() as other_state:
        result = run(["bash", str(ENGINE_SH), "up"], env={"STATE_DIR": other_state}, timeout=120)
        assert not (Path(other_state) / "run" / "dockerd.pid").exists()
        assert not (Path(other_state) / "run" / "registry.pid").exists()
    assert "not started by engine/up answers: checking it only" in result.stdout, result.stdout
    assert "a registry not started by engine/up answers" in result.stdout
    assert "engine: summary: 0 action(s) taken" in result.stdout
    assert _pids("dockerd") == dockerd_before
    assert _pids("docker-registry") == registry_before
    assert Path("/etc/docker/daemon.json").read_bytes() == daemon_json


def test_engine_up_reports_missing_buildx_clearly():
    """A buildx that is too old is named as MISSING with the fix, and engine/up fails."""
    with tempfile.TemporaryDirectory() as tmp:
        result = run(
            ["bash", str(ENGINE_SH), "up"],
            env={"STATE_DIR": tmp, "MIN_BUILDX": "99.0.0"},
            check=False,
            timeout=120,
        )
    assert result.returncode != 0
    assert "MISSING docker buildx" in result.stderr and "older than 99.0.0" in result.stderr, result.stderr
    assert "apt-get install docker-buildx/sid" in result.stderr


def test_no_bookworm_package_was_upgraded_from_trixie_or_sid():
    """Only the named packages may come from trixie/sid: libc6 stays bookworm's."""
    libc = run(["dpkg-query", "-W", "-f=${Version}", "libc6"]).stdout
    assert libc.startswith("2.36"), f"libc6 moved to {libc}"
    os_release = Path("/etc/os-release").read_text()
    assert 'VERSION_CODENAME=bookworm' in os_release


def test_engine_down_stops_only_what_engine_up_recorded(tmp_path):
    """down signals the recorded pids, and only when they still are dockerd / docker-registry."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    real_dockerd = _pids("dockerd")
    fake_dockerd = subprocess.Popen(["bash", "-c", "exec -a dockerd sleep 300"])
    fake_registry = subprocess.Popen(["bash", "-c", "exec -a docker-registry sleep 300"])
    try:
        time.sleep(0.2)
        (run_dir / "dockerd.pid").write_text(str(fake_dockerd.pid))
        (run_dir / "registry.pid").write_text(str(fake_registry.pid))
        result = run(["bash", str(ENGINE_SH), "down"], env={"STATE_DIR": str(tmp_path)}, timeout=60)
        assert fake_dockerd.wait(timeout=30) is not None
        assert fake_registry.wait(timeout=30) is not None
        assert f"stopped dockerd (pid {fake_dockerd.pid})" in result.stdout
        assert f"stopped registry (pid {fake_registry.pid})" in result.stdout
        assert real_dockerd <= _pids("dockerd"), "the real dockerd must be untouched"
    finally:
        fake_dockerd.kill()
        fake_registry.kill()

    # A recorded pid now used by another program (pid reuse) is left alone.
    other = subprocess.Popen(["sleep", "300"])
    try:
        (run_dir / "dockerd.pid").write_text(str(other.pid))
        result = run(["bash", str(ENGINE_SH), "down"], env={"STATE_DIR": str(tmp_path)}, timeout=60)
        assert other.poll() is None, "engine/down killed a process that is not dockerd"
        assert "nothing started by engine/up is running" in result.stdout
    finally:
        other.kill()
