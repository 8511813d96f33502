"""Decisions as text (stdout), Markdown (the job summary) and JSON (tests, artifacts)."""
from __future__ import annotations

import json
from collections import Counter

from .policy import Decision, Finding, Plan


def _tags(d: Decision) -> str:
    return ",".join(d.version.tags) or "-"


def _parent(d: Decision) -> str:
    return d.parent.split(":", 1)[-1][:12] if d.parent else ""


def counts(plan: Plan) -> str:
    c = Counter((d.action, d.rule) for d in plan.decisions)
    return ", ".join(f"{a} {r} {n}" for (a, r), n in sorted(c.items()))


def text(repository: str, plan: Plan, dry_run: bool, results: dict[str, str] | None = None) -> str:
    results = results or {}
    head = (f"{repository}: {len(plan.decisions)} versions, keep {len(plan.kept)}, "
            f"{'would delete' if dry_run else 'delete'} {len(plan.deleted)} "
            f"(keep-dev-versions={plan.keep_n}{', dry run: nothing deleted' if dry_run else ''})")
    lines = [head]
    w = max([len(_tags(d)) for d in plan.decisions] + [4])
    for d in plan.decisions:
        res = results.get(d.version.key, "")
        lines.append(f"  {d.action.upper():6} {d.version.digest[:19]}  {_tags(d):{w}}  {d.rule:14} {d.reason}"
                     + (f"  [parent {_parent(d)}]" if d.parent else "") + (f"  -> {res}" if res else ""))
    lines.append(f"  totals: {counts(plan)}")
    return "\n".join(lines)


def markdown(repository: str, plan: Plan, dry_run: bool, results: dict[str, str] | None = None) -> str:
    results = results or {}
    out = [f"### Retention: `{repository}`", "",
           f"keep-dev-versions = {plan.keep_n}; {len(plan.kept)} kept, {len(plan.deleted)} "
           + ("to delete (**dry run: nothing deleted**)" if dry_run else "deleted"), "",
           "| Action | Digest | Tags | Rule | Why | Parent |", "|---|---|---|---|---|---|"]
    for d in plan.decisions:
        res = results.get(d.version.key, "")
        out.append(f"| {d.action}{' (' + res + ')' if res else ''} | `{d.version.digest[:19]}` | "
                   f"{_tags(d).replace(',', ', ')} | {d.rule} | {d.reason} | "
                   f"{('`' + _parent(d) + '`') if d.parent else ''} |")
    return "\n".join(out) + "\n\n"


def as_json(repository: str, plan: Plan, dry_run: bool, results: dict[str, str] | None = None) -> dict:
    results = results or {}
    return {
        "repository": repository, "keep": plan.keep_n, "dry_run": dry_run,
        "now": plan.now.isoformat(),
        "decisions": [{
            "digest": d.version.digest, "id": d.version.key, "tags": list(d.version.tags),
            "created": d.version.created.isoformat() if d.version.created else None,
            "action": d.action, "rule": d.rule, "reason": d.reason, "parent": d.parent,
            "result": results.get(d.version.key, ""),
        } for d in plan.decisions],
    }


def findings_text(repository: str, findings: list[Finding]) -> str:
    if not findings:
        return f"{repository}: valid (no broken index, no ghost image, no orphaned referrer)"
    lines = [f"{repository}: {len(findings)} problem(s)"]
    for f in findings:
        lines.append(f"  {f.kind:17} {f.digest[:19]}  {','.join(f.tags) or '-'}  {f.message}"
                     + (f"; missing: {', '.join(m[:19] for m in f.missing)}" if f.missing else ""))
    return "\n".join(lines)


def findings_markdown(repository: str, findings: list[Finding]) -> str:
    out = [f"### Validate: `{repository}`", ""]
    if not findings:
        return "\n".join(out + ["No broken index, ghost image or orphaned referrer.", "", ""])
    out += ["| Problem | Digest | Tags | Detail |", "|---|---|---|---|"]
    for f in findings:
        out.append(f"| {f.kind} | `{f.digest[:19]}` | {', '.join(f.tags)} | {f.message} |")
    return "\n".join(out) + "\n\n"


def dump(path: str, doc: dict) -> None:
    with open(path, "w") as fh:
        json.dump(doc, fh, indent=2, sort_keys=True)
        fh.write("\n")
