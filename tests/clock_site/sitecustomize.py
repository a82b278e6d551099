"""Started by every Python subprocess of a test run with PORTAL_TEST_TODAY set (tests/clock.py puts this folder
on PYTHONPATH): move this process's clock by the suite's shift, so a served portal lives on the suite's day."""

import os

if os.environ.get("PORTAL_TEST_CLOCK_SHIFT"):
    from datetime import UTC, datetime, timedelta

    import time_machine

    time_machine.travel(datetime.now(UTC) + timedelta(seconds=float(os.environ["PORTAL_TEST_CLOCK_SHIFT"])),
                        tick=True).start()
