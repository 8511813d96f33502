"""Release helpers shared by tools/release/{tags,handoff,leakscan} (Python 3.11+, stdlib only).

- the release contract (contracts/release.toml): image repository per app, default prefix;
- tags computed from git: release `vX.Y.Z` + `latest`, or dev `dev`, `dev-<count>-g<sha>`,
  `sha-<sha>` (one place: the Makefile, CI and tests all call tools/release/tags);
- reading pushed images back through `docker buildx imagetools inspect` (works with any
  registry the docker CLI can reach, with its credentials).
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACT = REPO_ROOT / "contracts" / "release.toml"

# A release version: X.Y.Z with an optional pre-release (`-rc.1`); an optional leading `v`.
RELEASE_RE = re.compile(r"^v?(?P<version>(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-(?P<pre>[0-9A-Za-z.-]+))?)$")
# What an OCI tag may be.
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
SHA_LEN = 12


class ReleaseError(Exception):
    """A problem the caller can fix; the message says how."""


def fail(message: str) -> "NoReturn":  # noqa: F821 - typing only
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


# --- release contract -------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Contract:
    default_prefix: str
    repositories: dict[str, str]  # app -> repository
    image: dict[str, str]  # [image] table (vendor, licenses, source, url)

    def image_name(self, app: str, prefix: str | None = None) -> str:
        if app not in self.repositories:
            raise ReleaseError(f"app `{app}` is not in {CONTRACT.relative_to(REPO_ROOT)}; known: {', '.join(self.repositories)}")
        prefix = (prefix or self.default_prefix).rstrip("/")
        return f"{prefix}/{self.repositories[app]}"


def load_contract(path: Path = CONTRACT) -> Contract:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ReleaseError(f"{path}: {e}") from e
    try:
        prefix = data["registry"]["default-prefix"]
        repos = {app: entry["repository"] for app, entry in data["apps"].items()}
    except (KeyError, TypeError) as e:
        raise ReleaseError(f"{path}: missing {e} (see docs/supply-chain.md)") from e
    return Contract(default_prefix=prefix, repositories=repos, image=dict(data.get("image", {})))


def app_spec(app: str) -> dict:
    """The app spec (apps/<app>/Dockerfile is TOML after its `# syntax=` comment)."""
    path = REPO_ROOT / "apps" / app / "Dockerfile"
    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ReleaseError(f"{path}: {e}") from e


# --- git ----------------------------------------------------------------------------------------

def git(*args: str, check: bool = True, repo: Path = REPO_ROOT) -> str:
    p = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)}: {p.stderr.strip() or p.stdout.strip()}")
    return p.stdout.strip() if p.returncode == 0 else ""


@dataclasses.dataclass(frozen=True)
class Tags:
    kind: str  # "release" | "dev"
    version: str  # the VERSION build arg (labels, ldflags)
    tags: list[str]  # every tag to push; the first is the primary one
    revision: str  # full commit sha
    source_date_epoch: int  # commit time, for reproducible builds
    dirty: bool

    def as_json(self) -> dict:
        return dataclasses.asdict(self)


def compute_tags(image_tag: str | None = None, repo: Path = REPO_ROOT) -> Tags:
    """Tags for HEAD of `repo`. `image_tag` (IMAGE_TAG) forces a release of that version; else
    HEAD at a `vX.Y.Z` tag is a release; else it is a dev build."""

    def git(*args: str, check: bool = True) -> str:
        return globals()["git"](*args, check=check, repo=repo)

    revision = git("rev-parse", "HEAD")
    sde = int(git("log", "-1", "--format=%ct", "HEAD"))
    # Changes to tracked files make the tree dirty (untracked files are not part of a commit).
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    if image_tag:
        m = RELEASE_RE.match(image_tag.strip())
        if not m:
            raise ReleaseError(
                f"IMAGE_TAG={image_tag!r} is not a release version: use X.Y.Z or vX.Y.Z (e.g. IMAGE_TAG=0.1.0), "
                "or leave IMAGE_TAG unset for dev tags"
            )
        return _release(m, revision, sde, dirty)
    at_head = [t for t in git("tag", "--points-at", "HEAD").splitlines() if RELEASE_RE.match(t)]
    if at_head and not dirty:
        # Highest version when several release tags point at HEAD.
        best = max(at_head, key=_version_key)
        return _release(RELEASE_RE.match(best), revision, sde, dirty)
    described = git("describe", "--tags", "--long", "--match", "v[0-9]*", check=False)
    m = re.match(r"^.*-(\d+)-g[0-9a-f]+$", described)
    count = int(m.group(1)) if m else int(git("rev-list", "--count", "HEAD"))
    sha = revision[:SHA_LEN]
    suffix = "-dirty" if dirty else ""
    trace = f"dev-{count}-g{sha}{suffix}"
    return Tags(
        kind="dev",
        version=trace,
        tags=[trace, f"sha-{sha}{suffix}", "dev"],
        revision=revision,
        source_date_epoch=sde,
        dirty=dirty,
    )


def _version_key(tag: str) -> tuple:
    m = RELEASE_RE.match(tag)
    nums = tuple(int(x) for x in m.group("version").split("-")[0].split("."))
    # A final release sorts above its pre-releases.
    return nums + ((1,) if not m.group("pre") else (0, m.group("pre")))


def _release(m: re.Match, revision: str, sde: int, dirty: bool) -> Tags:
    version = m.group("version")
    tags = [f"v{version}"]
    if not m.group("pre"):
        tags.append("latest")
    return Tags(kind="release", version=version, tags=tags, revision=revision, source_date_epoch=sde, dirty=dirty)


# --- images in a registry -----------------------------------------------------------------------

def imagetools(ref: str, fmt: str) -> object:
    """`docker buildx imagetools inspect REF --format FMT` parsed as JSON."""
    p = subprocess.run(
        ["docker", "buildx", "imagetools", "inspect", ref, "--format", fmt], capture_output=True, text=True
    )
    if p.returncode != 0:
        raise ReleaseError(f"docker buildx imagetools inspect {ref}: {p.stderr.strip()}")
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise ReleaseError(f"docker buildx imagetools inspect {ref} --format {fmt}: not JSON ({e})") from e


def index_of(ref: str) -> dict:
    """The pushed index (digest, mediaType, manifests with platforms and annotations)."""
    manifest = imagetools(ref, "{{json .Manifest}}")
    if not isinstance(manifest, dict) or "manifests" not in manifest:
        raise ReleaseError(f"{ref} is a single-platform manifest, not a multi-platform index")
    return manifest


def image_platforms(index: dict) -> list[str]:
    """The image platforms of an index (attestation manifests, platform unknown/unknown, left out)."""
    out = []
    for m in index["manifests"]:
        p = m.get("platform") or {}
        if p.get("os") in (None, "unknown"):
            continue
        out.append("/".join(x for x in (p.get("os"), p.get("architecture"), p.get("variant")) if x))
    return out


def attestation_manifests(index: dict) -> dict[str, str]:
    """Image manifest digest -> its attestation manifest digest."""
    out = {}
    for m in index["manifests"]:
        ann = m.get("annotations") or {}
        if ann.get("vnd.docker.reference.type") == "attestation-manifest":
            out[ann["vnd.docker.reference.digest"]] = m["digest"]
    return out


PROVENANCE_PREFIX = "https://slsa.dev/provenance/"
SBOM_PREFIX = "https://spdx.dev/Document"


def predicate_types(repository: str, attestation_digest: str) -> list[str]:
    """The in-toto predicate types of an attestation manifest (its layers' annotations)."""
    ref = f"{repository}@{attestation_digest}"
    p = subprocess.run(["docker", "buildx", "imagetools", "inspect", "--raw", ref], capture_output=True, text=True)
    if p.returncode != 0:
        raise ReleaseError(f"docker buildx imagetools inspect --raw {ref}: {p.stderr.strip()}")
    try:
        manifest = json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise ReleaseError(f"{ref}: attestation manifest is not JSON ({e})") from e
    return sorted(
        {(layer.get("annotations") or {}).get("in-toto.io/predicate-type", "") for layer in manifest.get("layers", [])} - {""}
    )

