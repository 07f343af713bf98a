"""`main.py` that stops dead after its Nth SQL statement, for the tests that kill it there.

`python -m tests.stall_main migrate` with STALL_AFTER_STATEMENT=N runs the real command line;
after the Nth statement the process prints `stalled` and sleeps, in the middle of whatever
transaction it was in, until the test kills it. With STALL_ARMED_BY=SIGUSR1 the count starts
when the process gets that signal (a running service, just before the test makes it pay or
refund). The hook lives here, outside the service.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

STALLED = "stalled"


def stall_after(statements: int, *, armed: bool = True) -> None:
    """Every engine of this process stops for good after its `statements`th statement (of
    those after SIGUSR1, unless `armed` already)."""
    executed = 0

    def arm(*_args: Any) -> None:
        nonlocal armed
        armed = True

    def count(*_args: Any) -> None:
        nonlocal executed
        if not armed:
            return
        executed += 1
        if executed == statements:
            sys.stdout.write(STALLED + "\n")
            sys.stdout.flush()
            time.sleep(3600)  # blocks the loop: nothing more happens until the kill

    event.listen(Engine, "after_cursor_execute", count)
    signal.signal(signal.SIGUSR1, arm)


if __name__ == "__main__":
    import main

    stall_after(
        int(os.environ["STALL_AFTER_STATEMENT"]),
        armed=os.environ.get("STALL_ARMED_BY") != "SIGUSR1",
    )
    sys.exit(main.main(sys.argv[1:]))
