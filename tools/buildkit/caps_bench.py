"""The frontend's start-up on the newest BuildKit with the caps it uses there and with them
masked (`BUILDKIT_ENGINE_CAPS=v0.13`, the LLB a v0.13 engine gets): the same frontend image,
the same daemon, runs alternating, medians printed as a table (docs/scale.md, "What differs on
the newer engine").

Rows: `--call check` (spec load, lint, the build-context check), `--call targets` (spec load
only: no context check, a control row) and a cached no-op build of both platforms (context
check overlapped with the base lookups). Per row: the client's wall time, the time from the
first context-check transfer's start to the last one's end, how many transfers, and the bytes
they sent.

Environment (set by `make bench/engine-caps`): BUILDER, FRONTEND_SYNTAX (ref@digest),
LOCAL_REGISTRY, HOST_CA_BUNDLE, RUNS, APPS.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILDER = os.environ.get("BUILDER", "patient-risk-next")
SYNTAX = os.environ["FRONTEND_SYNTAX"]
LOCAL_REGISTRY = os.environ.get("LOCAL_REGISTRY", "127.0.0.1:5000")
HOST_CA_BUNDLE = os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
RUNS = int(os.environ.get("RUNS", "7"))
APPS = os.environ.get("APPS", "patient-risk-web dev-guide-docs").split()
CHECK_PREFIX = "[internal] check the app spec's"
MODES = {"caps used": "", "masked (v0.13)": "v0.13"}


def stamp(value: str) -> float:
    # RFC 3339 with nanoseconds: keep microseconds for fromisoformat.
    head, _, frac = value.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{(frac + '000000')[:6]}+00:00").timestamp()


def buildx(app: str, mode: str, *args: str) -> tuple[float, str]:
    cmd = ["docker", "buildx", "build", "--builder", BUILDER, "--progress=rawjson",
           "-f", f"apps/{app}/Dockerfile",
           "--build-arg", f"BUILDKIT_SYNTAX={SYNTAX}",
           "--build-arg", "BASE_IMAGES=local",
           "--build-arg", f"BASE_IMAGES_REGISTRY={LOCAL_REGISTRY}/patient-risk/bases",
           "--build-arg", f"BUILDKIT_ENGINE_CAPS={mode}",
           "--secret", f"id=host_ca_bundle,src={HOST_CA_BUNDLE}",
           *args, "."]
    start = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, timeout=3600, check=False)
    wall = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stderr[-4000:]}")
    return wall, result.stderr


def context_check(progress: str) -> tuple[float, int, int]:
    """(seconds from the first check transfer's start to the last one's end, transfers, bytes sent)."""
    starts, ends, names, sent = {}, {}, {}, {}
    for line in progress.splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        for v in msg.get("vertexes") or []:
            if not v.get("name", "").startswith(CHECK_PREFIX):
                continue
            names[v["digest"]] = v["name"]
            if v.get("started"):
                starts[v["digest"]] = min(starts.get(v["digest"], 1e18), stamp(v["started"]))
            if v.get("completed"):
                ends[v["digest"]] = max(ends.get(v["digest"], 0.0), stamp(v["completed"]))
        for s in msg.get("statuses") or []:
            if s.get("vertex") in names and s.get("id", "").startswith("transferring"):
                sent[(s["vertex"], s["id"])] = max(sent.get((s["vertex"], s["id"]), 0), s.get("current", 0))
    if not starts:
        return 0.0, 0, 0
    return max(ends.values()) - min(starts.values()), len(names), sum(sent.values())


def main() -> None:
    rows = {
        "check": lambda app, mode: buildx(app, mode, "--call", "check"),
        "targets": lambda app, mode: buildx(app, mode, "--call", "targets"),
        "no-op build": lambda app, mode: buildx(app, mode, "--platform", "linux/amd64,linux/arm64",
                                                "--output", "type=cacheonly"),
    }
    for app in APPS:  # warm: the graph is cached once, then every no-op run is a cache hit
        for mode in MODES.values():
            rows["no-op build"](app, mode)
    results: dict[tuple[str, str, str], list[tuple[float, float, int, int]]] = {}
    for i in range(RUNS):
        for app in APPS:
            for row, call in rows.items():
                order = list(MODES.items()) if i % 2 == 0 else list(reversed(MODES.items()))
                for label, mode in order:
                    wall, progress = call(app, mode)
                    results.setdefault((app, row, label), []).append((wall, *context_check(progress)))
    version = subprocess.run(["docker", "buildx", "inspect", BUILDER], capture_output=True, text=True).stdout
    engine = next((l.split(":", 1)[1].strip() for l in version.splitlines() if "BuildKit version" in l), "?")
    print(f"engine {engine} ({BUILDER}), frontend {SYNTAX}, medians of {RUNS} alternating runs, load {os.getloadavg()[0]:.1f}")
    print("| app | request | caps | wall s | context check s | transfers | bytes sent |")
    print("|---|---|---|---|---|---|---|")
    for (app, row, label), runs in results.items():
        wall, span, count, sent = (statistics.median(x[k] for x in runs) for k in range(4))
        print(f"| {app} | {row} | {label} | {wall:.3f} | {span:.3f} | {count:.0f} | {sent:.0f} |")


if __name__ == "__main__":
    main()
