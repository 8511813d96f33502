"""Retention against a real registry (integration tier, marker `engine`).

The test starts its own docker-registry (Debian's, as the engine uses) on 127.0.0.1:5014 with
deletes enabled and storage under $STATE_DIR/retention-registry, and stops it at the end: the
shared 127.0.0.1:5000 registry is never touched.

It pushes 17 real builds of the dev-guide-docs app through the repo's frontend (docker-bake.hcl,
linux/amd64 + linux/arm64, provenance mode=max + the frontend's SBOM): 15 dev pushes tagged
dev-<n>-g<sha> / sha-<sha> (`dev` on the last) and releases v0.1.0 and v0.2.0 (`latest` on the
second), made distinct by their REVISION / VERSION build args (labels only: every build step is
shared, so a warm run is all cache hits) and ordered by an `org.opencontainers.image.created`
index annotation one hour apart. Then `retention run` with N=10 must:
  - delete exactly the 5 oldest dev images, each with its 2 platform and 2 attestation manifests;
  - leave every kept tag pullable on both platforms, with SBOM and provenance still shown by
    `docker buildx imagetools inspect`, and no broken index (validate);
  - make every deleted digest answer 404;
  - let `docker-registry garbage-collect` free the blobs only the deleted images used, while
    every blob of a kept image survives (and the kept images still pull after the collection);
  - delete nothing on a second run.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from retentionlib.oci import OciRegistry

pytestmark = pytest.mark.engine

REPO_ROOT = Path(os.environ.get("REPO_ROOT") or Path(__file__).resolve().parents[2])
STATE_DIR = Path(os.environ.get("STATE_DIR", "/var/lib/patient-risk"))
ADDR = os.environ.get("RETENTION_TEST_REGISTRY", "127.0.0.1:5014")
HOME = Path(os.environ.get("RETENTION_TEST_STATE", str(STATE_DIR / "retention-registry")))
REPO = f"{ADDR}/retention-test/dev-guide-docs"
TOOL = REPO_ROOT / "tools" / "retention" / "retention"
HOST_CA = os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
PLATFORMS = ("linux/amd64", "linux/arm64")
KEEP = 10

CONFIG = """version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {data}
  delete:
    enabled: true
http:
  addr: {addr}
"""


def sh(*cmd: str, timeout: int = 900, check: bool = True, **kw) -> subprocess.CompletedProcess:
    p = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


def answers() -> bool:
    try:
        with urllib.request.urlopen(f"http://{ADDR}/v2/", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


class Registry:
    """Our own docker-registry process (started and stopped by its pid)."""

    def __init__(self):
        self.data = HOME / "data"
        self.config = HOME / "registry.yml"
        self.log = HOME / "registry.log"
        self.pidfile = HOME / "registry.pid"
        self.proc: subprocess.Popen | None = None

    def stop_leftover(self):
        """A registry a killed earlier run of this test left behind (ours by pidfile and config)."""
        try:
            pid = int(self.pidfile.read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return
        if cmdline[:3] == [b"docker-registry", b"serve", str(self.config).encode()]:
            os.kill(pid, 15)
            for _ in range(100):
                if not Path(f"/proc/{pid}").exists():
                    break
                time.sleep(0.1)

    def start(self):
        assert shutil.which("docker-registry"), "docker-registry not installed: run make engine/up"
        self.stop_leftover()
        assert not answers(), f"something already answers on {ADDR}; set RETENTION_TEST_REGISTRY to a free port"
        self.config.write_text(CONFIG.format(data=self.data, addr=ADDR))
        self.proc = subprocess.Popen(["docker-registry", "serve", str(self.config)],
                                     stdout=open(self.log, "a"), stderr=subprocess.STDOUT, start_new_session=True)
        self.pidfile.write_text(str(self.proc.pid))
        for _ in range(100):
            if answers():
                return
            assert self.proc.poll() is None, f"docker-registry exited; see {self.log}"
            time.sleep(0.1)
        raise AssertionError(f"registry on {ADDR} did not answer in 10 s; see {self.log}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def garbage_collect(self) -> str:
        return sh("docker-registry", "garbage-collect", str(self.config)).stdout

    def blob_exists(self, digest: str) -> bool:
        hexd = digest.split(":", 1)[1]
        return (self.data / "docker" / "registry" / "v2" / "blobs" / "sha256" / hexd[:2] / hexd / "data").exists()


def builds():
    """(target, tags, build args, created, dev number or 0) of the 17 pushes, oldest first."""
    out = []
    hour = 0

    def add(name, tags, version, revision, n=0):
        nonlocal hour
        hour += 1
        out.append((name, tags, {"VERSION": version, "REVISION": revision}, T0 + timedelta(hours=hour), n))

    for n in range(1, 16):
        rev = hashlib.sha1(f"retention-test dev {n}".encode()).hexdigest()
        tags = [f"dev-{n}-g{rev[:12]}", f"sha-{rev[:12]}"] + (["dev"] if n == 15 else [])
        add(f"rt-dev-{n:02}", tags, f"dev-{n}-g{rev[:12]}", rev, n)
        if n == 5:
            add("rt-v0-1-0", ["v0.1.0"], "0.1.0", hashlib.sha1(b"retention-test v0.1.0").hexdigest())
        if n == 12:
            add("rt-v0-2-0", ["v0.2.0", "latest"], "0.2.0", hashlib.sha1(b"retention-test v0.2.0").hexdigest())
    return out


def tags_of_builds(deleted: bool) -> list[str]:
    """Tags of the 5 oldest dev builds (deleted=True) or of all the others."""
    return sorted(t for _, tags, _, _, n in builds() for t in tags if (0 < n <= 5) == deleted)


def push_all(tmp: Path):
    targets = {}
    for name, tags, args, created, _ in builds():
        targets[name] = {
            "inherits": ["dev-guide-docs"], "args": args,
            "tags": [f"{REPO}:{t}" for t in tags],
            "annotations": [f"index:org.opencontainers.image.created={created.strftime('%Y-%m-%dT%H:%M:%SZ')}"],
            "output": ["type=registry,oci-mediatypes=true"],
            "attest": ["type=provenance,mode=max", "type=sbom"],
        }
    override = tmp / "retention-bake.json"
    override.write_text(json.dumps({"target": targets, "group": {"retention-test": {"targets": sorted(targets)}}}))
    sh("docker", "buildx", "bake", "-f", "docker-bake.hcl", "-f", str(override), "--progress=plain",
       f"--allow=fs.read={HOST_CA}", "retention-test", cwd=REPO_ROOT, timeout=1800)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    reg = Registry()
    HOME.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(reg.data, ignore_errors=True)  # our own storage: every run starts empty
    reg.start()
    try:
        t = time.monotonic()
        push_all(tmp_path_factory.mktemp("bake"))
        build_s = time.monotonic() - t
        client = OciRegistry(REPO)
        before = {v.digest: v for v in client.versions()}
        docs = {d: client.manifest(d)[2] for d in before}
        report = tmp_path_factory.mktemp("run") / "decisions.json"
        t = time.monotonic()
        run = sh(sys.executable, str(TOOL), "run", REPO, "--keep", str(KEEP), "--json", str(report))
        run_s = time.monotonic() - t
        print(f"\nretention tier: 17 pushes in {build_s:.0f} s, retention run in {run_s:.1f} s\n{run.stdout}")
        yield {"reg": reg, "before": before, "docs": docs, "run": run,
               "decisions": json.loads(report.read_text())["decisions"], "client": client}
    finally:
        reg.stop()


def kept_and_deleted(world):
    kept = {d["digest"] for d in world["decisions"] if d["action"] == "keep"}
    deleted = {d["digest"] for d in world["decisions"] if d["action"] == "delete"}
    return kept, deleted


def test_pushed_history_is_what_the_policy_sees(world):
    """17 indexes, each with 2 platform manifests and 2 attestation manifests (unknown/unknown,
    vnd.docker.reference.digest) = 85 versions; creation times from the index annotation."""
    before = world["before"]
    indexes = [v for v in before.values() if v.children]
    assert len(indexes) == 17 and len(before) == 85
    for v in indexes:
        roles = sorted((c.role, c.platform) for c in v.children)
        assert roles == [("attestation", "unknown/unknown")] * 2 + [("platform", "linux/amd64"), ("platform", "linux/arm64")]
        assert v.created is not None and v.tags


def test_decisions(world):
    """The 5 oldest dev images are deleted with their 20 children; the 2 releases, the newest 10
    dev images (dev among them) and all their children stay."""
    ds = world["decisions"]
    by_rule = {}
    for d in ds:
        by_rule.setdefault((d["action"], d["rule"]), []).append(d)
    deleted_roots = by_rule[("delete", "outside-window")]
    assert sorted(t for d in deleted_roots for t in d["tags"]) == tags_of_builds(deleted=True)
    assert len(by_rule[("delete", "child")]) == 20
    assert {d["parent"] for d in by_rule[("delete", "child")]} == {d["digest"] for d in deleted_roots}
    assert len(by_rule[("keep", "release")]) == 2
    assert len(by_rule[("keep", "window")]) + len(by_rule[("keep", "dev")]) == KEEP
    assert len(by_rule[("keep", "child")]) == 48
    assert all(d["result"] == "deleted" for d in ds if d["action"] == "delete")
    assert "delete 25" in world["run"].stdout.splitlines()[0]


def test_tags_left(world):
    """Exactly the tags of kept versions remain: the trace tags of dev 6..15, dev, releases, latest."""
    assert world["client"].tags() == tags_of_builds(deleted=False)
    assert len(tags_of_builds(deleted=False)) == 24


def test_deleted_digests_answer_404(world):
    _, deleted = kept_and_deleted(world)
    assert len(deleted) == 25
    for d in sorted(deleted):
        assert world["client"].manifest(d) is None, d


def test_kept_tags_pull_on_both_platforms(world):
    """`docker pull --platform` of every kept tag, amd64 and arm64 (images removed afterwards)."""
    tags = world["client"].tags()
    pulled = []
    try:
        for t in tags:
            for p in PLATFORMS:
                sh("docker", "pull", "-q", "--platform", p, f"{REPO}:{t}", timeout=300)
            pulled.append(f"{REPO}:{t}")
    finally:
        if pulled:
            sh("docker", "image", "rm", *pulled, check=False)


def test_kept_images_keep_sbom_and_provenance(world):
    """imagetools inspect still shows an SPDX SBOM and SLSA provenance for both platforms of
    every kept image."""
    kept_roots = [d for d in world["decisions"] if d["action"] == "keep" and d["tags"]]
    assert len(kept_roots) == 12
    for d in kept_roots:
        ref = f"{REPO}@{d['digest']}"
        sbom = json.loads(sh("docker", "buildx", "imagetools", "inspect", ref, "--format", "{{json .SBOM}}").stdout)
        prov = json.loads(sh("docker", "buildx", "imagetools", "inspect", ref, "--format", "{{json .Provenance}}").stdout)
        for p in PLATFORMS:
            assert sbom[p]["SPDX"]["spdxVersion"].startswith("SPDX-"), (ref, p)
            assert prov[p]["SLSA"]["buildType"], (ref, p)


def test_validate_finds_nothing_broken(world):
    p = sh(sys.executable, str(TOOL), "validate", REPO)
    assert "valid" in p.stdout


def test_second_run_deletes_nothing(world):
    p = sh(sys.executable, str(TOOL), "run", REPO, "--keep", str(KEEP))
    assert ", delete 0 " in p.stdout.splitlines()[0], p.stdout


def test_garbage_collection_frees_the_deleted_blobs(world):
    """Offline garbage collection removes the manifest, config and attestation blobs only the
    deleted images used; every blob a kept image needs is still there, and the kept images
    still pull and validate after a restart."""
    reg, docs = world["reg"], world["docs"]
    kept, deleted = kept_and_deleted(world)

    def blobs(digest: str) -> set[str]:
        doc = docs[digest]
        out = {digest}
        if "config" in doc:
            out.add(doc["config"]["digest"])
        out |= {layer["digest"] for layer in doc.get("layers") or []}
        return out

    kept_blobs = set().union(*(blobs(d) for d in kept))
    freed = set().union(*(blobs(d) for d in deleted)) - kept_blobs
    assert len(freed) >= 25 + 10 + 10  # 25 manifests, 10 configs, 10+ attestation layers
    reg.stop()
    assert all(reg.blob_exists(b) for b in freed), "blobs of deleted images should still be on disk before GC"
    reg.garbage_collect()
    assert [b for b in sorted(freed) if reg.blob_exists(b)] == []
    assert [b for b in sorted(kept_blobs) if not reg.blob_exists(b)] == []
    reg.start()
    sh(sys.executable, str(TOOL), "validate", REPO)
    ref = f"{REPO}:latest"
    for p in PLATFORMS:
        sh("docker", "pull", "-q", "--platform", p, ref, timeout=300)
    sh("docker", "image", "rm", ref, check=False)
