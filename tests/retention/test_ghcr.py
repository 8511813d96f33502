"""The GHCR backend against a stand-in on 127.0.0.1 whose requests and responses are checked
against GitHub's published OpenAPI description of the package-version endpoints
(openapi/github-packages-versions.json, extracted from github/rest-api-description).

Proves: the extract is a valid OpenAPI 3.0 document and the validator rejects a wrong body;
listing follows Link-header pagination (org and user routes, owner kind found automatically);
`run` deletes what the policy says, index first, never a child of a kept index, and a second
run deletes nothing; the dry run deletes nothing and names rule and parent; a 403 without
package admin rights stops with the package-admin explanation of the guide's section 8-2; a
version deleted in the meantime (404) is reported as gone and the run goes on; a rate limit
stops with the reset time.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from openapi_spec_validator import validate as validate_spec

from ghcr_standin import SPEC, SPEC_PATH, Standin, check_response, operation
from histories import Repo
from retentionlib.ghcr import GhcrPackages
from retentionlib.policy import validate

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOL = REPO_ROOT / "tools" / "retention" / "retention"
OWNER, PACKAGE = "tirosh-chain", "guide/dev-guide-docs"
IMAGE = f"ghcr.io/{OWNER}/{PACKAGE}"
TOKEN = "ghp_standin"


def history(dev: int = 15) -> Repo:
    repo = Repo()
    for i in range(1, dev + 1):
        repo.dev_push()
        if i == 5:
            repo.release_push("0.1.0")
        if i == 12:
            repo.release_push("0.2.0")
    return repo


def publish(standin: Standin, repo: Repo, kind: str = "org", owner: str = OWNER):
    tags_of: dict[str, list[str]] = {}
    for t, d in repo.tags.items():
        tags_of.setdefault(d, []).append(t)
    versions = [Standin.version(1000 + i, d, sorted(tags_of.get(d, [])), repo.created[d], owner, PACKAGE, kind)
                for i, d in enumerate(sorted(repo.docs, key=lambda d: (repo.created[d], d)))]
    return standin.add(kind, owner, PACKAGE, versions, dict(repo.docs))


def run_tool(standin: Standin, *args: str, token: str = TOKEN) -> subprocess.CompletedProcess:
    env = {"GITHUB_TOKEN": token, "GITHUB_ACTOR": "retention-bot", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, str(TOOL), *args, IMAGE, "--api-url", standin.url, "--registry-url", standin.url],
        capture_output=True, text=True, env=env, timeout=120)


def test_extract_is_valid_openapi_and_the_validator_bites():
    """The kept part of GitHub's description is a valid OpenAPI 3.0 document, with its source
    noted; a body that breaks the package-version schema is rejected."""
    validate_spec(SPEC)
    assert "github/rest-api-description" in SPEC["info"]["description"]
    ops = {op["operationId"] for item in SPEC["paths"].values() for op in item.values()}
    assert {"packages/get-all-package-versions-for-package-owned-by-org",
            "packages/get-all-package-versions-for-package-owned-by-user",
            "packages/delete-package-version-for-org", "packages/delete-package-version-for-user"} <= ops
    op, params = operation("GET", "/orgs/o/packages/container/guide%2Fapp/versions")
    assert params["package_name"] == "guide/app"
    good = [{"id": 1, "name": "sha256:" + "a" * 64, "url": "u", "package_html_url": "h",
             "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
             "metadata": {"package_type": "container", "container": {"tags": []}}}]
    assert check_response(op, 200, good) == []
    bad = [dict(good[0], id="1")]
    assert check_response(op, 200, bad)
    assert check_response(op, 200, [{"id": 1}])  # required fields missing
    assert check_response(op, 418, None)  # undeclared status


def test_pagination_org_and_user_routes():
    """More versions than one page: every version is listed once, on the org route and (found
    automatically after the org route's 404) on the user route, each page valid."""
    repo = history(dev=70)  # 72 images x 5 versions = 360 versions: 4 pages of 100
    with Standin(TOKEN) as s:
        publish(s, repo, "org")
        publish(s, repo, "user", owner="someone")
        org = GhcrPackages(IMAGE, TOKEN, api=s.url, registry_url=s.url)
        got = org.list_versions()
        assert org.owner_type == "org"
        assert len(got) == len(repo.docs) == 360
        assert len({v["id"] for v in got}) == 360
        pages = [p for m, p, st in s.requests if m == "GET" and "/versions?" in p]
        assert len(pages) == 4 and all("per_page=100" in p for p in pages)

        user = GhcrPackages(f"ghcr.io/someone/{PACKAGE}", TOKEN, api=s.url, registry_url=s.url)
        assert len(user.list_versions()) == 360 and user.owner_type == "user"
        assert any(st == 404 and p.startswith("/orgs/someone/") for m, p, st in s.requests)
        assert s.violations == []


def test_run_keeps_multiplatform_images_whole():
    """N=10 over 15 dev and 2 release pushes: the 5 oldest dev images go, each with its 4
    children; every kept index still has all its children; a second run deletes nothing."""
    repo = history()
    with Standin(TOKEN) as s:
        pkg = publish(s, repo)
        before = {v["name"]: v for v in pkg.versions}
        p = run_tool(s, "run", "--keep", "10", "--json", "/dev/stdout")
        assert p.returncode == 0, p.stderr
        deleted = {v for v in before if v not in {x["name"] for x in pkg.versions}}
        assert len(deleted) == 25 and len(s.deleted) == 25
        left = GhcrPackages(IMAGE, TOKEN, api=s.url, registry_url=s.url).versions()
        assert validate(left) == []
        left_tags = {t for v in left for t in v.tags}
        assert {"v0.1.0", "v0.2.0", "latest", "dev"} <= left_tags
        assert sorted(t for t in left_tags if t.startswith("dev-")) == sorted(
            t for t in repo.tags if t.startswith("dev-") and int(t.split("-")[1]) >= 6)
        # Index before its children: each deleted index's DELETE precedes its children's.
        order = [int(path.rsplit("/", 1)[1]) for m, path, st in s.requests if m == "DELETE"]
        id_of = {v["name"]: v["id"] for v in before.values()}
        for d in deleted:
            doc = repo.docs[d]
            for c in doc.get("manifests", []):
                assert order.index(id_of[d]) < order.index(id_of[c["digest"]])
        again = run_tool(s, "run", "--keep", "10")
        assert again.returncode == 0 and len(s.deleted) == 25, again.stdout
        assert s.violations == []


def test_dry_run_deletes_nothing_and_explains():
    repo = history()
    with Standin(TOKEN) as s:
        pkg = publish(s, repo)
        n = len(pkg.versions)
        p = run_tool(s, "run", "--dry-run")
        assert p.returncode == 0, p.stderr
        assert len(pkg.versions) == n and s.deleted == []
        lines = p.stdout.splitlines()
        assert "would delete 25" in lines[0] and "dry run: nothing deleted" in lines[0]
        assert sum(1 for line in lines if line.strip().startswith(("KEEP", "DELETE"))) == n
        assert any("DELETE" in line and "child" in line and "[parent " in line for line in lines)
        assert any("KEEP" in line and "attestation manifest unknown/unknown" in line for line in lines)
        assert s.violations == []


def test_403_without_package_admin():
    repo = history()
    with Standin(TOKEN, admin=False) as s:
        pkg = publish(s, repo)
        n = len(pkg.versions)
        p = run_tool(s, "run")
        assert p.returncode == 2
        assert "403" in p.stderr and "Admin" in p.stderr and "Manage Actions access" in p.stderr
        assert "8-2" in p.stderr
        assert len(pkg.versions) == n
        assert sum(1 for m, _, st in s.requests if m == "DELETE") == 1  # stops at the first refusal
        assert s.violations == []


def test_404_for_a_version_deleted_in_the_meantime():
    repo = history()
    with Standin(TOKEN) as s:
        pkg = publish(s, repo)
        oldest_index = min((d for d in repo.docs if "manifests" in repo.docs[d]), key=lambda d: repo.created[d])
        s.vanish = {next(v["id"] for v in pkg.versions if v["name"] == oldest_index)}
        p = run_tool(s, "run", "--json", "/dev/stdout")
        assert p.returncode == 0, p.stderr
        assert any(st == 404 for m, _, st in s.requests if m == "DELETE")
        assert "-> gone" in p.stdout
        assert len(s.deleted) == 24  # the other 24 went as planned
        assert s.violations == []


def test_rate_limit_is_explained():
    repo = history()
    with Standin(TOKEN) as s:
        publish(s, repo)
        s.rate_limit_after = 0
        p = run_tool(s, "validate")
        assert p.returncode == 2
        assert "rate limit" in p.stderr and "2026-01-01T00:00:00Z" in p.stderr
        assert s.violations == []


def test_missing_package_and_missing_token():
    with Standin(TOKEN) as s:
        p = run_tool(s, "run")
        assert p.returncode == 2 and "not found under /orgs/tirosh-chain and /users/tirosh-chain" in p.stderr
        p = run_tool(s, "run", token="")
        assert p.returncode == 2 and "GITHUB_TOKEN" in p.stderr


def test_summary_markdown_has_every_decision(tmp_path):
    """What the workflow writes to $GITHUB_STEP_SUMMARY: one table row per version, with rule
    and parent, and the dry-run notice."""
    repo = history()
    summary = tmp_path / "summary.md"
    with Standin(TOKEN) as s:
        pkg = publish(s, repo)
        p = run_tool(s, "run", "--dry-run", "--summary", str(summary))
        assert p.returncode == 0, p.stderr
        text = summary.read_text()
        rows = [line for line in text.splitlines() if line.startswith(("| keep", "| delete"))]
        assert len(rows) == len(pkg.versions) == 85
        assert "dry run: nothing deleted" in text
        assert sum(1 for r in rows if r.startswith("| delete") and "| child |" in r and r.rstrip().endswith("` |")) == 20


def test_bad_arguments_are_refused(tmp_path):
    """Bad input: a clear error naming the option and the fix, nothing contacted."""
    for args, msg in ((["--keep", "-1"], "whole number"), (["--grace", "soon"], "use a number with s, m, h or d"),
                      (["--now", "yesterday"], "RFC 3339")):
        p = subprocess.run([sys.executable, str(TOOL), "run", IMAGE, *args], capture_output=True, text=True)
        assert p.returncode == 2 and msg in p.stderr, (args, p.stderr)
    p = subprocess.run([sys.executable, str(TOOL), "run", "dev-guide-docs", "--dry-run"], capture_output=True, text=True)
    assert p.returncode == 2 and "is not <registry host>/<repository>" in p.stderr
