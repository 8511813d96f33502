"""Unit tests of the bench harness (bench/bench.py), no engine needed: the table it prints from a
results file, the step counting it bases the "0 steps re-executed" claims on, and its options.
They keep `make bench` from rotting between the (rare, expensive) runs."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[2]))
spec = importlib.util.spec_from_file_location("bench_harness", REPO / "bench" / "bench.py")
bench = importlib.util.module_from_spec(spec)
sys.modules["bench_harness"] = bench
spec.loader.exec_module(bench)


def progress(*vertexes: dict) -> str:
    return "\n".join(json.dumps({"vertexes": [v]}) for v in vertexes)


def test_steps_run_counts_exec_and_file_steps_only():
    """Sources, context transfers, metadata lookups, the frontend image and exporters are not
    steps; a cache hit is not a step run; a step reported twice (started, then completed) counts once."""
    text = progress(
        {"digest": "a", "name": "[internal] load build definition from Dockerfile", "started": "t"},
        {"digest": "b", "name": "[linux/amd64 internal] load metadata for 127.0.0.1:5000/x", "started": "t"},
        {"digest": "c", "name": "[context] docs-sources: docs", "started": "t"},
        {"digest": "d", "name": "resolve image config for docker-image://127.0.0.1:5000/f@sha256:1", "started": "t"},
        {"digest": "e", "name": "docker-image://127.0.0.1:5000/patient-risk/llb-frontend:dev@sha256:1", "started": "t"},
        {"digest": "f", "name": "[dev-guide-docs] mkdocs build", "started": "t"},
        {"digest": "f", "name": "[dev-guide-docs] mkdocs build", "started": "t", "completed": "t"},
        {"digest": "g", "name": "[mkdocs 3/3] RUN uv pip install", "started": "t", "cached": True},
        {"digest": "h", "name": "[linux/arm64 release 3/3] COPY --from=docs-site /out/ /usr/share/nginx/html/", "started": "t"},
        {"digest": "i", "name": "exporting to image", "started": "t"},
        {"digest": "j", "name": "[base] nginx-runtime (linux/amd64)", "started": "t"},
        {"digest": "l", "name": "[linux/arm64 release 1/3] FROM 127.0.0.1:5000/b/nginx-runtime:local@sha256:9", "started": "t"},
        {"digest": "k", "name": "[internal] empty directory (directory timestamps)", "started": "t"},
    )
    assert bench.parse_progress(text + "\nnot json\n") == [
        "[dev-guide-docs] mkdocs build",
        "[linux/arm64 release 3/3] COPY --from=docs-site /out/ /usr/share/nginx/html/",
    ]


def test_never_started_vertex_is_not_a_step():
    """A vertex only announced (no `started`) did not run: a fully cached build counts 0."""
    assert bench.parse_progress(progress({"digest": "a", "name": "[web-bundle 2/2] RUN npm run build"})) == []


def results() -> dict:
    def cell(*secs, ran=0, rss=None):
        runs = [{"seconds": s, "ran": ran, **({"peak_rss_mib": rss} if rss else {})} for s in secs]
        out = {"runs": runs, "seconds": sorted(secs)[len(secs) // 2]}
        if rss:
            out["peak_rss_mib"] = rss
        return out

    return {
        "started": "2026-12-06T05:15:00Z", "finished": "2026-12-06T05:55:00Z", "revision": "abc1234",
        "platforms": "linux/amd64,linux/arm64", "variants": ["ours", "builtin", "gateway"],
        "loadavg_builds": {"min": 2.0, "median": 4.5, "max": 9.0},
        "cells": {
            "cold": {"dev-guide-docs": {"ours": cell(20.0, ran=4, rss=300.0), "builtin": cell(30.0, ran=6, rss=200.0),
                                        "gateway": cell(33.0, ran=6, rss=210.0)},
                     "patient-risk-web": {"ours": cell(60.0, ran=5), "builtin": cell(60.0, ran=7), "gateway": cell(66.0, ran=7)}},
            "noop": {"dev-guide-docs": {"ours": cell(0.5, 0.4, 0.6), "builtin": cell(0.4, 0.4, 0.4), "gateway": cell(0.8, 0.8, 0.8)}},
            "docs": {"patient-risk-web": {"ours": cell(0.5, ran=0), "builtin": cell(0.5, ran=0), "gateway": cell(1.0, ran=0)}},
            "size": {"dev-guide-docs": {"ours": {"linux/amd64": 20.04, "linux/arm64": 19.5}}},
            "floor": {"dev-guide-docs": {"host": {"seconds": 10.0}}},
        },
    }


def test_table_ratios_medians_and_totals():
    """The ratio is ours / Dockerfile of the medians; 'all apps' sums the per-app cold builds;
    the load of the machine is in the header; missing cells show as a dash."""
    table = bench.render_table(results())
    lines = table.splitlines()
    assert "load average (1 min) during the builds: min 2.0, median 4.5, max 9.0" in lines[0]
    assert "| cold | dev-guide-docs | 20 s | 30 s | 33 s | 0.67× | 0.61× | 4 / 6 / 6 |" in lines
    assert "| cold | all apps (sum) | 80 s | 90 s | 99 s | 0.89× | 0.81× | |" in lines
    assert "| noop | dev-guide-docs | 0.50 s | 0.40 s | 0.80 s | 1.25× | 0.62× | 0 / 0 / 0 |" in lines
    assert "| docs | patient-risk-web | 0.50 s | 0.50 s | 1.00 s | 1.00× | 0.50× | 0 / 0 / 0 |" in lines
    assert "| dev-guide-docs | 300 | 200 | 210 |" in lines
    assert "| patient-risk-web | – | – | – |" in lines
    assert "| dev-guide-docs | 20.0 / 19.5 | – | – |" in lines
    assert "| dev-guide-docs | 10 s | 20 s | 2.00× |" in lines


def test_table_cli_reads_a_results_file(tmp_path, capsys):
    """`bench.py table <results.json>` (make bench/table) prints the same table."""
    path = tmp_path / "r.json"
    path.write_text(json.dumps(results()))
    sys.argv = ["bench.py", "table", str(path)]
    bench.main()
    assert capsys.readouterr().out == bench.render_table(results())


def test_options_refuse_unknown_names(monkeypatch):
    """A typo in BENCH_APPS/BENCH_ROWS/BENCH_VARIANTS fails naming the choices instead of
    silently benchmarking nothing."""
    monkeypatch.setenv("BENCH_ROWS", "cold,nope")
    with pytest.raises(SystemExit, match="BENCH_ROWS: unknown nope; choose from: cold noop"):
        bench.env_list("BENCH_ROWS", bench.ROWS)
    monkeypatch.setenv("BENCH_APPS", "dev-guide-docs patient-risk-web")
    assert bench.env_list("BENCH_APPS", bench.ALL_APPS) == ["dev-guide-docs", "patient-risk-web"]


def test_every_app_has_a_baseline_and_change_targets():
    """Each app has a bench Dockerfile (with its .dockerignore), an other-app file and, for each
    package its spec consumes, a file the one-line change goes into; every such file exists."""
    import tomllib

    for app in bench.ALL_APPS:
        assert (REPO / "bench" / "dockerfiles" / f"{app}.Dockerfile").is_file(), app
        assert (REPO / "bench" / "dockerfiles" / f"{app}.Dockerfile.dockerignore").is_file(), app
        other = bench.OTHER_APP_FILE[app]
        assert (REPO / other).is_file() and not other.startswith(f"apps/{app}/"), other
        spec = tomllib.loads((REPO / "apps" / app / "Dockerfile").read_text())
        for package in spec.get("packages", []):
            rel, _ = bench.CHANGE_FILES[package]
            assert (REPO / package / rel).is_file(), f"{package}/{rel}"
    assert (REPO / bench.DOCS_FILE).is_file()


def test_first_lookup_is_the_earliest_base_metadata_request():
    """Start-up is measured to the first `load metadata for` vertex (the first request a frontend
    makes for the image), read from BuildKit's nanosecond timestamps."""
    text = progress(
        {"digest": "a", "name": "[internal] load build definition from Dockerfile", "started": "2026-12-06T05:00:00.1Z"},
        {"digest": "b", "name": "[internal] load metadata for 127.0.0.1:5000/b:local (go-builder, linux/amd64)",
         "started": "2026-12-06T05:00:00.750000000Z"},
        {"digest": "c", "name": "[linux/arm64 internal] load metadata for 127.0.0.1:5000/c:local",
         "started": "2026-12-06T05:00:00.5Z"},
        {"digest": "d", "name": "[internal] load metadata for x (never started)"},
    )
    assert bench.first_lookup(text) == pytest.approx(bench.parse_ts("2026-12-06T05:00:00Z") + 0.5)
    assert bench.first_lookup(progress({"digest": "a", "name": "[dev-guide-docs] mkdocs build", "started": "2026-12-06T05:00:00Z"})) is None


def test_frontend_ready_is_the_last_completion_of_the_frontend_image():
    """A gateway frontend is ready once its image vertex completed (the latest report wins);
    the builtin frontend has no image vertex."""
    text = progress(
        {"digest": "f", "name": "docker-image://127.0.0.1:5000/f@sha256:1", "started": "2026-12-06T05:00:00.1Z"},
        {"digest": "f", "name": "docker-image://127.0.0.1:5000/f@sha256:1", "completed": "2026-12-06T05:00:00.2Z"},
        {"digest": "g", "name": "docker-image://127.0.0.1:5000/f@sha256:1", "completed": "2026-12-06T05:00:00.25Z"},
    )
    assert bench.frontend_ready(text) == pytest.approx(bench.parse_ts("2026-12-06T05:00:00Z") + 0.25)
    assert bench.frontend_ready(progress({"digest": "a", "name": "[internal] load build definition", "completed": "2026-12-06T05:00:00Z"})) is None


def test_a_failed_build_keeps_what_was_measured_before_it(tmp_path, monkeypatch):
    """A build that fails (or is killed: a hung QEMU step) ends the run with its error, and the
    rows measured before it are saved as a partial result whose table says it was aborted."""
    monkeypatch.setattr(bench, "STATE_DIR", tmp_path)
    run = bench.Bench.__new__(bench.Bench)
    run.apps, run.variants, run.rows, run.runs = ["patient-risk-python-api"], ["ours", "builtin"], ["cold"], 1
    run.results, run.loads = {"started": "2026-12-06T07:30:00Z", "variants": ["ours", "builtin"], "cells": {}}, [2.5]
    run.snapshot = lambda: None

    def cold():
        run.cell_append("cold", "patient-risk-python-api", "ours", {"seconds": 96.4, "ran": 12})
        sys.exit("bench: builtin build of patient-risk-python-api failed (full log x):\nsignal: killed")

    run.row_cold = cold
    with pytest.raises(SystemExit, match="builtin build of patient-risk-python-api failed"):
        run.run()
    saved = list((tmp_path / "bench" / "results").glob("*-partial.json"))
    assert len(saved) == 1
    partial = json.loads(saved[0].read_text())
    assert partial["cells"]["cold"]["patient-risk-python-api"]["ours"]["seconds"] == 96.4
    table = bench.render_table(partial)
    assert "**Aborted** (the rows after it were not run): bench: builtin build of patient-risk-python-api failed" in table
    assert "| cold | patient-risk-python-api | 96 s | – |" in table
