#!/usr/bin/env python3
"""Publishes the repo's packages to the loopback registries (make registries/publish).

  patient-risk-python-core          → pypi   (wheel, uploaded with pypiserver's upload API)
  patient-monitor-ui-core           → npm    (npm pack + npm publish, token from the credentials dir)
  patient-monitor-react-components  → npm
  patient-signal-rust-core          → cargo  (cargo package + the registry's publish API)

Idempotent: a version already in a registry is left alone when its content is
the same source as the working tree (every file compared). When it differs, a
real registry would refuse (a published version is immutable): these loopback
registries are this machine's fixture, so the stale copy is removed from their
storage and the working tree's is published, with a warning saying so
(REGISTRIES_PUBLISH_STRICT=1 fails instead, as Nexus/Artifactory would). Builds in
registry mode never take the internal packages from a cache mount, so a replaced
copy is fetched again. Credentials
are read from $STATE_DIR/registries/credentials and never written elsewhere
(npm gets its token through a userconfig on a private temp dir, removed after).

Run from the repository root.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import registries as R  # noqa: E402
from cargo_registry import index_path as cargo_index_path  # noqa: E402

REPO = Path.cwd()
CRATES_IO = "https://github.com/rust-lang/crates.io-index"


def cred(secret_id: str) -> str:
    f = R.CREDS / secret_id
    if not f.exists():
        R.die(f"{f} is missing: run make registries/up first")
    return f.read_text().strip()


def request(url: str, auth: str, data: bytes | None = None, method: str = "GET", ctype: str | None = None):
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", auth)
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def same_source(what: str, published: dict[str, bytes], local: dict[str, bytes]) -> bool:
    """True when the published artifact holds exactly the local files; else
    fails (REGISTRIES_PUBLISH_STRICT=1) or warns and returns False (replace it)."""
    if published == local:
        print(f"publish: {what}: already published, same source")
        return True
    diff = sorted(set(published) ^ set(local)) + sorted(
        k for k in set(published) & set(local) if published[k] != local[k]
    )
    msg = f"{what} is already published with different content ({', '.join(diff[:5])})"
    if os.environ.get("REGISTRIES_PUBLISH_STRICT") == "1":
        R.die(f"{msg}: a published version is immutable; bump the version in the package manifest")
    print(f"publish: warning: {msg}: replacing the loopback registry's stale copy "
          "(bump the version before publishing to a real registry)", file=sys.stderr)
    return False


# ---------------------------------------------------------------- python


def wheel_files(data: bytes) -> dict[str, bytes]:
    """A wheel's files, without RECORD and WHEEL (build-tool stamps)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {
            n: z.read(n)
            for n in z.namelist()
            if not n.endswith((".dist-info/RECORD", ".dist-info/WHEEL"))
        }


def publish_python(pkg_dir: str) -> None:
    auth = "Basic " + base64.b64encode(f"{cred('uv_index_username')}:{cred('uv_index_password')}".encode()).decode()
    base = f"http://127.0.0.1:{R.PORTS['pypi']}"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [str(R.VENV / "bin/pip"), "wheel", "-q", "--disable-pip-version-check", "--no-deps",
             "-w", tmp, str(REPO / pkg_dir)],
            check=True,
        )
        (whl,) = Path(tmp).glob("*.whl")
        data = whl.read_bytes()
    name = whl.name.split("-")[0]
    code, body = request(f"{base}/packages/{whl.name}", auth)
    if code == 200:
        if same_source(f"{pkg_dir} ({whl.name})", wheel_files(body), wheel_files(data)):
            return
        (R.ROOT / "pypi/packages" / whl.name).unlink()
    boundary = uuid.uuid4().hex
    parts = []
    for k, v in ((":action", "file_upload"), ("name", name), ("version", whl.name.split("-")[1])):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{whl.name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    code, body = request(f"{base}/", auth, b"".join(parts), "POST", f"multipart/form-data; boundary={boundary}")
    if code != 200:
        R.die(f"upload of {whl.name} to the Python index: HTTP {code} {body[:300]!r}")
    print(f"publish: {pkg_dir} → pypi ({whl.name}, sha256 {hashlib.sha256(data).hexdigest()[:16]}…)")


# ---------------------------------------------------------------- npm


def tar_files(data: bytes, strip: str, skip=()) -> dict[str, bytes]:
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
        for m in t.getmembers():
            if m.isfile():
                n = m.name.split("/", 1)[1] if "/" in m.name and strip else m.name
                if n not in skip:
                    out[n] = t.extractfile(m).read()
    return out


def publish_npm(pkg_dir: str) -> None:
    token = cred("npm_token")
    url = R.url("npm")
    src = REPO / pkg_dir
    manifest = json.loads((src / "package.json").read_text())
    name, version = manifest["name"], manifest["version"]
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        # `private: true` keeps the package off the public registry; the staged copy drops
        # only that flag and pins publishConfig to this registry.
        stage = Path(tmp) / "stage"
        shutil.copytree(src, stage, ignore=shutil.ignore_patterns("node_modules", "dist"))
        manifest.pop("private", None)
        manifest["publishConfig"] = {"registry": url}
        (stage / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
        npmrc = Path(tmp) / "npmrc"
        scope = url.split("://", 1)[1]
        npmrc.write_text(f"//{scope}:_authToken=${{NPM_TOKEN}}\nregistry={url}\n")
        os.chmod(npmrc, 0o600)
        env = dict(os.environ, NPM_CONFIG_USERCONFIG=str(npmrc), NPM_TOKEN=token,
                   npm_config_update_notifier="false")
        out = subprocess.run(["npm", "pack", "--json", "--silent", "--pack-destination", tmp], cwd=stage, env=env,
                             check=True, capture_output=True, text=True).stdout
        tgz = Path(tmp) / json.loads(out)[0]["filename"]
        local = tar_files(tgz.read_bytes(), "package/", skip=("package.json",))
        code, body = request(f"{url}{name}", f"Bearer {token}")
        if code == 200 and version in json.loads(body).get("versions", {}):
            tarball = json.loads(body)["versions"][version]["dist"]["tarball"]
            code, data = request(tarball, f"Bearer {token}")
            if code != 200:
                R.die(f"cannot download {tarball}: HTTP {code}")
            if same_source(f"{name}@{version}", tar_files(data, "package/", skip=("package.json",)), local):
                return
            r = subprocess.run(["npm", "unpublish", f"{name}@{version}", "--force", "--registry", url],
                               cwd=stage, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                R.die(f"npm unpublish of the stale {name}@{version} failed:\n{r.stderr[-2000:]}")
        r = subprocess.run(["npm", "publish", str(tgz), "--registry", url],
                           cwd=stage, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            R.die(f"npm publish of {name}@{version} failed:\n{r.stderr[-2000:]}")
    print(f"publish: {pkg_dir} → npm ({name}@{version})")


# ---------------------------------------------------------------- cargo


def crate_metadata(crate: bytes) -> dict:
    """The publish API's JSON, from the normalized Cargo.toml inside the .crate."""
    with tarfile.open(fileobj=io.BytesIO(crate), mode="r:gz") as t:
        toml_member = next(m for m in t.getmembers() if m.name.count("/") == 1 and m.name.endswith("/Cargo.toml"))
        manifest = tomllib.loads(t.extractfile(toml_member).read().decode())
    p = manifest["package"]
    deps = []

    def add(table: dict, kind: str, target: str | None) -> None:
        for key, spec in table.items():
            spec = {"version": spec} if isinstance(spec, str) else spec
            if "version" not in spec:
                R.die(f"dependency {key} of {p['name']} has no version: it cannot be published")
            deps.append({
                "name": spec.get("package", key),
                "version_req": spec["version"],
                "features": spec.get("features", []),
                "optional": spec.get("optional", False),
                "default_features": spec.get("default-features", True),
                "target": target,
                "kind": kind,
                "registry": spec.get("registry-index", CRATES_IO),
                "explicit_name_in_toml": key if "package" in spec else None,
            })

    for table, kind in (("dependencies", "normal"), ("dev-dependencies", "dev"), ("build-dependencies", "build")):
        add(manifest.get(table, {}), kind, None)
    for target, t in manifest.get("target", {}).items():
        for table, kind in (("dependencies", "normal"), ("dev-dependencies", "dev"), ("build-dependencies", "build")):
            add(t.get(table, {}), kind, target)
    return {
        "name": p["name"], "vers": p["version"], "deps": deps, "features": manifest.get("features", {}),
        "authors": p.get("authors", []), "description": p.get("description"),
        "documentation": p.get("documentation"), "homepage": p.get("homepage"), "readme": None,
        "readme_file": p.get("readme"), "keywords": p.get("keywords", []),
        "categories": p.get("categories", []), "license": p.get("license"),
        "license_file": p.get("license-file"), "repository": p.get("repository"), "badges": {},
        "links": p.get("links"), "rust_version": p.get("rust-version"),
    }


def remove_crate_version(name: str, version: str) -> None:
    """Drops a version from the Cargo registry's storage (index line + .crate)."""
    idx = R.ROOT / "cargo/index" / cargo_index_path(name)
    lines = [ln for ln in idx.read_text().splitlines() if json.loads(ln)["vers"] != version]
    idx.write_text("".join(ln + "\n" for ln in lines))
    (R.ROOT / "cargo/crates" / name.lower() / f"{version}.crate").unlink(missing_ok=True)


def publish_cargo(crate_name: str) -> None:
    token = cred("cargo_registry_token")
    base = f"http://127.0.0.1:{R.PORTS['cargo']}"
    target_dir = R.ROOT / "cargo-package-target"
    # `cargo package` alone: the crate says publish = false (never to crates.io); this
    # registry's publish API gets the .crate it makes.
    subprocess.run(["cargo", "package", "-q", "-p", crate_name, "--no-verify", "--allow-dirty",
                    "--target-dir", str(target_dir)], check=True)
    ver = json.loads(subprocess.run(
        ["cargo", "metadata", "--no-deps", "--format-version", "1"], check=True, capture_output=True, text=True
    ).stdout)
    version = next(p["version"] for p in ver["packages"] if p["name"] == crate_name)
    crate = (target_dir / "package" / f"{crate_name}-{version}.crate").read_bytes()
    skip = (".cargo_vcs_info.json", "Cargo.lock")
    code, body = request(f"{base}/api/v1/crates/{crate_name}/{version}/download", token)
    if code == 200:
        if same_source(f"{crate_name}@{version}", tar_files(body, "x", skip), tar_files(crate, "x", skip)):
            return
        remove_crate_version(crate_name, version)
    meta = json.dumps(crate_metadata(crate)).encode()
    payload = struct.pack("<I", len(meta)) + meta + struct.pack("<I", len(crate)) + crate
    code, body = request(f"{base}/api/v1/crates/new", token, payload, "PUT", "application/octet-stream")
    if code != 200:
        R.die(f"publish of {crate_name}@{version} to the Cargo registry: HTTP {code} {body[:300]!r}")
    print(f"publish: {crate_name} → cargo ({crate_name}@{version}, sha256 {hashlib.sha256(crate).hexdigest()[:16]}…)")


def main() -> int:
    publish_python("packages/patient-risk-python-core")
    publish_npm("packages/patient-monitor-ui-core")
    publish_npm("packages/patient-monitor-react-components")
    publish_cargo("patient-signal-rust-core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
