"""Waiting for something to happen in a test without asserting how fast it happens."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from multiprocessing.synchronize import Event

# Only a guard against hanging forever: far above any run's real wait, even on a busy 2-core machine.
# Speed is measured in bench/, not asserted in tests.
HANG_GUARD_S = 120.0


async def eventually(check: Callable[[], Awaitable[bool]], what: str, *, every_s: float = 0.05) -> None:
    """Call `check` until it returns True; fail with `what` if it never does."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + HANG_GUARD_S
    while not await check():
        if loop.time() > give_up:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(every_s)


def hold_until(started: Event, release: Event) -> None:
    """A process pool initializer: say the process has started, then wait for the test to let it work."""
    started.set()
    release.wait()
