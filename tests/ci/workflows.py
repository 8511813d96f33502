"""Reads .github/workflows/*.yml and .github/actions/*/action.yml for the contract tests, and
evaluates job `if:` expressions against the events a runner can deliver.

The expression evaluator covers the GitHub Actions expression syntax the workflows use
(literals, contexts, ==, !=, !, &&, ||, parentheses, startsWith/endsWith/contains, status
functions) and refuses anything else, so an `if:` it cannot read fails the test instead of
being guessed."""
from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import yaml

REPO_ROOT = Path(os.environ.get("REPO_ROOT") or Path(__file__).resolve().parents[2])
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
ACTIONS = REPO_ROOT / ".github" / "actions"
SECRETS_ACTION = "./.github/actions/registry-secrets"
CLEANUP_ACTION = "./.github/actions/registry-secrets-cleanup"


@dataclasses.dataclass(frozen=True)
class Event:
    """One delivery a runner can make: the contexts a job's `if:` sees."""

    key: str
    name: str
    ref: str
    inputs: tuple[tuple[str, str], ...] = ()

    @property
    def is_pr(self) -> bool:
        return self.name.startswith("pull_request")


EVENTS = (
    Event("pull_request", "pull_request", "refs/pull/7/merge"),
    Event("push main", "push", "refs/heads/main"),
    Event("push tag", "push", "refs/tags/v1.2.3"),
    Event("dispatch dev", "workflow_dispatch", "refs/heads/main", (("publish", "dev"), ("version", ""))),
    Event("dispatch release", "workflow_dispatch", "refs/heads/main", (("publish", "release"), ("version", "v1.2.3"))),
    Event("schedule", "schedule", "refs/heads/main"),
    Event("dispatch", "workflow_dispatch", "refs/heads/main", (("dry-run", "true"),)),
)


def load_yaml(path: Path) -> dict:
    # PyYAML reads `on:` as the boolean True (YAML 1.1); GitHub reads it as the key "on".
    data = yaml.load(path.read_text(), Loader=yaml.BaseLoader)
    assert isinstance(data, dict), f"{path}: not a YAML mapping"
    return data


def workflow_files() -> list[Path]:
    return sorted(p for p in WORKFLOWS.glob("*.y*ml"))


def action_files() -> list[Path]:
    return sorted(ACTIONS.glob("*/action.y*ml"))


def triggers(wf: dict) -> dict:
    on = wf.get("on")
    if isinstance(on, str):
        return {on: {}}
    if isinstance(on, list):
        return {k: {} for k in on}
    return {k: (v or {}) for k, v in on.items()}


def _glob(pattern: str, value: str) -> bool:
    rx = re.escape(pattern).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    return re.fullmatch(rx, value) is not None


def triggered(wf: dict, ev: Event) -> bool:
    """Whether the workflow's `on:` delivers this event (branch and tag filters applied)."""
    on = triggers(wf)
    if ev.name not in on:
        return False
    if ev.name != "push":
        if ev.name == "workflow_dispatch":
            declared = set((on["workflow_dispatch"] or {}).get("inputs", {}) or {})
            return {k for k, _ in ev.inputs} <= declared
        return True
    spec = on["push"] or {}
    if ev.ref.startswith("refs/heads/"):
        name = ev.ref[len("refs/heads/"):]
        if "branches" in spec:
            return any(_glob(p, name) for p in spec["branches"])
        return "tags" not in spec
    name = ev.ref[len("refs/tags/"):]
    if "tags" in spec:
        return any(_glob(p, name) for p in spec["tags"])
    return "branches" not in spec


TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+)|(?P<op>==|!=|&&|\|\||!|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.-]*))"
)


def evaluate(expr: str, ev: Event, where: str) -> bool:
    expr = expr.strip()
    if expr.startswith("${{") and expr.endswith("}}"):
        expr = expr[3:-2]
    toks = []
    pos = 0
    while pos < len(expr.rstrip()):
        m = TOKEN.match(expr, pos)
        assert m and m.end() > pos, f"{where}: cannot read `if: {expr}` at {expr[pos:]!r}"
        toks.append(m)
        pos = m.end()
    ctx = {"github.event_name": ev.name, "github.ref": ev.ref, **{f"inputs.{k}": v for k, v in ev.inputs},
           **{f"github.event.inputs.{k}": v for k, v in ev.inputs}}
    out = []
    for i, t in enumerate(toks):
        if t.group("str"):
            out.append(repr(t.group("str")[1:-1].replace("''", "'")))
        elif t.group("num"):
            out.append(t.group("num"))
        elif t.group("op"):
            out.append({"&&": " and ", "||": " or ", "!": " not "}.get(t.group("op"), t.group("op")))
        else:
            name = t.group("name")
            nxt = toks[i + 1].group("op") if i + 1 < len(toks) else None
            if nxt == "(":
                fn = {"startsWith": "_sw", "endsWith": "_ew", "contains": "_ct", "always": "_true",
                      "success": "_true", "failure": "_false", "cancelled": "_false"}.get(name)
                assert fn, f"{where}: function {name}() in `if:` is not understood by the contract test"
                out.append(fn)
            elif name in ("true", "false", "null"):
                out.append({"true": "True", "false": "False", "null": "None"}[name])
            else:
                assert name.startswith(("github.", "inputs.", "vars.", "needs.")), f"{where}: context {name} in `if:`"
                out.append(repr(ctx.get(name, "")))
    ns = {"_sw": lambda a, b: str(a).lower().startswith(str(b).lower()),
          "_ew": lambda a, b: str(a).lower().endswith(str(b).lower()),
          "_ct": lambda a, b: str(b).lower() in str(a).lower(),
          "_true": lambda: True, "_false": lambda: False}
    return bool(eval("".join(out), {"__builtins__": {}}, ns))  # noqa: S307 - tokens checked above


def needs_of(job: dict) -> list[str]:
    n = job.get("needs", [])
    return [n] if isinstance(n, str) else list(n)


def reaching(wf: dict, path: Path) -> dict[str, set[str]]:
    """job id -> keys of the events that run it (trigger, `if:`, and every job it needs)."""
    jobs = wf["jobs"]
    out: dict[str, set[str]] = {}

    def visit(jid: str) -> set[str]:
        if jid not in out:
            job = jobs[jid]
            evs = {e.key for e in EVENTS if triggered(wf, e)}
            if "if" in job:
                evs = {k for k in evs if evaluate(job["if"], next(e for e in EVENTS if e.key == k), f"{path.name}: jobs.{jid}.if")}
            for n in needs_of(job):
                evs &= visit(n)
            out[jid] = evs
        return out[jid]

    for jid in jobs:
        visit(jid)
    return out


def permissions(wf: dict, job: dict) -> dict[str, str]:
    """A job's effective token permissions: its own block, else the workflow's."""
    p = job.get("permissions", wf.get("permissions"))
    assert p is not None, "no permissions block on the job nor the workflow (the default token may write)"
    if isinstance(p, str):
        return {"*": p}
    return dict(p)


def secret_refs(node, path: str = "") -> list[tuple[str, str]]:
    """(yaml path, text) of every `secrets.` reference under node."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out += secret_refs(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += secret_refs(v, f"{path}[{i}]")
    elif isinstance(node, str) and re.search(r"\bsecrets\s*[.[]", node):
        out.append((path, node))
    return out


def make_targets() -> set[str]:
    targets = set()
    for mk in [REPO_ROOT / "Makefile", *sorted((REPO_ROOT / "mk").glob("*.mk"))]:
        for line in mk.read_text().splitlines():
            m = re.match(r"^([a-zA-Z0-9_/%.-]+)\s*:(?!=)", line)
            if m:
                targets.add(m.group(1))
    return targets


RUN_MAKE = re.compile(r"^(?:sudo -E )?make (?P<target>[a-zA-Z0-9_/.-]+)(?: [A-Z_]+=\S+)*$")
