"""The ledger is enforced, not a convention (issue 25, item 6).

Every change of a visit or a survey response must add its rollup delta in the same transaction
(`portal.insight.ledger`), or the dashboards drift until someone rebuilds. This test reads every module under
`portal/` (AST, no import) and fails when code writes `visit`, `survey_response` or a rollup table anywhere but in
the ledger, the rollup maintenance and the owning services, and when a service function writes a visit or a
response without calling the ledger in the same function.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"

#: Piccolo tables (class names) and their SQL names whose writes carry a rollup consequence.
GUARDED = {"Visit": "visit", "SurveyResponse": "survey_response", "RollupDay": "rollup_day",
           "RollupDelta": "rollup_delta", "RollupDirty": "rollup_dirty", "OverchargeCase": "overcharge_case"}
FACTS = {"Visit", "SurveyResponse"}  # the raw facts: their writer must call the ledger in the same function
WRITES = ("insert", "update", "delete")
SQL_WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(" + "|".join(GUARDED.values()) + r")\b\"?",
                       re.IGNORECASE)

#: Who may write which guarded table, and why.
ALLOWED: dict[str, set[str]] = {
    "portal/insight/ledger.py": set(GUARDED),               # the ledger itself: a fact's rollup delta
    "portal/insight/rollups.py": set(GUARDED) - FACTS,      # folding deltas, recomputing dirty days
    "portal/feedback/services.py": {"Visit", "SurveyResponse"},  # answers and citizen visits, through the ledger
    "portal/queue/tickets.py": {"Visit"},                   # tickets, through the ledger
    # The demo seeds a whole history in bulk and marks every day it wrote dirty (recomputed from the raw rows).
    "portal/demo/seed.py": {"Visit", "SurveyResponse", "RollupDirty"},
    # A migration's "recompute everything" (drop the rollups, mark every day with raw rows dirty).
    "portal/db/migration_support.py": {"RollupDay", "RollupDirty"},
}
#: Functions of the owning services that write a fact without the ledger call in the same function, and why.
HELPERS = {
    ("portal/feedback/services.py", "insert_response"):
        "the hot path's plain INSERT, called only inside _store_response and submit_given, which call the ledger",
    ("portal/feedback/services.py", "insert_capped_response"):
        "the same INSERT deciding the per-address cap itself, called only inside _store_response",
    ("portal/feedback/services.py", "_insert_sql"): "builds the text of the two INSERTs above (runs nothing)",
}
#: Reads that name a guarded table in SQL are fine; a read is never matched by SQL_WRITE.
SKIP_DIRS = ("portal/db/migrations/",)


def _writes(tree: ast.AST) -> list[tuple[ast.AST, str, int]]:
    """(enclosing node, table class name, line) for every guarded write in the tree."""
    found: list[tuple[ast.AST, str, int]] = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES
                and isinstance(node.func.value, ast.Name) and node.func.value.id in GUARDED):
            found.append((node, node.func.value.id, node.lineno))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in SQL_WRITE.finditer(node.value):
                table = next(k for k, v in GUARDED.items() if v == match.group(1).lower())
                found.append((node, table, node.lineno))
    return found


def _functions(tree: ast.AST) -> list[ast.AsyncFunctionDef | ast.FunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef | ast.FunctionDef)]


def _calls_ledger(func: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "ledger"
               for n in ast.walk(func))


def violations(path: str, source: str) -> list[str]:
    tree = ast.parse(source)
    allowed = ALLOWED.get(path, set())
    problems = [f"{path}:{line}: writes {table} outside the ledger and its owning services"
                for _node, table, line in _writes(tree) if table not in allowed]
    if path in ALLOWED and path not in ("portal/insight/ledger.py", "portal/demo/seed.py"):
        for func in _functions(tree):
            if (path, func.name) in HELPERS:
                continue
            facts = {table for _n, table, _l in _writes(func) if table in FACTS}
            if facts and not _calls_ledger(func):
                problems.append(f"{path}:{func.lineno}: {func.name} writes {', '.join(sorted(facts))} "
                                "without calling portal.insight.ledger in the same function")
    return problems


def _modules() -> list[tuple[str, str]]:
    out = []
    for file in sorted(PORTAL.rglob("*.py")):
        rel = file.relative_to(ROOT).as_posix()
        if not rel.startswith(SKIP_DIRS):
            out.append((rel, file.read_text()))
    return out


def test_no_write_bypasses_the_ledger():
    problems = [p for rel, source in _modules() for p in violations(rel, source)]
    assert not problems, "\n".join(problems)


def test_allowed_writers_and_helpers_exist():
    """The lists above name real modules and functions (a stale entry would silently allow a future file)."""
    for path in ALLOWED:
        assert (ROOT / path).is_file(), path
    for path, name in HELPERS:
        assert name in {f.name for f in _functions(ast.parse((ROOT / path).read_text()))}, (path, name)


@pytest.mark.parametrize(("path", "source"), [
    ("portal/queue/routes_console.py", "async def f(v):\n    await Visit.update({Visit.outcome: 'x'}).run()\n"),
    ("portal/catalog/services.py", "async def f():\n    await SurveyResponse.delete().where(1).run()\n"),
    ("portal/complaints/services.py", "async def f():\n    await execute('DELETE FROM rollup_day WHERE day = {}', 1)\n"),
    ("portal/insight/api.py", "async def f(s):\n    await execute(f'UPDATE survey_response SET counted = {s}')\n"),
    ("portal/insight/rollups.py", "async def f():\n    await Visit.insert(Visit()).run()\n"),
    ("portal/queue/tickets.py", "async def cancel(v):\n    await Visit.update({Visit.outcome: 'x'}).run()\n"),
    ("portal/feedback/services.py", "async def f():\n    await execute('INSERT INTO survey_response (a) VALUES ({})', 1)\n"),
])
def test_the_scan_catches_a_bypass(path, source):
    """Each kind of bypass is caught: a write in the wrong module (Piccolo or SQL, f-strings included), a rollup
    write from a service, and a fact written in an owning module without the ledger call beside it."""
    assert violations(path, source)


def test_the_scan_accepts_a_write_through_the_ledger():
    source = ("async def finish(v):\n    async with Visit._meta.db.transaction():\n"
              "        rows = await Visit.insert(Visit()).run()\n        await ledger.visit_changed(None, rows[0])\n")
    assert violations("portal/queue/tickets.py", source) == []
    assert violations("portal/queue/routes_console.py", "async def f():\n    return await Visit.select().run()\n") == []
