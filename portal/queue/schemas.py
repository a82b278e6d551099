"""msgspec structs of the queue API and its live events."""

from __future__ import annotations

import msgspec

from portal.db.tables import OUTCOMES
from portal.errors import Invalid, _t


class Serving(msgspec.Struct):
    counter: str  # the counter's name as shown on the board
    ticket: str | None  # the ticket being called or served; None when the counter is free
    counter_code: str = ""


class RecentCall(msgspec.Struct):
    """One call (or repeated call) of today, newest first on the board's "recently called" list."""

    ticket: str | None
    counter: str  # the counter's name
    counter_code: str
    at: str  # ISO time of the call, or of its last repetition
    key: str  # "<visit id>@<at>": a new key is a new announcement (the board plays each once)


class QueueState(msgspec.Struct):
    """The live state of a unit's queue: what the waiting-room board shows."""

    unit: str  # unit slug
    waiting: int  # tickets issued today not yet called (portal.queue.queries.waiting_condition)
    serving: list[Serving]
    median_wait_minutes: float | None  # median arrival -> called today (unit-local day); None before the first call
    unit_name: str = ""
    local_day: str = ""
    recent: list[RecentCall] = []  # the last calls of today, newest first (at most board.RECENT_CALLS)


class QueueEvent(msgspec.Struct):
    """Published on channel unit:<id> after every console action."""

    type: str  # issued | called | recalled | transferred | served | finished | delivered | outcome
    unit: str
    visit_id: int
    ticket: str | None
    counter: str | None = None
    counter_code: str | None = None
    at: str = ""


# --- the officer's forms (typed inputs: Litestar reads the form body into these) ---------------------------------

class VisitForm(msgspec.Struct):
    """An officer's step on a visit: the counter that calls it, the outcome with the fee charged, and the console
    page to return to (`next`)."""

    next: str = ""
    counter: str = ""
    outcome: str = ""
    fee_charged: str = ""
    correction_needed: str = ""

    def validated_outcome(self) -> tuple[str, int | None, bool]:
        """(outcome, fee charged or None, correction needed); Invalid naming every wrong field."""
        errors = {}
        if self.outcome not in OUTCOMES:
            errors["outcome"] = _t("Choose an outcome.")
        text = self.fee_charged.strip().replace(".", "").replace(",", "")
        fee = None
        if text:
            try:
                fee = int(text)
            except ValueError:
                fee = -1
            if not 0 <= fee <= 10**15:
                errors["fee_charged"] = _t("The fee must be a whole number of rupiah, zero or more.")
        if errors:
            raise Invalid.fields(errors)
        return self.outcome, fee, self.correction_needed in ("on", "1", "true")


class TicketForm(msgspec.Struct):
    """A ticket issued at the counter: one of the counter's services."""

    service: str = ""

    def service_id(self, offered: set[int]) -> int:
        try:
            chosen = int(self.service)
        except ValueError:
            chosen = 0
        if chosen not in offered:
            raise Invalid(_t("Choose one of this counter's services."), field="service")
        return chosen


class TransferForm(msgspec.Struct):
    counter: str = ""
    next: str = ""
