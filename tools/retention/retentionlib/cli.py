"""Command line: `retention run|validate REPOSITORY…` (docs/retention.md)."""
from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import datetime, timedelta, timezone

from . import report
from .ghcr import GhcrError, GhcrPackages
from .http import HttpError, RegistryAuth
from .oci import OciRegistry, RegistryError, parse_time
from .policy import PolicyError, decide, validate

USAGE = """retention run REPOSITORY... [--dry-run] [--keep N] [--grace 1h]
retention validate REPOSITORY...

REPOSITORY is <registry>/<path>, e.g. 127.0.0.1:5000/patient-risk/dev-guide-docs or
ghcr.io/tirosh-chain/guide/dev-guide-docs. ghcr.io goes through the GitHub Packages API
(GITHUB_TOKEN, GITHUB_ACTOR); any other registry through the OCI distribution API
(REGISTRY_USERNAME / REGISTRY_PASSWORD when it wants credentials)."""


def duration(value: str) -> timedelta:
    m = re.fullmatch(r"(\d+)([smhd])", value.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"{value!r}: use a number with s, m, h or d (e.g. 1h)")
    n, unit = int(m.group(1)), m.group(2)
    unit_name = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[unit]
    return timedelta(**{unit_name: n})


def nonneg(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r}: keep-dev-versions must be a whole number >= 0")
    return int(value)


def backend_for(repo: str, a):
    kind = a.backend
    if kind == "auto":
        kind = "ghcr" if repo.split("/", 1)[0] == "ghcr.io" else "oci"
    if kind == "ghcr":
        return GhcrPackages(repo, os.environ.get("GITHUB_TOKEN", ""), owner_type=a.owner_type,
                            api=a.api_url, registry_url=a.registry_url,
                            username=os.environ.get("GITHUB_ACTOR", ""))
    auth = RegistryAuth(os.environ.get("REGISTRY_USERNAME", ""), os.environ.get("REGISTRY_PASSWORD", ""))
    return OciRegistry(repo, auth)


def append(path: str, text: str) -> None:
    if path:
        with open(path, "a") as fh:
            fh.write(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="retention", usage=USAGE)
    ap.add_argument("command", choices=["run", "validate"])
    ap.add_argument("repositories", nargs="+", metavar="REPOSITORY")
    ap.add_argument("--dry-run", action="store_true", help="print every decision, delete nothing")
    ap.add_argument("--keep", type=nonneg, default=10, help="keep-dev-versions: newest non-release versions kept")
    ap.add_argument("--grace", type=duration, default=timedelta(hours=1),
                    help="untagged versions younger than this are kept (a push may be under way)")
    ap.add_argument("--backend", choices=["auto", "oci", "ghcr"], default="auto")
    ap.add_argument("--owner-type", choices=["auto", "org", "user"], default="auto", help="GHCR package owner")
    ap.add_argument("--api-url", default=os.environ.get("GITHUB_API_URL", "https://api.github.com"))
    ap.add_argument("--registry-url", default="", help="GHCR registry endpoint (default https://ghcr.io)")
    ap.add_argument("--summary", default="", help="append Markdown here (the workflow passes $GITHUB_STEP_SUMMARY)")
    ap.add_argument("--json", default="", help="write the decisions of the (last) repository as JSON here")
    ap.add_argument("--now", default="", help="evaluate as of this RFC 3339 time (default: the clock)")
    a = ap.parse_args(argv)
    now = parse_time(a.now) if a.now else datetime.now(timezone.utc)
    if now is None:
        ap.error(f"--now {a.now!r} is not an RFC 3339 time")
    status = 0
    for repo in a.repositories:
        try:
            be = backend_for(repo, a)
            versions = be.versions()
            if a.command == "validate":
                found = validate(versions)
                print(report.findings_text(repo, found))
                append(a.summary, report.findings_markdown(repo, found))
                status = max(status, 1 if found else 0)
                continue
            plan = decide(versions, now, keep=a.keep, grace=a.grace)
            results: dict[str, str] = {}
            failure = None
            if not a.dry_run:
                for d in plan.deletion_order():
                    target = d.version if isinstance(be, GhcrPackages) else d.version.digest
                    try:
                        results[d.version.key] = be.delete(target)
                    except (RegistryError, GhcrError, HttpError) as e:
                        results[d.version.key] = "FAILED"
                        failure = e
                        break
            print(report.text(repo, plan, a.dry_run, results))
            append(a.summary, report.markdown(repo, plan, a.dry_run, results))
            if a.json:
                report.dump(a.json, report.as_json(repo, plan, a.dry_run, results))
            if failure:
                raise failure
        except (RegistryError, GhcrError, HttpError, PolicyError) as e:
            print(f"retention: {repo}: {e}", file=sys.stderr)
            append(a.summary, f"### Retention: `{repo}`\n\n**failed**: {e}\n\n")
            status = 2
    return status


if __name__ == "__main__":
    sys.exit(main())
