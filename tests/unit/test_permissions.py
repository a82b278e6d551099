"""The permissions table itself: representative truths of can(user, action, unit), and templates that ask it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment

from portal.accounts.auth import CurrentUser
from portal.accounts.permissions import PERMISSIONS, can, jinja_can, requires
from portal.paths import TEMPLATES_DIR

UNIT_A, UNIT_B = 1, 2


def user(role: str, units: tuple[int, ...] = (UNIT_A,), active: bool = True) -> CurrentUser:
    return CurrentUser(7, role, role, role, frozenset(units), active)


@pytest.mark.parametrize(("role", "action", "unit_id", "expected"), [
    ("officer", "tickets.operate", UNIT_A, True),
    ("officer", "tickets.operate", UNIT_B, False),  # another unit's counter
    ("officer", "complaints.record", None, True),
    ("officer", "complaints.handle", UNIT_A, False),
    ("officer", "dashboard.view", None, False),
    ("manager", "standards.draft", UNIT_A, True),
    ("manager", "standards.approve", UNIT_A, False),  # a manager drafts, a head approves
    ("head", "standards.approve", UNIT_A, True),
    ("head", "standards.approve", UNIT_B, False),
    ("head", "standards.draft", UNIT_A, False),
    ("head", "kiosks.view", UNIT_A, True),
    ("head", "kiosks.manage", UNIT_A, False),
    ("manager", "audit.view", None, False),
    ("head", "audit.view", None, True),
    ("manager", "diagnostic.rate", None, True),
    ("manager", "diagnostic.verify", None, False),
    ("head", "users.manage", None, False),
    ("head", "diagnostic.catalogue", None, False),
    ("officer", "session.end", None, True),
    ("officer", "session.end", UNIT_B, True),  # not unit-scoped
])
def test_representative_truths(role, action, unit_id, expected):
    assert can(user(role), action, unit_id) is expected
    assert user(role).can(action, unit_id) is expected


def test_admin_may_do_everything_everywhere():
    admin = user("admin", units=())
    for action in PERMISSIONS:
        assert can(admin, action) and can(admin, action, UNIT_B), action


def test_nobody_and_inactive_accounts_may_do_nothing():
    for action in PERMISSIONS:
        assert not can(None, action)
        assert not can(user("admin", active=False), action)
        assert not can(user("head", active=False), action, UNIT_A)


def test_without_a_unit_the_question_is_the_role_only():
    """List pages ask can(action) and then show only the user's units: a user with no unit still passes."""
    assert can(user("manager", units=()), "imports.run")
    assert not can(user("manager", units=()), "imports.run", UNIT_A)


def test_an_unknown_action_is_an_error_not_a_refusal():
    with pytest.raises(KeyError):
        can(user("admin"), "standards.aprove")
    with pytest.raises(KeyError):
        requires("standards.aprove")


def test_the_docstring_table_says_what_the_table_does():
    """The module docstring documents the table: every action, with the same roles and unit scope."""
    from portal.accounts import permissions

    documented = {}
    for row in re.findall(r"^\| ([a-z]+\.[a-z]+) .*$", permissions.__doc__ or "", re.M):
        cells = [c.strip() for c in re.search(rf"^\| {re.escape(row)} .*$", permissions.__doc__ or "", re.M)
                 .group(0).strip("|").split("|")]
        roles = frozenset() if cells[1] == "(admin only)" else frozenset(r.strip() for r in cells[1].split(","))
        documented[row] = (roles, cells[2] == "yes")
    assert documented == {a: (p.roles, p.unit_scoped) for a, p in PERMISSIONS.items()}


def test_templates_ask_can_for_the_signed_in_user():
    env = Environment()
    env.globals["can"] = jinja_can
    page = env.from_string('{{ can("standards.approve") }} {{ can("standards.approve", 2) }}')

    class Request:
        def __init__(self, who):
            self.scope = {"user": who}

    assert page.render(request=Request(user("head"))) == "True False"
    assert page.render(request=Request(user("manager"))) == "False False"
    assert page.render(request=Request(None)) == "False False"
    assert page.render() == "False False"


def test_no_template_tests_a_role_name():
    """Templates ask can('action'); a role name compared in a template would be a second, drifting rule."""
    pattern = re.compile(r"\{%-?\s*(?:if|elif)\b[^%]*(?:\b(?:user|me)\.role\b|is_admin)")
    offenders = [f"{path.relative_to(TEMPLATES_DIR)}:{n}"
                 for path in sorted(TEMPLATES_DIR.rglob("*.html"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not offenders, offenders


def test_no_module_compares_role_names_outside_the_table():
    """Code asks can(user, action) / requires(action); comparing role names elsewhere would be a second rule."""
    import portal
    from portal.accounts import permissions

    root = Path(portal.__file__).parent
    pattern = re.compile(r"\.role\s*(?:==|!=|\bin\b|\bnot in\b)")
    offenders = [f"{path.relative_to(root)}:{n}" for path in sorted(root.rglob("*.py"))
                 if path != Path(permissions.__file__)
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not offenders, offenders
