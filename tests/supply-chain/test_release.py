"""A release push (`make container/push IMAGE_TAG=0.1.0 REGISTRY=127.0.0.1:5000`) read back from the
registry: attestations per app and platform, SBOM contents and validity, provenance with source
maps, no secret value anywhere, OCI labels and annotations, handoff digests."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from conftest import APPS, LOCAL_REGISTRY, PLATFORMS, PYSPDXTOOLS, REPO_ROOT, RELEASE_VERSION, inspect, per_platform, run

pytestmark = pytest.mark.engine

# What each image's SBOM must name: (SPDX package name, purl prefix).
MUST_NAME = {
    "patient-risk-python-api": [
        ("pyo3", "pkg:cargo/pyo3@"),
        ("patient-signal-dsp", "pkg:conan/patient-signal-dsp@0.1.0?"),
        ("fastapi", "pkg:pypi/fastapi@"),
        ("pydantic", "pkg:pypi/pydantic@"),
        ("patient-signal", "pkg:pypi/patient-signal@"),
        ("python3.13", "pkg:deb/debian/python3.13@"),
        ("libc6", "pkg:deb/debian/libc6@"),
    ],
    "patient-risk-web": [
        ("react", "pkg:npm/react@"),
        ("react-dom", "pkg:npm/react-dom@"),
        ("nginx", "pkg:deb/debian/nginx@"),
    ],
    "risk-monitor-operator": [
        ("sigs.k8s.io/controller-runtime", "pkg:golang/sigs.k8s.io/controller-runtime@"),
        ("k8s.io/client-go", "pkg:golang/k8s.io/client-go@"),
        ("stdlib", "pkg:golang/stdlib@go1.24"),
        ("base-files", "pkg:deb/debian/base-files@"),
        ("tzdata", "pkg:deb/debian/tzdata@"),
    ],
    "dev-guide-docs": [
        ("nginx", "pkg:deb/debian/nginx@"),
        ("libc6", "pkg:deb/debian/libc6@"),
    ],
}
# Packages of this repository compiled or bundled into each image.
LOCAL_PACKAGES = {
    "patient-risk-python-api": ["patient-signal-rust-core", "patient-risk-core", "patient-risk-api"],
    "patient-risk-web": ["patient-monitor-ui-core", "patient-monitor-react-components"],
    "risk-monitor-operator": ["github.com/tirosh-chain/guide/packages/patient-risk-go-core"],
    "dev-guide-docs": [],
}
# What must never be in an image's SBOM (build-only tooling).
MUST_NOT_NAME = {
    "patient-risk-python-api": ["syn", "pyo3-macros", "proptest", "maturin", "pytest"],
    "patient-risk-web": ["vite", "vitest", "typescript", "eslint"],
    "risk-monitor-operator": [],
    "dev-guide-docs": ["mkdocs"],
}


def purls(pkg: dict) -> list[str]:
    return [r["referenceLocator"] for r in pkg.get("externalRefs", []) if r.get("referenceType") == "purl"]


def attestations(push, field: str, key: str) -> dict[tuple[str, str], dict]:
    """(app, platform) -> the `key` document of every app's `{{json .<field>}}`, both platforms."""
    out = {}
    for app in APPS:
        docs = per_platform(inspect(push.ref(app), f"{{{{json .{field}}}}}"), key)
        assert sorted(docs) == PLATFORMS, f"{app}: {field} platforms {sorted(docs)}"
        for platform, doc in docs.items():
            out[(app, platform)] = doc
    return out


@pytest.fixture(scope="module")
def sboms(release_push) -> dict[tuple[str, str], dict]:
    return attestations(release_push, "SBOM", "SPDX")


@pytest.fixture(scope="module")
def provenances(release_push) -> dict[tuple[str, str], dict]:
    return attestations(release_push, "Provenance", "SLSA")


@pytest.mark.parametrize("app", APPS)
def test_sbom_names_what_is_in_the_image(sboms, app):
    for platform in PLATFORMS:
        doc = sboms[(app, platform)]
        arch = platform.split("/")[1]
        pkgs = doc["packages"]
        by_name = {}
        for p in pkgs:
            by_name.setdefault(p["name"], []).append(p)
        for name, prefix in MUST_NAME[app]:
            assert name in by_name, f"{app} {platform}: {name} missing from the SBOM"
            assert any(u.startswith(prefix) for p in by_name[name] for u in purls(p)), (
                f"{app} {platform}: {name} has purls {[purls(p) for p in by_name[name]]}, want {prefix}…"
            )
        for name in MUST_NOT_NAME[app]:
            assert name not in by_name, f"{app} {platform}: build-only {name} is in the SBOM"
        debs = [u for p in pkgs for u in purls(p) if u.startswith("pkg:deb/")]
        assert debs, f"{app} {platform}: no Debian package of the base"
        bad_arch = [u for u in debs if f"arch={arch}" not in u and "arch=all" not in u]
        assert not bad_arch, f"{app} {platform}: packages of another architecture: {bad_arch[:5]}"
        image = next(p for p in pkgs if p["SPDXID"] == "SPDXRef-image")
        assert image["versionInfo"] == RELEASE_VERSION and image["primaryPackagePurpose"] == "CONTAINER"
        describes = [r for r in doc["relationships"] if r["relationshipType"] == "DESCRIBES"]
        assert {r["relatedSpdxElement"] for r in describes} == {"SPDXRef-image"}
        kinds = {r["relationshipType"] for r in doc["relationships"]}
        assert {"CONTAINS", "DEPENDS_ON"} <= kinds, f"{app} {platform}: relationships {kinds}"
        creators = doc["creationInfo"]["creators"]
        assert any(c.startswith("Tool: patient-risk-frontend-") for c in creators), creators
        # What was built from this repository is named as its ecosystem names it (module path,
        # crate, distribution), never by a directory or a build tool's placeholder version.
        for name in LOCAL_PACKAGES[app]:
            assert name in by_name, f"{app} {platform}: local package {name} missing from the SBOM"
        placeholders = [(p["name"], p.get("versionInfo"), purls(p)) for p in pkgs
                        if p["name"].startswith((".", "/")) or p.get("versionInfo") == "(devel)"
                        or any("(devel)" in u or "%28devel%29" in u for u in purls(p))]
        assert not placeholders, f"{app} {platform}: {placeholders}"


def test_the_conan_package_is_linked_by_the_rust_core(sboms):
    """patient-signal-dsp (Conan, linked into the Rust signal core) is in the API's SBOM per
    platform: version, the recipe's author as supplier, license, a pkg:conan purl with the
    recipe and package revisions the build resolved, the Conan arch of that platform, and
    patient-signal-rust-core DEPENDS_ON it."""
    for platform in PLATFORMS:
        doc = sboms[("patient-risk-python-api", platform)]
        by_id = {p["SPDXID"]: p for p in doc["packages"]}
        [dsp] = [p for p in doc["packages"] if p["name"] == "patient-signal-dsp"]
        assert dsp["versionInfo"] == "0.1.0"
        assert dsp["supplier"] == "Organization: patient-risk maintainers", dsp
        assert dsp["licenseDeclared"] == "Apache-2.0"
        [purl] = purls(dsp)
        assert "prev=" in purl and "rrev=" in purl, purl
        conan_arch = {"linux/amd64": "x86_64", "linux/arm64": "armv8"}[platform]
        assert f"arch={conan_arch}" in dsp.get("comment", ""), dsp
        users = [by_id[r["spdxElementId"]]["name"] for r in doc["relationships"]
                 if r["relationshipType"] == "DEPENDS_ON" and r["relatedSpdxElement"] == dsp["SPDXID"]]
        assert users == ["patient-signal-rust-core"], users
        assert any(r["relationshipType"] == "CONTAINS" and r["spdxElementId"] == "SPDXRef-image"
                   and r["relatedSpdxElement"] == dsp["SPDXID"] for r in doc["relationships"])


def test_licenses_are_declared_where_the_ecosystem_records_them(sboms):
    doc = sboms[("patient-risk-python-api", "linux/arm64")]
    lic = {p["name"]: p["licenseDeclared"] for p in doc["packages"]}
    assert lic["fastapi"] == "MIT" and lic["pyo3"] == "MIT OR Apache-2.0"
    assert lic["libc6"] == "NOASSERTION", "dpkg keeps no license"
    web = {p["name"]: p["licenseDeclared"] for p in sboms[("patient-risk-web", "linux/amd64")]["packages"]}
    assert web["react"] == "MIT"


def test_every_sbom_passes_the_spdx_validator(sboms, tmp_path):
    for (app, platform), doc in sboms.items():
        path = tmp_path / f"{app}-{platform.replace('/', '-')}.spdx.json"
        path.write_text(json.dumps(doc))
        result = subprocess.run([PYSPDXTOOLS, "-i", str(path)], capture_output=True, text=True)
        said = result.stdout + result.stderr
        assert result.returncode == 0 and "ERROR" not in said, f"{app} {platform}: pyspdxtools says:\n{said[-4000:]}"


def test_sboms_are_reproducible_per_platform(sboms):
    """created = SOURCE_DATE_EPOCH and the namespace hashes the content: two platforms differ, and
    the document carries no clock time."""
    for app in APPS:
        a, b = sboms[(app, "linux/amd64")], sboms[(app, "linux/arm64")]
        assert a["documentNamespace"] != b["documentNamespace"]
        assert a["creationInfo"]["created"] == b["creationInfo"]["created"]


def test_provenance_is_max_mode_and_maps_steps_to_the_spec(provenances):
    for (app, platform), slsa in provenances.items():
        assert slsa["buildType"].startswith("https://mobyproject.org/buildkit@v1"), slsa["buildType"]
        bk = slsa["metadata"]["https://mobyproject.org/buildkit@v1#metadata"]
        assert "llbDefinition" in slsa["buildConfig"], f"{app} {platform}: not mode=max"
        source = bk.get("source") or {}
        files = [i.get("filename") for i in source.get("infos", [])]
        assert f"apps/{app}/Dockerfile" in files or "Dockerfile" in files, f"{app} {platform}: source infos {files}"
        locations = source.get("locations") or {}
        assert locations, f"{app} {platform}: no step maps back to the spec"
        lines = {r["start"]["line"] for loc in locations.values() for l in loc.get("locations", []) for r in l.get("ranges", [])}
        spec_lines = (REPO_ROOT / f"apps/{app}/Dockerfile").read_text().count("\n") + 1
        assert lines and all(1 <= n <= spec_lines for n in lines), f"{app}: lines {sorted(lines)} outside the spec"
        materials = [m["uri"] for m in slsa.get("materials", [])]
        assert any("patient-risk/bases/" in m and "sha256" in json.dumps(slsa["materials"]) for m in materials), materials


def _base_digests(name: str) -> set[str]:
    """sha256 hex of the local base `name`'s index and of every manifest it lists (the registry's
    own answer, not the attestation's)."""
    import urllib.request

    accept = ", ".join(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
                        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"])
    req = urllib.request.Request(f"http://{LOCAL_REGISTRY}/v2/patient-risk/bases/{name}/manifests/local",
                                 headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=30) as resp:
        index = json.loads(resp.read())
        digests = {resp.headers["Docker-Content-Digest"]}
    digests.update(m["digest"] for m in index.get("manifests", []))
    return {d.split(":", 1)[1] for d in digests}


def test_each_base_digest_is_in_its_own_material_entry(provenances):
    """Every base a build used is a material whose digest is that base's own digest in the local
    registry (its index, or one of its platform manifests), and no other base's."""
    own: dict[str, set[str]] = {}
    for (app, platform), slsa in provenances.items():
        by_base: dict[str, list[dict]] = {}
        for material in slsa.get("materials", []):
            match = re.search(r"patient-risk/bases/([a-z0-9][a-z0-9-]*)", material.get("uri", ""))
            if match:
                by_base.setdefault(match.group(1), []).append(material)
        assert by_base, f"{app} {platform}: no base among the materials {slsa.get('materials')}"
        for name, entries in by_base.items():
            if name not in own:
                own[name] = _base_digests(name)
            for entry in entries:
                got = (entry.get("digest") or {}).get("sha256")
                assert got in own[name], f"{app} {platform}: material {entry['uri']} has {got}, not a digest of base {name}"
                others = {n for n, d in own.items() if n != name and got in d}
                assert not others, f"{app} {platform}: {entry['uri']} carries the digest of {others}"


def test_no_secret_value_in_any_attestation_or_config(release_push, tmp_path):
    canary_file = tmp_path / "canaries"
    canary_file.write_text("\n".join(release_push.canaries.values()) + "\n")
    refs = [release_push.ref(app) for app in APPS]
    result = run([str(REPO_ROOT / "tools/release/leakscan"), "--canaries", str(canary_file), *refs], check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no canary value" in result.stdout
    # Positive control: a value that is in them (the image's revision label) is found.
    labels = inspect(refs[0], "{{json .Image}}")["linux/amd64"]["config"]["Labels"]
    canary_file.write_text(labels["org.opencontainers.image.revision"] + "\n")
    control = run([str(REPO_ROOT / "tools/release/leakscan"), "--canaries", str(canary_file), refs[0]], check=False)
    assert control.returncode == 1 and "config" in control.stdout, control.stdout + control.stderr


def test_labels_and_annotations(release_push):
    for app in APPS:
        ref = release_push.ref(app)
        configs = inspect(ref, "{{json .Image}}")
        for platform in PLATFORMS:
            labels = configs[platform]["config"]["Labels"]
            oci = {k.removeprefix("org.opencontainers.image."): v for k, v in labels.items() if k.startswith("org.opencontainers.image.")}
            for key in ["title", "description", "source", "revision", "version", "created", "licenses", "vendor", "url"]:
                assert oci.get(key), f"{app} {platform}: label {key} missing"
            assert oci["version"] == RELEASE_VERSION and oci["revision"] == release_push.tags.revision
            assert oci["created"].endswith("Z")
            rt = "io.github.tirosh-chain.patient-risk.runtime"
            assert labels[f"{rt}.port"].isdigit() and labels[f"{rt}.readiness"].startswith("/")
            assert labels[f"{rt}.migrations"] in ("true", "false")
        index = inspect(ref, "{{json .Manifest}}")
        ann = index.get("annotations") or {}
        assert ann.get("org.opencontainers.image.version") == RELEASE_VERSION, f"{app}: index annotations {ann}"
        assert ann.get("org.opencontainers.image.source") == "https://github.com/tirosh-chain/guide"
        raw = run(["docker", "buildx", "imagetools", "inspect", "--raw", f"{ref.rsplit(':', 1)[0]}@{index['manifests'][0]['digest']}"]).stdout
        manifest_ann = json.loads(raw).get("annotations") or {}
        assert manifest_ann.get("org.opencontainers.image.title") == app, f"{app}: manifest annotations {manifest_ann}"


def test_handoff_digests_are_the_registry_index_digests(release_push):
    for app in APPS:
        record = release_push.handoff(app)
        assert record["tags"] == [f"v{RELEASE_VERSION}", "latest"]
        assert record["platforms_verified"] and record["platforms"] == PLATFORMS, record["problems"]
        for tag in record["tags"]:
            digest = inspect(release_push.ref(app, tag), "{{json .Manifest}}")["digest"]
            assert record["digest"] == digest, f"{app}:{tag}"
        assert record["reference"] == f"{record['repository']}@{record['digest']}"
        assert record["runtime"]["port"] in (8080, 8081) and record["runtime"]["readiness"].startswith("/")
    assert release_push.handoff("patient-risk-python-api")["migration_needed"] is True
    assert release_push.handoff("patient-risk-web")["migration_needed"] is False


def test_handoff_carries_every_cd_field_and_the_operator_probe_port(release_push):
    """Guide 8-3's fields are in every record (repository, immutable tag, digest, platforms,
    runtime port, readiness, migration), plus the probe port: the operator answers /readyz on
    8081 while 8080 is its metrics port, so a CD overlay that probes `runtime.port` would fail."""
    for app in APPS:
        r = release_push.handoff(app)
        assert r["tag"] == f"v{RELEASE_VERSION}" and r["repository"].endswith(f"/{app}")
        assert r["digest"].startswith("sha256:") and r["platforms"] == PLATFORMS
        assert isinstance(r["runtime"]["port"], int) and isinstance(r["runtime"]["probe_port"], int)
        assert r["runtime"]["readiness"] and isinstance(r["migration_needed"], bool)
        for platform, m in r["platform_manifests"].items():
            assert m["provenance"] and m["sbom"], f"{app} {platform}: {m['predicate_types']}"
    operator = release_push.handoff("risk-monitor-operator")["runtime"]
    assert (operator["port"], operator["probe_port"], operator["readiness"]) == (8080, 8081, "/readyz")
