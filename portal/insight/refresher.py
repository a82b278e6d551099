"""The background refresher: folds new facts into the rollups and republishes the published figures.

Runs in every server process (a task started in the app's lifespan, every PORTAL_REFRESH_SECONDS); on
PostgreSQL an advisory lock lets one worker at a time change the rollups, the others skip their turn. Commands
that read figures (`portal review`, exports) run one pass first. Tests run passes by hand (run_once).
How stale a published figure can be: one interval plus the time of a pass (docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import logging
import time

from portal.insight import actions, periods, published, rollups
from portal.ops import metrics
from portal.timeutil import local_day, utcnow

log = logging.getLogger("portal.refresher")

#: Fold at most this many batches of deltas per pass (rollups.APPLY_BATCH each, 100,000 deltas), so a pass
#: stays short; requests get the database between batches. A pass folds only the deltas pending when it began:
#: chasing the ones that arrive while it folds would, under a steady stream of answers, fold a handful at a time
#: (each fold reads and rewrites the day's rollup row) for as long as the stream lasts.
MAX_BATCHES = 400
#: Every published figure is recomputed at least this often, so the recent window follows the local date.
FULL_REPUBLISH_SECONDS = 300.0
#: How often each unit's last closed quarter is reviewed for nonconformities (idempotent).
REVIEW_SECONDS = 3600.0


class Refresher:
    def __init__(self) -> None:
        self.last_full: float | None = None
        self.last_pass: float | None = None
        self.last_review: float | None = None

    async def run_once(self, full: bool = False, review: bool = False) -> dict[str, int]:
        """One pass: fold pending deltas, recompute days marked dirty, republish what changed, and (when asked
        or due) open the nonconformities of every unit's last closed quarter."""
        changed: set = set()
        through = await rollups.last_delta_id()
        for _ in range(MAX_BATCHES if through is not None else 0):
            batch = await rollups.apply_pending(through=through)
            changed |= batch
            if not batch:
                break
        recomputed = await rollups.refresh()
        services = {service for service, _day in changed | recomputed}
        now = time.monotonic()
        if full or (self.last_full is not None and now - self.last_full >= FULL_REPUBLISH_SECONDS):
            republished = await published.republish(None)
            self.last_full = now
        else:
            republished = await published.republish(services) if services else 0
        opened = 0
        if review or (self.last_review is not None and now - self.last_review >= REVIEW_SECONDS):
            opened = len(await actions.review_all(
                lambda unit: periods.last_closed_quarter(local_day(unit["timezone"]))))
            self.last_review = now
        self.last_pass = now
        return {"days_folded": len(changed), "days_recomputed": len(recomputed), "published": republished,
                "nonconformities_opened": opened}

    async def loop(self, interval: float) -> None:
        self.last_review = time.monotonic() - REVIEW_SECONDS + 60  # first review a minute after start
        first = True
        while True:
            started = time.monotonic()
            try:
                await self.run_once(full=first)
                first = False
                metrics.refresher_pass(time.monotonic() - started, True, utcnow().timestamp())
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed pass is retried on the next; the facts are safe in their tables
                metrics.refresher_pass(time.monotonic() - started, False, utcnow().timestamp())
                log.exception("refresher pass failed")
            await asyncio.sleep(interval)


async def run_once(full: bool = False, review: bool = False) -> dict[str, int]:
    """One pass of a fresh refresher (commands and tests): everything pending folded, the figures it changed
    republished (all of them with full=True)."""
    return await Refresher().run_once(full=full, review=review)
