"""Stages take only the paths they read: a change elsewhere re-executes no step of
an app, and a change in a package rebuilds exactly the apps that consume it.

Each case adds a file to the checkout, rebuilds, and removes it again. A vertex
named `[<app>] ...` is one of the app's own steps; it must be a cache hit (or not
be visited at all) unless the change is in a path the step reads.
"""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

import pytest

from conftest import APPS, REPO_ROOT, bake


@contextlib.contextmanager
def extra_file(relative: str, text: str):
    path = REPO_ROOT / relative.format(tag=uuid.uuid4().hex[:8])
    assert not path.exists()
    path.write_text(text)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def rebuild(apps: list[str]):
    # The same targets, platforms and args as the `images` fixture: a cache hit unless inputs changed.
    return bake(apps, "--push")


@pytest.mark.parametrize(
    "changed, apps",
    [
        ("docs/zz-cache-probe-{tag}.md", ["risk-monitor-operator", "patient-risk-python-api", "patient-risk-web"]),
        ("apps/patient-risk-web/src/zz-cache-probe-{tag}.ts", ["risk-monitor-operator", "patient-risk-python-api", "dev-guide-docs"]),
        ("apps/risk-monitor-operator/zz-cache-probe-{tag}.txt", ["patient-risk-python-api", "patient-risk-web", "dev-guide-docs"]),
    ],
)
def test_unrelated_change_reexecutes_nothing(images, changed, apps):
    with extra_file(changed, "cache probe\n"):
        record = rebuild(apps)
    for app in apps:
        # Positive control: the parser matched this app's steps (as cache hits); without it an
        # empty steps_run would pass even if no vertex name were recognised.
        assert record.steps_seen(app), f"the progress stream showed no step of {app}: the parser matched nothing"
        assert record.steps_run(app) == [], f"{changed} re-ran steps of {app}"


def test_rust_core_change_rebuilds_only_the_api_wheel(images):
    # A new source file in the Rust core: read by the API's wheel stage (all *.rs of the
    # packages it consumes), by no step of the other apps.
    with extra_file("packages/patient-signal-rust-core/src/zz_cache_probe_{tag}.rs", "// cache probe\n"):
        record = rebuild(["patient-risk-python-api", "patient-risk-web", "risk-monitor-operator"])
    ran = record.steps_run("patient-risk-python-api")
    assert any("cargo workspace" in name for name in ran), ran
    assert any("maturin build" in name for name in ran), ran
    for app in ("patient-risk-web", "risk-monitor-operator"):
        assert record.steps_seen(app), f"the progress stream showed no step of {app}: the parser matched nothing"
        assert record.steps_run(app) == []
