"""The caps the newest engine offers and BuildKit v0.13 lacks (docs/scale.md, "What differs on the
newer engine"): the frontend uses `source.local.metadatatransfer` for its build-context check
where Ping declares it, `BUILDKIT_ENGINE_CAPS=v0.13` masks it, and the image is the same either
way; Docker's embedded v0.13 keeps the fallback."""

from __future__ import annotations

from conftest import NEXT_BUILDER, PREFIX, build, executed_steps, images, platform_manifests, push_output, run

APP = "patient-risk-web"  # its spec needs the most context-check rounds (npm workspace)
CHECK = "[internal] check the app spec's"
METADATA = f"{CHECK} paths and files in the build context (metadata only)"


def check_transfers(progress: str) -> set[str]:
    """Names of the context-check transfers a build ran."""
    return {v.name for v in images.parse_rawjson(progress).vertexes.values() if v.name.startswith(CHECK)}


def test_caps_used_and_masked_give_the_same_image(frontend_syntax):
    """With the caps the frontend checks the context with metadata-only transfers; masked at
    v0.13 it sends the paths and the files as on Docker 26.1. The check touches no image
    content: the masked build's graph is the same LLB (every step a cache hit of the first
    build) and both give byte-identical per-platform manifests (config and layers)."""
    used, masked = f"{PREFIX}/{APP}:caps-used", f"{PREFIX}/{APP}:caps-masked"
    with_caps = build(NEXT_BUILDER, APP, frontend_syntax, "--provenance=false", "--output", push_output(used))
    without = build(NEXT_BUILDER, APP, frontend_syntax, "--provenance=false", "--output", push_output(masked),
                    "--build-arg", "BUILDKIT_ENGINE_CAPS=v0.13")
    assert check_transfers(with_caps.stderr) == {METADATA}, check_transfers(with_caps.stderr)
    assert check_transfers(without.stderr) == {
        f"{CHECK} paths in the build context", f"{CHECK} files in the build context"}, check_transfers(without.stderr)
    assert executed_steps(without.stderr) == [], executed_steps(without.stderr)
    assert platform_manifests(used) == platform_manifests(masked)
    assert len(platform_manifests(used)) == 2


def test_metadata_check_still_finds_what_is_missing(frontend_syntax, tmp_path):
    """The metadata-only check answers like the fallback: a spec naming a package the context
    lacks fails `--call check` on the newest engine with the spec's line, both ways."""
    spec = (run(["cat", f"apps/{APP}/Dockerfile"], timeout=30).stdout
            .replace('"packages/patient-monitor-ui-core"', '"packages/patient-monitor-ui-kore"', 1))
    assert "ui-kore" in spec, "the web spec no longer names packages/patient-monitor-ui-core: pick another edit"
    bad = tmp_path / "Dockerfile"
    bad.write_text(spec)
    for mask in ("", "v0.13"):
        result = run(["docker", "buildx", "build", "--builder", NEXT_BUILDER, "-f", str(bad),
                      "--build-arg", f"BUILDKIT_SYNTAX={frontend_syntax}",
                      "--build-arg", f"BUILDKIT_ENGINE_CAPS={mask}", "--call", "check", "."],
                     timeout=300, check=False)
        assert result.returncode != 0, f"mask={mask!r}: the check passed a missing package"
        assert "ui-kore" in result.stderr and "did you mean `packages/patient-monitor-ui-core`?" in result.stderr, \
            f"mask={mask!r}:\n{result.stderr[-3000:]}"


def test_embedded_engine_keeps_the_fallback(frontend_syntax):
    """Docker 26.1's BuildKit v0.13 does not declare the cap: the frontend sends the paths and
    the files as before, and the check passes."""
    result = run(["docker", "buildx", "build", "--builder", "default", "--progress=rawjson",
                  "-f", f"apps/{APP}/Dockerfile", "--build-arg", f"BUILDKIT_SYNTAX={frontend_syntax}",
                  "--call", "check", "."], timeout=300)
    names = check_transfers(result.stderr)
    assert METADATA not in names and f"{CHECK} paths in the build context" in names, names


def test_unknown_cap_set_is_a_clear_error(frontend_syntax):
    """A value other than `v0.13` fails the build with the fix, instead of using the engine's caps."""
    result = run(["docker", "buildx", "build", "--builder", NEXT_BUILDER, "-f", f"apps/{APP}/Dockerfile",
                  "--build-arg", f"BUILDKIT_SYNTAX={frontend_syntax}", "--build-arg", "BUILDKIT_ENGINE_CAPS=0.13",
                  "--call", "targets", "."], timeout=300, check=False)
    assert result.returncode != 0
    assert "--build-arg BUILDKIT_ENGINE_CAPS=v0.13" in result.stderr, result.stderr[-3000:]
