"""Explicit wiring: no module under portal/ imports another by string (routers, commands, tables and migrations
are imported by name, so a missing module fails loudly instead of being skipped)."""

from __future__ import annotations

import re
from pathlib import Path

import portal

PORTAL_DIR = Path(portal.__file__).parent
#: Modules allowed to import by string (none).
ALLOWED: set[str] = set()
BY_STRING = re.compile(r"\bimportlib\b|\b__import__\s*\(|\bimport_module\s*\(")


def test_no_module_imports_by_string():
    offenders = []
    for path in sorted(PORTAL_DIR.rglob("*.py")):
        relative = path.relative_to(PORTAL_DIR).as_posix()
        if relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BY_STRING.search(line):
                offenders.append(f"portal/{relative}:{number}: {line.strip()}")
    assert not offenders, "imports by string:\n" + "\n".join(offenders)


def test_every_migration_module_is_listed_in_order():
    from portal.db.migrations import MIGRATIONS

    files = sorted(p.stem for p in (PORTAL_DIR / "db" / "migrations").glob("m*.py"))
    listed = [module.__name__.rpartition(".")[2] for module in MIGRATIONS]
    assert listed == files, "portal/db/migrations/__init__.py must list every migration module, in name order"


def test_every_capability_router_and_command_is_mounted():
    from portal import app, cli

    capabilities = {p.parent.name for p in PORTAL_DIR.glob("*/routes.py")}
    mounted = {module.__name__.split(".")[1] for module in app.CAPABILITY_ROUTES}
    assert mounted == capabilities
    commands = {p.parent.name for p in PORTAL_DIR.glob("*/commands.py")}
    registered = {module.__name__.split(".")[1] for module in cli.COMMAND_MODULES}
    assert registered == commands


def test_every_tables_module_is_bound():
    from portal.db import engine

    modules = {f"portal.db.{p.stem}" for p in (PORTAL_DIR / "db").glob("tables*.py")}
    assert {module.__name__ for module in engine.table_modules()} == modules


TEMPLATES_DIR = PORTAL_DIR.parent / "templates"
HARD_CODED = re.compile(r"""\b(?:href|action|src|formaction|data-[a-z-]+)\s*=\s*["']/""")


def test_templates_link_to_routes_by_name():
    """Internal links, form actions and assets go through url_for (a route can move without a hunt)."""
    offenders = []
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HARD_CODED.search(line):
                offenders.append(f"{path.relative_to(TEMPLATES_DIR)}:{number}: {line.strip()[:120]}")
    assert not offenders, "hard-coded internal paths:\n" + "\n".join(offenders)


def test_the_link_scan_catches_a_hard_coded_path():
    assert HARD_CODED.search('<a href="/console">') and HARD_CODED.search("<form action='/login'>")
    assert not HARD_CODED.search("""<a href="{{ url_for('queue_console_home') }}">""")
    assert not HARD_CODED.search('<a href="https://example.org/x">')


#: An inline event handler (onclick=, onsubmit=, ...) or a javascript: URL: the CSP (no 'unsafe-inline') blocks both,
#: so such a button silently does nothing. Behaviour goes in static/js/ (e.g. print.js wires any [data-print]).
INLINE_HANDLER = re.compile(r"""(?:<[^>]*\son[a-z]+\s*=|\bjavascript\s*:)""", re.IGNORECASE)


def test_templates_have_no_inline_event_handler():
    offenders = []
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE_HANDLER.search(line):
                offenders.append(f"{path.relative_to(TEMPLATES_DIR)}:{number}: {line.strip()[:120]}")
    assert not offenders, "inline event handlers or javascript: URLs (blocked by the CSP):\n" + "\n".join(offenders)


def test_the_inline_handler_scan_catches_one():
    assert INLINE_HANDLER.search('<button type="button" onclick="window.print()">')
    assert INLINE_HANDLER.search("<form ONSUBMIT='x()'>") and INLINE_HANDLER.search('<a href="javascript:void(0)">')
    assert not INLINE_HANDLER.search('<button type="button" data-print>')
    assert not INLINE_HANDLER.search('<p>Online only</p>') and not INLINE_HANDLER.search('<input name="contact">')


def test_redirects_reverse_route_names():
    """Handlers redirect to request.app.route_reverse(name, ...), never to a hand-written path."""
    literal = re.compile(r"""Redirect\(\s*path\s*=\s*f?["']/""")
    offenders = [f"portal/{path.relative_to(PORTAL_DIR).as_posix()}:{number}: {line.strip()}"
                 for path in sorted(PORTAL_DIR.rglob("*.py"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if literal.search(line)]
    assert not offenders, "redirects to a hard-coded path:\n" + "\n".join(offenders)


def test_handlers_declare_parameters_in_the_current_style():
    """Litestar 3 drops inferred and Parameter(query=...) declarations: the routers mount without warning about
    them (the handlers alone, so the test's database engine is left alone)."""
    import warnings

    from litestar import Litestar

    from portal import app

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Litestar(route_handlers=app._route_handlers())
    styles = [str(w.message) for w in caught if "declared using deprecated" in str(w.message)]
    assert not styles, "\n".join(styles)


def _route_names() -> dict[str, str]:
    """Every named handler under portal/<capability>/ (routes*.py, api.py, ...): its name -> its capability."""
    import ast

    names: dict[str, str] = {}
    handlers = {"get", "post", "put", "patch", "delete", "route", "websocket"}
    for path in sorted(PORTAL_DIR.glob("*/*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) in handlers:
                        names.update({kw.value.value: path.parent.name for kw in decorator.keywords
                                      if kw.arg == "name" and isinstance(kw.value, ast.Constant)})
    return names


def test_route_names_carry_their_capability_prefix():
    """A route's name says which capability owns it (`queue_visit_call`, `insight_dashboard`): a link in a template
    names its owner, and two capabilities cannot both claim `dashboard`."""
    unprefixed = sorted(f"{cap}: {name}" for name, cap in _route_names().items()
                        if not name.startswith((f"{cap}_", f"{cap.removesuffix('s')}_")))
    assert not unprefixed, "route names without their capability's prefix:\n" + "\n".join(unprefixed)


def test_every_literal_route_name_exists():
    """url_for('x') in a template and route_reverse('x') in code name a route that exists (a rename that missed one
    fails here, not as a server error on the page that links to it)."""
    known = {*_route_names(), "static"}
    used = re.compile(r"""(?:url_for|route_reverse)\(\s*["']([a-z0-9_]+)["']""")
    missing = []
    for path in [*sorted(TEMPLATES_DIR.rglob("*.html")), *sorted(PORTAL_DIR.rglob("*.py"))]:
        missing += [f"{path.name}: {name}" for name in used.findall(path.read_text(encoding="utf-8"))
                    if name not in known]
    assert not missing, "links to routes that do not exist:\n" + "\n".join(missing)
