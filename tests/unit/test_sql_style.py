"""One way to write raw SQL under portal/ (issue 25 item 8; CONTRIBUTING.md, "Raw SQL"): Python's format-string syntax
as portal.db.engine.read_template reads it — `{}` a value the driver binds, `{{ }}` a literal brace, `{name}` a
spelling that only the migrations' run_all fills in. This test fails on any other style: a driver's own marker
(`?`, `$1`, `%s`, `%(name)s`, `:name`), a `{}` inside a quoted SQL literal (never bound: m0034 once wrote a JSON
default so and was right only because that fragment was not an f-string), a str.format template or `.format()`
outside the migrations, and a migration that talks to the database other than through portal.db.migration_support.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import portal
from portal.db.engine import _placeholders, read_template
from portal.db.migration_support import fill

PORTAL_DIR = Path(portal.__file__).parent
MIGRATIONS_DIR = PORTAL_DIR / "db" / "migrations"
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA|LOCK|FROM|WHERE|VALUES|JOIN|"
                       r"SET|AND|OR|IN|IS|NOT|NULL|LIMIT|DEFAULT|REFERENCES)\b")
QUOTED = re.compile(r"'(?:[^']|'')*'")
DRIVER_MARKERS = {
    "`?` (sqlite3's marker)": re.compile(r"(?<![\w?])\?(?![\w?])"),
    "`$1` (asyncpg's marker)": re.compile(r"\$\d+"),
    "`%s` or `%(name)s`": re.compile(r"%(\(\w+\))?[sd]\b"),
    "`:name` (a named bind)": re.compile(r"(?<![:\w]):[A-Za-z_]\w*"),
}
#: Calls that send SQL to the database: a migration reaches them only through portal.db.migration_support.
DATABASE_CALLS = {"run_ddl", "run_querystring", "raw", "fetch", "fetchrow", "fetchval", "execute", "executemany",
                  "execute_on"}
OPAQUE = "\ufffd"  # an f-string's interpolated part: composed text, not read here


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _text(node: ast.AST) -> str | None:
    """A string literal's text as the program sees it (an f-string's interpolations made opaque)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else OPAQUE for part in node.values)
    return None


def sql_problems(text: str, in_migration: bool) -> list[str]:
    """What is wrong with one SQL string literal (empty when it follows the convention)."""
    problems = []
    try:
        pieces = read_template(text)
    except ValueError as exc:
        return [str(exc)]
    rendered = ""  # the literal text, a value marker as \x01, a spelling as \x02, an interpolation as OPAQUE
    for piece, field in pieces:
        rendered += piece + ("" if field is None else "\x01" if field == "" else "\x02")
        if field and not in_migration:
            problems.append(f"`{{{field}}}` is a str.format template: outside the migrations, bind values with `{{}}`")
    quoted = False
    for char in rendered:
        if char == "'":
            quoted = not quoted
        elif quoted and char == "\x01":
            problems.append("a `{}` inside a quoted SQL literal is never bound: write a literal brace as `{{ }}`")
        elif quoted and char == OPAQUE and not in_migration:
            problems.append("a value spliced into a quoted SQL literal: pass it and write `{}`")
    bare = QUOTED.sub("''", rendered)
    for name, pattern in DRIVER_MARKERS.items():
        if pattern.search(bare):
            problems.append(f"{name}: write `{{}}` and pass the value")
    return problems


def module_problems(source: str, in_migration: bool, in_db: bool) -> list[str]:
    tree = ast.parse(source)
    skipped = _docstrings(tree) | {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                                   for part in node.values}  # an f-string is read whole
    problems = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.JoinedStr | ast.Constant):
            text = _text(node)
            if text and SQL_WORDS.search(text):
                problems += [f"line {node.lineno}: {p}: {text[:80]!r}" for p in sql_problems(text, in_migration)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = _text(node.func.value)
            if node.func.attr == "format" and (in_db or (receiver and SQL_WORDS.search(receiver))):
                problems.append(f"line {node.lineno}: .format() on SQL: let the driver bind values (`{{}}`)")
            if in_migration and node.func.attr in DATABASE_CALLS:
                problems.append(f"line {node.lineno}: .{node.func.attr}(): a migration sends SQL only through "
                                "portal.db.migration_support (run_all, execute)")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            left = _text(node.left)
            if left and SQL_WORDS.search(left):
                problems.append(f"line {node.lineno}: %-formatting of SQL: bind values with `{{}}`")
    return problems


def test_raw_sql_under_portal_follows_one_convention():
    problems = []
    for path in sorted(PORTAL_DIR.rglob("*.py")):
        in_migration = MIGRATIONS_DIR in path.parents
        in_db = (PORTAL_DIR / "db") in path.parents
        for problem in module_problems(path.read_text(encoding="utf-8"), in_migration, in_db):
            problems.append(f"{path.relative_to(PORTAL_DIR.parent)} {problem}")
    assert not problems, "raw SQL in another style (CONTRIBUTING.md, Raw SQL):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("source, in_migration, expected", [
    ('q = "SELECT * FROM visit WHERE id = ?"', False, "sqlite3's marker"),
    ('q = "SELECT * FROM visit WHERE id = $1"', False, "asyncpg's marker"),
    ('q = "SELECT * FROM visit WHERE id = %s"', False, "`%s`"),
    ('q = "SELECT * FROM visit WHERE id = %(id)s"', False, "`%s`"),
    ('q = "SELECT * FROM visit WHERE id = :id"', False, "named bind"),
    ('q = "SELECT * FROM visit WHERE id = {id}"', False, "str.format template"),
    ('q = "SELECT * FROM visit WHERE id = {}".format(1)', False, ".format() on SQL"),
    ('q = "SELECT * FROM visit WHERE id = %d" % 1', False, "%-formatting"),
    ('q = "CREATE TABLE t (id {pk}, payload TEXT NOT NULL DEFAULT \'{}\')"', True, "never bound"),
    ('q = f"CREATE TABLE t (id {pk}, payload TEXT NOT NULL DEFAULT \'{{}}\')"', True, "never bound"),
    ('q = f"CREATE TABLE t (id {pk}," " payload TEXT NOT NULL DEFAULT \'{}\')"', True, "never bound"),  # m0034
    ('async def forwards(engine):\n    await engine.run_ddl("DROP TABLE t")', True, "migration_support"),
    ('def f(sql):\n    return sql.format(pk="x")', True, ".format()"),
    ('q = "SELECT 1 FROM t WHERE a = {0}"', False, "only {} (a value)"),
    ('q = f"INSERT INTO portal_migration (name) VALUES (\'{name}\')"', False, "spliced"),
])
def test_another_style_is_caught(source, in_migration, expected):
    problems = module_problems(source, in_migration, in_db=in_migration)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("source, in_migration", [
    ('q = "SELECT * FROM visit WHERE id = {} AND day = {}"', False),
    ('q = f"SELECT {columns} FROM rollup_day WHERE service IN ({marks})"', False),
    ('q = "UPDATE audit_log SET unit = (details ->> \'unit_id\')::integer WHERE x ~ \'^-?[0-9]{{1,9}}$\'"', True),
    ('q = "CREATE TABLE t (id {pk}, payload JSON NOT NULL DEFAULT \'{{}}\')"', True),
    ('q = "SELECT json_extract(details, \'$.unit_id\') FROM audit_log WHERE note = \'a ? b :c %s\'"', False),
    ('log.warning("Redis unreachable (%s)", exc)', False),
])
def test_the_convention_is_accepted(source, in_migration):
    assert module_problems(source, in_migration, in_db=False) == []


def test_one_reader_for_values_spellings_and_braces():
    assert _placeholders("SELECT {} AS a, '{{}}' AS b WHERE c = {}", False) == "SELECT ? AS a, '{}' AS b WHERE c = ?"
    assert _placeholders("SELECT {} AS a, '{{}}' AS b WHERE c = {}", True) == "SELECT $1 AS a, '{}' AS b WHERE c = $2"
    with pytest.raises(ValueError, match="spelling"):
        _placeholders("CREATE TABLE t (id {pk})", False)
    types = {"pk": "INTEGER PRIMARY KEY NOT NULL"}
    assert fill("CREATE TABLE t (id {pk}, j JSON DEFAULT '{{}}')", types) == \
        "CREATE TABLE t (id INTEGER PRIMARY KEY NOT NULL, j JSON DEFAULT '{}')"
    with pytest.raises(ValueError, match="no values"):
        fill("CREATE TABLE t (id {pk}, j JSON DEFAULT '{}')", types)
    with pytest.raises(ValueError, match="no spelling"):
        fill("CREATE TABLE t (id {serial})", types)
    with pytest.raises(ValueError):
        read_template("SELECT '{' FROM t")
