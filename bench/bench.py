#!/usr/bin/env python3
"""`make bench`: our LLB frontend against the Dockerfile frontend, side by side (issue 18).

Three variants build the same four images on one engine, in one session, alternating:

  ours      apps/<app>/Dockerfile through our frontend (gateway image by digest)
  builtin   bench/dockerfiles/<app>.Dockerfile through the Dockerfile frontend embedded in the
            engine (`# syntax=docker/dockerfile:1` taken as already resolved: cmdline opt set,
            nothing pulled)
  gateway   the same Dockerfile through the Dockerfile frontend run as a gateway image built
            from BuildKit's Go module (bench/dockerfile-frontend), by digest

The engine is the bench's own standalone buildkitd (bench/engine.sh): cold rows empty its whole
cache (cache mounts included) before each run; nothing else is pruned.

Rows (BENCH_ROWS, default all): cold (both platforms per app; "all apps" is the sum), noop,
docs (a docs-only change), other (a change in another app), change (a one-line change in each
package the app consumes), startup (the frontend's start-up: a `targets` subrequest), size
(compressed image size per platform), memory (peak RSS of the engine's process tree during the
cold build), floor (bench/floor.sh: the same compilers on the host).

Every build runs against a private snapshot of the committed tree ($STATE_DIR/bench/tree, from
`git archive HEAD`), so the changes the rows make never touch the shared checkout.

Environment: BENCH_APPS, BENCH_RUNS (median of this many for short rows, default 5),
BENCH_COLD_RUNS (default 1), BENCH_VARIANTS (default "ours builtin gateway"), BENCH_ROWS,
BENCH_PLATFORMS, BENCH_FRONTEND (ours, <ref>@sha256:…), BENCH_DOCKERFILE_FRONTEND (gateway),
BENCH_RUST_BUILDER (two-platform rust-builder for the API baseline), REPO_ROOT, STATE_DIR,
LOCAL_REGISTRY, HOST_CA_BUNDLE. Results: JSON and the table under $STATE_DIR/bench/results.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[1]))
STATE_DIR = Path(os.environ.get("STATE_DIR", "/var/lib/patient-risk"))
REGISTRY = os.environ.get("LOCAL_REGISTRY", "127.0.0.1:5000")
HOST_CA = os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
BUILDKIT_VERSION = os.environ.get("BUILDKIT_VERSION", "v0.34.2")
BUILDCTL = STATE_DIR / "buildkit" / BUILDKIT_VERSION / "bin" / "buildctl"
SOCK = STATE_DIR / "bench" / "buildkitd" / "buildkitd.sock"
ALL_APPS = ["dev-guide-docs", "patient-risk-web", "risk-monitor-operator", "patient-risk-python-api"]
VARIANTS = ["ours", "builtin", "gateway"]
ROWS = ["cold", "noop", "docs", "other", "change", "startup", "size", "memory", "floor"]

# The file a one-line change goes into, per package (bench/build_times.py uses the same).
CHANGE_FILES = {
    "packages/patient-signal-rust-core": ("src/lib.rs", "// bench: one-line change {}\n"),
    "packages/patient-signal-python-rust": ("src/lib.rs", "// bench: one-line change {}\n"),
    "packages/patient-risk-python-core": ("src/patient_risk_core/__init__.py", "# bench: one-line change {}\n"),
    "packages/patient-risk-go-core": ("doc.go", "// bench: one-line change {}\n"),
    "packages/patient-monitor-ui-core": ("src/index.ts", "// bench: one-line change {}\n"),
    "packages/patient-monitor-react-components": ("src/index.ts", "// bench: one-line change {}\n"),
}
# A file of another app, per app (the "change in another app" row).
OTHER_APP_FILE = {
    "dev-guide-docs": "apps/patient-risk-web/src/main.tsx",
    "patient-risk-web": "apps/risk-monitor-operator/cmd/risk-monitor-operator/main.go",
    "risk-monitor-operator": "apps/patient-risk-python-api/src/patient_risk_api/__init__.py",
    "patient-risk-python-api": "apps/dev-guide-docs/mkdocs.yml",
}
DOCS_FILE = "docs/index.md"
COMMENT = {".md": "<!-- bench {} -->\n", ".tsx": "// bench {}\n", ".ts": "// bench {}\n", ".go": "// bench {}\n",
           ".py": "# bench {}\n", ".yml": "# bench {}\n", ".rs": "// bench {}\n"}

# Progress vertexes that are not steps of the image: sources, context transfers, metadata,
# the frontend's own image, exporters.
NOT_A_STEP = ("[internal]", "[context]", "[base]", "resolve image config", "load metadata", "load build definition",
              "load .dockerignore", "load build context", "exporting", "pushing", "naming", "docker-image://",
              "local://", "transferring", "[auth]", "copy /context", "resolving provenance",
              "FROM ")  # a Dockerfile stage's FROM is the image source, not a step


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "").replace(",", " ").split()
    chosen = raw or default
    unknown = [x for x in chosen if x not in default]
    if unknown:
        sys.exit(f"bench: {name}: unknown {' '.join(unknown)}; choose from: {' '.join(default)}")
    return chosen


def is_step(name: str) -> bool:
    """Whether a progress vertex is a build step (an exec or file op of the image's graph), not a
    source, a context transfer, a metadata lookup or an exporter."""
    bare = name.split("] ", 1)[1] if name.startswith("[") and "] " in name else name
    internal = name.startswith("[") and name.split("]", 1)[0].endswith("internal")
    return not (internal or name.startswith(NOT_A_STEP) or bare.startswith(NOT_A_STEP) or "load metadata for" in name)


@dataclass
class Build:
    seconds: float
    ran: list[str] = field(default_factory=list)  # steps executed (not cache hits)
    peak_rss_mib: float = 0.0
    first_lookup: float | None = None  # seconds from the client's start to the first base lookup
    frontend_ready: float | None = None  # seconds from the client's start to the frontend image resolved


def parse_ts(value: str) -> float:
    """An RFC 3339 timestamp of BuildKit's progress (nanoseconds) as epoch seconds."""
    from datetime import datetime
    head, _, frac = value.rstrip("Z").partition(".")
    tz = ""
    for sign in ("+", "-"):
        if sign in frac:
            frac, tz = frac.split(sign, 1)[0], sign + frac.split(sign, 1)[1]
    stamp = datetime.fromisoformat(head + (tz or "+00:00"))
    return stamp.timestamp() + (float("0." + frac) if frac else 0.0)


def rawjson_vertexes(text: str):
    """Every vertex record of a --progress=rawjson log, in order (lines that are not JSON status
    objects, e.g. buildx's own messages, are skipped)."""
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            status = json.loads(line)
        except json.JSONDecodeError:
            continue
        yield from status.get("vertexes") or []


def vertex_time(text: str, match, key: str, pick=min) -> float | None:
    """The earliest (or latest, pick=max) `key` timestamp ("started"/"completed") of the
    vertexes whose name satisfies `match`, in a rawjson progress log."""
    times = [parse_ts(v[key]) for v in rawjson_vertexes(text) if match(v.get("name", "")) and v.get(key)]
    return pick(times) if times else None


def first_lookup(text: str) -> float | None:
    """When the frontend doing the work made its first request for the image: the earliest
    `load metadata for <base>` vertex (every frontend looks its bases up right after parsing)."""
    return vertex_time(text, lambda n: "load metadata for" in n, "started")


def frontend_ready(text: str) -> float | None:
    """When a gateway frontend's image was ready to start: the last completion of its
    `docker-image://…` vertex (None for the builtin frontend, which has no image)."""
    return vertex_time(text, lambda n: n.startswith("docker-image://"), "completed", max)


def parse_progress(text: str) -> list[str]:
    """Names of the steps that ran (started, not cached) in a buildctl --progress=rawjson log."""
    vertexes: dict[str, dict] = {}
    for v in rawjson_vertexes(text):
        entry = vertexes.setdefault(v["digest"], {"name": v.get("name", ""), "started": False, "cached": False})
        entry["started"] |= bool(v.get("started"))
        entry["cached"] |= bool(v.get("cached"))
    return sorted(v["name"] for v in vertexes.values() if v["started"] and not v["cached"] and is_step(v["name"]))


class RssSampler:
    """Peak resident memory of the engine: buildkitd plus every process below it (runc, the
    frontends, the build steps), sampled every 100 ms from /proc."""

    def __init__(self, root_pid: int):
        self.root = root_pid
        self.peak_kib = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree_rss(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
                fields = text[text.rindex(")") + 2:].split()
                pid = int(stat.parent.name)
                children.setdefault(int(fields[1]), []).append(pid)
                rss[pid] = int(fields[21]) * 4  # pages of 4 KiB
            except (OSError, ValueError, IndexError):
                continue
        total, todo = 0, [self.root]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo.extend(children.get(pid, []))
        return total

    def _run(self) -> None:
        while not self._done.is_set():
            self.peak_kib = max(self.peak_kib, self._tree_rss())
            time.sleep(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()


class Bench:
    def __init__(self) -> None:
        self.apps = env_list("BENCH_APPS", ALL_APPS)
        self.variants = env_list("BENCH_VARIANTS", VARIANTS)
        self.rows = env_list("BENCH_ROWS", ROWS)
        self.runs = int(os.environ.get("BENCH_RUNS", "5"))
        self.cold_runs = int(os.environ.get("BENCH_COLD_RUNS", "1"))
        self.platforms = os.environ.get("BENCH_PLATFORMS", "linux/amd64,linux/arm64")
        self.frontend = os.environ.get("BENCH_FRONTEND", "")
        self.dockerfile_frontend = os.environ.get("BENCH_DOCKERFILE_FRONTEND", "")
        self.rust_builder = os.environ.get("BENCH_RUST_BUILDER", "")
        if "ours" in self.variants and "@sha256:" not in self.frontend:
            sys.exit("bench: BENCH_FRONTEND must be our frontend's <ref>@sha256:… (make bench resolves it)")
        if "gateway" in self.variants and "@sha256:" not in self.dockerfile_frontend:
            sys.exit("bench: BENCH_DOCKERFILE_FRONTEND must be <ref>@sha256:… (make bench/dockerfile-frontend)")
        self.tree = STATE_DIR / "bench" / "tree"
        self.results: dict = {"apps": self.apps, "variants": self.variants, "platforms": self.platforms,
                              "frontend": self.frontend, "dockerfile_frontend": self.dockerfile_frontend,
                              "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                              "loadavg_start": os.getloadavg(), "cells": {}}
        self.loads: list[float] = []

    # ------------------------------------------------------------------ plumbing
    def snapshot(self) -> None:
        """A private copy of the committed tree: rows change files here, never in the checkout."""
        subprocess.run(["rm", "-rf", str(self.tree)], check=True)
        self.tree.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(self.tree)], input=archive, check=True)
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], check=True,
                             capture_output=True, text=True).stdout.strip()
        self.results["revision"] = rev

    def engine_pid(self) -> int:
        out = subprocess.run(["bash", str(REPO / "bench" / "engine.sh"), "pid"], capture_output=True, text=True, check=True)
        if not out.stdout.strip():
            sys.exit("bench: the bench engine is not running (bench/engine.sh up)")
        return int(out.stdout.strip())

    def prune(self) -> None:
        subprocess.run(["bash", str(REPO / "bench" / "engine.sh"), "prune"], check=True)
        self.check_disk()

    def check_disk(self) -> None:
        """The machine's disk is shared: a cold build (Cargo/Go caches, QEMU rootfs) needs room,
        and filling the disk breaks everyone's builds. Stop rather than start one without it."""
        import shutil

        free_gib = shutil.disk_usage(STATE_DIR).free / 2**30
        need = float(os.environ.get("BENCH_MIN_FREE_GIB", "3"))
        if free_gib < need:
            sys.exit(f"bench: only {free_gib:.1f} GiB free on {STATE_DIR}'s disk, a cold build needs {need:g} "
                     "(BENCH_MIN_FREE_GIB): free space first; the results so far are not saved")

    def build_cmd(self, app: str, variant: str, *, output: str | None = None, opts: list[str] | None = None) -> list[str]:
        cmd = [str(BUILDCTL), "--addr", f"unix://{SOCK}", "build", "--progress=rawjson", "--frontend", "dockerfile.v0",
               "--local", f"context={self.tree}", "--secret", f"id=host_ca_bundle,src={HOST_CA}",
               "--opt", f"platform={self.platforms}"]
        if variant == "ours":
            cmd += ["--local", f"dockerfile={self.tree / 'apps' / app}", "--opt", "filename=Dockerfile",
                    "--opt", f"build-arg:BUILDKIT_SYNTAX={self.frontend}", "--opt", "build-arg:BASE_IMAGES=local",
                    "--opt", f"build-arg:BASE_IMAGES_REGISTRY={REGISTRY}/patient-risk/bases"]
        else:
            cmd += ["--local", f"dockerfile={self.tree / 'bench' / 'dockerfiles'}", "--opt", f"filename={app}.Dockerfile",
                    "--opt", f"build-arg:BASES={REGISTRY}/patient-risk/bases"]
            if variant == "builtin":
                # The `# syntax=docker/dockerfile:1` line counts as resolved to this very frontend.
                cmd += ["--opt", "cmdline=docker/dockerfile:1"]
            else:
                cmd += ["--opt", f"build-arg:BUILDKIT_SYNTAX={self.dockerfile_frontend}"]
            if app == "patient-risk-python-api" and self.rust_builder:
                cmd += ["--opt", f"build-arg:RUST_BUILDER={self.rust_builder}"]
        if output:
            cmd += ["--output", output]
        return cmd + (opts or [])

    def build(self, app: str, variant: str, *, sample: bool = False, output: str | None = None,
              opts: list[str] | None = None) -> Build:
        cmd = ["flock", str(STATE_DIR / "run" / "bench.lock"), *self.build_cmd(app, variant, output=output, opts=opts)]
        (STATE_DIR / "run").mkdir(parents=True, exist_ok=True)
        sampler = RssSampler(self.engine_pid()) if sample else None
        self.loads.append(os.getloadavg()[0])
        wall = time.time()
        start = time.monotonic()
        if sampler:
            with sampler:
                result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        else:
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        took = time.monotonic() - start
        if result.returncode != 0:
            log = STATE_DIR / "log" / f"bench-{app}-{variant}-failed.log"
            log.write_text(result.stderr)
            sys.exit(f"bench: {variant} build of {app} failed (full log {log}):\n{result.stderr[-2500:]}")
        lookup, ready = first_lookup(result.stderr), frontend_ready(result.stderr)
        return Build(took, parse_progress(result.stderr), (sampler.peak_kib / 1024) if sampler else 0.0,
                     None if lookup is None else lookup - wall, None if ready is None else ready - wall)

    def edit(self, rel: str, tag: str) -> tuple[Path, bytes]:
        path = self.tree / rel
        original = path.read_bytes()
        path.write_bytes(original + COMMENT[path.suffix].format(tag).encode())
        return path, original

    def cell(self, row: str, app: str, variant: str, value) -> None:
        self.results["cells"].setdefault(row, {}).setdefault(app, {})[variant] = value
        shown = f"{value['seconds']:.2f}s" if isinstance(value, dict) and "seconds" in value else value
        extra = f" ran={len(value['ran'])}" if isinstance(value, dict) and "ran" in value else ""
        print(f"  {row:<8} {app:<25} {variant:<8} {shown}{extra}", flush=True)

    # ------------------------------------------------------------------ rows
    def row_cold(self) -> None:
        for app in self.apps:
            for _ in range(self.cold_runs):
                for variant in self.variants:  # alternating: ours, builtin, gateway, ours, …
                    self.prune()
                    b = self.build(app, variant, sample=True)
                    self.cell_append("cold", app, variant, {"seconds": b.seconds, "ran": len(b.ran),
                                                            "peak_rss_mib": b.peak_rss_mib, "load": self.loads[-1]})

    def cell_append(self, row: str, app: str, variant: str, value: dict) -> None:
        slot = self.results["cells"].setdefault(row, {}).setdefault(app, {}).setdefault(variant, {"runs": []})
        slot["runs"].append(value)
        slot["seconds"] = statistics.median(r["seconds"] for r in slot["runs"])
        if "peak_rss_mib" in value:
            slot["peak_rss_mib"] = max(r["peak_rss_mib"] for r in slot["runs"])
        print(f"  {row:<8} {app:<25} {variant:<8} {value['seconds']:.2f}s"
              + (f" peak {value['peak_rss_mib']:.0f} MiB" if "peak_rss_mib" in value else "")
              + (f" ran={value['ran']}" if "ran" in value else "") + f" (load {os.getloadavg()[0]:.1f})", flush=True)

    def warm(self, app: str) -> None:
        for variant in self.variants:
            self.build(app, variant)

    def row_noop(self) -> None:
        for app in self.apps:
            self.warm(app)
            for _ in range(self.runs):
                for variant in self.variants:
                    b = self.build(app, variant)
                    self.cell_append("noop", app, variant, {"seconds": b.seconds, "ran": len(b.ran)})
                    if b.first_lookup is not None:
                        self.cell_append("first-lookup", app, variant, {"seconds": b.first_lookup})
                    if b.frontend_ready is not None:
                        self.cell_append("frontend-ready", app, variant, {"seconds": b.frontend_ready})

    def row_changed(self, row: str, app: str, rel: str) -> None:
        """Median over runs of a rebuild after appending a line to `rel`. Each variant gets its
        own distinct line: builtin and gateway run the same Dockerfile frontend version and
        produce the same LLB, so one edit shared by both would let the second reuse the first's
        result. The file is restored after each build."""
        for i in range(self.runs if row in ("docs", "other") else 1):
            for variant in self.variants:
                path, original = self.edit(rel, f"{row}-{variant}-{uuid.uuid4().hex[:8]}-{i}")
                try:
                    b = self.build(app, variant)
                    self.cell_append(row, app, variant, {"seconds": b.seconds, "ran": len(b.ran), "steps": b.ran})
                finally:
                    path.write_bytes(original)

    def row_docs(self) -> None:
        for app in self.apps:
            if app != "dev-guide-docs":  # the docs image is made of docs/: a change there must rebuild it
                self.warm(app)
                self.row_changed("docs", app, DOCS_FILE)

    def row_other(self) -> None:
        for app in self.apps:
            self.warm(app)
            self.row_changed("other", app, OTHER_APP_FILE[app])

    def row_change(self) -> None:
        for app in self.apps:
            spec = tomllib.loads((self.tree / "apps" / app / "Dockerfile").read_text())
            for package in spec.get("packages", []):
                if package not in CHANGE_FILES:
                    continue
                self.warm(app)
                rel, _ = CHANGE_FILES[package]
                self.row_changed(f"change:{package.removeprefix('packages/')}", app, f"{package}/{rel}")

    def row_startup(self) -> None:
        """The frontend's start-up: a `targets` subrequest does no build work, so its time is the
        frontend's load, start and parse (the gateway image warm in the engine's cache)."""
        app = self.apps[0]
        for variant in self.variants:
            self.build(app, variant, opts=["--opt", "requestid=frontend.targets"])
        for _ in range(max(self.runs, 5)):
            for variant in self.variants:
                b = self.build(app, variant, opts=["--opt", "requestid=frontend.targets"])
                self.cell_append("startup", app, variant, {"seconds": b.seconds})
        refs = {"ours": self.frontend, "gateway": self.dockerfile_frontend}
        for variant, ref in refs.items():
            if variant in self.variants:
                self.cell("frontend-image", "-", variant, registry_sizes(ref))

    def row_size(self) -> None:
        for app in self.apps:
            for variant in self.variants:
                ref = f"{REGISTRY}/patient-risk/bench/{app}:{variant}"
                self.build(app, variant, output=f"type=image,name={ref},push=true,registry.insecure=true")
                sizes = registry_sizes(ref)
                self.cell("size", app, variant, sizes)
                smoke(app, ref)

    def row_floor(self) -> None:
        for app in self.apps:
            out = subprocess.run(["flock", str(STATE_DIR / "run" / "bench.lock"), "bash", str(REPO / "bench" / "floor.sh"),
                                  app, str(self.tree)], capture_output=True, text=True, check=False)
            if out.returncode != 0:
                sys.exit(f"bench: floor of {app} failed:\n{out.stderr[-2500:]}")
            seconds = float(out.stdout.strip().splitlines()[-1].split()[-1])
            self.cell("floor", app, "host", {"seconds": seconds, "load": os.getloadavg()[0]})

    def run(self) -> None:
        self.snapshot()
        print(f"bench: {' '.join(self.apps)}; variants {' '.join(self.variants)}; rows {' '.join(self.rows)}; "
              f"runs {self.runs}; load {os.getloadavg()[0]:.1f}", flush=True)
        try:
            for row in self.rows:
                if row == "memory":
                    continue  # sampled during the cold row
                getattr(self, f"row_{row}")()
        except SystemExit as stop:
            # A failed (or killed) build ends the run; what was measured before it is kept, marked.
            self.results["aborted"] = str(stop.code)
            self.save(partial=True)
            raise
        self.save(partial=False)

    def save(self, partial: bool) -> None:
        self.results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.results["loadavg_builds"] = {"min": min(self.loads, default=0), "median": statistics.median(self.loads) if self.loads else 0,
                                          "max": max(self.loads, default=0)}
        out_dir = STATE_DIR / "bench" / "results"
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + ("-partial" if partial else "")
        (out_dir / f"{stamp}.json").write_text(json.dumps(self.results, indent=1))
        table = render_table(self.results)
        (out_dir / f"{stamp}.md").write_text(table)
        print(f"\n{table}\nbench: {'partial ' if partial else ''}results in {out_dir}/{stamp}.json", flush=True)


def registry_sizes(ref: str) -> dict:
    """Compressed size of each platform's layers, as pushed (MiB); `ref` by tag or digest."""
    def raw(r: str) -> dict:
        out = subprocess.run(["docker", "buildx", "imagetools", "inspect", r, "--raw"], capture_output=True, text=True, check=True)
        return json.loads(out.stdout)
    index = raw(ref)
    name = ref.split("@", 1)[0]
    repo = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
    sizes = {}
    for m in index.get("manifests", []):
        p = m.get("platform", {})
        if p.get("os") == "unknown":
            continue
        manifest = raw(f"{repo}@{m['digest']}")
        sizes[f"{p['os']}/{p['architecture']}"] = round(sum(layer["size"] for layer in manifest["layers"]) / 1048576, 2)
    return sizes


def smoke(app: str, ref: str) -> None:
    """The image passes the same smoke checks as ours (the graphs' in-build checks plus the HTTP
    checks of tests/images), run with tests/images' helpers on linux/amd64."""
    sys.path.insert(0, str(REPO / "tests" / "images"))
    import conftest as images  # noqa: PLC0415 - the images tier's helpers (run, container, wait_http)

    hardened = ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
    images.run(["docker", "pull", "-q", "--platform", "linux/amd64", ref], timeout=600)
    try:
        if app == "risk-monitor-operator":
            out = images.run(["docker", "run", "--rm", *hardened, "--platform", "linux/amd64", ref, "--version"])
            assert "risk-monitor-operator" in out.stdout + out.stderr, out.stdout
        elif app == "patient-risk-python-api":
            images.run(["docker", "run", "--rm", *hardened, "--platform", "linux/amd64", "--entrypoint", "python3", ref,
                        "-c", "import patient_signal, patient_risk_api.app"])
            with images.container(ref, run_args=[*hardened, "-p", "127.0.0.1::8080"]) as api:
                port = images.published_port(api, 8080)
                _, body = images.wait_http(f"http://127.0.0.1:{port}/healthz", 90)
                assert json.loads(body)["status"] == "ok", body
        elif app == "patient-risk-web":
            images.run(["docker", "run", "--rm", *hardened, "--platform", "linux/amd64", ref, "check"])
        elif app == "dev-guide-docs":
            images.run(["docker", "run", "--rm", *hardened, "--platform", "linux/amd64", ref, "nginx", "-t"])
            with images.container(ref, run_args=[*hardened, "-p", "127.0.0.1::8080"]) as docs:
                port = images.published_port(docs, 8080)
                images.wait_http(f"http://127.0.0.1:{port}/healthz", 60)
                for site, marker in (("guide", b"patient-risk developer guide"), ("handoff", b"CD handoff")):
                    status, page = images.http_get(f"http://127.0.0.1:{port}/{site}/")
                    assert status == 200 and marker in page, f"{ref} /{site}/: {status} {page[:200]!r}"
        print(f"  smoke    {app:<25} {ref}: ok", flush=True)
    finally:
        images.run(["docker", "image", "rm", ref], check=False)


# ---------------------------------------------------------------------- table
def fmt_s(v: float | None) -> str:
    return "–" if v is None else (f"{v:.2f} s" if v < 10 else f"{v:.0f} s")


def ratio(a: float | None, b: float | None) -> str:
    return "–" if not a or not b else f"{a / b:.2f}×"


def render_table(res: dict) -> str:
    """The markdown table of ratios ours / Dockerfile (builtin and gateway), from a results dict."""
    cells = res.get("cells", {})
    variants = res.get("variants", VARIANTS)
    load = res.get("loadavg_builds", {})
    lines = [f"Measured {res.get('started', '?')} – {res.get('finished', '?')}, revision {res.get('revision', '?')}, "
             f"{os.cpu_count()} cores; load average (1 min) during the builds: min {load.get('min', 0):.1f}, "
             f"median {load.get('median', 0):.1f}, max {load.get('max', 0):.1f}. Platforms {res.get('platforms', '?')}.",
             *([f"**Aborted** (the rows after it were not run): {res['aborted'].splitlines()[0]}", ""] if res.get("aborted") else []),
             "",
             "| row | app | ours | Dockerfile (builtin) | Dockerfile (gateway) | ours / builtin | ours / gateway | steps run (ours / builtin / gateway) |",
             "|---|---|---|---|---|---|---|---|"]

    def seconds(row: str, app: str, variant: str) -> float | None:
        v = cells.get(row, {}).get(app, {}).get(variant)
        return v.get("seconds") if isinstance(v, dict) else None

    def ran(row: str, app: str, variant: str) -> str:
        v = cells.get(row, {}).get(app, {}).get(variant)
        if not isinstance(v, dict) or "runs" not in v or "ran" not in v["runs"][0]:
            return "–"
        return str(max(r["ran"] for r in v["runs"]))

    order = [r for r in ["cold", "noop", "docs", "other"] if r in cells]
    order += sorted(r for r in cells if r.startswith("change:"))
    order += [r for r in ["frontend-ready", "first-lookup", "startup"] if r in cells]
    for row in order:
        apps = [a for a in ALL_APPS if a in cells[row]]
        for app in apps:
            o, b, g = (seconds(row, app, v) for v in ("ours", "builtin", "gateway"))
            steps = " / ".join(ran(row, app, v) for v in ("ours", "builtin", "gateway") if v in variants)
            lines.append(f"| {row} | {app} | {fmt_s(o)} | {fmt_s(b)} | {fmt_s(g)} | {ratio(o, b)} | {ratio(o, g)} | {steps} |")
        if row == "cold" and len(apps) > 1:
            tot = {v: sum(seconds(row, a, v) or 0 for a in apps) or None for v in ("ours", "builtin", "gateway")}
            lines.append(f"| cold | all apps (sum) | {fmt_s(tot['ours'])} | {fmt_s(tot['builtin'])} | {fmt_s(tot['gateway'])} "
                         f"| {ratio(tot['ours'], tot['builtin'])} | {ratio(tot['ours'], tot['gateway'])} | |")
    if "frontend-image" in cells:
        fi = cells["frontend-image"]["-"]
        lines += ["", "| frontend image (compressed MiB, amd64 / arm64) | ours | gateway |", "|---|---|---|",
                  "| gateway image | " + " | ".join(
                      "–" if v not in fi else f"{fi[v].get('linux/amd64', 0):.1f} / {fi[v].get('linux/arm64', 0):.1f}"
                      for v in ("ours", "gateway")) + " |"]
    if "cold" in cells:
        lines += ["", "| peak engine memory, cold build (MiB) | ours | builtin | gateway |", "|---|---|---|---|"]
        for app in [a for a in ALL_APPS if a in cells["cold"]]:
            mem = [cells["cold"][app].get(v, {}).get("peak_rss_mib") for v in ("ours", "builtin", "gateway")]
            lines.append(f"| {app} | " + " | ".join("–" if m is None else f"{m:.0f}" for m in mem) + " |")
    if "size" in cells:
        lines += ["", "| compressed image size (MiB, amd64 / arm64) | ours | builtin | gateway |", "|---|---|---|---|"]
        for app in [a for a in ALL_APPS if a in cells["size"]]:
            row = cells["size"][app]
            lines.append(f"| {app} | " + " | ".join(
                "–" if v not in row else f"{row[v].get('linux/amd64', 0):.1f} / {row[v].get('linux/arm64', 0):.1f}"
                for v in ("ours", "builtin", "gateway")) + " |")
    if "floor" in cells:
        lines += ["", "| native floor (host, cold caches) | floor | ours cold | ours / floor |", "|---|---|---|---|"]
        for app in [a for a in ALL_APPS if a in cells["floor"]]:
            f = cells["floor"][app]["host"]["seconds"]
            o = seconds("cold", app, "ours")
            lines.append(f"| {app} | {fmt_s(f)} | {fmt_s(o)} | {ratio(o, f)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "table":
        print(render_table(json.loads(Path(sys.argv[2]).read_text())), end="")
        return
    Bench().run()


if __name__ == "__main__":
    main()
