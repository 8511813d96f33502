"""`--call targets|outline|subrequests.describe` and `--check` answered by the frontend
(never by buildx's fallback to the Dockerfile frontend)."""

from __future__ import annotations

from conftest import buildx, call, call_json, line_of, spec_text


def test_describe_lists_every_answered_subrequest():
    described = call_json("subrequests.describe")
    names = {d["name"] for d in described}
    assert {"frontend.outline", "frontend.targets", "frontend.lint", "frontend.subrequests.describe"} <= names
    text = call("subrequests.describe").stdout
    assert "outline" in text and "targets" in text and "lint" in text


def test_targets_lists_the_apps_targets_with_descriptions():
    text = call("targets").stdout
    assert "release (default)" in text
    assert "local-runtime" in text
    listed = call_json("targets")
    names = [t["name"] for t in listed["targets"]]
    assert names[0] == "release"
    assert all(t.get("description") for t in listed["targets"])
    graph_line = line_of(spec_text(), "graph")
    assert listed["targets"][0]["location"]["ranges"][0]["start"]["line"] == graph_line


def test_outline_shows_args_secrets_and_platforms():
    text = call("outline").stdout
    assert "TARGET:" in text and "release" in text
    assert "BASE_IMAGES" in text, text
    assert "host_ca_bundle" in text, text
    outline = call_json("outline", "--build-arg", "BASE_IMAGES=local")
    args = {a["name"]: a for a in outline["args"]}
    assert args["BASE_IMAGES"]["value"] == "local"
    assert any(s["name"] == "host_ca_bundle" for s in outline["secrets"])
    assert outline["platforms"] == ["linux/amd64", "linux/arm64"]
    assert outline["cache"], "cache mount ids are listed"


def test_outline_of_another_target():
    outline = call_json("outline", "--target", "go-binary")
    assert outline["name"] == "go-binary"


def test_check_passes_on_a_clean_spec():
    result = buildx("--check")
    assert "Check complete, no warnings found." in result.stdout


def test_check_flags_a_credential_like_build_arg():
    result = buildx("--check", "--build-arg", "API_PASSWORD=hunter2hunter2", check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CredentialLikeBuildArg" in result.stdout, result.stdout
    assert "1 warning has been found" in result.stdout or "warnings have been found" in result.stdout


def test_check_reports_unknown_keys_with_a_snippet(scratch_dir):
    text = spec_text().replace("\nreadiness = ", "\nreadyness = ")
    (scratch_dir / "Dockerfile").write_text(text)
    result = buildx("--check", spec=str(scratch_dir / "Dockerfile"), check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "UnknownKey" in out or "readyness" in out, out
    line = line_of(text, "readyness")
    assert f"{line:>4} | >>> readyness" in out, out


def test_unknown_call_is_refused_without_fallback():
    result = call("convertllb", check=False)
    assert result.returncode != 0
    assert "does not answer `frontend.convertllb`" in result.stderr, result.stderr
    assert "docker/dockerfile" not in result.stderr, "buildx must not fall back to the Dockerfile frontend"
