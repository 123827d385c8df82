"""The micro-batcher: concurrent submissions share a batch; failures stay with the item that caused them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from analytics.errors import Unavailable
from bot.batcher import MicroBatcher


async def test_concurrent_items_share_batches_and_keep_their_own_results() -> None:
    seen: list[int] = []

    async def double(items: Sequence[int]) -> list[int]:
        seen.append(len(items))
        await asyncio.sleep(0.001)
        return [i * 2 for i in items]

    batcher: MicroBatcher[int, int] = MicroBatcher(double, max_size=10, max_wait_s=0.01)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(25)))
    assert results == [i * 2 for i in range(25)]
    assert sum(seen) == 25 and max(seen) == 10 and len(seen) == 3


async def test_one_bad_item_does_not_fail_its_neighbours() -> None:
    async def picky(items: Sequence[int]) -> list[int]:
        if 3 in items:
            raise ValueError("three")
        return list(items)

    batcher: MicroBatcher[int, int] = MicroBatcher(picky, max_size=5, max_wait_s=0.01)
    outcomes = await asyncio.gather(*(batcher.submit(i) for i in range(5)), return_exceptions=True)
    assert outcomes[:3] == [0, 1, 2] and outcomes[4] == 4
    assert isinstance(outcomes[3], ValueError)


async def test_database_unavailable_fails_the_whole_batch_at_once() -> None:
    calls = 0

    async def down(items: Sequence[int]) -> list[int]:
        nonlocal calls
        calls += 1
        raise Unavailable("db down")

    batcher: MicroBatcher[int, int] = MicroBatcher(down, max_size=4, max_wait_s=0.01)
    outcomes = await asyncio.gather(*(batcher.submit(i) for i in range(4)), return_exceptions=True)
    assert all(isinstance(o, Unavailable) for o in outcomes)
    assert calls == 1


async def test_a_lone_item_goes_alone_after_max_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    batches: list[list[int]] = []

    async def echo(items: Sequence[int]) -> list[int]:
        batches.append(list(items))
        return list(items)

    # The delay the batcher asks the loop for, rather than a stopwatch on a busy machine.
    loop = asyncio.get_running_loop()
    delays: list[float] = []
    call_later = loop.call_later

    def timed(delay: float, *args: Any, **kwargs: Any) -> asyncio.TimerHandle:
        delays.append(delay)
        return call_later(delay, *args, **kwargs)

    monkeypatch.setattr(loop, "call_later", timed)
    batcher: MicroBatcher[int, int] = MicroBatcher(echo, max_size=64, max_wait_s=0.002)
    assert await batcher.submit(7) == 7
    assert await batcher.submit(8) == 8
    assert batches == [[7], [8]]  # neither waited for company that never came
    assert delays == [0.002, 0.002]
