"""Bad input gets an error that names the file, line, column and the fix, shown by buildx."""

from __future__ import annotations

import pytest

from conftest import CA_SECRET, LOCAL_BASES, LOCAL_REGISTRY, REPO_ROOT, buildx, line_of, spec_text


def test_typo_in_spec_shows_file_line_column_suggestion_and_snippet(scratch_dir):
    text = spec_text().replace("\nport = ", "\nprot = ")
    (scratch_dir / "Dockerfile").write_text(text)
    result = buildx(*LOCAL_BASES, spec=str(scratch_dir / "Dockerfile"), check=False, timeout=600)
    assert result.returncode != 0
    err = result.stderr
    line = line_of(text, "prot = ")
    assert f"Dockerfile:{line}:1: error[unknown-key]" in err, err
    assert "did you mean `port`?" in err, err
    # buildx renders the errdefs.Source detail as a snippet with the bad line marked
    assert "Dockerfile:" in err and "\n--------------------\n" in err, err
    assert f"{line:>4} | >>> prot = " in err, err


def test_invalid_value_points_at_its_line(scratch_dir):
    text = spec_text().replace("\nuser = 65532", "\nuser = \"root\"")
    (scratch_dir / "Dockerfile").write_text(text)
    result = buildx(spec=str(scratch_dir / "Dockerfile"), check=False, timeout=600)
    assert result.returncode != 0
    line = line_of(text, "user = ")
    assert f"Dockerfile:{line}:" in result.stderr, result.stderr
    assert f"{line:>4} | >>> user = " in result.stderr, result.stderr


def test_bad_base_ref_names_the_base_and_the_fix():
    missing = f"{LOCAL_REGISTRY}/patient-risk/bases/does-not-exist:nope"
    result = buildx(*LOCAL_BASES, *CA_SECRET, "--build-context", f"go-builder=docker-image://{missing}",
                    check=False, timeout=600)
    assert result.returncode != 0
    err = result.stderr
    assert "cannot resolve base image `go-builder`" in err, err
    assert missing in err, err
    assert "BASE_IMAGES=local" in err, "the error says how to fix it"


def test_unknown_target_lists_the_available_ones():
    result = buildx("--target", "relaese", check=False, timeout=600)
    assert result.returncode != 0
    assert "unknown target `relaese`" in result.stderr, result.stderr
    assert "release" in result.stderr and "--call targets" in result.stderr


def test_native_only_target_refuses_a_foreign_platform():
    result = buildx(*LOCAL_BASES, "--target", "local-runtime", "--platform", "linux/arm64", check=False, timeout=600)
    assert result.returncode != 0
    assert "local-runtime" in result.stderr and "linux/arm64" in result.stderr, result.stderr


# --- issue 16: spec errors that arrived too late, bounds, encoding, credential-like build args ---

WEB_SPEC = REPO_ROOT / "apps/patient-risk-web/Dockerfile"


def _web_variant(scratch_dir, old: str, new: str):
    text = WEB_SPEC.read_text()
    assert old in text, f"apps/patient-risk-web/Dockerfile no longer has {old!r}"
    text = text.replace(old, new, 1)
    (scratch_dir / "Dockerfile").write_text(text)
    return text, str(scratch_dir / "Dockerfile")


def _position(text: str, needle: str) -> str:
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return f"Dockerfile:{i}:{line.index(needle) + 1}:"
    raise AssertionError(needle)


def test_a_package_missing_from_the_context_fails_check_and_build_at_the_spec_line(scratch_dir):
    """A spec listing `packages/does-not-exist` is refused by --check and by the build at the list
    element's file:line:col (the frontend stats the build context through the gateway), before any
    npm step runs, instead of failing minutes later inside `npm run build`."""
    text, spec = _web_variant(scratch_dir, '"packages/patient-monitor-ui-core"', '"packages/does-not-exist"')
    where = _position(text, '"packages/does-not-exist"')
    checked = buildx("--check", spec=spec, check=False, timeout=600)
    assert checked.returncode != 0, checked.stdout + checked.stderr
    assert f"{where} error[not-in-context]: `packages/does-not-exist` does not exist in the build context" \
        in checked.stdout + checked.stderr, checked.stdout + checked.stderr
    built = buildx(*LOCAL_BASES, *CA_SECRET, spec=spec, check=False, timeout=600)
    assert built.returncode != 0
    assert f"{where} error[not-in-context]" in built.stderr, built.stderr
    assert "npm ci" not in built.stderr and "npm run" not in built.stderr, "nothing was built before the error"


def test_an_npm_workspace_that_does_not_exist_fails_check_and_build_at_the_key(scratch_dir):
    """The npm workspace is looked up in the root package.json's workspaces (read from the context)."""
    text, spec = _web_variant(scratch_dir, 'npm-workspace = "patient-risk-web"', 'npm-workspace = "patient-risk-wbe"')
    where = _position(text, 'npm-workspace = "patient-risk-wbe"')
    for args in (["--check"], [*LOCAL_BASES, *CA_SECRET]):
        result = buildx(*args, spec=spec, check=False, timeout=600)
        out = result.stdout + result.stderr
        assert result.returncode != 0, out
        assert f"{where} error[not-in-context]: npm workspace `patient-risk-wbe` is not a workspace" in out, out
        assert "did you mean `patient-risk-web`?" in out, out


@pytest.mark.parametrize("app", ["patient-risk-web", "patient-risk-python-api", "risk-monitor-operator", "dev-guide-docs"])
def test_every_real_spec_passes_the_context_check(app):
    """Positive control: every path and workspace the unchanged specs name is found (--check
    passes), including a MkDocs config below a directory that is also a source."""
    result = buildx("--check", spec=f"apps/{app}/Dockerfile", check=False, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not-in-context" not in result.stdout + result.stderr


def test_a_huge_description_is_refused_at_its_position(scratch_dir):
    """A 900 kB description (under the 1 MiB file limit) is error `limit` at the value, not a label."""
    text = spec_text()
    start = text.index('description = "')
    end = text.index("\n", start)
    text = text[:start] + 'description = "' + "x" * 900_000 + '"' + text[end:]
    (scratch_dir / "Dockerfile").write_text(text)
    line = line_of(text, "description = ")
    result = buildx(*LOCAL_BASES, spec=str(scratch_dir / "Dockerfile"), check=False, timeout=600)
    assert result.returncode != 0
    assert f"Dockerfile:{line}:15: error[limit]: `description` in the top level has 900000 characters" \
        in result.stderr, result.stderr[-3000:]


def test_invalid_utf8_is_reported_at_its_line_and_column(scratch_dir):
    text = spec_text()
    line = line_of(text, "description = ")
    lines = text.encode().split(b"\n")
    lines[line - 1] = b'description = "caf\xe9"'
    (scratch_dir / "Dockerfile").write_bytes(b"\n".join(lines))
    result = buildx(*LOCAL_BASES, spec=str(scratch_dir / "Dockerfile"), check=False, timeout=600)
    assert result.returncode != 0
    assert f"Dockerfile:{line}:19: error[encoding]: byte 0xe9" in result.stderr, result.stderr


def test_credential_like_build_args_refuse_the_build_with_the_check_message():
    """--check warns about DB_PASSWORD / NPM_TOKEN build args; the build refuses them with the same
    words, before any step runs."""
    args = ["--build-arg", "DB_PASSWORD=hunter2", "--build-arg", "NPM_TOKEN=npm_x"]
    checked = buildx("--check", *args, check=False, timeout=600)
    warned = checked.stdout + checked.stderr
    assert "build arg `DB_PASSWORD` looks like a credential" in warned, warned
    built = buildx(*LOCAL_BASES, *CA_SECRET, *args, check=False, timeout=600)
    assert built.returncode != 0
    assert "build refused" in built.stderr, built.stderr
    for words in ("build arg `DB_PASSWORD` looks like a credential",
                  "build arg `NPM_TOKEN` carries what the BuildKit secret `npm_token` is for"):
        assert words in warned and words in built.stderr, (words, built.stderr)
    assert "ALLOW_CREDENTIAL_LIKE_BUILD_ARGS" in built.stderr, "the error names the documented opt-out"


def test_the_documented_opt_out_lets_a_lookalike_value_through():
    """ALLOW_CREDENTIAL_LIKE_BUILD_ARGS names an arg whose value only looks like a credential: the
    build goes ahead (cache-only output; the operator graph is cached by the other tests)."""
    args = [*LOCAL_BASES, *CA_SECRET, "--build-arg", "DB_PASSWORD=not-a-secret", "--output", "type=cacheonly"]
    refused = buildx(*args, check=False, timeout=1800)
    assert refused.returncode != 0 and "build refused" in refused.stderr, refused.stderr
    allowed = buildx(*args, "--build-arg", "ALLOW_CREDENTIAL_LIKE_BUILD_ARGS=DB_PASSWORD", check=False, timeout=1800)
    assert allowed.returncode == 0, allowed.stderr[-3000:]
