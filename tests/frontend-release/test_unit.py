"""Unit tier of mk/frontend-release.mk (no engine): base-image defaults and the refusal of
loopback bases in a remote push (tool and make), the frontend push record, `frontend/pin` and
`frontend/pin CHECK=1` on a scratch git copy of this repository, `make ci/affected`."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(REPO / "tools" / "frontend-release"))
import frontend_release as fr  # noqa: E402

CLI = os.environ.get("FRONTEND_CLI") or str(REPO / "target" / "debug" / "patient-risk-frontend")
DIGEST = "sha256:" + "ab" * 32


def make(*args: str, cwd: Path = REPO, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(["make", "-s", "-C", str(cwd), *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"make {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(cwd), "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
                          check=True, capture_output=True, text=True).stdout


class BaseImages(unittest.TestCase):
    """BASE_IMAGES defaults to local only for a loopback destination; loopback bases in an image
    for a non-loopback registry are refused with a message naming the registry and the fix."""

    def test_loopback_detection(self):
        for p in ["127.0.0.1:5000/x", "127.0.0.1:5001", "localhost:5000/a/b", "localhost/x", "[::1]:5000/x", "127.1.2.3/x"]:
            self.assertTrue(fr.is_loopback(p), p)
        for p in ["ghcr.io/org/x", "registry.example.test:443/x", "10.0.0.5:5000/x", "docker.io/library", "library/x",
                  "127.0.0.1.example.test/x"]:
            self.assertFalse(fr.is_loopback(p), p)

    def test_tool_defaults_and_refusal(self):
        self.assertEqual(fr.base_images("127.0.0.1:5000/patient-risk", "", "127.0.0.1:5000/patient-risk/bases"), "local")
        self.assertEqual(fr.base_images("ghcr.io/o/r", "", "127.0.0.1:5000/patient-risk/bases"), "upstream")
        self.assertEqual(fr.base_images("ghcr.io/o/r", "upstream", "127.0.0.1:5000/b"), "upstream")
        # Local bases pushed to a registry the consumers reach are fine.
        self.assertEqual(fr.base_images("ghcr.io/o/r", "local", "ghcr.io/o/bases"), "local")
        with self.assertRaisesRegex(fr.Refused, r"refusing to push images to ghcr.io/o/r .*loopback base images"):
            fr.base_images("ghcr.io/o/r", "local", "127.0.0.1:5000/patient-risk/bases")
        with self.assertRaisesRegex(fr.Refused, "BASE_IMAGES='mine'"):
            fr.base_images("127.0.0.1:5000/x", "mine", "127.0.0.1:5000/b")

    def test_make_defaults(self):
        self.assertEqual(make("images/base-images").stdout.strip(), "local")
        self.assertEqual(make("images/base-images", "REGISTRY=ghcr.io/o/r").stdout.strip(), "upstream")
        self.assertEqual(make("images/base-images", "REGISTRY=127.0.0.1:5000/o").stdout.strip(), "local")
        self.assertEqual(make("images/base-images", "IMAGE_PREFIX=registry.example.test/x").stdout.strip(), "upstream")

    def test_make_refuses_and_the_bake_carries_the_choice(self):
        p = make("images/base-images", "REGISTRY=ghcr.io/o/r", "BASE_IMAGES=local", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("refusing to push images to ghcr.io/o/r", p.stderr)
        p = make("images/base-check", "IMAGES_DEST=ghcr.io/o/r", "BASE_IMAGES=local", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("BASE_IMAGES=local", p.stderr)
        # The push's bake gets upstream bases and runs the check first; the local build keeps local bases.
        push = make("-n", "container/push", "REGISTRY=ghcr.io/o/r").stdout
        self.assertIn("base-images --dest 'ghcr.io/o/r' --base-images 'upstream'", push)
        self.assertIn("BASE_IMAGES=upstream", push)
        build = make("-n", "container/build/dev-guide-docs").stdout
        self.assertIn("BASE_IMAGES=local BASE_IMAGES_REGISTRY=127.0.0.1:5000/patient-risk/bases", build)


class Pin(unittest.TestCase):
    """frontend/pin rewrites every spec's syntax line to the pushed digest; CHECK=1 passes only when
    every spec names the pin file's ref and no frontend input changed since the pinned revision."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="frontend-pin-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_record_rejects_metadata_without_digest(self):
        meta = self.tmp / "m.json"
        meta.write_text("{}")
        p = subprocess.run([sys.executable, fr.__file__, "record", "--repository", "r/llb-frontend", "--metadata", str(meta),
                            "--tag", "dev", "--revision", "abc", "--out", str(self.tmp / "o.json")], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no containerimage.digest", p.stderr)

    def test_pin_and_check_on_a_scratch_repository(self):
        repo = self.tmp / "repo"
        repo.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(repo)], input=archive, check=True)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "base")
        rev = git(repo, "rev-parse", "HEAD").strip()
        cli = f"FRONTEND_CLI={CLI}"
        # Unpinned specs fail the check, naming what to run.
        p = make("frontend/pin", "CHECK=1", cli, cwd=repo, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("make frontend/push", p.stderr)
        record = repo / "artifacts/release/llb-frontend.json"
        record.parent.mkdir(parents=True)
        meta = repo / "meta.json"
        meta.write_text(json.dumps({"containerimage.digest": DIGEST}))
        subprocess.run([sys.executable, fr.__file__, "record", "--repository", "127.0.0.1:5000/t/llb-frontend",
                        "--metadata", str(meta), "--tag", "v1.2.3", "--tag", "latest", "--revision", rev,
                        "--platform", "linux/arm64", "--platform", "linux/amd64", "--out", str(record)], check=True)
        rec = json.loads(record.read_text())
        self.assertEqual(rec["pinned"], f"127.0.0.1:5000/t/llb-frontend:v1.2.3@{DIGEST}")
        self.assertEqual(rec["platforms"], ["linux/amd64", "linux/arm64"])
        meta.unlink()
        make("frontend/pin", cli, cwd=repo)
        ref = f"127.0.0.1:5000/t/llb-frontend:v1.2.3@{DIGEST}"
        for spec in sorted(repo.glob("apps/*/Dockerfile")):
            self.assertEqual(spec.read_text().splitlines()[0], f"# syntax={ref}", spec)
        # The pinned specs still pass the frontend's own lint.
        lint = subprocess.run([CLI, "lint", str(repo / "apps/risk-monitor-operator/Dockerfile")], capture_output=True, text=True)
        self.assertEqual(lint.returncode, 0, lint.stdout + lint.stderr)
        git(repo, "add", "-A", "apps", "frontend-pin.json")
        git(repo, "commit", "-q", "-m", "pin")
        self.assertIn("every spec is pinned", make("frontend/pin", "CHECK=1", cli, cwd=repo).stdout)
        # An app change keeps the pin valid; a spec edited back to a tag does not.
        spec = repo / "apps/patient-risk-web/Dockerfile"
        text = spec.read_text()
        spec.write_text(text.replace(f"# syntax={ref}", "# syntax=127.0.0.1:5000/t/llb-frontend:v1.2.3"))
        p = make("frontend/pin", "CHECK=1", cli, cwd=repo, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("apps/patient-risk-web/Dockerfile:1:", p.stderr)
        spec.write_text(text)
        # A frontend change after the pinned revision: the pin is no longer the frontend of this tree.
        with open(repo / "llb-graphs/src/lib.rs", "a") as f:
            f.write("\n")
        git(repo, "commit", "-q", "-am", "graph change")
        p = make("frontend/pin", "CHECK=1", cli, cwd=repo, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("the frontend's inputs changed since " + rev, p.stderr)


class Affected(unittest.TestCase):
    """make ci/affected prints the apps of a change (the CLI's table test covers every row)."""

    def test_make_ci_affected(self):
        repo = Path(tempfile.mkdtemp(prefix="ci-affected-"))
        self.addCleanup(shutil.rmtree, repo, True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(repo)], input=archive, check=True)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "base")
        with open(repo / "packages/patient-risk-go-core/doc.go", "a") as f:
            f.write("\n")
        git(repo, "commit", "-q", "-am", "go-core")
        out = make("ci/affected", "BASE=HEAD~1", f"FRONTEND_CLI={CLI}", cwd=repo).stdout
        self.assertEqual(out, "risk-monitor-operator\n")
        out = json.loads(make("ci/affected", "BASE=HEAD~1", "HEAD=HEAD~1", "JSON=1", f"FRONTEND_CLI={CLI}", cwd=repo).stdout)
        self.assertEqual(out["apps"], [])
        p = make("ci/affected", cwd=repo, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage: make ci/affected BASE=", p.stderr)


if __name__ == "__main__":
    unittest.main()
