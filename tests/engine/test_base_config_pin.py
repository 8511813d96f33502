"""Pins the exact image-config bytes bases.py writes for every base and platform.

The fixtures under llb-graphs/tests/fixtures/base-configs/ are the config blobs of the bases as
built and pushed by `make bases` (fetched from the local registry, byte for byte). A base whose
config bytes or recipe hash move gets a new digest and triggers a full `make bases` rebuild for
everyone, so a refactor of bases.py must leave both unchanged: this test recomputes each config
from the checked-in catalog and recipes (recipe hash included, it is one of the labels) with the
fixture's own layer diff_id and created time, and compares the bytes. The llb-graphs test
`config_bytes.rs` builds every graph on the same fixtures.

When a recipe changes on purpose, rebuild the bases (`make bases`) and run `make bases/pin-configs`
(docs/engine.md, "Pinned base configs").
"""

from __future__ import annotations

import json

import pytest

from conftest import REPO_ROOT, bases_builder

FIXTURES = REPO_ROOT / "llb-graphs" / "tests" / "fixtures" / "base-configs"


def _cases():
    bases = bases_builder.load_catalog()
    return [(name, platform) for name, base in sorted(bases.items()) for platform in base.platforms]


def test_every_base_platform_has_a_fixture_and_no_fixture_is_stale():
    """The fixture set is exactly the catalog's (base, platform) pairs: none missing, none left over."""
    want = {f"{name}__{platform.split('/')[1]}.json" for name, platform in _cases()}
    have = {p.name for p in FIXTURES.glob("*.json")}
    assert have == want


@pytest.mark.parametrize(("name", "platform"), _cases())
def test_config_bytes_and_recipe_hash_are_pinned(name, platform):
    """bases.py writes exactly the checked-in config bytes (same recipe hash, same JSON layout)."""
    bases = bases_builder.load_catalog()
    base = bases[name]
    pinned = (FIXTURES / f"{name}__{platform.split('/')[1]}.json").read_bytes()
    doc = json.loads(pinned)
    rhash = bases_builder.recipe_hash(base)
    assert rhash == doc["config"]["Labels"]["io.patient-risk.base.recipe-hash"], (
        f"recipe hash of {name} moved: `make bases` would rebuild it"
    )
    built = bases_builder.canonical(
        bases_builder.image_config(base, platform, doc["rootfs"]["diff_ids"][0], rhash, doc["created"])
    )
    assert built == pinned

