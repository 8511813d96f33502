"""Tag computation (tools/release/tags) on a scratch git repository: releases at a tag or from
IMAGE_TAG, dev tags with the commit count since the last release, dirty trees, bad input."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import REPO_ROOT, releaselib


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True)


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "t@example.org")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / "f").write_text("1\n")
    git(tmp_path, "add", "f")
    git(tmp_path, "commit", "-q", "-m", "one", "--date", "2026-01-01T00:00:00Z")
    return tmp_path


def commit(repo, text):
    (repo / "f").write_text(text)
    git(repo, "commit", "-q", "-am", text)


def head(repo):
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()


def test_dev_tags_without_any_release(repo):
    commit(repo, "2")
    t = releaselib.compute_tags(None, repo=repo)
    sha = head(repo)[:12]
    assert t.kind == "dev"
    assert t.tags == [f"dev-2-g{sha}", f"sha-{sha}", "dev"], "count = all commits without a release tag"
    assert t.version == t.tags[0] and t.revision == head(repo) and not t.dirty


def test_head_at_a_release_tag_and_commits_after_it(repo):
    git(repo, "tag", "v1.2.3")
    t = releaselib.compute_tags(None, repo=repo)
    assert (t.kind, t.version, t.tags) == ("release", "1.2.3", ["v1.2.3", "latest"])
    git(repo, "tag", "v1.3.0-rc.1")
    assert releaselib.compute_tags(None, repo=repo).tags == ["v1.3.0-rc.1"], "the highest version wins"
    git(repo, "tag", "v1.3.0")
    assert releaselib.compute_tags(None, repo=repo).tags == ["v1.3.0", "latest"], "a release beats its rc"
    commit(repo, "2")
    commit(repo, "3")
    t = releaselib.compute_tags(None, repo=repo)
    assert t.tags[0] == f"dev-2-g{head(repo)[:12]}", "count since the last release tag"


def test_image_tag_forces_a_release(repo):
    commit(repo, "2")
    assert releaselib.compute_tags("0.1.0", repo=repo).tags == ["v0.1.0", "latest"]
    assert releaselib.compute_tags("v2.0.0", repo=repo).version == "2.0.0"
    rc = releaselib.compute_tags("2.1.0-rc.2", repo=repo)
    assert rc.tags == ["v2.1.0-rc.2"], "no `latest` for a pre-release"
    for bad in ["latest", "1.2", "v01.2.3", "1.2.3.4", "dev", "1.2.3 x"]:
        with pytest.raises(releaselib.ReleaseError, match="not a release version"):
            releaselib.compute_tags(bad, repo=repo)


def test_dirty_tree_is_marked_and_never_a_release(repo):
    git(repo, "tag", "v1.0.0")
    (repo / "f").write_text("changed\n")
    t = releaselib.compute_tags(None, repo=repo)
    sha = head(repo)[:12]
    assert t.dirty and t.kind == "dev"
    assert t.tags == [f"dev-0-g{sha}-dirty", f"sha-{sha}-dirty", "dev"]
    (repo / "untracked").write_text("x")
    (repo / "f").write_text("1\n")
    assert not releaselib.compute_tags(None, repo=repo).dirty, "untracked files do not make a build dirty"


def test_every_tag_is_a_valid_oci_tag(repo):
    for t in [releaselib.compute_tags(None, repo=repo), releaselib.compute_tags("3.4.5-beta.1", repo=repo)]:
        assert all(releaselib.TAG_RE.match(tag) for tag in t.tags), t.tags


def test_the_cli_speaks_for_this_checkout():
    out = subprocess.run(
        [str(REPO_ROOT / "tools/release/tags"), "--image-tag", "0.1.0", "--refs", "--registry", "127.0.0.1:5000/"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    contract = releaselib.load_contract()
    assert len(out) == 2 * len(contract.repositories)
    assert "127.0.0.1:5000/patient-risk-web:v0.1.0" in out and "127.0.0.1:5000/patient-risk-web:latest" in out
    js = json.loads(subprocess.run([str(REPO_ROOT / "tools/release/tags"), "--json"], capture_output=True, text=True, check=True).stdout)
    assert js["revision"] and js["source_date_epoch"] > 0
    bad = subprocess.run([str(REPO_ROOT / "tools/release/tags"), "--image-tag", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "IMAGE_TAG='nope' is not a release version" in bad.stderr
