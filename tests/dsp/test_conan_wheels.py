"""The API's PyO3 wheel per platform links patient-signal-dsp from Conan for its own
arch (issue 15b): linux/amd64 ↔ Conan arch=x86_64, linux/arm64 ↔ arch=armv8.

Builds the `wheel` target of apps/patient-risk-python-api for both platforms with the
real engine, the working-tree frontend and the local bases, then opens each wheel's
extension module:

- workspace mode (the package built from the workspace recipe in the image build): the
  .so is an ELF for its platform, carries the build info the C library compiles in for
  *its* Conan arch and never the other arch's, and `conan-packages.txt` beside the wheel
  names the recipe revision and the package id of that arch (the ids `make dsp/deploy`
  computes for the same recipe on this host; the two arches' ids differ);
- registry mode (the binaries `make dsp/publish` uploaded to the loopback Conan server):
  the record is exactly the published package reference (revision included) of that
  arch, and the machine code of `psd_spo2_filter` from that very binary (the static
  library in this host's Conan cache, relocated bytes masked) is inside the .so, while
  the other arch's code is not.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import struct
import sys
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("images_helpers", HERE.parent / "images" / "conftest.py")
H = importlib.util.module_from_spec(_spec)
sys.modules["images_helpers"] = H  # dataclasses look their module up
_spec.loader.exec_module(H)

STATE_DIR = Path(os.environ.get("STATE_DIR", "/var/lib/patient-risk"))
CREDS = STATE_DIR / "registries" / "credentials"
SPEC = "apps/patient-risk-python-api/Dockerfile"
REF = "patient-signal-dsp/0.1.0"
# platform → (Conan arch, ELF e_machine, platform dir of buildx's local output)
PLATFORMS = {
    "linux/amd64": ("x86_64", 62, "linux_amd64"),
    "linux/arm64": ("armv8", 183, "linux_arm64"),
}
OTHER = {"x86_64": "armv8", "armv8": "x86_64"}


def marker(arch: str) -> bytes:
    return f"patient-signal-dsp/0.1.0 arch={arch} build=conan".encode()


def build_wheels(dest: Path, *flags: str, secrets: dict[str, str] | None = None) -> dict[str, tuple[bytes, str]]:
    """Both platforms' `wheel` target into `dest`; platform → (extension module bytes,
    conan-packages.txt)."""
    H.buildx(SPEC, "--target", "wheel", "--platform", ",".join(PLATFORMS), "-o", f"type=local,dest={dest}",
             *flags, secrets=secrets)
    out = {}
    for platform, (_, _, subdir) in PLATFORMS.items():
        wheels = sorted((dest / subdir).glob("*.whl"))
        assert len(wheels) == 1, f"{platform}: {list((dest / subdir).iterdir())}"
        with zipfile.ZipFile(wheels[0]) as z:
            natives = [n for n in z.namelist() if re.fullmatch(r"patient_signal/_native.*\.so", n)]
            assert len(natives) == 1, z.namelist()
            so = z.read(natives[0])
        record = (dest / subdir / "conan-packages.txt").read_text()
        out[platform] = (so, record)
    return out


def host_pref(arch: str) -> dict:
    """The package this host's Conan resolved for `arch` (make dsp/deploy)."""
    graph = json.loads((STATE_DIR / "dsp" / "deploy" / f"{arch}.graph.json").read_text())
    node = next(n for n in graph["graph"]["nodes"].values() if n.get("ref", "").startswith(REF + "#"))
    return {"rrev": node["ref"].split("#")[1], "package_id": node["package_id"], "prev": node["prev"]}


def record_pref(record: str) -> tuple[str, str, str, str]:
    """`name/version#rrev:package_id#prev arch=<arch>` → (rrev, package_id, prev, arch)."""
    m = re.fullmatch(re.escape(REF) + r"#([0-9a-f]{32}):([0-9a-f]{40})#([0-9a-f]{32}) arch=(\w+)\n", record)
    assert m, f"conan-packages.txt: {record!r}"
    return m.group(1), m.group(2), m.group(3), m.group(4)


def test_workspace_wheels_link_the_conan_package_of_their_own_arch(tmp_path):
    wheels = build_wheels(tmp_path / "ws")
    for platform, (arch, machine, _) in PLATFORMS.items():
        so, record = wheels[platform]
        assert so[:4] == b"\x7fELF" and int.from_bytes(so[18:20], "little") == machine, platform
        assert so.count(marker(arch)) == 1, f"{platform}: no arch={arch} build info in the extension module"
        assert marker(OTHER[arch]) not in so, f"{platform}: the arch={OTHER[arch]} binary is linked in"
        rrev, package_id, _, rec_arch = record_pref(record)
        expected, other = host_pref(arch), host_pref(OTHER[arch])
        assert rec_arch == arch
        assert (rrev, package_id) == (expected["rrev"], expected["package_id"]), f"{platform}: {record}"
        assert package_id != other["package_id"], "the two arches must have different package ids"


# ------------------------------------------------------------------ registry mode


def elf_function(obj: bytes, name: str) -> re.Pattern:
    """A byte pattern of function `name` in an ELF64 relocatable object: its bytes with
    every relocated 4-byte field a wildcard (the linker fills those in)."""
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", obj, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", obj, shoff + i * shentsize) for i in range(shnum)]
    strtab_of = lambda idx: sections[idx][4]  # noqa: E731 (sh_offset)

    def cstr(off: int) -> str:
        return obj[off:obj.index(b"\0", off)].decode()

    symtab = next(i for i, s in enumerate(sections) if s[1] == 2)  # SHT_SYMTAB
    _, _, _, _, off, size, link, _, _, entsize = sections[symtab]
    for k in range(size // entsize):
        st_name, st_info, _, st_shndx, st_value, st_size = struct.unpack_from("<IBBHQQ", obj, off + k * entsize)
        if cstr(strtab_of(link) + st_name) == name:
            break
    else:
        raise AssertionError(f"no symbol {name}")
    text = sections[st_shndx]
    code = bytearray(obj[text[4] + st_value:text[4] + st_value + st_size])
    masked = set()
    for s in sections:
        if s[1] == 4 and s[7] == st_shndx:  # SHT_RELA applying to that section
            for k in range(s[5] // s[9]):
                r_offset, _, _ = struct.unpack_from("<QQq", obj, s[4] + k * s[9])
                if st_value <= r_offset < st_value + st_size:
                    masked.update(range(r_offset - st_value, r_offset - st_value + 4))
    assert len(code) >= 64 and len(masked) < len(code) // 2, (name, len(code), len(masked))
    pattern = b"".join(b"." if i in masked else re.escape(bytes([b])) for i, b in enumerate(code))
    return re.compile(pattern, re.DOTALL)


def published_static_lib(rrev: str, package_id: str, prev: str) -> bytes:
    """spo2_filter.c.o from the static library of that exact package revision: the
    binary make dsp/publish uploaded, still in this host's Conan cache."""
    conan = STATE_DIR / "venvs" / "conan" / "bin" / "conan"
    folder = H.run([str(conan), "cache", "path", f"{REF}#{rrev}:{package_id}#{prev}"],
                   env={"CONAN_HOME": str(STATE_DIR / "dsp" / "conan-home")}).stdout.strip()
    obj = ar_member((Path(folder) / "lib" / "libpatient_signal_dsp.a").read_bytes(), "spo2_filter.c.o")
    assert obj is not None, f"spo2_filter.c.o not in {folder}"
    return obj


def ar_member(archive: bytes, name: str) -> bytes | None:
    assert archive[:8] == b"!<arch>\n"
    pos, names = 8, b""
    while pos < len(archive):
        header = archive[pos:pos + 60]
        ident, size = header[:16].decode().strip(), int(header[48:58].decode().strip())
        body = archive[pos + 60:pos + 60 + size]
        if ident == "//":
            names = body
        elif ident.startswith("/") and ident[1:].isdigit() and names:
            start = int(ident[1:])
            ident = names[start:names.index(b"/\n", start)].decode()
        if ident.rstrip("/") == name:
            return body
        pos += 60 + size + (size % 2)
    return None


def test_registry_wheels_contain_the_published_binary_of_their_arch(tmp_path):
    status = H.run([sys.executable, str(H.REPO_ROOT / "tools/registries/registries.py"), "status"], check=False)
    assert status.returncode == 0, f"registries not up (make registries/up):\n{status.stdout}{status.stderr}"
    urls = {line.split()[0]: line.split()[1] for line in status.stdout.splitlines()}
    args = {"PACKAGE_SOURCE": "registry", "UV_INDEX_URL": urls["pypi"], "NPM_REGISTRY_URL": urls["npm"],
            "CARGO_REGISTRY_INDEX": urls["cargo"], "CONAN_REMOTE_URL": urls["conan"]}
    flags = ["--allow", "network.host"]
    for k, v in args.items():
        flags += ["--build-arg", f"{k}={v}"]
    for sid in ["uv_index_username", "uv_index_password", "cargo_registry_token", "conan_login_username",
                "conan_password"]:
        flags += ["--secret", f"id={sid},src={CREDS / sid}"]
    published = json.loads((STATE_DIR / "dsp" / "published.json").read_text())["patientrisk"][REF]["revisions"]
    wheels = build_wheels(tmp_path / "reg", *flags)
    code = {}
    for platform, (arch, _, _) in PLATFORMS.items():
        rrev, package_id, prev, rec_arch = record_pref(wheels[platform][1])
        pkg = published[rrev]["packages"][package_id]
        assert rec_arch == arch and pkg["info"]["settings"]["arch"] == arch, wheels[platform][1]
        assert prev in pkg["revisions"], f"{platform}: package revision {prev} is not the published one"
        code[arch] = elf_function(published_static_lib(rrev, package_id, prev), "psd_spo2_filter")
    for platform, (arch, _, _) in PLATFORMS.items():
        so = wheels[platform][0]
        assert code[arch].search(so), f"{platform}: psd_spo2_filter of the published arch={arch} binary is not in the wheel"
        assert not code[OTHER[arch]].search(so), f"{platform}: the arch={OTHER[arch]} binary's code is in the wheel"
        assert so.count(marker(arch)) == 1 and marker(OTHER[arch]) not in so
