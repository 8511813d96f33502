#!/usr/bin/env python3
"""Build-time benchmark of the app images (a benchmark, not a test: it prints figures).

For each app (BENCH_APPS, default all four):
  cold    a build with --no-cache and a fresh BUILDKIT_CACHE_MOUNT_NS, so neither the
          BuildKit cache nor any cache mount (module, crate, npm, uv, zig, compiler
          caches) helps: every download and compile happens. Measured for linux/amd64
          alone, linux/arm64 alone and both platforms together; the arm64/amd64 ratio
          says what emulation would cost if any compile ran under QEMU (it does not).
  no-op   the same build again with every cache warm.
  change  a one-line change (an appended comment) in each package the app consumes
          (`packages` in its spec), rebuilt with warm caches; the file is restored after.

Builds use the working-tree frontend (IMAGES_FRONTEND), the local bases and output
type=cacheonly, so the figures are build time without export or push.
Environment: BENCH_APPS, BENCH_COLD=0 (skip the three cold builds per app), REPO_ROOT,
LOCAL_REGISTRY, IMAGES_FRONTEND, HOST_CA_BUNDLE.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
import uuid
from pathlib import Path

REPO = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[1]))
REGISTRY = os.environ.get("LOCAL_REGISTRY", "127.0.0.1:5000")
FRONTEND = os.environ.get("IMAGES_FRONTEND", "ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0")
HOST_CA = os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
APPS = os.environ.get("BENCH_APPS", "risk-monitor-operator patient-risk-python-api patient-risk-web dev-guide-docs").split()
COLD = os.environ.get("BENCH_COLD", "1") != "0"
BOTH = "linux/amd64,linux/arm64"

# The file a one-line change goes into, per package (a comment appended at the end).
CHANGE_FILES = {
    "packages/patient-signal-rust-core": ("src/lib.rs", "// bench: one-line change\n"),
    "packages/patient-signal-python-rust": ("src/lib.rs", "// bench: one-line change\n"),
    "packages/patient-risk-python-core": ("src/patient_risk_core/__init__.py", "# bench: one-line change\n"),
    "packages/patient-risk-go-core": ("doc.go", "// bench: one-line change\n"),
    "packages/patient-monitor-ui-core": ("src/index.ts", "// bench: one-line change\n"),
    "packages/patient-monitor-react-components": ("src/index.ts", "// bench: one-line change\n"),
}


def spec_packages(app: str) -> list[str]:
    text = (REPO / "apps" / app / "Dockerfile").read_text()
    return list(tomllib.loads(text).get("packages", []))


def build(app: str, platforms: str, *, cold: bool = False, ns: str = "") -> float:
    cmd = [
        "docker", "buildx", "build", "--progress=quiet", "-o", "type=cacheonly",
        "-f", f"apps/{app}/Dockerfile", "--platform", platforms,
        "--build-arg", f"BUILDKIT_SYNTAX={FRONTEND}",
        "--build-arg", "BASE_IMAGES=local",
        "--build-arg", f"BASE_IMAGES_REGISTRY={REGISTRY}/patient-risk/bases",
        "--secret", f"id=host_ca_bundle,src={HOST_CA}",
    ]
    if cold:
        cmd += ["--no-cache", "--build-arg", f"BUILDKIT_CACHE_MOUNT_NS={ns}"]
    start = time.monotonic()
    result = subprocess.run([*cmd, "."], cwd=REPO, capture_output=True, text=True, check=False)
    took = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"bench: build of {app} ({platforms}) failed:\n{result.stderr[-3000:]}")
    return took


def with_change(package: str, fn):
    rel, line = CHANGE_FILES[package]
    path = REPO / package / rel
    original = path.read_bytes()
    try:
        path.write_bytes(original + line.encode())
        return fn()
    finally:
        path.write_bytes(original)


def main() -> None:
    rows = []
    print(f"bench: apps {' '.join(APPS)}; cold builds {'on' if COLD else 'off'}; {os.cpu_count()} cores", flush=True)
    for app in APPS:
        row = {"app": app}
        if COLD:
            run_id = uuid.uuid4().hex[:8]
            row["cold amd64"] = build(app, "linux/amd64", cold=True, ns=f"bench-{run_id}-amd64")
            row["cold arm64"] = build(app, "linux/arm64", cold=True, ns=f"bench-{run_id}-arm64")
            row["cold both"] = build(app, BOTH, cold=True, ns=f"bench-{run_id}-both")
            row["arm64/amd64"] = row["cold arm64"] / row["cold amd64"]
        build(app, BOTH)  # warm the default namespace
        row["no-op"] = build(app, BOTH)
        for package in spec_packages(app):
            if package in CHANGE_FILES:
                row[f"change {package.removeprefix('packages/')}"] = with_change(package, lambda: build(app, BOTH))
        build(app, BOTH)  # back to the unchanged sources
        rows.append(row)
        print("  " + "  ".join(f"{k}={v:.1f}s" if isinstance(v, float) and k != "arm64/amd64" else f"{k}={v:.2f}" if isinstance(v, float) else f"{v}" for k, v in row.items()), flush=True)

    print("\napp                       cold amd64  cold arm64  cold both  arm64/amd64  no-op")
    for r in rows:
        cells = [f"{r[k]:>9.1f}s" if k in r else "         -" for k in ("cold amd64", "cold arm64", "cold both")]
        ratio = f"{r['arm64/amd64']:>10.2f}" if "arm64/amd64" in r else "         -"
        print(f"{r['app']:<25} {cells[0]}  {cells[1]}  {cells[2]}  {ratio}  {r['no-op']:>5.1f}s")
    print("\none-line change in a package, rebuild of the consuming app (both platforms, warm caches):")
    for r in rows:
        for k, v in r.items():
            if k.startswith("change "):
                print(f"  {r['app']:<25} {k.removeprefix('change '):<38} {v:>6.1f}s")


if __name__ == "__main__":
    main()
