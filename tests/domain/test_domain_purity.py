"""The domain layer imports only the standard library, pydantic and itself."""

import ast
import sys
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
ALLOWED = set(sys.stdlib_module_names) | {
    "pydantic",
    "pydantic_core",
    "domain",
    "typing_extensions",
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_module_imports_only_stdlib_and_pydantic(path):
    assert _imports(path) <= ALLOWED


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_no_wall_clock(path):
    text = path.read_text(encoding="utf-8")
    for call in ("datetime.now", "datetime.utcnow", "date.today", "time.time("):
        assert call not in text, f"{path.name} reads the wall clock via {call}"
