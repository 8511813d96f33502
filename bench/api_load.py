#!/usr/bin/env python3
"""API load benchmark (`make bench/api-load`; docs/api-load.md).

Runs the patient-risk API from its container image with PostgreSQL and Redis on loopback
(Debian's binaries, started like the API's integration tier: tests/integration/services.py),
the container on the host network bound to 127.0.0.1, and drives it with wrk
(bench/api_load.lua):

  1. fresh   API_LOAD_DURATION seconds of POST /v1/signal-packets, every request a new packet
             id (the low-SpO2 fixture's readings), API_LOAD_CONNECTIONS connections;
  2. check   every packet answered 201 is a row in `packets` with its row in `assessments`
             (count by id), no id was answered 201 twice, and nothing else is stored;
  3. resend  API_LOAD_RESEND_S seconds of resends of accepted ids: every answer must be
             200 (already stored) with the same packet id, and PostgreSQL's row counts must
             not move.

Prints packets/s, p50/p90/p99 latency, the status counts and errors, the load average
before and after, and writes them to API_LOAD_OUT/result.json. Exits 1 when any check
fails, or when API_LOAD_MIN_RATE / API_LOAD_MAX_P99_MS are set and missed (the harness
test uses those as floors; the benchmark itself only reports).

Environment: API_LOAD_IMAGE (required), API_LOAD_DURATION (10), API_LOAD_CONNECTIONS (16),
API_LOAD_THREADS (1), API_LOAD_WORKERS (empty: the image's default), API_LOAD_PATIENTS (0: every
packet for the fixture's one patient; N: packets spread over N patients), API_LOAD_RESEND_S (3),
API_LOAD_FIXTURE (fixtures/low-spo2-trend.json), API_LOAD_OUT (artifacts/bench/api-load),
API_LOAD_CPUS (empty: no limit; e.g. "0-1"), API_LOAD_PROFILE=1 with API_LOAD_PYSPY (py-spy samples
the API during the fresh run: API_LOAD_OUT/profile.txt and profile-summary.txt), API_LOAD_MOUNT_SOURCE=1 (developer shortcut: the
working tree's patient_risk_api bind-mounted read-only over the image's, to measure a change
before the image is rebuilt; the result says so), API_LOAD_MIN_RATE, API_LOAD_MAX_P99_MS, WRK.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

REPO = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[1]))
API_TESTS = REPO / "apps/patient-risk-python-api/tests"
sys.path[:0] = [str(API_TESTS), str(API_TESTS / "integration")]

import psycopg  # noqa: E402 - after the path set-up
from helpers import free_port  # noqa: E402
from services import Postgres, Redis  # noqa: E402


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def fail(message: str) -> None:
    print(f"bench/api-load: {message}", file=sys.stderr)
    raise SystemExit(1)


def positive(name: str, default: str, kind: type = int) -> float:
    raw = env(name, default)
    try:
        value = kind(raw)
    except ValueError:
        value = 0
    if value <= 0:
        fail(f"{name}={raw!r} must be a number > 0, e.g. {name}={default}")
    return value


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# Where the image installs the app's packages (llb-graphs' python-api graph).
SITE_PACKAGES = "/opt/patient-risk-python-api/site-packages"
_TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user + system) of process ``root`` and its live descendants, plus what its
    reaped children used: the cost of a server whatever else the machine is running."""
    stats: dict[int, tuple[int, float, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid, own = int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK
        stats[int(entry.name)] = (ppid, own, (int(fields[13]) + int(fields[14])) / _TICK)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid not in stats:
            continue
        total += stats[pid][1] + stats[pid][2]
        todo.extend(child for child, (ppid, _, _) in stats.items() if ppid == pid)
    return total


def docker(*args: str, check: bool = True, capture: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["docker", *args], text=True, capture_output=capture)
    if check and result.returncode != 0:
        fail(f"docker {' '.join(args[:3])} … failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result


def start_profile(pid: int, seconds: int, out: Path) -> subprocess.Popen[str]:
    """py-spy (API_LOAD_PYSPY, pinned in mk/bench-api.mk) samples the API's processes while wrk
    runs: only samples that hold the GIL (--gil), i.e. Python on a CPU, not threads waiting for
    PostgreSQL."""
    pyspy = env("API_LOAD_PYSPY")
    if not Path(pyspy or "/nonexistent").is_file():
        fail(f"API_LOAD_PROFILE=1 needs py-spy: API_LOAD_PYSPY={pyspy!r} is not a file (make bench/api-load/profile installs it)")
    return subprocess.Popen([pyspy, "record", "--pid", str(pid), "--subprocesses", "--gil", "--nonblocking",
                             "--duration", str(seconds), "--rate", "200", "--format", "raw",
                             "--output", str(out / "profile.txt")], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def summarize_profile(profiler: subprocess.Popen[str], out: Path, top: int = 40) -> None:
    """Inclusive and self share of each function (file:function) in the samples."""
    log, _ = profiler.communicate(timeout=120)
    raw = out / "profile.txt"
    if profiler.returncode != 0 or not raw.exists():
        fail(f"py-spy failed ({profiler.returncode}): {log[-1500:]}")
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if " (" in f]
        if not frames:
            continue
        names = [f"{f.split(' (')[0]} ({f.split(' (')[1].split(':')[0].rsplit('/', 1)[-1]})" for f in frames]
        total += int(count)
        for name in set(names):
            inclusive[name] = inclusive.get(name, 0) + int(count)
        own[names[-1]] = own.get(names[-1], 0) + int(count)
    lines = [f"py-spy --gil: {total} samples of the API's processes holding the GIL", "", "inclusive:"]
    lines += [f"{n * 100 / total:5.1f}%  {name}" for name, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]]
    lines += ["", "self:"]
    lines += [f"{n * 100 / total:5.1f}%  {name}" for name, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]]
    (out / "profile-summary.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:3] + lines[3:3 + 25]))


def wait_ready(url: str, container: str, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as err:
            last = f"{err.code} {err.read()[:300]!r}"
        except OSError as err:
            last = str(err)
        state = docker("inspect", "-f", "{{.State.Status}}", container, check=False).stdout.strip()
        if state and state != "running":
            break
        time.sleep(0.2)
    logs = docker("logs", "--tail", "30", container, check=False)
    fail(f"the API did not become ready at {url}/readyz ({last}); its last log lines:\n{logs.stdout}{logs.stderr}")


def run_wrk(wrk: str, url: str, mode: str, seconds: int, connections: int, threads: int, out: Path,
            extra_env: dict[str, str]) -> dict:
    command = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "5s",
               "-s", str(REPO / "bench/api_load.lua"), url + "/v1/signal-packets"]
    process_env = {**os.environ, "API_LOAD_MODE": mode, "API_LOAD_OUT": str(out), **extra_env}
    result = subprocess.run(command, env=process_env, text=True, capture_output=True)
    (out / f"{mode}-wrk.txt").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        fail(f"wrk ({mode}) exited {result.returncode}: {result.stderr.strip()[-1500:]}")
    summary_file = out / f"{mode}-summary.json"
    if not summary_file.exists():
        fail(f"wrk ({mode}) wrote no {summary_file}; its output:\n{result.stdout}{result.stderr}")
    return json.loads(summary_file.read_text())


def answered(out: Path, mode: str) -> list[tuple[int, str]]:
    pairs = []
    for path in sorted(out.glob(f"{mode}-[0-9]*.txt")):
        for line in path.read_text().splitlines():
            status, _, packet_id = line.partition(" ")
            pairs.append((int(status), packet_id))
    return pairs


def db_counts(database_url: str, prefix: str) -> tuple[int, int]:
    with psycopg.connect(database_url) as conn:
        packets = conn.execute("SELECT count(*) FROM packets WHERE packet_id LIKE %s", (prefix + "-%",)).fetchone()[0]
        assessed = conn.execute("SELECT count(*) FROM assessments WHERE packet_id LIKE %s",
                                (prefix + "-%",)).fetchone()[0]
    return packets, assessed


def settled_counts(database_url: str, prefix: str, timeout_s: float = 30) -> tuple[int, int]:
    """Row counts once the requests wrk left in flight have been handled (unchanged for 1 s)."""
    deadline = time.monotonic() + timeout_s
    counts = db_counts(database_url, prefix)
    while time.monotonic() < deadline:
        time.sleep(1)
        again = db_counts(database_url, prefix)
        if again == counts:
            return counts
        counts = again
    fail(f"PostgreSQL's row counts still change {timeout_s} s after the load ended: {counts}")
    raise AssertionError


def stored_ids(database_url: str, ids: list[str]) -> set[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT p.packet_id FROM packets p JOIN assessments a USING (packet_id) WHERE p.packet_id = ANY(%s)",
            (ids,),
        ).fetchall()
    return {row[0] for row in rows}


def main() -> int:
    image = env("API_LOAD_IMAGE")
    if not image:
        fail("API_LOAD_IMAGE is not set; `make bench/api-load` builds the image and sets it")
    duration = int(positive("API_LOAD_DURATION", "10"))
    connections = int(positive("API_LOAD_CONNECTIONS", "16"))
    threads = int(positive("API_LOAD_THREADS", "1"))
    resend_s = int(positive("API_LOAD_RESEND_S", "3"))
    workers = env("API_LOAD_WORKERS")
    patients = int(env("API_LOAD_PATIENTS", "0") or "0")
    cpus = env("API_LOAD_CPUS")
    mount_source = env("API_LOAD_MOUNT_SOURCE") == "1"
    fixture = Path(env("API_LOAD_FIXTURE", str(REPO / "fixtures/low-spo2-trend.json"))).resolve()
    out = Path(env("API_LOAD_OUT", str(REPO / "artifacts/bench/api-load"))).resolve()
    wrk = env("WRK") or shutil.which("wrk") or ""
    if not Path(wrk).is_file():
        fail("wrk not found; `make bench/api-load/tools` installs Debian's wrk")
    if not fixture.is_file():
        fail(f"API_LOAD_FIXTURE={fixture}: no such file")
    if docker("image", "inspect", image, check=False).returncode != 0:
        fail(f"API_LOAD_IMAGE={image} is not in the local image store; build it first (make bench/api-load does)")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    prefix = f"load-{uuid.uuid4().hex[:8]}"

    postgres, redis_server = Postgres(), Redis()
    container = f"patient-risk-api-load-{uuid.uuid4().hex[:8]}"
    port = free_port()
    try:
        postgres.init()
        postgres.start()
        redis_server.start()
        database_url = postgres.create_database("patient_risk")
        api_env = {
            "PATIENT_RISK_STORAGE_BACKEND": "postgres-redis",
            "PATIENT_RISK_DATABASE_URL": database_url,
            "PATIENT_RISK_REDIS_URL": redis_server.url(),
            "PATIENT_RISK_HOST": "127.0.0.1",
            "PATIENT_RISK_PORT": str(port),
            "PATIENT_RISK_MIGRATE_ON_START": "true",
        }
        if workers:
            api_env["PATIENT_RISK_WORKERS"] = workers
        run = ["run", "--detach", "--name", container, "--network", "host", "--read-only", "--tmpfs", "/tmp",
               "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
        if cpus:
            run += ["--cpuset-cpus", cpus]
        if mount_source:
            # Developer shortcut: the working tree's patient_risk_api over the image's copy.
            run += ["--volume", f"{REPO / 'apps/patient-risk-python-api/src/patient_risk_api'}:"
                    f"{SITE_PACKAGES}/patient_risk_api:ro"]
        for key, value in api_env.items():
            run += ["--env", f"{key}={value}"]
        docker(*run, image, "serve")
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, container)
        user = docker("inspect", "-f", "{{.Config.User}}", container).stdout.strip()

        # A short warm-up (connections, caches) outside the measurement, under its own prefix.
        run_wrk(wrk, url, "fresh", 1, connections, threads, out,
                {"API_LOAD_FIXTURE": str(fixture), "API_LOAD_PREFIX": prefix + "w",
                 "API_LOAD_PATIENTS": str(patients)})
        api_pid = int(docker("inspect", "-f", "{{.State.Pid}}", container).stdout.strip())
        pg_pid = int((postgres.data / "postmaster.pid").read_text().split()[0])
        assert redis_server.process is not None
        servers = {"api": api_pid, "postgres": pg_pid, "redis": redis_server.process.pid}
        cpu_before = {name: tree_cpu_s(pid) for name, pid in servers.items()}
        wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        profiler = start_profile(api_pid, duration, out) if env("API_LOAD_PROFILE") == "1" else None
        before = loadavg()
        fresh = run_wrk(wrk, url, "fresh", duration, connections, threads, out,
                        {"API_LOAD_FIXTURE": str(fixture), "API_LOAD_PREFIX": prefix,
                         "API_LOAD_PATIENTS": str(patients)})
        after = loadavg()
        wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if profiler is not None:
            summarize_profile(profiler, out)
        cpu_used = {name: tree_cpu_s(pid) - cpu_before[name] for name, pid in servers.items()}
        cpu_used["wrk"] = (wrk_after.ru_utime + wrk_after.ru_stime) - (wrk_before.ru_utime + wrk_before.ru_stime)

        problems: list[str] = []
        accepted = [packet_id for status, packet_id in answered(out, "fresh") if status == 201]
        other_2xx = [(s, p) for s, p in answered(out, "fresh") if s != 201]
        statuses = {int(k): v for k, v in fresh["statuses"].items()}
        errors = fresh["errors"]
        non_201 = sum(v for k, v in statuses.items() if k != 201)
        if not accepted:
            problems.append("no packet was accepted (201)")
        if non_201 or other_2xx:
            problems.append(f"answers other than 201 to fresh packets: {statuses}")
        if any(errors.values()):
            problems.append(f"wrk errors: {errors}")
        if len(set(accepted)) != len(accepted):
            problems.append(f"{len(accepted) - len(set(accepted))} packet ids answered 201 more than once")
        if sum(1 for p in accepted if not p.startswith(prefix + "-")) or "?" in accepted:
            problems.append("a 201 answer carried a packet id this run did not send")
        missing = set(accepted) - stored_ids(database_url, accepted) if accepted else set()
        if missing:
            problems.append(f"{len(missing)} accepted packets are not in PostgreSQL (e.g. {sorted(missing)[:3]})")
        packets_rows, assessment_rows = settled_counts(database_url, prefix)
        # wrk stops with up to one request in flight per connection: stored, never answered.
        if not len(accepted) <= packets_rows <= len(accepted) + connections or assessment_rows != packets_rows:
            problems.append(f"PostgreSQL holds {packets_rows} packets / {assessment_rows} assessments of this run, "
                            f"{len(accepted)} were accepted (at most {connections} more may have been in flight)")

        ids_file = out / "accepted-ids.txt"
        ids_file.write_text("\n".join(accepted) + "\n")
        resent: list[tuple[int, str]] = []
        resend_statuses: dict[int, int] = {}
        resend = {"duration_us": 1, "latency_us": {"p50": 0, "p90": 0, "p99": 0, "max": 0, "mean": 0},
                  "errors": {}}
        if accepted:  # else there is nothing to resend (and the run has failed already)
            resend = run_wrk(wrk, url, "resend", resend_s, min(connections, 8), threads, out,
                             {"API_LOAD_FIXTURE": str(fixture), "API_LOAD_IDS": str(ids_file),
                              "API_LOAD_PATIENTS": str(patients)})
            resent = answered(out, "resend")
            resend_statuses = {int(k): v for k, v in resend["statuses"].items()}
            if not resent or set(resend_statuses) != {200} or any(resend["errors"].values()):
                problems.append(f"resends were not all answered 200 (already stored): {resend_statuses}, "
                                f"errors {resend['errors']}")
            if {p for _, p in resent} - set(accepted):
                problems.append("a resend was answered with another packet id")
            if settled_counts(database_url, prefix) != (packets_rows, assessment_rows):
                problems.append(f"resends changed PostgreSQL: {db_counts(database_url, prefix)} rows, "
                                f"{(packets_rows, assessment_rows)} before")

        seconds = fresh["duration_us"] / 1e6
        rate = len(accepted) / seconds
        cpu_ms = {name: round(used * 1000 / max(1, len(accepted)), 3) for name, used in cpu_used.items()}
        total_ms = sum(cpu_ms.values())
        latency = {k: round(v / 1000, 1) for k, v in fresh["latency_us"].items()}
        result = {
            "image": image,
            "image_id": docker("image", "inspect", "-f", "{{.Id}}", image).stdout.strip(),
            "workers": workers or "image default",
            "source": "working tree mounted over the image's patient_risk_api" if mount_source else "image",
            "cpus": cpus or "all",
            "connections": connections,
            "wrk_threads": threads,
            "fixture": fixture.name,
            "duration_s": round(seconds, 2),
            "accepted": len(accepted),
            "packets_per_s": round(rate, 1),
            "latency_ms": latency,
            "statuses": statuses,
            "errors": errors,
            "stored_packets": packets_rows,
            "patients": patients or "the fixture's one",
            # CPU per accepted packet, by process tree: robust to whatever else runs on the machine.
            "cpu_ms_per_packet": cpu_ms,
            "cpu_ms_per_packet_total": round(total_ms, 3),
            "cpu_bound_packets_per_s_on_cores": round(os.cpu_count() * 1000 / total_ms, 1) if total_ms else None,
            "resend": {"requests": len(resent), "statuses": resend_statuses,
                       "requests_per_s": round(len(resent) / (resend["duration_us"] / 1e6), 1),
                       "latency_ms": {k: round(v / 1000, 1) for k, v in resend["latency_us"].items()}},
            "loadavg_before": before,
            "loadavg_after": after,
            "cores": os.cpu_count(),
            "user": user,
            "problems": problems,
        }
        (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
        print(f"api-load: {image} ({result['image_id'][:19]}; {result['source']}), workers {result['workers']}, "
              f"patients {result['patients']}, "
              f"{connections} connections, {seconds:.1f} s, fixture {fixture.name}, user {user}")
        print(f"  fresh packets:  {len(accepted)} accepted (201), {rate:.1f} packets/s; latency p50 {latency['p50']} ms, "
              f"p90 {latency['p90']} ms, p99 {latency['p99']} ms, max {latency['max']} ms")
        print(f"  answers: {statuses}; errors: {errors}")
        print(f"  CPU per packet (ms): " + ", ".join(f"{k} {v}" for k, v in cpu_ms.items())
              + f"; total {total_ms:.2f} ms, i.e. at most {result['cpu_bound_packets_per_s_on_cores']} packets/s "
              f"on {os.cpu_count()} idle cores")
        print(f"  PostgreSQL: {packets_rows} packets, {assessment_rows} assessments of this run; "
              f"every accepted id present: {not missing}")
        print(f"  resends: {len(resent)} answered {resend_statuses} ({result['resend']['requests_per_s']}/s, "
              f"p99 {result['resend']['latency_ms']['p99']} ms); rows unchanged")
        print(f"  load average before/after the run: {before} / {after} ({os.cpu_count()} cores); result: {out}/result.json")
        min_rate, max_p99 = env("API_LOAD_MIN_RATE"), env("API_LOAD_MAX_P99_MS")
        if min_rate and rate < float(min_rate):
            problems.append(f"{rate:.1f} packets/s is below API_LOAD_MIN_RATE={min_rate}")
        if max_p99 and latency["p99"] > float(max_p99):
            problems.append(f"p99 {latency['p99']} ms is above API_LOAD_MAX_P99_MS={max_p99}")
        if problems:
            fail("checks failed:\n  - " + "\n  - ".join(problems))
        print("api-load: every accepted packet is in PostgreSQL; resends were answered as already stored")
        return 0
    finally:
        logs = docker("logs", container, check=False)
        (out / "api.log").write_text(logs.stdout + logs.stderr)
        docker("rm", "--force", container, check=False)
        redis_server.cleanup()
        postgres.cleanup()


if __name__ == "__main__":
    # make (or CI) stops a run with SIGTERM: turn it into SystemExit so main's finally removes the
    # API container and stops PostgreSQL and Redis instead of leaving them running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    raise SystemExit(main())
