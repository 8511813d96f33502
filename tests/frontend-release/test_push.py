"""Integration tier of mk/frontend-release.mk, against the real engine and registries:

- `make frontend/push` publishes the frontend (amd64 + arm64 + provenance + SBOM) and records the
  index digest the registry really holds; each platform's SBOM (our own generator image) lists
  the binary's crates and passes the SPDX validator and the NTIA checker;
- a spec pinned by `make frontend/pin` to that digest builds with a plain
  `docker buildx build -f apps/<app>/Dockerfile .` in a scratch copy, no make target, while no
  local image carries the spec's name: BuildKit pulls the frontend from the registry by digest;
- `make container/push` to a non-loopback registry with loopback bases is refused before any
  bake, and the push's default is the upstream bases;
- `make package/wheel` exports both manylinux wheels, `make package/wheel/publish` uploads
  them to an authenticated pypiserver on loopback, from which pip resolves them (and which
  refuses an upload without credentials).
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(os.environ["REPO_ROOT"])
STATE_DIR = Path(os.environ["STATE_DIR"])
REGISTRY = os.environ.get("LOCAL_REGISTRY", "127.0.0.1:5000")
CA = os.environ["HOST_CA_BUNDLE"]
CLI = os.environ["FRONTEND_CLI"]
WHEEL_VENV = STATE_DIR / "venv" / "wheel-tools"
# A repository prefix of its own in the shared registry, per run: tags never collide.
PREFIX = f"{REGISTRY}/frontend-release-test/r{int(time.time())}"


def run(cmd, cwd=REPO, env=None, check=True, timeout=1800):
    p = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{p.stdout[-4000:]}\n{p.stderr[-6000:]}")
    return p


def manifest(ref: str) -> dict:
    out = run(["docker", "buildx", "imagetools", "inspect", ref, "--format", "{{json .Manifest}}"]).stdout
    return json.loads(out)


@pytest.fixture(scope="module")
def scratch():
    """A scratch git copy of the committed tree (frontend/pin rewrites its specs)."""
    d = Path(tempfile.mkdtemp(prefix="frontend-release-"))
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(d)], input=archive, check=True)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-q", "-m", "base"]):
        subprocess.run(["git", "-C", str(d), *args], check=True, capture_output=True)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def pushed(scratch):
    """`make frontend/push` from the scratch copy (the frontend of that tree), its record."""
    run(["make", "-s", "-C", str(scratch), "frontend/push", f"REGISTRY={PREFIX}", "IMAGE_TAG=9.9.9"], timeout=3600)
    record = json.loads((scratch / "artifacts/release/llb-frontend.json").read_text())
    return record


def test_frontend_push_records_the_registry_digest(pushed):
    repo = f"{PREFIX}/llb-frontend"
    assert pushed["repository"] == repo
    assert pushed["tags"] == ["v9.9.9", "latest"]
    index = manifest(f"{repo}:v9.9.9")
    # The record's digest is the digest of the index the registry serves under every tag.
    raw = run(["docker", "buildx", "imagetools", "inspect", f"{repo}:latest", "--raw"]).stdout
    import hashlib
    assert pushed["digest"] == "sha256:" + hashlib.sha256(raw.encode()).hexdigest()
    platforms = sorted(f"{m['platform']['os']}/{m['platform']['architecture']}" for m in index["manifests"]
                       if m.get("platform", {}).get("os") != "unknown")
    assert platforms == ["linux/amd64", "linux/arm64"]
    attestations = [m for m in index["manifests"] if m.get("annotations", {}).get("vnd.docker.reference.type") == "attestation-manifest"]
    assert len(attestations) == 2, "an attestation manifest (provenance + SBOM) per platform"
    out = run(["make", "-s", "-C", str(REPO), "frontend/ref",
               f"FRONTEND_RELEASE_RECORD={REPO}/../nonexistent"], check=False)
    assert out.returncode != 0


def sbom_tool(var: str) -> str:
    """A checker of the supply-chain venv (make passes its path); missing, the test fails."""
    path = os.environ.get(var, "")
    assert path and Path(path).exists(), f"{var}={path!r}: run `make test/integration/frontend-release` (installs the supply-chain venv)"
    return path


def test_frontend_image_has_an_sbom_per_platform(pushed, tmp_path):
    """The pushed frontend carries, per platform, an SPDX SBOM made by our own generator image
    (`make frontend/sbom-scanner`, pinned by digest in frontend/push): it lists the crates linked
    into that platform's binary with version, supplier and crates.io purl, no proc-macro crate,
    passes the SPDX validator and the NTIA minimum-elements checker (positive control: the same
    document without one supplier is rejected), and the generator is named in the provenance."""
    repo = f"{PREFIX}/llb-frontend"
    out = run(["docker", "buildx", "imagetools", "inspect", f"{repo}@{pushed['digest']}", "--format", "{{json .SBOM}}"]).stdout
    docs = {platform: v["SPDX"] for platform, v in json.loads(out).items()}
    assert sorted(docs) == ["linux/amd64", "linux/arm64"], sorted(docs)
    for platform, doc in sorted(docs.items()):
        assert doc["spdxVersion"] == "SPDX-2.3"
        assert any(c.startswith("Tool: patient-risk-frontend-") for c in doc["creationInfo"]["creators"]), doc["creationInfo"]
        pkgs = {p["name"]: p for p in doc["packages"]}
        image = next(p for p in doc["packages"] if p.get("primaryPackagePurpose") == "CONTAINER")
        assert image["name"] == "llb-frontend", image
        arch = platform.split("/")[1]
        triple = {"amd64": "x86_64", "arm64": "aarch64"}[arch] + "-unknown-linux-gnu"
        assert f"arch={arch}" in json.dumps(image) or platform in json.dumps(image), image
        for name in ("tokio", "prost", "serde_json", "toml"):
            p = pkgs.get(name)
            assert p, f"{platform}: {name} missing ({len(pkgs)} packages)"
            purls = [r["referenceLocator"] for r in p.get("externalRefs", []) if r["referenceType"] == "purl"]
            assert purls == [f"pkg:cargo/{name}@{p['versionInfo']}"], (platform, name, purls)
            assert p["supplier"].startswith(("Person: ", "Organization: ")), (platform, name, p["supplier"])
        for name in ("serde_derive", "thiserror-impl", "pyo3"):
            assert name not in pkgs, f"{platform}: {name} is not linked into the frontend"
        own = pkgs["patient-risk-frontend"]
        assert own["supplier"] == "Organization: github.com/tirosh-chain", own
        assert triple in json.dumps(doc), f"{platform}: the document does not say which target it read"
        for p in doc["packages"]:
            assert p.get("versionInfo"), (platform, p["name"])
            assert p["supplier"] != "NOASSERTION", (platform, p["name"])
        path = tmp_path / f"{arch}.spdx.json"
        path.write_text(json.dumps(doc))
        said = run([sbom_tool("PYSPDXTOOLS"), "-i", str(path)], check=False)
        assert said.returncode == 0 and "ERROR" not in said.stdout + said.stderr, said.stdout + said.stderr
        report = run([sbom_tool("NTIA_CHECKER"), "--comply", "ntia", "--output", "json", str(path)], check=False)
        assert report.returncode == 0 and json.loads(report.stdout)["isConformant"] is True, report.stdout
        broken = json.loads(json.dumps(doc))
        broken["packages"][1]["supplier"] = "NOASSERTION"
        bad = tmp_path / f"{arch}-bad.spdx.json"
        bad.write_text(json.dumps(broken))
        assert run([sbom_tool("NTIA_CHECKER"), "--comply", "ntia", str(bad)], check=False).returncode != 0
    prov = json.loads(run(["docker", "buildx", "imagetools", "inspect", f"{repo}@{pushed['digest']}",
                           "--format", "{{json .Provenance}}"]).stdout)
    for platform, v in prov.items():
        materials = [m.get("uri", "") for m in v["SLSA"].get("materials", [])]
        assert any("/llb-frontend-sbom-scanner?digest=sha256:" in m for m in materials), \
            f"{platform}: the SBOM generator is not a material of the provenance: {materials}"


def test_pinned_spec_builds_with_plain_buildx(scratch, pushed):
    run(["make", "-s", "-C", str(scratch), "frontend/pin", f"FRONTEND_CLI={CLI}"])
    spec = scratch / "apps/risk-monitor-operator/Dockerfile"
    pinned = f"{pushed['repository']}:v9.9.9@{pushed['digest']}"
    assert spec.read_text().splitlines()[0] == f"# syntax={pinned}"
    # No local image carries the spec's frontend name (the push may have left one in the
    # containerd image store; these names are this test's own): the build must pull it by digest.
    for ref in (f"{pushed['repository']}:v9.9.9", f"{pushed['repository']}:latest", pinned):
        run(["docker", "image", "rm", "-f", ref], check=False)
    for ref in (pinned, f"{pushed['repository']}:v9.9.9", f"{pushed['repository']}:latest"):
        assert run(["docker", "image", "inspect", ref], check=False).returncode != 0, ref
    # The frontend answers from the registry (outline names the app's build args)...
    out = run(["docker", "buildx", "build", "--call", "outline", "-f", "apps/risk-monitor-operator/Dockerfile", "."], cwd=scratch)
    assert "BASE_IMAGES" in out.stdout, out.stdout
    # ...and builds: a plain buildx build of the static Go binary for both platforms.
    dest = scratch / "out"
    run(["docker", "buildx", "build", "-f", "apps/risk-monitor-operator/Dockerfile", "--target", "go-binary",
         "--platform", "linux/amd64,linux/arm64", "--build-arg", "BASE_IMAGES=local",
         "--secret", f"id=host_ca_bundle,src={CA}", "--output", f"type=local,dest={dest}", "."], cwd=scratch, timeout=3600)
    bins = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert any(b.startswith("linux_amd64/") for b in bins) and any(b.startswith("linux_arm64/") for b in bins), bins
    # The pin file names the same ref; CHECK=1 accepts the committed pin.
    subprocess.run(["git", "-C", str(scratch), "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-q", "-am", "pin"], check=True)
    subprocess.run(["git", "-C", str(scratch), "add", "frontend-pin.json"], check=True)
    subprocess.run(["git", "-C", str(scratch), "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-q", "-m", "pin file"], check=True)
    out = run(["make", "-s", "-C", str(scratch), "frontend/pin", "CHECK=1", f"FRONTEND_CLI={CLI}"])
    assert "every spec is pinned" in out.stdout


def test_remote_push_with_loopback_bases_is_refused():
    # The prerequisites (engine, bases, frontend build) are taken as made (-o): the refusal is the
    # container/push recipe path's own, and no bake may start.
    p = run(["make", "-s", "-o", "engine/up", "-o", "bases", "-o", "frontend/build", "container/push",
             "REGISTRY=registry.example.test/patient-risk", "BASE_IMAGES=local", "RELEASE_APPS=risk-monitor-operator"],
            check=False, timeout=600)
    assert p.returncode != 0
    assert "refusing to push images to registry.example.test/patient-risk" in p.stderr, p.stderr[-3000:]
    assert "loopback base images" in p.stderr
    # No bake started (the shared registry's catalog is no witness: other builds push meanwhile).
    assert "bake definitions" not in p.stdout + p.stderr and "docker buildx bake" not in p.stdout
    dry = run(["make", "-n", "container/push", "REGISTRY=registry.example.test/patient-risk"]).stdout
    assert "BASE_IMAGES=upstream" in dry


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def index():
    """An authenticated pypiserver on loopback (htpasswd), with its own package directory."""
    d = Path(tempfile.mkdtemp(prefix="wheel-index-"))
    (d / "packages").mkdir()
    user, password = "wheel-test", os.urandom(12).hex()
    subprocess.run([str(WHEEL_VENV / "bin/python"), "-c",
                    "import sys; from passlib.apache import HtpasswdFile as H; h=H(sys.argv[1], new=True); "
                    "h.set_password(sys.argv[2], sys.argv[3]); h.save()", str(d / "htpasswd"), user, password], check=True)
    (d / "user").write_text(user)
    (d / "password").write_text(password)
    os.chmod(d / "password", 0o600)
    port = free_port()
    log = open(d / "log", "w")
    proc = subprocess.Popen([str(WHEEL_VENV / "bin/pypi-server"), "run", "-i", "127.0.0.1", "-p", str(port),
                             "-P", str(d / "htpasswd"), "-a", "update,download,list", str(d / "packages")],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "simple/", timeout=1)
            break
        except urllib.error.HTTPError:
            break  # it answers (401: auth required)
        except OSError:
            time.sleep(0.2)
    yield {"url": url, "dir": d, "user": user, "password": password}
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(d, ignore_errors=True)


def test_package_wheel_and_publish(index):
    run(["make", "-s", "package/wheel"], timeout=3600)
    wheels = sorted(p.name for p in (REPO / "artifacts/wheels").glob("*.whl"))
    assert len(wheels) == 2, wheels
    assert any("manylinux" in w and w.endswith("_x86_64.whl") for w in wheels), wheels
    assert any("manylinux" in w and w.endswith("_aarch64.whl") for w in wheels), wheels
    # Anonymous reads and uploads are refused.
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(index["url"] + "simple/")
    assert e.value.code in (401, 403)
    p = run(["make", "-s", "package/wheel/publish", f"INDEX_URL={index['url']}"], check=False)
    assert p.returncode != 0
    run(["make", "-s", "package/wheel/publish", f"INDEX_URL={index['url']}",
         f"INDEX_USERNAME_FILE={index['dir'] / 'user'}", f"INDEX_PASSWORD_FILE={index['dir'] / 'password'}"])
    assert sorted(p.name for p in (index["dir"] / "packages").iterdir()) == wheels
    # pip resolves the platform's wheel from the index, with credentials.
    auth = f"http://{index['user']}:{index['password']}@{index['url'][len('http://'):]}simple/"
    dl = index["dir"] / "dl"
    run([str(WHEEL_VENV / "bin/pip"), "download", "-q", "--no-deps", "--only-binary=:all:", "--platform", "manylinux_2_28_aarch64",
         "--python-version", "3.13", "--index-url", auth, "-d", str(dl), "patient-signal"])
    assert [p.name for p in dl.iterdir()] == [w for w in wheels if w.endswith("_aarch64.whl")]
