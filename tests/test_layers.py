"""Dependency direction between the layers (ARCHITECTURE.md), checked with `ast` on the source."""

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STDLIB = frozenset(sys.stdlib_module_names)
PASS_THROUGH = "imports_passed_through"


@dataclass(frozen=True)
class Rule:
    """What one layer may import: an allowlist (plus stdlib) or a denylist of top-level names."""

    allowed: frozenset[str] | None = None
    forbidden: frozenset[str] = frozenset()
    # Allowed only inside `with workflow.unsafe.imports_passed_through():` or `if TYPE_CHECKING:`.
    guarded_only: frozenset[str] = frozenset()
    # Packages whose private (`_name`) members this layer must not import.
    no_private_from: frozenset[str] = frozenset()
    why: str = ""


RULES: dict[str, Rule] = {
    "domain": Rule(
        allowed=frozenset({"domain", "pydantic", "pydantic_core"}),
        why="domain is pure rules: stdlib and pydantic only",
    ),
    "workflows": Rule(
        allowed=frozenset({"workflows", "domain", "temporalio", "pydantic", "activities"}),
        guarded_only=frozenset({"activities"}),
        why="workflow code is deterministic and sandboxed: no db, settings, api, sqlmodel, "
        "sqlalchemy or structlog; activities only passed through (else the sandbox re-imports "
        "db and sqlmodel on every run)",
    ),
    "activities": Rule(
        forbidden=frozenset({"api", "worker", "cli", "settings"}),
        why="activities sit under the api; settings are read by composition roots only",
    ),
    "db": Rule(
        forbidden=frozenset({"api", "workflows", "activities", "worker", "cli"}),
        why="db is below activities and api",
    ),
    "api": Rule(
        forbidden=frozenset({"worker", "cli"}),
        no_private_from=frozenset({"workflows"}),
        why="the api starts workflows by class and id, never reaches into their internals",
    ),
}


@dataclass(frozen=True)
class Import:
    """One imported module, resolved to an absolute dotted name."""

    module: str
    names: tuple[str, ...]
    line: int
    guarded: bool

    @property
    def top(self) -> str:
        return self.module.split(".")[0]


@dataclass
class _Collector(ast.NodeVisitor):
    package: str
    imports: list[Import] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _guard_depth: int = 0

    def visit_With(self, node: ast.With) -> None:
        guarded = any(_is_pass_through(item.context_expr) for item in node.items)
        self._visit_guarded(node.body, guarded)

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        self._visit_guarded(node.body, _is_type_checking(node.test))
        for child in node.orelse:
            self.visit(child)

    def _visit_guarded(self, body: list[ast.stmt], guarded: bool) -> None:
        self._guard_depth += guarded
        for child in body:
            self.visit(child)
        self._guard_depth -= guarded

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, (), node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = tuple(alias.name for alias in node.names)
        if not node.level:
            self._add(node.module or "", names, node.lineno)
            return
        parts = self.package.split(".") if self.package else []
        if node.level - 1 >= len(parts):
            self.errors.append(f"line {node.lineno}: relative import above the top-level package")
            return
        base = ".".join(parts[: len(parts) - node.level + 1])
        self._add(f"{base}.{node.module}" if node.module else base, names, node.lineno)

    def _add(self, module: str, names: tuple[str, ...], line: int) -> None:
        self.imports.append(Import(module, names, line, self._guard_depth > 0))


def _is_pass_through(expr: ast.expr) -> bool:
    """`workflow.unsafe.imports_passed_through()` however it was imported."""
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    return (isinstance(func, ast.Attribute) and func.attr == PASS_THROUGH) or (
        isinstance(func, ast.Name) and func.id == PASS_THROUGH
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(
    source: str, module: str, *, is_package: bool = False
) -> tuple[list[Import], list[str]]:
    """The imports of `source` (the code of `module`) and any that could not be resolved."""
    package = module if is_package else module.rpartition(".")[0]
    collector = _Collector(package)
    collector.visit(ast.parse(source))
    return collector.imports, collector.errors


def violations(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Every layer rule `source`, the code of dotted `module`, breaks."""
    rule = RULES.get(module.split(".")[0])
    imports, problems = imports_of(source, module, is_package=is_package)
    if rule is None:
        return problems
    for imp in imports:
        where = f"{module}:{imp.line} imports {imp.module}"
        if imp.top in rule.forbidden:
            problems.append(f"{where}: forbidden ({rule.why})")
        elif rule.allowed is not None and imp.top not in rule.allowed and imp.top not in STDLIB:
            problems.append(f"{where}: not allowed ({rule.why})")
        elif imp.top in rule.guarded_only and not imp.guarded:
            problems.append(f"{where}: outside imports_passed_through() ({rule.why})")
        if imp.top in rule.no_private_from:
            private = [name for name in imp.names if name.startswith("_")]
            if private or any(part.startswith("_") for part in imp.module.split(".")[1:]):
                problems.append(f"{where}: private {private or imp.module} ({rule.why})")
    return problems


def modules_under(root: Path) -> Iterator[tuple[Path, str, bool]]:
    """(file, dotted module, is_package) for every .py file of the layers that exist yet."""
    for layer in RULES:
        directory = root / layer
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if any(part.startswith(".") or part == "__pycache__" for part in parts):
                continue
            is_package = parts[-1] == "__init__"
            yield path, ".".join(parts[:-1] if is_package else parts), is_package


def tree_violations(root: Path) -> list[str]:
    """Every broken rule in the source tree under `root`."""
    return [
        problem
        for path, module, is_package in modules_under(root)
        for problem in violations(path.read_text(encoding="utf-8"), module, is_package=is_package)
    ]


def test_source_tree_respects_layers() -> None:
    assert tree_violations(ROOT) == []


def test_scan_sees_existing_code() -> None:
    # Guard against a vacuous pass: the domain package exists from the first commit.
    assert any(module.startswith("domain") for _, module, _ in modules_under(ROOT))


def test_scan_of_a_bad_tree_fails(tmp_path: Path) -> None:
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "__init__.py").write_text("from .rules import x\n")
    (tmp_path / "domain" / "rules.py").write_text("import sqlmodel\nx = 1\n")
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "appraisal.py").write_text("from settings import get_settings\n")
    found = tree_violations(tmp_path)
    assert len(found) == 2, found
    assert "domain.rules:1 imports sqlmodel" in found[0]
    assert "workflows.appraisal:1 imports settings" in found[1]


ALLOWED = {
    "domain stdlib, pydantic, relative": (
        "domain.rating",
        "from __future__ import annotations\nimport datetime\nfrom decimal import Decimal\n"
        "from pydantic import BaseModel\nfrom pydantic_core import PydanticCustomError\n"
        "from .enums import Rating\nfrom domain.errors import DomainError\n",
    ),
    "workflow passes activities through": (
        "workflows.appraisal",
        "from datetime import timedelta\nfrom temporalio import workflow\n"
        "from temporalio.exceptions import ApplicationError\nfrom domain.payloads import X\n"
        "with workflow.unsafe.imports_passed_through():\n"
        "    from activities.storage import save_plan\n    import activities.notification\n",
    ),
    "workflow imports activities for types": (
        "workflows.appraisal",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from activities import storage\n",
    ),
    "activities use db and domain": (
        "activities.storage",
        "import sqlmodel\nfrom db.session import session_scope\nfrom domain.payloads import X\n"
        "import structlog\nfrom temporalio import activity\n",
    ),
    "api starts workflows by class": (
        "api.routers.hr",
        "from fastapi import APIRouter\nfrom db.tables import Cycle\n"
        "from settings import Settings\n"
        "from workflows.appraisal import AppraisalWorkflow\nfrom ..deps import SessionDep\n",
    ),
    "db uses settings in migrations": (
        "db.migrations.env",
        "from alembic import context\nimport sqlmodel\nfrom settings import get_settings\n",
    ),
}


@pytest.mark.parametrize(("module", "source"), ALLOWED.values(), ids=ALLOWED.keys())
def test_checker_allows(module: str, source: str) -> None:
    assert violations(source, module) == []


BROKEN = {
    "domain imports sqlmodel": ("domain.tables", "import sqlmodel\n", "sqlmodel: not allowed"),
    "domain imports db": ("domain.x", "from db.tables import Cycle\n", "db.tables: not allowed"),
    "domain relative escape": ("domain.x", "from .. import api\n", "above the top-level"),
    "domain third-party in function": (
        "domain.x",
        "def f():\n    import httpx\n",
        "httpx: not allowed",
    ),
    "workflow imports db": ("workflows.a", "from db import engine\n", "db: not allowed"),
    "workflow imports db passed through": (
        "workflows.a",
        "from temporalio import workflow\nwith workflow.unsafe.imports_passed_through():\n"
        "    import db.tables\n",
        "db.tables: not allowed",
    ),
    "workflow imports settings": ("workflows.a", "import settings\n", "settings: not allowed"),
    "workflow imports api": ("workflows.a", "from api.deps import X\n", "api.deps: not allowed"),
    "workflow imports sqlalchemy": ("workflows.a", "import sqlalchemy\n", "sqlalchemy"),
    "workflow imports structlog": ("workflows.a", "import structlog\n", "structlog"),
    "workflow imports activities bare": (
        "workflows.a",
        "from activities.storage import save_plan\n",
        "outside imports_passed_through",
    ),
    "workflow relative into db": (
        "workflows.a",
        "from ..db import tables\n",
        "above the top-level",
    ),
    "activity imports api": ("activities.x", "from api.deps import X\n", "api.deps: forbidden"),
    "activity imports settings": ("activities.x", "import settings\n", "settings: forbidden"),
    "db imports workflows": ("db.tables", "import workflows.appraisal\n", "forbidden"),
    "api imports worker": ("api.main", "import worker\n", "worker: forbidden"),
    "api imports workflow internals": (
        "api.routers.hr",
        "from workflows.appraisal import _deadline_for\n",
        "private ['_deadline_for']",
    ),
    "api imports private workflow module": (
        "api.routers.hr",
        "from workflows._shared import X\n",
        "private workflows._shared",
    ),
}


@pytest.mark.parametrize(("module", "source", "expected"), BROKEN.values(), ids=BROKEN.keys())
def test_checker_refuses(module: str, source: str, expected: str) -> None:
    found = violations(source, module)
    assert any(expected in problem for problem in found), found
