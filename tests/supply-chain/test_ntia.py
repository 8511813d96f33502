"""The SBOMs of a release push meet the NTIA minimum elements for every component (supplier, name,
version, unique identifier, relationships, author, timestamp), as judged by an independent checker
(ntia-conformance-checker's `sbomcheck --comply ntia`, pinned in requirements.txt), on every app and
platform read back from the registry; and the suppliers are the ones the metadata declares."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import APPS, PLATFORMS, RELEASE_VERSION, inspect, per_platform

pytestmark = pytest.mark.engine

NTIA_CHECKER = os.environ.get("NTIA_CHECKER", str(Path(sys.executable).with_name("sbomcheck")))
# The repository's own packages: their supplier is the owner of the repository they declare.
OWN_SUPPLIER = "Organization: github.com/tirosh-chain"
# (app, package name, supplier) the real metadata gives: dpkg Maintainer, METADATA Author-email,
# Cargo authors, the Conan recipe's author, package.json author / repository owner, Go module path owner.
EXPECTED = [
    ("patient-risk-python-api", "libc6", "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)"),
    ("patient-risk-python-api", "fastapi", "Person: Sebastián Ramírez (tiangolo@gmail.com)"),
    ("patient-risk-python-api", "pyo3", "Organization: PyO3 Project and Contributors"),
    ("patient-risk-python-api", "patient-signal-dsp", "Organization: patient-risk maintainers"),
    ("patient-risk-python-api", "patient-risk-api", OWN_SUPPLIER),
    ("patient-risk-python-api", "patient-signal", OWN_SUPPLIER),
    ("patient-risk-python-api", "patient-signal-rust-core", OWN_SUPPLIER),
    ("patient-risk-web", "react", "Organization: github.com/react"),
    ("patient-risk-web", "cookie", "Person: Roman Shtylman (shtylman@gmail.com)"),
    ("patient-risk-web", "patient-monitor-ui-core", OWN_SUPPLIER),
    ("risk-monitor-operator", "sigs.k8s.io/controller-runtime", "Organization: sigs.k8s.io"),
    ("risk-monitor-operator", "github.com/tirosh-chain/guide/packages/patient-risk-go-core", OWN_SUPPLIER),
    ("dev-guide-docs", "nginx", None),  # any Maintainer-derived actor (checked below: not a fallback)
]


@pytest.fixture(scope="module")
def sboms(release_push) -> dict[tuple[str, str], dict]:
    out = {}
    for app in APPS:
        docs = per_platform(inspect(release_push.ref(app), "{{json .SBOM}}"), "SPDX")
        assert sorted(docs) == PLATFORMS, f"{app}: SBOM platforms {sorted(docs)}"
        for platform, doc in docs.items():
            out[(app, platform)] = doc
    return out


def sbomcheck(path: Path) -> subprocess.CompletedProcess:
    assert Path(NTIA_CHECKER).exists(), f"{NTIA_CHECKER} missing: run `make test/integration/supply-chain` (installs the venv)"
    return subprocess.run([NTIA_CHECKER, "--comply", "ntia", "--output", "json", str(path)], capture_output=True, text=True)


def test_every_sbom_meets_the_ntia_minimum_elements(sboms, tmp_path):
    for (app, platform), doc in sorted(sboms.items()):
        path = tmp_path / f"{app}-{platform.replace('/', '-')}.spdx.json"
        path.write_text(json.dumps(doc))
        result = sbomcheck(path)
        assert result.returncode == 0, f"{app} {platform}: sbomcheck says\n{result.stdout[-6000:]}{result.stderr[-2000:]}"
        report = json.loads(result.stdout)
        assert report["isConformant"] is True, f"{app} {platform}: {report}"
        # The checker judges the components reachable from the document's DESCRIBES: all of them.
        floating = report["graphValidation"]["floatingComponents"]["floatingComponentCount"]
        assert floating == 0 and report["totalNumberComponents"] == len(doc["packages"]), f"{app} {platform}: {report['graphValidation']}"
        # Our own reading of the same elements, so a checker that stopped looking would show.
        for p in doc["packages"]:
            assert p["supplier"].startswith(("Person: ", "Organization: ")), f"{app} {platform}: {p['name']} supplier {p['supplier']!r}"
            assert p.get("versionInfo"), f"{app} {platform}: {p['name']} has no version"


def test_the_checker_rejects_a_component_without_a_supplier(sboms, tmp_path):
    """Positive control: one supplier set to NOASSERTION (valid SPDX) and the checker fails."""
    doc = json.loads(json.dumps(sboms[("patient-risk-web", "linux/amd64")]))
    doc["packages"][-1]["supplier"] = "NOASSERTION"
    path = tmp_path / "no-supplier.spdx.json"
    path.write_text(json.dumps(doc))
    assert sbomcheck(path).returncode != 0


def test_suppliers_come_from_the_metadata(sboms):
    for platform in PLATFORMS:
        for app, name, want in EXPECTED:
            pkgs = [p for p in sboms[(app, platform)]["packages"] if p["name"] == name]
            assert pkgs, f"{app} {platform}: no package {name}"
            got = pkgs[0]["supplier"]
            if want is None:
                assert got not in ("Organization: Debian", "Organization: Debian GNU/Linux"), f"{app} {platform}: {name}: {got}"
            else:
                assert got == want, f"{app} {platform}: {name}: {got!r}, want {want!r}"


def test_go_modules_built_from_directories_carry_the_release_version(sboms):
    for platform in PLATFORMS:
        pkgs = {p["name"]: p for p in sboms[("risk-monitor-operator", platform)]["packages"]}
        for name in ["github.com/tirosh-chain/guide/apps/risk-monitor-operator", "github.com/tirosh-chain/guide/packages/patient-risk-go-core"]:
            assert name in pkgs, f"{platform}: {name} missing: {sorted(pkgs)[:20]}"
            assert pkgs[name]["versionInfo"] == RELEASE_VERSION, f"{platform}: {name} {pkgs[name].get('versionInfo')}"
