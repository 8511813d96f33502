#!/usr/bin/env python3
"""Build the offline base images listed in bases/catalog.toml and push them to the local registry.

Each base is a Debian trixie root filesystem made by mmdebstrap from a recipe in
bases/<name>/recipe.toml, one rootfs per platform, packed as a single-layer OCI image and pushed as
a multi-platform OCI index to

    <LOCAL_REGISTRY>/patient-risk/bases/<name>:r-<recipe-hash>   (immutable)
    <LOCAL_REGISTRY>/patient-risk/bases/<name>:local             (moving)

The catalog is read from the frontend binary (`patient-risk-frontend catalog --json --file
bases/catalog.toml`, the validator the graphs use; `make bases` builds it); this script validates the
recipes and what only it knows (the platforms mmdebstrap makes, the recipe directories).

The recipe hash covers every input that shapes the image (catalog entry, recipe directory, shared
hooks, the builder's FORMAT_VERSION): when the r-<hash> tag already exists the base is up to date and
nothing is built. Downloaded .debs and PyPI files are kept under $STATE_DIR/bases-cache.

usage: bases.py build [NAME...] | check | list | refs [--json] | pin-configs | hash NAME
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

# Bump when a change to this file changes the images it produces (layout, config, labels):
# every base's recipe hash changes with it, so `make bases` rebuilds them all.
FORMAT_VERSION = "1"

REPO_ROOT = Path(__file__).resolve().parents[2]
BASES_DIR = REPO_ROOT / "bases"
CATALOG = BASES_DIR / "catalog.toml"
SHARED_DIR = BASES_DIR / "_shared"
ALWAYS_SHARED = ("apt-cache.sh", "finish.sh")  # hooks bases.py adds to every build

# The frontend binary whose `catalog --json` is the one validator of bases/catalog.toml (make builds it).
FRONTEND_CLI = Path(
    os.environ.get("PATIENT_RISK_FRONTEND")
    or Path(os.environ.get("CARGO_TARGET_DIR", REPO_ROOT / "target")) / "debug" / "patient-risk-frontend"
)

STATE_DIR = Path(os.environ.get("STATE_DIR", "/var/lib/patient-risk"))
LOCAL_REGISTRY = os.environ.get("LOCAL_REGISTRY", "127.0.0.1:5000")
HOST_CA_BUNDLE = Path(os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"))
CACHE_DIR = STATE_DIR / "bases-cache"
WORK_DIR = STATE_DIR / "bases-work"
LOG_DIR = STATE_DIR / "log"

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
MANIFEST_ACCEPT = ", ".join(
    [
        MT_INDEX,
        MT_MANIFEST,
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)

PLATFORMS = {
    "linux/amd64": {"deb": "amd64", "architecture": "amd64", "os": "linux"},
    "linux/arm64": {"deb": "arm64", "architecture": "arm64", "os": "linux", "variant": "v8"},
}
VARIANTS = ("extract", "custom", "essential", "apt", "required", "minbase", "buildd")
HOOK_STAGES = ("setup", "extract", "essential", "customize")

# dpkg path filters for lean images (also kept in the image, like Debian's slim images, so
# packages that derived images install stay lean too).
SLIM_DPKG_OPTS = [
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*",
    "path-include=/usr/share/locale/locale.alias",
    "path-exclude=/usr/share/lintian/*",
    "path-exclude=/usr/share/linda/*",
]


BUILD_ONLY_DPKG_OPT = "force-unsafe-io"


class RecipeError(Exception):
    """A problem in the catalog or a recipe: the message names the file and the fix."""


def log(msg: str) -> None:
    print(f"bases: {msg}", flush=True)


# --------------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class ImageConfig:
    user: str = ""
    workdir: str = ""
    env: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    exposed_ports: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    stop_signal: str = ""
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Recipe:
    directory: Path
    variant: str
    include: tuple[str, ...]
    foreign_architectures: tuple[str, ...]
    slim: bool
    hooks: dict[str, tuple[Path, ...]]
    prune: tuple[str, ...]
    pip_packages: tuple[str, ...]
    image: ImageConfig


@dataclass(frozen=True)
class Base:
    name: str
    description: str
    upstream: str
    upstream_digest: str
    upstream_note: str
    platforms: tuple[str, ...]
    recipe_dir: Path
    recipe: Recipe
    catalog_entry: dict = field(hash=False, compare=False)

    @property
    def repository(self) -> str:
        return f"{CATALOG_SETTINGS['repository_prefix']}/{self.name}"

    def ref(self, tag: str) -> str:
        return f"{LOCAL_REGISTRY}/{self.repository}:{tag}"


CATALOG_SETTINGS: dict = {}


def _line_of(path: Path, needle: str) -> int:
    """1-based line where needle first appears in path (0 when absent): for error messages."""
    try:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if needle in line:
                return number
    except OSError:
        pass
    return 0


def _where(path: Path, needle: str) -> str:
    line = _line_of(path, needle)
    rel = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
    return f"{rel}:{line}" if line else str(rel)


def _check_keys(table: dict, known: dict[str, type], path: Path, context: str, required: set[str]) -> None:
    for key, value in table.items():
        if key not in known:
            raise RecipeError(
                f"{_where(path, key)}: unknown key '{key}' in {context}; known keys: {', '.join(sorted(known))}"
            )
        want = known[key]
        if want is list:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        else:
            ok = isinstance(value, want)
        if not ok:
            raise RecipeError(
                f"{_where(path, key)}: '{key}' in {context} must be "
                f"{'a list of strings' if want is list else want.__name__}, got {value!r}"
            )
    for key in sorted(required - table.keys()):
        raise RecipeError(f"{_where(path, context.split()[-1])}: {context} lacks the required key '{key}'")


def _load_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise RecipeError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as err:
        raise RecipeError(f"{path.relative_to(REPO_ROOT)}: invalid TOML: {err}") from None


def _hook_path(recipe_dir: Path, spec: str, recipe_file: Path) -> Path:
    if spec.startswith("_shared/"):
        path = BASES_DIR / spec
    else:
        path = (recipe_dir / spec).resolve()
    if not path.is_file():
        raise RecipeError(f"{_where(recipe_file, spec)}: hook '{spec}' not found (looked for {path})")
    if not os.access(path, os.X_OK):
        raise RecipeError(f"{_where(recipe_file, spec)}: hook '{spec}' is not executable: chmod +x {path}")
    return path


def load_recipe(recipe_dir: Path) -> Recipe:
    path = recipe_dir / "recipe.toml"
    data = _load_toml(path)
    known = {
        "variant": str,
        "include": list,
        "foreign_architectures": list,
        "slim": bool,
        "hooks": dict,
        "prune": list,
        "pip_packages": list,
        "image": dict,
    }
    _check_keys(data, known, path, "recipe", {"variant", "image"})
    if data["variant"] not in VARIANTS:
        raise RecipeError(f"{_where(path, 'variant')}: variant must be one of {', '.join(VARIANTS)}")
    hooks_table = data.get("hooks", {})
    _check_keys(hooks_table, {stage: list for stage in HOOK_STAGES}, path, "[hooks]", set())
    if data["variant"] == "extract" and (hooks_table.get("essential") or hooks_table.get("customize")):
        raise RecipeError(
            f"{_where(path, '[hooks]')}: the extract variant runs no essential/customize hooks; use extract hooks"
        )
    hooks = {
        stage: tuple(_hook_path(recipe_dir, spec, path) for spec in hooks_table.get(stage, []))
        for stage in HOOK_STAGES
    }
    image_table = data["image"]
    image_known = {
        "user": str,
        "workdir": str,
        "env": list,
        "entrypoint": list,
        "cmd": list,
        "exposed_ports": list,
        "volumes": list,
        "stop_signal": str,
        "labels": dict,
    }
    _check_keys(image_table, image_known, path, "[image]", {"env"})
    for entry in image_table["env"]:
        if "=" not in entry:
            raise RecipeError(f"{_where(path, entry)}: env entry '{entry}' must look like NAME=value")
    for port in image_table.get("exposed_ports", []):
        if not re.fullmatch(r"\d+/(tcp|udp)", port):
            raise RecipeError(f"{_where(path, port)}: exposed port '{port}' must look like 8080/tcp")
    for prune in data.get("prune", []):
        if not prune.startswith("/") or ".." in prune.split("/"):
            raise RecipeError(f"{_where(path, prune)}: prune path '{prune}' must be absolute without '..'")
    image = ImageConfig(
        user=image_table.get("user", ""),
        workdir=image_table.get("workdir", ""),
        env=tuple(image_table["env"]),
        entrypoint=tuple(image_table.get("entrypoint", [])),
        cmd=tuple(image_table.get("cmd", [])),
        exposed_ports=tuple(image_table.get("exposed_ports", [])),
        volumes=tuple(image_table.get("volumes", [])),
        stop_signal=image_table.get("stop_signal", ""),
        labels=tuple(sorted((str(k), str(v)) for k, v in image_table.get("labels", {}).items())),
    )
    return Recipe(
        directory=recipe_dir,
        variant=data["variant"],
        include=tuple(data.get("include", [])),
        foreign_architectures=tuple(data.get("foreign_architectures", [])),
        slim=data.get("slim", True),
        hooks=hooks,
        prune=tuple(data.get("prune", [])),
        pip_packages=tuple(data.get("pip_packages", [])),
        image=image,
    )


def read_catalog() -> dict:
    """bases/catalog.toml as written, validated by the frontend (`patient-risk-frontend catalog --json`)."""
    cli = FRONTEND_CLI
    if not os.access(cli, os.X_OK):
        raise RecipeError(
            f"{cli}: the frontend binary that validates {CATALOG.name} is missing; "
            "run `make bases` (it builds it) or `cargo build --locked -p patient-risk-frontend`"
        )
    result = subprocess.run(
        [str(cli), "catalog", "--json", "--file", str(CATALOG)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RecipeError(result.stderr.strip() or f"{cli} catalog --json exited {result.returncode}")
    return json.loads(result.stdout)


def load_catalog() -> dict[str, Base]:
    data = read_catalog()
    CATALOG_SETTINGS.update({k: v for k, v in data.items() if k != "bases"})
    bases: dict[str, Base] = {}
    for table in data["bases"]:
        entry = {k: v for k, v in table.items() if k != "name"}
        name = table["name"]
        context = f"[bases.{name}]"
        # What only this builder knows: which platforms mmdebstrap can make, where the recipes are.
        for platform in entry["platforms"]:
            if platform not in PLATFORMS:
                raise RecipeError(
                    f"{_where(CATALOG, context)}: platform '{platform}' unsupported; use {', '.join(PLATFORMS)}"
                )
        recipe_dir = (REPO_ROOT / entry["recipe"]).resolve()
        if not (recipe_dir / "recipe.toml").is_file():
            raise RecipeError(f"{_where(CATALOG, entry['recipe'])}: {entry['recipe']}/recipe.toml not found")
        bases[name] = Base(
            name=name,
            description=entry["description"],
            upstream=entry["upstream"],
            upstream_digest=entry.get("upstream_digest", ""),
            upstream_note=entry.get("upstream_note", ""),
            platforms=tuple(entry["platforms"]),
            recipe_dir=recipe_dir,
            recipe=load_recipe(recipe_dir),
            catalog_entry=entry,
        )
    return bases


# --------------------------------------------------------------------------------- hashing


def recipe_hash(base: Base) -> str:
    """Content hash of everything that shapes the image; 16 hex digits go in the r-<hash> tag."""
    digest = hashlib.sha256()

    def feed(label: str, payload: bytes) -> None:
        digest.update(f"{label}\0{len(payload)}\0".encode())
        digest.update(payload)

    feed("format", FORMAT_VERSION.encode())
    settings = {k: CATALOG_SETTINGS[k] for k in ("suite", "mirror", "repository_prefix", "source")}
    feed("settings", json.dumps(settings, sort_keys=True).encode())
    entry = {k: v for k, v in base.catalog_entry.items() if k != "description"}
    feed("entry", json.dumps({"name": base.name, **entry}, sort_keys=True).encode())
    hooks = {hook for stage in base.recipe.hooks.values() for hook in stage}
    files = {p for p in base.recipe_dir.rglob("*") if p.is_file()} | hooks  # hooks may live elsewhere
    # Shared files: the two every build runs, and those a hook of this recipe names (lib.sh).
    hook_text = "\n".join(path.read_text(errors="replace") for path in files)
    for shared in SHARED_DIR.iterdir():
        if shared.name in ALWAYS_SHARED or shared.name in hook_text:
            files.add(shared)
    for path in sorted(p.resolve() for p in files if "__pycache__" not in p.parts):
        rel = path.relative_to(BASES_DIR).as_posix()
        mode = "x" if os.access(path, os.X_OK) else "-"
        feed(f"file:{rel}:{mode}", path.read_bytes())
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------------- registry


class Registry:
    """The few calls of the distribution API that pushing a base needs (plain HTTP, loopback)."""

    def __init__(self, host: str) -> None:
        self.host = host

    def _conn(self) -> http.client.HTTPConnection:
        hostname, _, port = self.host.partition(":")
        return http.client.HTTPConnection(hostname, int(port or 80), timeout=600)

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict, bytes]:
        conn = self._conn()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        except OSError as err:
            raise SystemExit(
                f"bases: error: registry {self.host} unreachable ({err}); run `make engine/up` first"
            ) from None
        finally:
            conn.close()

    def ping(self) -> None:
        status, _, _ = self.request("GET", "/v2/")
        if status != 200:
            raise SystemExit(f"bases: error: registry {self.host}/v2/ answered {status}; run `make engine/up`")

    def manifest(self, repo: str, reference: str) -> tuple[str, str, bytes] | None:
        """(digest, media type, body) of a manifest, or None when absent."""
        status, headers, body = self.request("GET", f"/v2/{repo}/manifests/{reference}", headers={"Accept": MANIFEST_ACCEPT})
        if status == 404:
            return None
        if status != 200:
            raise SystemExit(f"bases: error: GET manifest {repo}:{reference} answered {status}: {body[:300]!r}")
        digest = headers.get("docker-content-digest") or "sha256:" + hashlib.sha256(body).hexdigest()
        return digest, headers.get("content-type", ""), body

    def has_blob(self, repo: str, digest: str) -> bool:
        status, _, _ = self.request("HEAD", f"/v2/{repo}/blobs/{digest}")
        return status == 200

    def put_blob(self, repo: str, digest: str, path: Path | None = None, data: bytes | None = None) -> bool:
        """Upload one blob unless the repository has it; True when uploaded."""
        if self.has_blob(repo, digest):
            return False
        status, headers, body = self.request("POST", f"/v2/{repo}/blobs/uploads/", headers={"Content-Length": "0"})
        if status != 202:
            raise SystemExit(f"bases: error: starting upload to {repo} answered {status}: {body[:300]!r}")
        location = headers["location"]
        parsed = urllib.parse.urlsplit(location)
        query = urllib.parse.parse_qsl(parsed.query) + [("digest", digest)]
        target = f"{parsed.path}?{urllib.parse.urlencode(query)}"
        size = path.stat().st_size if path is not None else len(data or b"")
        hdrs = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        if path is not None:
            with path.open("rb") as handle:
                status, _, body = self.request("PUT", target, body=handle, headers=hdrs)
        else:
            status, _, body = self.request("PUT", target, body=data, headers=hdrs)
        if status != 201:
            raise SystemExit(f"bases: error: uploading blob {digest} to {repo} answered {status}: {body[:300]!r}")
        return True

    def put_manifest(self, repo: str, reference: str, media_type: str, body: bytes) -> str:
        status, headers, resp = self.request(
            "PUT", f"/v2/{repo}/manifests/{reference}", body=body, headers={"Content-Type": media_type}
        )
        if status != 201:
            raise SystemExit(f"bases: error: PUT manifest {repo}:{reference} answered {status}: {resp[:500]!r}")
        return headers.get("docker-content-digest", "")


# --------------------------------------------------------------------------------- building


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def refuse_if_mounted(path: Path) -> None:
    """Never delete a tree that still has something mounted inside (a failed chroot)."""
    prefix = str(path.resolve())
    with open("/proc/mounts") as mounts:
        for line in mounts:
            mount_point = line.split()[1].replace("\\040", " ")
            if mount_point == prefix or mount_point.startswith(prefix + "/"):
                raise SystemExit(
                    f"bases: error: {mount_point} is still mounted; `umount -R {mount_point}` and retry"
                )


def remove_tree(path: Path) -> None:
    if path.exists() or path.is_symlink():
        refuse_if_mounted(path)
        shutil.rmtree(path)


def run_mmdebstrap(base: Base, platform: str, rootfs: Path, logfile: Path, epoch: int) -> None:
    recipe = base.recipe
    arch = PLATFORMS[platform]["deb"]
    apt_cache = CACHE_DIR / "apt"
    pip_cache = CACHE_DIR / "pip"
    apt_cache.mkdir(parents=True, exist_ok=True)
    pip_cache.mkdir(parents=True, exist_ok=True)
    apt_cache_hook = SHARED_DIR / "apt-cache.sh"
    architectures = ",".join([arch, *[a for a in recipe.foreign_architectures if a != arch]])
    cmd = [
        "mmdebstrap",
        "--mode=root",
        f"--variant={recipe.variant}",
        f"--architectures={architectures}",
        "--format=directory",
        "--aptopt=Acquire::Retries \"3\"",
        "--aptopt=APT::Install-Recommends \"false\"",
        f"--setup-hook={apt_cache_hook} in \"$1\"",
    ]
    if recipe.include:
        cmd.append("--include=" + ",".join(recipe.include))
    if recipe.slim:
        cmd += [f"--dpkgopt={opt}" for opt in SLIM_DPKG_OPTS]
    # No fsync per unpacked file while building (removed from the image again afterwards).
    cmd.append(f"--dpkgopt={BUILD_ONLY_DPKG_OPT}")
    if recipe.variant != "extract":
        # Keep the downloaded essential .debs until the customize hook copies them to the cache.
        cmd.append("--skip=essential/unlink")
    for stage in HOOK_STAGES:
        cmd += [f"--{stage}-hook={hook}" for hook in recipe.hooks[stage]]
    last_stage = "extract" if recipe.variant == "extract" else "customize"
    cmd += [
        f"--{last_stage}-hook={apt_cache_hook} out \"$1\"",
        f"--{last_stage}-hook={SHARED_DIR / 'finish.sh'}",
        CATALOG_SETTINGS["suite"],
        str(rootfs),
        CATALOG_SETTINGS["mirror"],
    ]
    env = dict(os.environ)
    env.update(
        {
            "SOURCE_DATE_EPOCH": str(epoch),
            "BASE_NAME": base.name,
            "BASE_ARCH": arch,
            "BASE_PLATFORM": platform,
            "BASE_RECIPE_DIR": str(base.recipe_dir),
            "BASES_DIR": str(BASES_DIR),
            "BASES_APT_CACHE": str(apt_cache),
            "BASES_PIP_CACHE": str(pip_cache),
            "BASE_PIP_PACKAGES": " ".join(recipe.pip_packages),
            "HOST_CA_BUNDLE": str(HOST_CA_BUNDLE),
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        }
    )
    with logfile.open("ab") as out:
        out.write(f"\n--- {dt.datetime.now(dt.UTC).isoformat()} {' '.join(cmd)}\n".encode())
        out.flush()
        result = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=WORK_DIR, check=False)
    if result.returncode != 0:
        tail = logfile.read_text(errors="replace").splitlines()[-30:]
        raise SystemExit(
            f"bases: error: mmdebstrap for {base.name} {platform} failed (exit {result.returncode}); "
            f"last lines of {logfile}:\n" + "\n".join(tail)
        )


def drop_build_only_dpkg_opts(rootfs: Path) -> None:
    """mmdebstrap keeps --dpkgopt lines in the image; the build-only one must not stay."""
    config = rootfs / "etc" / "dpkg" / "dpkg.cfg.d" / "99mmdebstrap"
    if config.is_file():
        lines = config.read_text().splitlines(keepends=True)
        config.write_text("".join(line for line in lines if line.strip() != BUILD_ONLY_DPKG_OPT))


def prune_rootfs(base: Base, rootfs: Path) -> None:
    drop_build_only_dpkg_opts(rootfs)
    for entry in base.recipe.prune:
        target = rootfs / entry.lstrip("/")
        for path in sorted(rootfs.glob(entry.lstrip("/"))) if any(c in entry for c in "*?[") else [target]:
            if path.is_dir() and not path.is_symlink():
                refuse_if_mounted(path)
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()


def make_layer(rootfs: Path, out_gz: Path) -> tuple[str, str, int]:
    """Pack rootfs into a gzip tar layer; returns (diff_id, digest, size)."""
    tar_cmd = [
        "tar",
        "--create",
        "--file=-",
        f"--directory={rootfs}",
        "--numeric-owner",
        "--sort=name",
        "--format=posix",
        "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
        "--xattrs",
        "--xattrs-include=security.capability",
        "--exclude=./dev/*",
        "--exclude=./proc/*",
        "--exclude=./sys/*",
        "--exclude=./run/*",
        "--exclude=./tmp/*",
        ".",
    ]
    # Level 1: layers only travel over loopback, and 2 shared cores make -6 cost minutes on builders.
    gzip_cmd = ["pigz", "-n", "-1"] if shutil.which("pigz") else ["gzip", "-n", "-1"]
    diff = hashlib.sha256()
    with out_gz.open("wb") as gz_out:
        tar = subprocess.Popen(tar_cmd, stdout=subprocess.PIPE)
        gz = subprocess.Popen(gzip_cmd, stdin=subprocess.PIPE, stdout=gz_out)
        assert tar.stdout is not None and gz.stdin is not None
        while chunk := tar.stdout.read(1 << 20):
            diff.update(chunk)
            gz.stdin.write(chunk)
        gz.stdin.close()
        if tar.wait() != 0 or gz.wait() != 0:
            raise SystemExit(f"bases: error: packing {rootfs} failed (tar exit {tar.returncode}, gzip exit {gz.returncode})")
    return "sha256:" + diff.hexdigest(), sha256_file(out_gz), out_gz.stat().st_size


def image_labels(base: Base, rhash: str, created: str) -> dict[str, str]:
    labels = {
        "org.opencontainers.image.title": f"patient-risk base {base.name}",
        "org.opencontainers.image.description": base.description,
        "org.opencontainers.image.source": CATALOG_SETTINGS["source"],
        "org.opencontainers.image.version": f"r-{rhash}",
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.vendor": "patient-risk",
        "io.patient-risk.base.name": base.name,
        "io.patient-risk.base.recipe": base.recipe_dir.relative_to(REPO_ROOT).as_posix(),
        "io.patient-risk.base.recipe-hash": rhash,
        "io.patient-risk.base.upstream": base.upstream,
        "io.patient-risk.base.debian-suite": CATALOG_SETTINGS["suite"],
    }
    if base.upstream_digest:
        labels["io.patient-risk.base.upstream-digest"] = base.upstream_digest
    labels.update(dict(base.recipe.image.labels))
    return labels


def image_config(base: Base, platform: str, diff_id: str, rhash: str, created: str) -> dict:
    spec = PLATFORMS[platform]
    img = base.recipe.image
    config: dict = {"Env": list(img.env), "Labels": image_labels(base, rhash, created)}
    if img.user:
        config["User"] = img.user
    if img.workdir:
        config["WorkingDir"] = img.workdir
    if img.entrypoint:
        config["Entrypoint"] = list(img.entrypoint)
    if img.cmd:
        config["Cmd"] = list(img.cmd)
    if img.exposed_ports:
        config["ExposedPorts"] = {port: {} for port in img.exposed_ports}
    if img.volumes:
        config["Volumes"] = {volume: {} for volume in img.volumes}
    if img.stop_signal:
        config["StopSignal"] = img.stop_signal
    out = {
        "created": created,
        "architecture": spec["architecture"],
        "os": spec["os"],
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [
            {
                "created": created,
                "created_by": (
                    f"mmdebstrap --variant={base.recipe.variant} {CATALOG_SETTINGS['suite']} "
                    f"(recipe {config['Labels']['io.patient-risk.base.recipe']}, r-{rhash})"
                ),
                "comment": f"patient-risk base {base.name}, stands in for {base.upstream}",
            }
        ],
    }
    if "variant" in spec:
        out["variant"] = spec["variant"]
    return out


@dataclass
class BuiltPlatform:
    platform: str
    layer: Path
    layer_digest: str
    layer_size: int
    config: bytes
    manifest: bytes


def build_platform(base: Base, platform: str, rhash: str, epoch: int, created: str) -> BuiltPlatform:
    arch = PLATFORMS[platform]["deb"]
    work = WORK_DIR / f"{base.name}-{arch}"
    rootfs = work / "rootfs"
    remove_tree(work)
    work.mkdir(parents=True)
    logfile = LOG_DIR / f"bases-{base.name}-{arch}.log"
    started = time.monotonic()
    log(f"{base.name} {platform}: mmdebstrap ({base.recipe.variant}) ... log {logfile}")
    run_mmdebstrap(base, platform, rootfs, logfile, epoch)
    prune_rootfs(base, rootfs)
    built = time.monotonic()
    layer = work / "layer.tar.gz"
    diff_id, layer_digest, layer_size = make_layer(rootfs, layer)
    remove_tree(rootfs)
    config = canonical(image_config(base, platform, diff_id, rhash, created))
    manifest = canonical(
        {
            "schemaVersion": 2,
            "mediaType": MT_MANIFEST,
            "config": {"mediaType": MT_CONFIG, "digest": "sha256:" + hashlib.sha256(config).hexdigest(), "size": len(config)},
            "layers": [{"mediaType": MT_LAYER, "digest": layer_digest, "size": layer_size}],
        }
    )
    log(
        f"{base.name} {platform}: rootfs in {built - started:.0f}s, layer {layer_size / 1e6:.1f} MB "
        f"packed in {time.monotonic() - built:.0f}s"
    )
    return BuiltPlatform(platform, layer, layer_digest, layer_size, config, manifest)


def build_base(base: Base, registry: Registry, rhash: str) -> str:
    started = time.monotonic()
    epoch = int(time.time())
    created = dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    built = [build_platform(base, platform, rhash, epoch, created) for platform in base.platforms]
    repo = base.repository
    entries = []
    for item in built:
        registry.put_blob(repo, item.layer_digest, path=item.layer)
        config_digest = "sha256:" + hashlib.sha256(item.config).hexdigest()
        registry.put_blob(repo, config_digest, data=item.config)
        manifest_digest = "sha256:" + hashlib.sha256(item.manifest).hexdigest()
        registry.put_manifest(repo, manifest_digest, MT_MANIFEST, item.manifest)
        spec = PLATFORMS[item.platform]
        platform = {"architecture": spec["architecture"], "os": spec["os"]}
        if "variant" in spec:
            platform["variant"] = spec["variant"]
        entries.append({"mediaType": MT_MANIFEST, "digest": manifest_digest, "size": len(item.manifest), "platform": platform})
        remove_tree(item.layer.parent)
    labels = image_labels(base, rhash, created)
    index = canonical(
        {
            "schemaVersion": 2,
            "mediaType": MT_INDEX,
            "manifests": entries,
            "annotations": {
                k: labels[k]
                for k in (
                    "org.opencontainers.image.source",
                    "org.opencontainers.image.version",
                    "org.opencontainers.image.created",
                    "org.opencontainers.image.description",
                    "io.patient-risk.base.recipe-hash",
                    "io.patient-risk.base.upstream",
                )
            },
        }
    )
    registry.put_manifest(repo, f"r-{rhash}", MT_INDEX, index)
    registry.put_manifest(repo, "local", MT_INDEX, index)
    digest = "sha256:" + hashlib.sha256(index).hexdigest()
    log(f"{base.name}: built and pushed {base.ref('r-' + rhash)} ({digest}) in {time.monotonic() - started:.0f}s")
    return digest


def ensure_base(base: Base, registry: Registry, force: bool) -> str:
    rhash = recipe_hash(base)
    repo = base.repository
    existing = None if force else registry.manifest(repo, f"r-{rhash}")
    if existing is None:
        return build_base(base, registry, rhash)
    digest, media_type, body = existing
    local = registry.manifest(repo, "local")
    if local is not None and local[0] == digest:
        log(f"{base.name}: already up to date ({base.ref('r-' + rhash)}, {digest})")
    else:
        registry.put_manifest(repo, "local", media_type, body)
        log(f"{base.name}: already built; moved :local to r-{rhash} ({digest})")
    return digest


@contextlib.contextmanager
def build_lock():
    (STATE_DIR / "run").mkdir(parents=True, exist_ok=True)
    with open(STATE_DIR / "run" / "bases.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("another `make bases` holds the lock; waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


# --------------------------------------------------------------------------------- commands


def select(bases: dict[str, Base], names: list[str]) -> list[Base]:
    unknown = [n for n in names if n not in bases]
    if unknown:
        raise RecipeError(f"{CATALOG.relative_to(REPO_ROOT)}: no base named {', '.join(unknown)}; known: {', '.join(bases)}")
    return [bases[n] for n in names] if names else list(bases.values())


def cmd_build(args) -> int:
    bases = load_catalog()
    chosen = select(bases, args.names)
    if os.geteuid() != 0:
        raise SystemExit("bases: error: building bases needs root (mmdebstrap --mode=root); run as root")
    for tool in ("mmdebstrap", "tar"):
        if not shutil.which(tool):
            raise SystemExit(f"bases: error: {tool} not found; run `make engine/up` first")
    registry = Registry(LOCAL_REGISTRY)
    registry.ping()
    for directory in (CACHE_DIR, WORK_DIR, LOG_DIR):
        directory.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with build_lock():
        for base in chosen:
            ensure_base(base, registry, args.force)
    log(f"{len(chosen)} base(s) ready in {time.monotonic() - started:.1f}s (registry {LOCAL_REGISTRY}/{CATALOG_SETTINGS['repository_prefix']})")
    return 0


def cmd_check(_args) -> int:
    bases = load_catalog()
    for base in bases.values():
        print(f"{base.name:16} r-{recipe_hash(base)}  {','.join(base.platforms)}")
    return 0


def cmd_list(_args) -> int:
    bases = load_catalog()
    for base in bases.values():
        pin = f"@{base.upstream_digest}" if base.upstream_digest else " (tag)"
        print(f"{base.name:16} {','.join(p.split('/')[1] for p in base.platforms):12} {base.upstream}{pin}")
    return 0


def cmd_refs(args) -> int:
    bases = load_catalog()
    registry = Registry(LOCAL_REGISTRY)
    out = {}
    for base in bases.values():
        rhash = recipe_hash(base)
        found = registry.manifest(base.repository, f"r-{rhash}")
        out[base.name] = {
            "local": base.ref("local"),
            "immutable": base.ref(f"r-{rhash}"),
            "digest": found[0] if found else None,
            "platforms": list(base.platforms),
            "upstream": base.upstream + (f"@{base.upstream_digest}" if base.upstream_digest else ""),
        }
    if args.json:
        print(json.dumps(out, indent=2, sort_keys=True))
    else:
        for name, info in out.items():
            state = info["digest"] or "NOT BUILT (make bases)"
            print(f"{name:16} {info['immutable']}  {state}")
    return 0 if all(info["digest"] for info in out.values()) else 1


PINNED_CONFIGS = REPO_ROOT / "llb-graphs" / "tests" / "fixtures" / "base-configs"


def cmd_pin_configs(_args) -> int:
    """Copy each pushed base's config blob (per platform, byte for byte) over the test fixtures."""
    bases = load_catalog()
    registry = Registry(LOCAL_REGISTRY)
    wanted = set()
    for base in bases.values():
        rhash = recipe_hash(base)
        found = registry.manifest(base.repository, f"r-{rhash}")
        if found is None:
            raise SystemExit(f"bases: error: {base.ref('r-' + rhash)} is not built; run `make bases` first")
        for entry in json.loads(found[2])["manifests"]:
            arch = entry["platform"]["architecture"]
            manifest = registry.manifest(base.repository, entry["digest"])
            if manifest is None:
                raise SystemExit(f"bases: error: {base.repository}@{entry['digest']} vanished from the registry")
            digest = json.loads(manifest[2])["config"]["digest"]
            status, _, config = registry.request("GET", f"/v2/{base.repository}/blobs/{digest}")
            if status != 200 or "sha256:" + hashlib.sha256(config).hexdigest() != digest:
                raise SystemExit(f"bases: error: config blob {digest} of {base.name} answered {status} or mismatched")
            out = PINNED_CONFIGS / f"{base.name}__{arch}.json"
            wanted.add(out.name)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(config)
    for stale in PINNED_CONFIGS.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    log(f"{len(wanted)} base configs pinned in {PINNED_CONFIGS.relative_to(REPO_ROOT)}")
    return 0


def cmd_hash(args) -> int:
    bases = load_catalog()
    for base in select(bases, [args.name]):
        print(f"r-{recipe_hash(base)}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build (when the recipe changed) and push bases")
    build.add_argument("names", nargs="*", help="bases to build (default: all in the catalog)")
    build.add_argument("--force", action="store_true", help="rebuild even when r-<hash> exists")
    build.set_defaults(func=cmd_build)
    sub.add_parser("check", help="validate the catalog and recipes, print hashes").set_defaults(func=cmd_check)
    sub.add_parser("list", help="list bases with their upstream equivalents").set_defaults(func=cmd_list)
    refs = sub.add_parser("refs", help="print the pushed refs and digests")
    refs.add_argument("--json", action="store_true")
    refs.set_defaults(func=cmd_refs)
    sub.add_parser(
        "pin-configs", help="copy the pushed bases' config blobs over llb-graphs/tests/fixtures/base-configs"
    ).set_defaults(func=cmd_pin_configs)
    hsh = sub.add_parser("hash", help="print r-<recipe-hash> of one base")
    hsh.add_argument("name")
    hsh.set_defaults(func=cmd_hash)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except RecipeError as err:
        print(f"bases: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
