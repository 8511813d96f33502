"""The offline bases pushed by `make bases`: indexes, platforms, configs, labels and behaviour."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import tarfile
import time
import uuid

import pytest

from conftest import HOST_CA_BUNDLE, REPO_ROOT, bases_builder, registry_get, registry_json, run
from own_ca import own_ca_bundle

BASE_NAMES = [
    "static-runtime",
    "python-runtime",
    "nginx-runtime",
    "rust-builder",
    "go-builder",
    "node-builder",
    "python-builder",
    "postgres",
    "redis",
]
# Where the image runs on the target platform, it must exist for both.
MULTI_PLATFORM = {"static-runtime", "python-runtime", "nginx-runtime"}


def test_catalog_lists_the_contract_names(catalog):
    assert set(BASE_NAMES) <= set(catalog), sorted(catalog)
    for name in MULTI_PLATFORM:
        assert set(catalog[name].platforms) == {"linux/amd64", "linux/arm64"}, name
    for name in ("rust-builder", "go-builder", "node-builder", "python-builder"):
        assert catalog[name].platforms == ("linux/amd64",), name


def _index(base) -> tuple[str, dict]:
    status, headers, body = registry_get(
        f"/v2/{base.repository}/manifests/local", accept=bases_builder.MANIFEST_ACCEPT
    )
    assert status == 200, f"{base.ref('local')} missing: run `make bases`"
    return headers["docker-content-digest"], json.loads(body)


@pytest.mark.parametrize("name", BASE_NAMES)
def test_base_index_lists_expected_platforms(catalog, name):
    base = catalog[name]
    out = run(["docker", "buildx", "imagetools", "inspect", "--raw", base.ref("local")]).stdout
    index = json.loads(out)
    assert index["mediaType"] == bases_builder.MT_INDEX
    listed = sorted(f"{m['platform']['os']}/{m['platform']['architecture']}" for m in index["manifests"])
    assert listed == sorted(base.platforms)


@pytest.mark.parametrize("name", BASE_NAMES)
def test_base_is_tagged_with_its_current_recipe_hash(catalog, name):
    base = catalog[name]
    rhash = bases_builder.recipe_hash(base)
    digest, index = _index(base)
    status, headers, _ = registry_get(
        f"/v2/{base.repository}/manifests/r-{rhash}", accept=bases_builder.MANIFEST_ACCEPT
    )
    assert status == 200, f"r-{rhash} missing: the recipe changed since the last `make bases`"
    assert headers["docker-content-digest"] == digest, ":local does not point at the current recipe"
    assert index["annotations"]["io.patient-risk.base.recipe-hash"] == rhash


@pytest.mark.parametrize("name", BASE_NAMES)
def test_base_configs_match_their_platform_and_carry_labels(catalog, name):
    base = catalog[name]
    _, index = _index(base)
    for entry in index["manifests"]:
        manifest = registry_json(f"/v2/{base.repository}/manifests/{entry['digest']}", accept=bases_builder.MT_MANIFEST)
        config = registry_json(f"/v2/{base.repository}/blobs/{manifest['config']['digest']}")
        assert config["os"] == entry["platform"]["os"] == "linux"
        assert config["architecture"] == entry["platform"]["architecture"]
        if config["architecture"] == "arm64":
            assert config.get("variant") == "v8"
        labels = config["config"]["Labels"]
        assert labels["io.patient-risk.base.recipe-hash"] == bases_builder.recipe_hash(base)
        assert labels["io.patient-risk.base.upstream"] == base.upstream
        assert labels["org.opencontainers.image.source"].startswith("https://")
        env = dict(item.split("=", 1) for item in config["config"]["Env"])
        assert "/usr/bin" in env["PATH"].split(":")
        assert len(manifest["layers"]) == 1 and config["rootfs"]["diff_ids"]


def _config(catalog, name: str, arch: str = "amd64") -> dict:
    base = catalog[name]
    _, index = _index(base)
    entry = next(m for m in index["manifests"] if m["platform"]["architecture"] == arch)
    manifest = registry_json(f"/v2/{base.repository}/manifests/{entry['digest']}", accept=bases_builder.MT_MANIFEST)
    return registry_json(f"/v2/{base.repository}/blobs/{manifest['config']['digest']}")["config"]


def test_make_bases_again_is_a_fast_no_op():
    started = time.monotonic()
    result = run(["make", "-C", str(REPO_ROOT), "bases"], timeout=300)
    elapsed = time.monotonic() - started
    for name in BASE_NAMES:
        assert f"bases: {name}: already" in result.stdout, result.stdout
    assert "built and pushed" not in result.stdout
    assert elapsed < 30, f"a no-op `make bases` took {elapsed:.1f}s"


def _file_from_image(image: str, path: str, platform: str = "linux/amd64") -> bytes:
    """Read one file from an image without running it (works for shell-less images)."""
    # Never started: the command only satisfies `docker create` for images without a Cmd.
    container = run(["docker", "create", "--platform", platform, image, "/never-run"]).stdout.strip()
    try:
        tar = subprocess.run(["docker", "cp", f"{container}:{path}", "-"], capture_output=True, check=True).stdout
    finally:
        run(["docker", "rm", container])
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        member = archive.getmembers()[0]
        return archive.extractfile(member).read()


def test_static_runtime_is_distroless_like(catalog, base_ref):
    image = base_ref("static-runtime")
    config = _config(catalog, "static-runtime")
    assert config["User"] == "65532:65532"
    for platform in ("linux/amd64", "linux/arm64"):
        passwd = _file_from_image(image, "/etc/passwd", platform).decode()
        assert "nonroot:x:65532:65532:" in passwd
        status = _file_from_image(image, "/var/lib/dpkg/status.d/base-files", platform).decode()
        assert f"Architecture: {platform.split('/')[1]}" in status
    # No shell: running one must fail.
    shell = run(["docker", "run", "--rm", image, "/bin/sh", "-c", "true"], check=False)
    assert shell.returncode != 0
    # Its CA bundle is the one Debian's ca-certificates postinst writes (python-runtime has it).
    static_bundle = _file_from_image(image, "/etc/ssl/certs/ca-certificates.crt")
    debian_bundle = _file_from_image(base_ref("python-runtime"), "/etc/ssl/certs/ca-certificates.crt")
    assert static_bundle.count(b"BEGIN CERTIFICATE") > 100
    assert static_bundle == debian_bundle
    assert _file_from_image(image, "/usr/share/zoneinfo/Europe/Berlin").startswith(b"TZif")


def test_python_runtime_has_python_3_13_and_app_user_without_pip(base_ref):
    image = base_ref("python-runtime")
    for platform, machine in (("linux/amd64", "x86_64"), ("linux/arm64", "aarch64")):
        out = run(
            ["docker", "run", "--rm", "--platform", platform, image, "python3", "-c",
             "import platform, sys, ssl; print(platform.machine(), sys.version_info[:2], ssl.OPENSSL_VERSION)"],
            timeout=180,
        ).stdout
        assert out.startswith(f"{machine} (3, 13)"), out
    assert run(["docker", "run", "--rm", image, "id", "app"]).stdout.startswith("uid=10001(app) gid=10001(app)")
    pip = run(["docker", "run", "--rm", image, "python3", "-m", "pip", "--version"], check=False)
    assert pip.returncode != 0, "python-runtime must not ship pip"


def test_nginx_runtime_serves_on_8080_as_uid_101(catalog, base_ref):
    config = _config(catalog, "nginx-runtime")
    assert config["User"] == "101:101"
    assert "8080/tcp" in config["ExposedPorts"]
    assert config["Cmd"] == ["nginx", "-g", "daemon off;"]
    name = f"engine-test-nginx-{uuid.uuid4().hex[:8]}"
    run(["docker", "run", "-d", "--name", name, "-p", "127.0.0.1::8080", base_ref("nginx-runtime")])
    try:
        port = run(["docker", "port", name, "8080/tcp"]).stdout.split()[0].rsplit(":", 1)[1]
        for _ in range(40):
            page = run(["curl", "-fsS", "-m", "5", f"http://127.0.0.1:{port}/"], check=False)
            if page.returncode == 0:
                break
            time.sleep(0.5)
        assert page.returncode == 0, run(["docker", "logs", name], check=False).stderr
        assert "nginx" in page.stdout.lower(), page.stdout
        status = run(["docker", "exec", name, "cat", "/proc/1/status"]).stdout
        assert re.search(r"^Uid:\s+101\s", status, re.M), status
    finally:
        run(["docker", "rm", "-f", name], check=False)


def test_postgres_initialises_and_accepts_password_logins(catalog, base_ref, tmp_path):
    config = _config(catalog, "postgres")
    assert config["Entrypoint"] == ["docker-entrypoint.sh"] and config["Cmd"] == ["postgres"]
    image = base_ref("postgres")
    refused = run(["docker", "run", "--rm", image], check=False, timeout=60)
    assert refused.returncode != 0 and "POSTGRES_PASSWORD" in refused.stderr
    name = f"engine-test-pg-{uuid.uuid4().hex[:8]}"
    initdb = tmp_path / "initdb"
    initdb.mkdir(mode=0o755)
    initdb.chmod(0o755)
    (initdb / "01-schema.sql").write_text("CREATE TABLE signals (id int PRIMARY KEY, score real);\n")
    (initdb / "01-schema.sql").chmod(0o644)
    run(["docker", "run", "-d", "--name", name, "-e", "POSTGRES_PASSWORD=s3cret", "-e", "POSTGRES_USER=risk",
         "-e", "POSTGRES_DB=riskdb", "-v", f"{initdb}:/docker-entrypoint-initdb.d:ro", image])
    try:
        for _ in range(60):
            ready = run(["docker", "exec", name, "pg_isready", "-h", "127.0.0.1", "-U", "risk", "-d", "riskdb"], check=False)
            if ready.returncode == 0:
                break
            time.sleep(1)
        assert ready.returncode == 0, run(["docker", "logs", name], check=False).stderr
        ip = run(["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name]).stdout.strip()
        # Over TCP from another container, with the password.
        query = run(["docker", "run", "--rm", "-e", "PGPASSWORD=s3cret", image, "psql", "-h", ip, "-U", "risk",
                     "-d", "riskdb", "-tAc", "select current_user || ' ' || current_database()"], timeout=60)
        assert query.stdout.strip() == "risk riskdb"
        table = run(["docker", "exec", name, "psql", "-U", "risk", "-d", "riskdb", "-tAc",
                     "select count(*) from signals"])
        assert table.stdout.strip() == "0", "the /docker-entrypoint-initdb.d script did not run"
        wrong = run(["docker", "run", "--rm", "-e", "PGPASSWORD=wrong", image, "psql", "-h", ip, "-U", "risk",
                     "-d", "riskdb", "-c", "select 1"], check=False, timeout=60)
        assert wrong.returncode != 0 and "password authentication failed" in wrong.stderr
        status = run(["docker", "exec", name, "sh", "-c", "cat /proc/$(head -1 $PGDATA/postmaster.pid)/status"]).stdout
        assert re.search(r"^Uid:\s+999\s", status, re.M), status
    finally:
        run(["docker", "rm", "-f", name], check=False)


def test_redis_listens_for_other_containers_as_user_redis(base_ref):
    image = base_ref("redis")
    name = f"engine-test-redis-{uuid.uuid4().hex[:8]}"
    run(["docker", "run", "-d", "--name", name, image])
    try:
        ip = run(["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name]).stdout.strip()
        pong = ""
        for _ in range(30):
            # From another container: protected mode would refuse this without a password.
            pong = run(["docker", "run", "--rm", image, "redis-cli", "-h", ip, "ping"], check=False).stdout.strip()
            if pong == "PONG":
                break
            time.sleep(0.5)
        assert pong == "PONG", run(["docker", "logs", name], check=False).stdout
        status = run(["docker", "exec", name, "cat", "/proc/1/status"]).stdout
        assert re.search(r"^Uid:\s+999\s", status, re.M), status
    finally:
        run(["docker", "rm", "-f", name], check=False)


@pytest.mark.parametrize(
    ("name", "command", "expect"),
    [
        ("rust-builder", "rustc --version", r"^rustc 1\.85\."),
        ("rust-builder", "ls /usr/lib/rustlib/aarch64-unknown-linux-gnu/lib | grep -c '^libstd-'", r"^[1-9]"),
        ("rust-builder", "aarch64-linux-gnu-gcc --version", r"aarch64-linux-gnu-gcc"),
        ("rust-builder", "maturin --version && zig version && auditwheel --version", r"maturin 1\.16\.0\n0\.\d+"),
        ("go-builder", "go version && go env GOTOOLCHAIN", r"go1\.24.*\nlocal"),
        ("node-builder", "node --version && npm --version", r"^v20\."),
        ("python-builder", "python3 --version && uv --version && python3 -m venv /tmp/v && /tmp/v/bin/python -V",
         r"Python 3\.13.*\nuv 0\.\d+.*\nPython 3\.13"),
    ],
)
def test_builder_toolchains(base_ref, name, command, expect):
    out = run(["docker", "run", "--rm", base_ref(name), "sh", "-c", command], timeout=120).stdout
    assert re.search(expect, out, re.M), out


def test_the_bases_pip_hook_leaves_no_trace_of_the_ca_bundle(base_ref, tmp_path):
    """The bases reach PyPI only in lib.sh's pip_venv (the builder bases' customize hooks), through
    HOST_CA_BUNDLE. That very function runs here on a copy of the python-builder rootfs with a
    bundle holding a CA made for this test and an empty wheel cache, so it must download through
    the bundle; then every file of the rootfs (what the bases tool packs into the layer) is
    searched for the CA's lines and for a copy of the bundle. Runs on every machine."""
    ca = own_ca_bundle(tmp_path / "ca", HOST_CA_BUNDLE)
    rootfs = tmp_path / "rootfs"
    rootfs.mkdir()
    container = run(["docker", "create", "--platform", "linux/amd64", base_ref("python-builder"), "/never-run"]).stdout.strip()
    try:
        subprocess.run(f"docker export {container} | tar -x -C {rootfs}", shell=True, check=True, timeout=300)
    finally:
        run(["docker", "rm", container])
    (rootfs / "etc/resolv.conf").write_bytes(open("/etc/resolv.conf", "rb").read())
    env = {"HOST_CA_BUNDLE": str(ca.bundle), "BASES_PIP_CACHE": str(tmp_path / "pip-cache")}
    run(["sh", "-c", 'set -eu; . "$0/_shared/lib.sh"; pip_venv "$1" /opt/ca-probe six==1.17.0',
         str(REPO_ROOT / "bases"), str(rootfs)], env=env, timeout=600)
    (rootfs / "etc/resolv.conf").write_bytes(b"")
    assert list((rootfs / "opt/ca-probe/lib").glob("python3*/site-packages/six.py")), "pip_venv installed nothing"
    assert list((tmp_path / "pip-cache/wheels").glob("six-1.17.0-*.whl")), "the wheel was not downloaded"
    bundle_digest = hashlib.sha256(ca.bundle.read_bytes()).hexdigest()
    scanned = 0
    for path in rootfs.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        scanned += 1
        assert hashlib.sha256(data).hexdigest() != bundle_digest, f"{path} is a copy of the CA bundle"
        for needle in ca.needles:
            assert needle not in data, f"{path} holds a line of the test CA"
    assert scanned > 1000, f"only {scanned} files in the rootfs"
    subprocess.run(["rm", "-rf", str(rootfs)], check=False)


def test_no_base_carries_the_host_ca_bundle(base_ref):
    """Extra to the test above, on the real bases: the host's own CA lines (those Debian's bundle
    lacks, e.g. an intercepting proxy's; none on a machine without one) are in no builder base."""
    host_lines = set(HOST_CA_BUNDLE.read_bytes().splitlines())
    debian = set(_file_from_image(base_ref("python-runtime"), "/etc/ssl/certs/ca-certificates.crt").splitlines())
    unique = sorted(line for line in host_lines - debian if len(line) > 40)
    for name in ("rust-builder", "python-builder"):
        if not unique:
            break
        bundle = _file_from_image(base_ref(name), "/etc/ssl/certs/ca-certificates.crt")
        assert unique[0] not in bundle, f"{name} carries the host CA bundle"
        leftovers = run(["docker", "run", "--rm", base_ref(name), "sh", "-c",
                         "ls /tmp; grep -rlF -- \"$0\" /opt /etc /root 2>/dev/null || true", unique[0].decode()]).stdout
        assert leftovers.strip() == "", leftovers
