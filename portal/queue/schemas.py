"""msgspec structs of the queue API and its live events."""

from __future__ import annotations

import msgspec


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
