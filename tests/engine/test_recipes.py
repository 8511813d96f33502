"""Unit tests of the base-image builder and recipe helpers (no engine needed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO_ROOT, bases_builder


@pytest.fixture
def bases_copy(tmp_path, monkeypatch):
    """A private copy of bases/ that the builder module reads instead of the checkout's."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "bases", repo / "bases", symlinks=True)
    monkeypatch.setattr(bases_builder, "REPO_ROOT", repo)
    monkeypatch.setattr(bases_builder, "BASES_DIR", repo / "bases")
    monkeypatch.setattr(bases_builder, "CATALOG", repo / "bases" / "catalog.toml")
    monkeypatch.setattr(bases_builder, "SHARED_DIR", repo / "bases" / "_shared")
    return repo / "bases"


def test_checked_in_catalog_and_recipes_are_valid():
    bases = bases_builder.load_catalog()
    assert "python-runtime" in bases
    for base in bases.values():
        assert base.recipe.image.env, base.name
        assert all(hook.is_file() for stage in base.recipe.hooks.values() for hook in stage)
        assert len(bases_builder.recipe_hash(base)) == 16


def test_unknown_recipe_key_names_file_line_and_known_keys(bases_copy):
    recipe = bases_copy / "redis" / "recipe.toml"
    recipe.write_text(recipe.read_text().replace("variant = ", "variantt = \"x\"\nvariant = ", 1))
    with pytest.raises(bases_builder.RecipeError) as err:
        bases_builder.load_catalog()
    text = str(err.value)
    assert "bases/redis/recipe.toml:" in text and "unknown key 'variantt'" in text
    assert "known keys:" in text and "include" in text


def test_bad_env_entry_is_rejected_with_its_line(bases_copy):
    recipe = bases_copy / "go-builder" / "recipe.toml"
    recipe.write_text(recipe.read_text().replace('"GOTOOLCHAIN=local"', '"GOTOOLCHAIN"'))
    with pytest.raises(bases_builder.RecipeError, match=r"go-builder/recipe.toml:\d+: env entry 'GOTOOLCHAIN'"):
        bases_builder.load_catalog()


def test_missing_and_non_executable_hooks_are_named(bases_copy):
    hook = bases_copy / "redis" / "redis.sh"
    hook.chmod(0o644)
    with pytest.raises(bases_builder.RecipeError, match=r"not executable: chmod \+x .*redis/redis.sh"):
        bases_builder.load_catalog()
    hook.unlink()
    with pytest.raises(bases_builder.RecipeError, match=r"hook 'redis.sh' not found"):
        bases_builder.load_catalog()


def test_catalog_rejects_unknown_platform_and_unpinned_upstream(bases_copy):
    catalog = bases_copy / "catalog.toml"
    original = catalog.read_text()
    catalog.write_text(original.replace('platforms = ["linux/amd64", "linux/arm64"]', 'platforms = ["linux/s390x"]', 1))
    with pytest.raises(bases_builder.RecipeError, match=r"catalog.toml:\d+: platform 'linux/s390x' unsupported"):
        bases_builder.load_catalog()
    catalog.write_text(original.replace(
        'upstream_note = "pinned by tag: no registry reachable here to resolve the digest"\n', "", 1))
    with pytest.raises(bases_builder.RecipeError, match="give upstream_digest, or upstream_note"):
        bases_builder.load_catalog()


def test_recipe_hash_follows_the_inputs_that_shape_the_image(bases_copy):
    def hashes():
        return {name: bases_builder.recipe_hash(base) for name, base in bases_builder.load_catalog().items()}

    before = hashes()
    catalog = bases_copy / "catalog.toml"
    catalog.write_text(catalog.read_text().replace(
        'description = "Redis on', 'description = "The Redis on', 1))
    assert hashes() == before, "a description change must not rebuild anything"

    (bases_copy / "redis" / "docker-entrypoint.sh").write_text("#!/bin/sh\nexec \"$@\"\n")
    after_recipe = hashes()
    assert after_recipe["redis"] != before["redis"]
    assert {k: v for k, v in after_recipe.items() if k != "redis"} == {k: v for k, v in before.items() if k != "redis"}

    # lib.sh is an input of the bases whose hooks source it, and only of those.
    with (bases_copy / "_shared" / "lib.sh").open("a") as lib:
        lib.write("\n# changed\n")
    after_lib = hashes()
    users = {"python-runtime", "python-builder", "rust-builder", "node-builder", "nginx-runtime", "postgres", "redis"}
    for name in after_lib:
        changed = after_lib[name] != after_recipe[name]
        assert changed == (name in users), name

    # finish.sh runs in every build.
    with (bases_copy / "_shared" / "finish.sh").open("a") as finish:
        finish.write("\n# changed\n")
    assert all(after_lib[name] != value for name, value in hashes().items())


def _sh(script: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, env={**os.environ, **(env or {})})


def test_apt_cache_out_keeps_one_version_per_package_and_arch(tmp_path):
    cache = tmp_path / "cache"
    root = tmp_path / "root"
    archives = root / "var/cache/apt/archives"
    archives.mkdir(parents=True)
    cache.mkdir()
    (cache / "libfoo1_1.0-1_amd64.deb").write_text("old amd64")
    (cache / "libfoo1_1.0-1_arm64.deb").write_text("old arm64")
    (cache / "libfoo1-dev_1.0-1_amd64.deb").write_text("other package")
    (archives / "libfoo1_1.1-1_amd64.deb").write_text("new amd64")
    script = REPO_ROOT / "bases" / "_shared" / "apt-cache.sh"
    result = _sh(f'"{script}" out "{root}"', {"BASES_APT_CACHE": str(cache)})
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in cache.iterdir()) == [
        "libfoo1-dev_1.0-1_amd64.deb", "libfoo1_1.0-1_arm64.deb", "libfoo1_1.1-1_amd64.deb"]
    # and back in: the cached files appear in a fresh rootfs's archives
    fresh = tmp_path / "fresh"
    (fresh / "var/cache/apt/archives").mkdir(parents=True)
    assert _sh(f'"{script}" in "{fresh}"', {"BASES_APT_CACHE": str(cache)}).returncode == 0
    assert len(list((fresh / "var/cache/apt/archives").glob("*.deb"))) == 3


def test_add_user_writes_fixed_ids_and_refuses_a_taken_id(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\nsys:x:3:3:sys:/dev:/usr/sbin/nologin\n")
    (tmp_path / "etc/group").write_text("root:x:0:\nsys:x:3:\n")
    (tmp_path / "etc/shadow").write_text("root:*:19000:0:99999:7:::\n")
    lib = REPO_ROOT / "bases" / "_shared" / "lib.sh"
    ok = _sh(f'. "{lib}"; add_user "{tmp_path}" app 10001 /home/app', {"SOURCE_DATE_EPOCH": "1700000000"})
    assert ok.returncode == 0, ok.stderr
    assert "app:x:10001:10001:app:/home/app:/usr/sbin/nologin" in (tmp_path / "etc/passwd").read_text()
    assert "app:x:10001:" in (tmp_path / "etc/group").read_text()
    assert "app:!:19675::::::" in (tmp_path / "etc/shadow").read_text()
    assert (tmp_path / "home/app").is_dir() and (tmp_path / "home/app").stat().st_uid == 10001
    again = _sh(f'. "{lib}"; add_user "{tmp_path}" app 10001 /home/app')
    assert again.returncode == 0, "re-adding the same user with the same id is a no-op"
    clash = _sh(f'. "{lib}"; add_user "{tmp_path}" other 3 /nonexistent')
    assert clash.returncode != 0 and "id 3 is taken" in clash.stderr
    wrong = _sh(f'. "{lib}"; add_user "{tmp_path}" app 10002 /home/app')
    assert wrong.returncode != 0 and "exists with uid 10001, want 10002" in wrong.stderr


def test_catalog_is_validated_by_the_frontend_binary(bases_copy):
    """bases.py takes the catalog from `patient-risk-frontend catalog --json`: a key the frontend's
    catalog parser does not know is reported by it, naming the catalog file and the line."""
    catalog = bases_copy / "catalog.toml"
    catalog.write_text(catalog.read_text().replace("upstream = ", "upstreem = ", 1))
    with pytest.raises(bases_builder.RecipeError) as err:
        bases_builder.load_catalog()
    text = str(err.value)
    assert f"{catalog}: TOML parse error at line" in text and "unknown field `upstreem`" in text, text


def test_catalog_entries_are_the_tables_as_written():
    """What the recipe hash covers comes through the frontend unchanged: each entry equals its
    TOML table (upstream_note and all), in file order."""
    import tomllib

    raw = tomllib.loads((REPO_ROOT / "bases" / "catalog.toml").read_text())
    bases = bases_builder.load_catalog()
    assert list(bases) == list(raw["bases"])
    for name, base in bases.items():
        assert base.catalog_entry == raw["bases"][name], name
    assert {k: bases_builder.CATALOG_SETTINGS[k] for k in ("suite", "mirror", "repository_prefix", "source")} == {
        k: raw[k] for k in ("suite", "mirror", "repository_prefix", "source")
    }
