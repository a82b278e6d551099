"""Route modules never write (issue 25, item 2): a handler parses, calls one service function and renders; only a
capability's services write. This scan (AST, no import) fails when a `portal/*/routes*.py` calls a Piccolo insert/update/delete, opens a transaction, or sends write SQL through
`engine.execute` / `raw`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WRITE_METHODS = {"insert", "update", "delete", "transaction", "atomic", "add_m2m", "remove_m2m", "save", "remove"}
WRITE_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|TRUNCATE|UPSERT|REPLACE)\b", re.IGNORECASE)


def route_modules() -> list[Path]:
    return sorted(ROOT.glob("portal/*/routes*.py"))


def violations(source: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            # Table.insert(...) / Table.update(...) / X._meta.db.transaction(); dict.update and the like on a
            # lowercase name are plain Python and fine
            target = node.func.value
            owner = target.id if isinstance(target, ast.Name) else ast.unparse(target)
            if name in WRITE_METHODS and (owner[:1].isupper() or "_meta" in owner or "db" in owner.split(".")):
                problems.append(f"line {node.lineno}: {owner}.{name}(...)")
            if name in ("execute", "raw") and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) and WRITE_SQL.match(node.args[0].value):
                problems.append(f"line {node.lineno}: {name}({node.args[0].value[:40]!r})")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "execute" \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str) \
                and WRITE_SQL.match(node.args[0].value):
            problems.append(f"line {node.lineno}: execute({node.args[0].value[:40]!r})")
    return problems


def test_no_route_module_writes_a_table_or_opens_a_transaction():
    found = {p.relative_to(ROOT).as_posix(): violations(p.read_text()) for p in route_modules()}
    assert len(found) > 20  # the glob found the route modules
    assert not {k: v for k, v in found.items() if v}


@pytest.mark.parametrize("source", [
    "async def h():\n    await Counter.insert(Counter(code='A')).run()\n",
    "async def h():\n    await Service.update({Service.name: 'x'}).where(Service.id == 1).run()\n",
    "async def h():\n    await CounterService.delete().where(CounterService.counter == 1).run()\n",
    "async def h():\n    async with Counter._meta.db.transaction():\n        pass\n",
    "async def h():\n    await execute('UPDATE visit SET outcome = {} WHERE id = {}', 'x', 1)\n",
    "async def h():\n    await engine.execute('INSERT INTO audit_log (action) VALUES ({})', 'x')\n",
    "async def h():\n    await Unit.raw('DELETE FROM unit WHERE id = {}', 1).run()\n",
])
def test_the_scan_catches_a_write(source):
    assert violations(source)


def test_the_scan_lets_reads_and_plain_python_through():
    source = ("async def h(values: dict):\n    values.update({'a': 1})\n    rows = await Counter.select().run()\n"
              "    await execute('SELECT id FROM visit WHERE id = {}', 1)\n    return rows\n")
    assert violations(source) == []
