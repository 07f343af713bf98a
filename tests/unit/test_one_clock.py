"""The service reads one clock: no model column stamps rows by the wall clock, and no service
module asks the wall clock for the time except the clock itself and the edges that speak for
someone else's clock (an e-mail's Date header, the simulated gateways' own timestamps)."""

from __future__ import annotations

import ast
from pathlib import Path

from db.models import Base

ROOT = Path(__file__).resolve().parents[2]
NOT_SERVICE = {"tests", "bench", ".venv", "migrations"}
#: Where reading the wall clock is the point.
WALL_CLOCK_ALLOWED = {
    "db/clock.py",  # the service's clock in production
    "notifications/email.py",  # the Date header says when the mail really left
    "payments/mock_yookassa.py",  # a simulated gateway stamps its answers by its own clock
}


def test_no_column_defaults_to_a_clock() -> None:
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            for default in (column.default, column.onupdate):
                if default is not None and default.is_callable:
                    name = getattr(getattr(default, "arg", None), "__name__", "")
                    assert name in {"list", "dict"}, f"{table.name}.{column.name}: {name}"


def _reads_wall_clock(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"now", "utcnow", "today"}:
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in {"datetime", "date"}:
                lines.append(node.lineno)
    return lines


def test_service_code_reads_only_the_service_clock() -> None:
    found = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if NOT_SERVICE & set(relative.parts) or str(relative) in WALL_CLOCK_ALLOWED:
            continue
        lines = _reads_wall_clock(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[str(relative)] = lines
    assert found == {}
