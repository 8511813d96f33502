"""Real builds against the engine: multi-platform push with provenance, and the host CA secret."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest

from conftest import HOST_CA_BUNDLE, LOCAL_REGISTRY, registry_get, run
from own_ca import own_ca_bundle

SECRET = ["--secret", f"id=host_ca_bundle,src={HOST_CA_BUNDLE}"]
TEST_REPO = "patient-risk/tests/engine"


def _delete_tag(tag: str) -> None:
    """Drop a throwaway image from the registry (deletes are enabled) so tests leave nothing."""
    import urllib.request

    status, headers, _ = registry_get(
        f"/v2/{TEST_REPO}/manifests/{tag}", accept="application/vnd.oci.image.index.v1+json"
    )
    if status == 200:
        request = urllib.request.Request(
            f"http://{LOCAL_REGISTRY}/v2/{TEST_REPO}/manifests/{headers['docker-content-digest']}", method="DELETE"
        )
        urllib.request.urlopen(request, timeout=30).close()


def test_multiplatform_build_from_local_base_pushes_with_provenance(tmp_path: Path, base_ref):
    (tmp_path / "Dockerfile").write_text(
        "ARG BASE\n"
        "FROM ${BASE}\n"
        "RUN python3 -c \"import platform; open('/machine', 'w').write(platform.machine())\"\n"
        "USER 10001\n"
    )
    tag = f"smoke-{uuid.uuid4().hex[:10]}"
    ref = f"{LOCAL_REGISTRY}/{TEST_REPO}:{tag}"
    try:
        run(
            ["docker", "buildx", "build", "--platform", "linux/amd64,linux/arm64", "--provenance=mode=max",
             "--build-arg", f"BASE={base_ref('python-runtime')}", "--push", "-t", ref, str(tmp_path)],
            timeout=900,
        )
        raw = json.loads(run(["docker", "buildx", "imagetools", "inspect", "--raw", ref]).stdout)
        platforms = {
            f"{m['platform']['os']}/{m['platform']['architecture']}"
            for m in raw["manifests"]
            if m.get("annotations", {}).get("vnd.docker.reference.type") != "attestation-manifest"
        }
        assert platforms == {"linux/amd64", "linux/arm64"}
        provenance = json.loads(
            run(["docker", "buildx", "imagetools", "inspect", ref, "--format", "{{json .Provenance}}"]).stdout
        )
        assert set(provenance) == {"linux/amd64", "linux/arm64"}, provenance.keys()
        for platform, statement in provenance.items():
            slsa = statement["SLSA"]
            materials = json.dumps(slsa.get("materials", []))
            assert "patient-risk/bases/python-runtime" in materials, materials
            assert slsa["invocation"]["parameters"]["frontend"] == "dockerfile.v0"
        # Each platform's image really is that platform.
        for platform, machine in (("linux/amd64", "x86_64"), ("linux/arm64", "aarch64")):
            out = run(["docker", "run", "--rm", "--pull", "always", "--platform", platform, ref, "cat", "/machine"],
                      timeout=300)
            assert out.stdout == machine
    finally:
        _delete_tag(tag)
        run(["docker", "image", "rm", "-f", ref], check=False)


def _dockerfile(base_ref) -> str:
    mount = "--mount=type=secret,id=host_ca_bundle,target=/etc/ssl/certs/ca-certificates.crt"
    return (
        f"FROM {base_ref('python-builder')} AS pip\n"
        f"RUN {mount} PIP_CERT=/etc/ssl/certs/ca-certificates.crt \\\n"
        "    python3 -m pip download --no-deps --retries 1 --timeout 30 -d /wheels six==1.17.0 && \\\n"
        # which bundle the step saw, by digest only (the lines themselves must not land anywhere)
        "    sha256sum /etc/ssl/certs/ca-certificates.crt | cut -c1-64 > /wheels/ca-bundle.sha256\n"
        f"FROM {base_ref('node-builder')} AS npm\n"
        f"RUN {mount} NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \\\n"
        "    npm view --fetch-retries=1 left-pad version > /npm-view.txt && test -s /npm-view.txt\n"
        f"FROM {base_ref('python-runtime')}\n"
        "COPY --from=pip /wheels /wheels\n"
        "COPY --from=npm /npm-view.txt /npm-view.txt\n"
    )


def _host_only_lines(base_ref) -> list[bytes]:
    """Lines of the host bundle that Debian's own bundle lacks (the intercepting proxy's CA)."""
    from test_bases import _file_from_image

    debian = set(_file_from_image(base_ref("python-runtime"), "/etc/ssl/certs/ca-certificates.crt").splitlines())
    return sorted(l for l in set(HOST_CA_BUNDLE.read_bytes().splitlines()) - debian if len(l) > 40)


def _blobs(oci_tar: Path):
    """(name, bytes) of every blob in an OCI layout tarball, gzip layers decompressed."""
    with tarfile.open(oci_tar) as archive:
        for member in archive.getmembers():
            if not member.isfile() or "/blobs/" not in f"/{member.name}":
                continue
            data = archive.extractfile(member).read()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            yield member.name, data


def test_registry_steps_work_through_the_ca_secret_and_leave_no_copy(tmp_path: Path, base_ref):
    """The registry steps reach PyPI and npm with a bundle holding a CA made for this test (plus the
    host's CAs), and no blob of the exported image (layers decompressed, configs, manifests,
    provenance) holds a line of that CA or a file equal to the bundle. Runs on every machine; the
    host's own CA lines (an intercepting proxy's, when there is one) are searched for as well."""
    ca = own_ca_bundle(tmp_path / "ca", HOST_CA_BUNDLE)
    needles = ca.needles + _host_only_lines(base_ref)
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(_dockerfile(base_ref))
    oci = tmp_path / "image.oci.tar"
    run(
        ["docker", "buildx", "build", "--no-cache", "--platform", "linux/amd64", "--provenance=mode=max",
         "--secret", f"id=host_ca_bundle,src={ca.bundle}", "--output", f"type=oci,dest={oci}", str(context)],
        timeout=900,
    )
    bundle_digest = hashlib.sha256(ca.bundle.read_bytes()).hexdigest()
    host_digest = hashlib.sha256(HOST_CA_BUNDLE.read_bytes()).hexdigest()
    saw_wheel = saw_npm = saw_digest = False
    blobs = 0
    for name, data in _blobs(oci):
        blobs += 1
        for line in needles:
            assert line not in data, f"blob {name} holds a line of the test CA / host CA bundle"
        if data[:262].find(b"ustar") != -1:  # a layer: check every file
            with tarfile.open(fileobj=io.BytesIO(data)) as layer:
                for member in layer.getmembers():
                    if not member.isfile():
                        continue
                    content = layer.extractfile(member).read()
                    digest = hashlib.sha256(content).hexdigest()
                    assert digest not in (host_digest, bundle_digest), f"{member.name} is the CA bundle"
                    if member.name.endswith("ca-bundle.sha256"):
                        assert content.strip().decode() == bundle_digest, "the step did not see the test bundle"
                        saw_digest = True
                    if member.name.endswith("six-1.17.0-py2.py3-none-any.whl"):
                        saw_wheel = True
                    if member.name.endswith("npm-view.txt"):
                        assert content.strip() and content.strip()[0:1].isdigit(), content
                        saw_npm = True
    assert blobs >= 4
    assert saw_wheel, "pip download did not land its wheel in the image"
    assert saw_npm, "npm view did not land its answer in the image"
    assert saw_digest, "the pip step's record of the bundle it saw is missing"


def test_registry_steps_fail_without_the_ca_secret(tmp_path: Path, base_ref):
    """The control: the same pip step without the secret cannot reach PyPI (TLS is intercepted)."""
    if not _host_only_lines(base_ref):
        pytest.skip("no intercepting proxy CA on this host: PyPI is reachable without the secret")
    (tmp_path / "Dockerfile").write_text(_dockerfile(base_ref))
    result = run(
        ["docker", "buildx", "build", "--no-cache", "--platform", "linux/amd64", "--target", "pip",
         "--output", f"type=tar,dest={tmp_path / 'out.tar'}", str(tmp_path)],
        check=False,
        timeout=600,
    )
    assert result.returncode != 0, "pip reached PyPI without the host CA: the secret test proves nothing"
    assert "SSL" in result.stderr or "certificate" in result.stderr.lower(), result.stderr[-2000:]
