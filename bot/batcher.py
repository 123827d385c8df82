"""Micro-batching: requests that arrive within a few milliseconds share one database transaction.

Each webhook awaits its own result, so it still answers only after its message is committed; under load
the cost of a transaction (round trips, commit) is shared by the whole batch. A batch that fails for a
reason other than the database being unavailable is retried one item at a time, so one bad request
cannot fail its neighbours.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from analytics.errors import Unavailable

T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[T, R]):
    """Batches form when a slot is free: under load every free slot takes all that waited (up to
    `max_size`), so batches grow with the load instead of staying as small as the timer makes them."""

    def __init__(self, process: Callable[[Sequence[T]], Awaitable[Sequence[R]]], *, max_size: int = 64,
                 max_wait_s: float = 0.002, concurrency: int = 4) -> None:
        self.process = process
        self.max_size = max_size
        self.max_wait_s = max_wait_s
        self.concurrency = concurrency
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._active = 0
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if len(self._pending) >= self.max_size:
            self._flush()
        elif self._timer is None and self._active < self.concurrency:
            self._timer = asyncio.get_running_loop().call_later(self.max_wait_s, self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._pending and self._active < self.concurrency:
            batch, self._pending = self._pending[: self.max_size], self._pending[self.max_size:]
            self._active += 1
            task = asyncio.create_task(self._run(batch))
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._active -= 1
        if self._pending:
            self._flush()

    async def _run(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        items = [item for item, _ in batch]
        try:
            results = await self.process(items)
        except Unavailable as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except Exception as exc:
            if len(batch) == 1:
                _, future = batch[0]
                if not future.done():
                    future.set_exception(exc)
                return
            for one in batch:
                await self._run_alone(one)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def _run_alone(self, entry: tuple[T, asyncio.Future[R]]) -> None:
        item, future = entry
        try:
            (result,) = await self.process([item])
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(result)

    async def drain(self) -> None:
        """Flush what is waiting and wait for every batch in flight (used at shutdown)."""
        self._flush()
        while self._running or self._pending:
            self._flush()
            await asyncio.gather(*list(self._running), return_exceptions=True)

