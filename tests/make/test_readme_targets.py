"""The make targets the README's commands name set up what they need, and CI refuses the switches
that would turn tests into no-ops (issue 16).

Read from make's own database (`make -p -q`: every rule as make parsed it, nothing built), so the
checks run on any machine in a second and fail as soon as a prerequisite is dropped."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[2]))

# What each target must have made before its recipe runs (transitively), and why.
NEEDS = {
    # mmdebstrap, buildx and the registry come with the engine.
    "bases": {"engine/up"},
    # The images build FROM the local bases (BASE_IMAGES=local) with the working tree's frontend.
    "container/build": {"engine/up", "bases", "frontend/build"},
    # The demo builds the API and web with the frontend on the local bases, then runs them.
    "demo/run": {"engine/up", "demo/bases", "frontend/build"},
    "frontend/build": {"engine/up"},
}


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("CI", "INSTA_UPDATE", "INSTA_FORCE_PASS", "SUPPLY_CHAIN_REPRO", "E2E_BASE_URL",
                          "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(["make", "--no-print-directory", "-C", str(REPO_ROOT), *args], capture_output=True,
                          text=True, timeout=120, env={**clean, **(env or {})}, check=False)


def rules() -> dict[str, set[str]]:
    """target -> direct prerequisites, from make's database (question mode: no recipe runs)."""
    out = make("-p", "-q", "-r", "help").stdout
    graph: dict[str, set[str]] = {}
    files = out.split("\n# Files\n", 1)[-1]
    for line in files.splitlines():
        m = re.match(r"^([A-Za-z0-9_./%-]+):(?!=)\s*(.*)$", line)
        if m and not line.startswith(("#", "\t")):
            graph.setdefault(m.group(1), set()).update(p for p in m.group(2).split("|")[0].split() if p)
    return graph


def closure(graph: dict[str, set[str]], target: str) -> set[str]:
    seen: set[str] = set()
    todo = [target]
    while todo:
        for dep in graph.get(todo.pop(), set()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def readme_make_targets() -> list[str]:
    """Every target of every `make ...` command line in README.md's shell blocks."""
    text = (REPO_ROOT / "README.md").read_text("utf-8")
    targets: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            words = line.split("#", 1)[0].split()
            if words[:1] == ["make"]:
                targets += [w for w in words[1:] if "=" not in w and not w.startswith("-")]
    return targets


def test_the_readme_names_its_main_command() -> None:
    """Guards the parser below: the README's main command is found."""
    assert readme_make_targets()[:3] == ["bases", "container/build", "demo/run"], readme_make_targets()


@pytest.mark.parametrize("target", sorted(NEEDS))
def test_each_target_makes_what_it_needs_first(target: str) -> None:
    """A fresh machine runs `make bases container/build demo/run` without `make engine/up` first."""
    graph = rules()
    assert target in graph, f"make's database has no rule for {target}"
    missing = NEEDS[target] - closure(graph, target)
    assert not missing, f"`make {target}` does not depend on {sorted(missing)}"


def test_every_readme_target_exists_and_engine_targets_bring_the_engine_up() -> None:
    """Each target a README command names is a real rule; those that build or run containers reach
    engine/up through their prerequisites (`test` runs the tiers, each of which does)."""
    graph = rules()
    for target in readme_make_targets():
        assert target in graph, f"README names `make {target}` but the Makefile has no such target"
    integration = graph["test/integration"]
    assert integration, "test/integration has no tiers"
    for tier in integration:
        deps = closure(graph, tier)
        uses_engine = {"bases", "frontend/build", "demo/bases"} & deps
        if uses_engine:
            assert "engine/up" in deps, f"{tier} needs {sorted(uses_engine)} but not engine/up"


SWITCHES = [
    ("INSTA_UPDATE", "always"),
    ("INSTA_FORCE_PASS", "1"),
    ("SUPPLY_CHAIN_REPRO", "off"),
    ("E2E_BASE_URL", "http://127.0.0.1:9"),
]


@pytest.mark.parametrize(("name", "value"), SWITCHES)
def test_ci_refuses_a_switch_that_makes_tests_no_ops(name: str, value: str) -> None:
    """With CI set, any make invocation stops with a message naming the switch; without CI the
    same switch is accepted (developers use them locally)."""
    refused = make("-n", "test/unit", env={"CI": "true", name: value})
    assert refused.returncode != 0, refused.stdout
    assert f"CI is set but {name}={value}" in refused.stderr, refused.stderr
    assert make("-n", "help", env={name: value}).returncode == 0


def test_ci_accepts_the_harmless_values() -> None:
    """The values that keep tests meaningful stay allowed in CI."""
    for name, value in [("INSTA_UPDATE", "no"), ("INSTA_FORCE_PASS", "0"), ("SUPPLY_CHAIN_REPRO", "cold"),
                        ("SUPPLY_CHAIN_REPRO", "no-cache")]:
        ok = make("-n", "help", env={"CI": "true", name: value})
        assert ok.returncode == 0, f"{name}={value}: {ok.stderr}"
