"""Bad input gets an error that names the file, line, column and the fix, shown by buildx."""

from __future__ import annotations

from conftest import CA_SECRET, LOCAL_BASES, LOCAL_REGISTRY, buildx, line_of, spec_text


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
