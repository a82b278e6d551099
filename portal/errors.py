"""The domain's errors: what a service refuses, with a code, the field at fault and an English message id.

Services raise these (never an HTTP status, never a translated string); `portal.web.error_response` maps them to
HTTP in one place (the class's status, the message translated into the request's language, `code` and `field`
in a JSON answer), and a page that shows a form catches `Invalid` / `Conflict` to show each message beside its
field. A unique index refusing a write that no service turned into a `Conflict` is mapped there too (409 naming
the column, `portal.db.engine.unique_field`).

    raise NotFound(_t("Unknown counter."))
    raise Conflict(_t("This code is taken."), field="code")
    raise Invalid.fields({"name": _t("A name is required."), "code": _t("The code uses ...")})
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar


def _t(message: str) -> str:
    """Marks an English message id (translated where it is shown, in the request's language)."""
    return message


class DomainError(Exception):
    """A refused request. `message` is an English msgid with %(name)s `values`; `field` the form field at fault;
    `code` a stable machine name (URL notices, JSON clients)."""

    status_code: int = 400  # a subclass's; an instance may narrow it (ComplaintError's 404 for an unknown action)
    default_code: ClassVar[str] = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None, **values: Any) -> None:
        super().__init__(message)
        self.message, self.field, self.values = message, field, values
        self.code = code or self.default_code
        #: field -> English msgid, for a form with several wrong fields (the first one is `field` / `message`).
        self.errors: dict[str, str] = {field: message} if field else {}

    @classmethod
    def fields(cls, errors: Mapping[str, str], **values: Any):
        """One error naming every wrong field of a form (English msgids, in form order)."""
        field, message = next(iter(errors.items()))
        error = cls(message, field=field, **values)
        error.errors = dict(errors)
        return error


class Invalid(DomainError):
    """The input is not acceptable (a value missing, malformed or out of range): 400."""


class NotFound(DomainError):
    status_code = 404
    default_code = "not-found"


class Conflict(DomainError):
    """The current state refuses it (taken, already done, changed meanwhile): 409."""

    status_code = 409
    default_code = "conflict"


class NotAllowed(DomainError):
    """This user may not do this to this object: 403."""

    status_code = 403
    default_code = "not-allowed"


class TooLate(DomainError):
    """The moment for this has passed (a deadline, a closed period): 409."""

    status_code = 409
    default_code = "too-late"


class TooLarge(DomainError):
    status_code = 413
    default_code = "too-large"


@contextmanager
def unique_as_conflict(messages: Mapping[str, str]) -> Iterator[None]:
    """Turn a unique index's refusal inside the block into Conflict(messages[column], field=column): the race two
    requests run at once is answered like the check before it (nothing was stored; the transaction rolled back).
    A column not in `messages` still gives a Conflict naming it."""
    from portal.db.engine import is_unique_violation, unique_field

    try:
        yield
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        field = unique_field(exc)
        if field is None and len(messages) == 1:  # an expression index: the one field the block guards
            field = next(iter(messages))
        raise Conflict(messages.get(field or "", _t("This value is already taken.")), field=field,
                       code="taken") from None
