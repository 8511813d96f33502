"""A CA of the test's own, so the "host CA never in a layer" checks run on every machine.

`own_ca_bundle()` makes a fresh self-signed CA with openssl (random key, unique subject) and a
bundle = the host bundle + that CA. Builds get the bundle as the `host_ca_bundle` secret (so
registries stay reachable through whatever the host trusts); the tests then search every
decompressed blob for the CA's base64 lines (`needles`), which exist nowhere else in the world.
Without it the check depended on the host having a CA of its own (an intercepting proxy) and
quietly searched for nothing elsewhere."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass
class OwnCA:
    bundle: Path          # host bundle + the test CA: pass as --secret id=host_ca_bundle,src=<bundle>
    pem: bytes            # the test CA certificate alone
    needles: list[bytes]  # base64 lines of the test CA (64 characters each): must appear in no blob


def own_ca_bundle(directory: Path, host_bundle: Path) -> OwnCA:
    directory.mkdir(parents=True, exist_ok=True)
    subject = f"/CN=patient-risk test CA {uuid.uuid4().hex}"
    key, cert = directory / "test-ca.key", directory / "test-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", subject], check=True, capture_output=True, timeout=120)
    pem = cert.read_bytes()
    lines = [l for l in pem.splitlines() if l and not l.startswith(b"-----")]
    # Full 64-character lines: random enough that any one of them found in a blob is this CA.
    needles = [l for l in lines if len(l) == 64]
    assert len(needles) >= 10, f"openssl wrote an unexpected certificate: {pem[:200]!r}"
    bundle = directory / "host-plus-test-ca.crt"
    bundle.write_bytes(host_bundle.read_bytes().rstrip(b"\n") + b"\n" + pem)
    key.unlink()
    return OwnCA(bundle=bundle, pem=pem, needles=needles)
