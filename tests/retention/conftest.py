"""tests/retention: the retention tool's package is imported from tools/retention."""
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tools" / "retention"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hypothesis import settings  # noqa: E402

# Deterministic runs (the same examples every time, no example database in the checkout).
settings.register_profile("repo", derandomize=True, database=None, print_blob=True)
settings.load_profile("repo")
