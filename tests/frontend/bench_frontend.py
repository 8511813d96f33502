"""bench/frontend: figures for issue 3's performance section (a benchmark, not a test).

1. graph generation + marshal time per app and platform (`plan --bench`, release build);
2. the frontend image size (local image store, and compressed per platform in the registry);
3. the frontend's peak RSS during a build (VmHWM of the frontend process, polled from /proc);
4. a cached no-op build through our frontend vs the builtin Dockerfile frontend doing the same
   work (tests/frontend/fixtures/operator.Dockerfile), median of BENCH_RUNS runs each.

Targets from the issue: graph+marshal <= 20 ms, peak RSS <= 30 MiB, image <= 10 MiB, no-op
build about 1.2x the builtin frontend or better. Figures are printed, never asserted."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import threading
import time
from pathlib import Path

REPO = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[2]))
REGISTRY = os.environ.get("LOCAL_REGISTRY", "127.0.0.1:5000")
FRONTEND_IMAGE = os.environ.get("FRONTEND_IMAGE", "ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0")
FRONTEND_REF = os.environ.get("FRONTEND_REF", f"{REGISTRY}/patient-risk/llb-frontend:dev")
CA = os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
BINARY = REPO / "target" / "release" / "patient-risk-frontend"
APP = "risk-monitor-operator"
PROCESS_NAME = "patient-risk-fr"  # /proc/<pid>/comm keeps 15 characters


def sh(cmd: list[str], check: bool = True, timeout: float = 1800) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{result.stderr[-3000:]}")
    return result


def section(title: str) -> None:
    print(f"\n== {title}")


def graph_times() -> None:
    section("graph generation + marshal (release build of the frontend, 50 runs each)")
    apps = sorted(p.parent.name for p in (REPO / "apps").glob("*/Dockerfile"))
    for app in apps:
        for platform in ("linux/amd64", "linux/arm64"):
            r = sh([str(BINARY), "plan", "--app", app, "--platform", platform, "--bench", "50"], check=False)
            line = r.stdout.strip() or f"{app} {platform}: not measurable: {r.stderr.strip().splitlines()[-1:]}"
            print(f"  {line}")


def image_size() -> None:
    section("frontend image size (limit 10 MiB)")
    local = json.loads(sh(["docker", "image", "inspect", FRONTEND_IMAGE]).stdout)[0]
    print(f"  local store {FRONTEND_IMAGE}: {local['Size'] / 1048576:.2f} MiB (as the image store reports it)")
    raw = json.loads(sh(["docker", "buildx", "imagetools", "inspect", FRONTEND_REF, "--raw"]).stdout)
    for m in raw.get("manifests", []):
        p = m.get("platform", {})
        if p.get("os") == "unknown":
            continue
        manifest = json.loads(sh(["docker", "buildx", "imagetools", "inspect", f"{FRONTEND_REF}@{m['digest']}", "--raw"]).stdout)
        size = sum(layer["size"] for layer in manifest["layers"])
        print(f"  registry {p.get('os')}/{p.get('architecture')}: {size / 1048576:.2f} MiB compressed")


def our_build(extra: list[str] | None = None) -> list[str]:
    return ["docker", "buildx", "build", "--progress=quiet", "-f", f"apps/{APP}/Dockerfile",
            "--build-arg", "BASE_IMAGES=local", "--build-arg", f"BASE_IMAGES_REGISTRY={REGISTRY}/patient-risk/bases",
            "--secret", f"id=host_ca_bundle,src={CA}", *(extra or []), "."]


def builtin_build() -> list[str]:
    return ["docker", "buildx", "build", "--progress=quiet", "-f", "tests/frontend/fixtures/operator.Dockerfile",
            "--build-arg", f"BASES={REGISTRY}/patient-risk/bases",
            "--secret", f"id=host_ca_bundle,src={CA}", "."]


def frontend_peak_rss() -> None:
    section("frontend peak RSS during a cached build (limit 30 MiB)")
    peak = {"kib": 0, "seen": 0}
    done = threading.Event()

    def poll() -> None:
        seen: set[str] = set()
        while not done.is_set():
            for comm in Path("/proc").glob("[0-9]*/comm"):
                try:
                    if comm.read_text().strip() != PROCESS_NAME:
                        continue
                    status = (comm.parent / "status").read_text()
                except OSError:
                    continue
                seen.add(comm.parent.name)
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        peak["kib"] = max(peak["kib"], int(line.split()[1]))
            peak["seen"] = len(seen)
            time.sleep(0.002)

    sh(our_build())  # warm the cache first
    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    sh(our_build())
    done.set()
    thread.join()
    if peak["seen"]:
        print(f"  peak VmHWM {peak['kib'] / 1024:.1f} MiB over {peak['seen']} frontend process(es)")
    else:
        print("  the frontend process exited before it could be sampled")


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    sh(cmd)
    return time.perf_counter() - start


def noop_builds() -> None:
    section(f"cached no-op build, median of {RUNS} runs (issue: about 1.2x the builtin frontend)")
    sh(our_build())
    sh(builtin_build())
    ours = [timed(our_build()) for _ in range(RUNS)]
    builtin = [timed(builtin_build()) for _ in range(RUNS)]
    m_ours, m_builtin = statistics.median(ours), statistics.median(builtin)
    print(f"  our frontend ({APP} spec):           median {m_ours:.3f} s  (min {min(ours):.3f}, max {max(ours):.3f})")
    print(f"  builtin Dockerfile frontend (same work): median {m_builtin:.3f} s  (min {min(builtin):.3f}, max {max(builtin):.3f})")
    print(f"  ratio ours/builtin: {m_ours / m_builtin:.2f}x")


def main() -> None:
    if not BINARY.exists():
        raise SystemExit(f"{BINARY} is missing: cargo build --release -p patient-risk-frontend")
    graph_times()
    image_size()
    frontend_peak_rss()
    noop_builds()


if __name__ == "__main__":
    main()
