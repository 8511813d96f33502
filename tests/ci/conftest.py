"""tests/ci: the ci tool (tools/ci/ci.py) importable as `ci_tool`, the workflow reader on sys.path."""
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from workflows import REPO_ROOT  # noqa: E402

_spec = importlib.util.spec_from_file_location("ci_tool", REPO_ROOT / "tools" / "ci" / "ci.py")
ci_tool = importlib.util.module_from_spec(_spec)
sys.modules["ci_tool"] = ci_tool
_spec.loader.exec_module(ci_tool)
