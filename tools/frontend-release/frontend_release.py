#!/usr/bin/env python3
"""The frontend as a released artifact, and the base images a push may carry (docs/frontend-release.md).

  base-images --dest PREFIX [--base-images V] [--bases-registry R]
      Check the BASE_IMAGES choice for images pushed under PREFIX and print it: the default is
      `local` (the bases `make bases` pushed to the loopback registry) when PREFIX is on a
      loopback registry, else `upstream` (bases/catalog.toml's refs, pinned by digest where the
      catalog has one). Loopback base refs in an image bound for a non-loopback registry are
      refused (exit 1): nobody else could pull them.
  record --repository REPO --metadata FILE --tag TAG... --revision SHA --out FILE
      Write the push record of the frontend image (repository, tags, index digest, pinned ref,
      platforms) that publishing jobs and `frontend/pin` read.
  pin --record FILE --pin-file FILE [--apps DIR]
      Rewrite every apps/*/Dockerfile `# syntax=` line to <repository>:<tag>@<digest> of the
      record and write the pin file (the frontend of this tree).
  pin-check --pin-file FILE [--apps DIR] --frontend-changed yes|no
      Fail unless every spec names the pin file's ref and no frontend input changed since the
      pinned frontend's revision (the pin is then "the frontend of this tree").
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import re
import sys
from pathlib import Path

LOOPBACK_HOSTS = {"localhost", "::1"}
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
SYNTAX_RE = re.compile(r"^#\s*syntax\s*=\s*(?P<ref>\S*)\s*$", re.IGNORECASE)


class Refused(Exception):
    pass


def registry_host(prefix: str) -> str:
    """The host of a repository prefix (`127.0.0.1:5000/x` → `127.0.0.1`, `[::1]:5000` → `::1`)."""
    first = prefix.strip().split("/", 1)[0]
    if first.startswith("["):
        return first[1:].split("]", 1)[0]
    if first.count(":") == 1:
        return first.rsplit(":", 1)[0]
    return first


def is_loopback(prefix: str) -> bool:
    """Whether a repository prefix names a registry on this machine's loopback interface.
    A prefix without a dot, colon or `localhost` in its first part is a Docker Hub path."""
    first = prefix.strip().split("/", 1)[0]
    if "/" not in prefix.strip() and "." not in first and ":" not in first and first != "localhost":
        return False
    host = registry_host(prefix).lower()
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_images(dest: str, chosen: str, bases_registry: str) -> str:
    if not dest.strip():
        raise Refused("base-images: no destination registry (IMAGES_DEST / REGISTRY is empty)")
    value = chosen.strip() or ("local" if is_loopback(dest) else "upstream")
    if value not in ("local", "upstream"):
        raise Refused(f"BASE_IMAGES={value!r}: use `local` (bases from `make bases`) or `upstream` (bases/catalog.toml)")
    if value == "local" and not is_loopback(dest) and is_loopback(bases_registry):
        raise Refused(
            f"refusing to push images to {dest} built on loopback base images ({bases_registry}/<base>:local):\n"
            f"  {registry_host(dest)} is not this machine, and nobody who pulls the image there can pull its bases.\n"
            f"  Fix: drop BASE_IMAGES=local (a non-loopback registry defaults to BASE_IMAGES=upstream, the refs of\n"
            f"  bases/catalog.toml), or push the bases to a registry the consumers reach and set BASE_IMAGES_REGISTRY to it."
        )
    return value


def load_json(path: Path, what: str) -> dict:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise Refused(f"{path}: no {what}; run `make frontend/push REGISTRY=...` first") from None
    except json.JSONDecodeError as e:
        raise Refused(f"{path}:{e.lineno}: not JSON ({e.msg}); rerun `make frontend/push`") from None


def record(a: argparse.Namespace) -> int:
    meta = load_json(Path(a.metadata), "buildx metadata file")
    digest = meta.get("containerimage.digest", "")
    if not DIGEST_RE.match(digest):
        raise Refused(f"{a.metadata}: no containerimage.digest in the build's metadata (got {digest!r})")
    tags = [t for t in a.tag if t]
    if not tags:
        raise Refused("record: no --tag")
    out = {
        "repository": a.repository,
        "tags": tags,
        "version": tags[0],
        "digest": digest,
        "ref": f"{a.repository}@{digest}",
        "pinned": f"{a.repository}:{tags[0]}@{digest}",
        "revision": a.revision,
        "platforms": sorted(a.platform),
    }
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2, sort_keys=True) + "\n", "utf-8")
    print(f"frontend/push: {out['pinned']} (record {a.out})")
    return 0


def specs(apps: Path) -> list[Path]:
    found = sorted(p for p in apps.glob("*/Dockerfile") if p.is_file())
    if not found:
        raise Refused(f"{apps}: no */Dockerfile app specs")
    return found


def syntax_of(path: Path) -> str | None:
    first = path.read_text("utf-8").split("\n", 1)[0]
    m = SYNTAX_RE.match(first)
    return m.group("ref") if m else None


def pin(a: argparse.Namespace) -> int:
    rec = load_json(Path(a.record), "frontend push record")
    for key in ("repository", "version", "digest", "revision"):
        if not rec.get(key):
            raise Refused(f"{a.record}: no `{key}`; rerun `make frontend/push`")
    if not DIGEST_RE.match(rec["digest"]):
        raise Refused(f"{a.record}: digest {rec['digest']!r} is not sha256:<64 hex>")
    if rec["revision"].endswith("-dirty"):
        raise Refused(f"{a.record}: the frontend was pushed from a dirty tree ({rec['revision']}); commit, then push it again")
    ref = f"{rec['repository']}:{rec['version']}@{rec['digest']}"
    for spec in specs(Path(a.apps)):
        text = spec.read_text("utf-8")
        first, _, rest = text.partition("\n")
        if not SYNTAX_RE.match(first):
            raise Refused(f"{spec}:1: line 1 is not a `# syntax=` line; add `# syntax={ref}`")
        new = f"# syntax={ref}\n{rest}"
        if new != text:
            spec.write_text(new, "utf-8")
            print(f"frontend/pin: {spec}: # syntax={ref}")
    pin_doc = {"repository": rec["repository"], "version": rec["version"], "digest": rec["digest"],
               "ref": ref, "revision": rec["revision"]}
    Path(a.pin_file).write_text(json.dumps(pin_doc, indent=2, sort_keys=True) + "\n", "utf-8")
    print(f"frontend/pin: wrote {a.pin_file}")
    return 0


def pin_check(a: argparse.Namespace) -> int:
    doc = load_json(Path(a.pin_file), "frontend pin file")
    ref = doc.get("ref", "")
    problems = []
    for spec in specs(Path(a.apps)):
        got = syntax_of(spec)
        if got != ref:
            problems.append(f"{spec}:1: `# syntax={got}` is not pinned to the frontend of this tree ({ref}); run `make frontend/pin`")
    if a.frontend_changed == "yes":
        problems.append(
            f"{a.pin_file}: the frontend's inputs changed since {doc.get('revision')} (the revision its pinned frontend "
            f"{ref} was built from): push the frontend of this tree (`make frontend/push`), then `make frontend/pin`")
    if problems:
        raise Refused("\n".join(problems))
    print(f"frontend/pin: every spec is pinned to {ref}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(usage=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("base-images")
    p.add_argument("--dest", required=True)
    p.add_argument("--base-images", default="")
    p.add_argument("--bases-registry", default="127.0.0.1:5000/patient-risk/bases")
    p = sub.add_parser("record")
    p.add_argument("--repository", required=True)
    p.add_argument("--metadata", required=True)
    p.add_argument("--tag", action="append", default=[])
    p.add_argument("--platform", action="append", default=[])
    p.add_argument("--revision", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("pin")
    p.add_argument("--record", required=True)
    p.add_argument("--pin-file", required=True)
    p.add_argument("--apps", default="apps")
    p = sub.add_parser("pin-check")
    p.add_argument("--pin-file", required=True)
    p.add_argument("--apps", default="apps")
    p.add_argument("--frontend-changed", choices=["yes", "no"], required=True)
    a = ap.parse_args()
    try:
        if a.cmd == "base-images":
            print(base_images(a.dest, a.base_images, a.bases_registry))
            return 0
        return {"record": record, "pin": pin, "pin-check": pin_check}[a.cmd](a)
    except Refused as e:
        print(f"{a.cmd}: {e}" if not str(e).startswith(a.cmd) else str(e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
