"""A lean HTTP/1.1 load generator for the benchmarks: pre-built requests over keep-alive connections.

The benchmarks share two cores between the load, the server and PostgreSQL, so the load must cost as
little CPU as it can: every request is built (and signed) before the clock starts, sent as one write on
an idle keep-alive connection, and its answer is read by a bare asyncio Protocol that only finds the
status and Content-Length. aiohttp's client spent ~4x the CPU per request and capped the load near
1,000/s on its core.

Open loop (`rate` set): request i is due at start + i / rate whether or not earlier ones were answered;
its latency runs from when it was due, so time spent waiting for a free connection (the server falling
behind) counts against the server (no coordinated omission). Closed loop (`rate` None): `concurrency`
requests in flight at all times, latency from the write.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

Done = Callable[["_Conn", int | None], None]


@dataclass
class LoadResult:
    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)  # perf_counter() when each latency began, same order
    ok_indexes: list[int] = field(default_factory=list)  # requests answered 200
    elapsed: float = 0.0


class _Conn(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self, done: Done) -> None:
        self.done = done
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.index = -1  # the request in flight, -1 when idle
        self.started = 0.0
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, index: int, data: bytes, started: float) -> None:
        self.index, self.started = index, started
        assert self.transport is not None
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buf[:end]).lower()
        length = 0
        at = head.find(b"\r\ncontent-length:")
        if at >= 0:
            stop = head.find(b"\r\n", at + 2)
            length = int(head[at + 17:stop if stop >= 0 else len(head)])
        if len(self.buf) < end + 4 + length:
            return
        del self.buf[:end + 4 + length]
        status = int(head[9:12])
        if b"\r\nconnection: close" in head and self.transport is not None:
            self.closed = True
            self.transport.close()
        self.done(self, status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        # In flight: the request failed. Idle: `done` takes it out of the idle pool and frees its slot.
        self.done(self, None if self.index >= 0 else -1)


async def run(host: str, port: int, requests: list[bytes], *, rate: float | None, seconds: float,
              concurrency: int) -> LoadResult:
    """Send `requests` in order (open loop at `rate`/s, else closed loop), at most `concurrency` at once,
    for at most `seconds` (then waits up to 30 s for answers)."""
    loop = asyncio.get_running_loop()
    result = LoadResult()
    idle: deque[_Conn] = deque()
    backlog: deque[tuple[int, float]] = deque()  # (request, due) waiting for a connection
    conns = 0
    in_flight = 0
    finished = asyncio.Event()
    sending_done = False
    tasks: set[asyncio.Task[None]] = set()

    def spawn(coro) -> None:  # type: ignore[no-untyped-def]
        task = loop.create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def dispatch(conn: _Conn) -> None:
        nonlocal in_flight
        if backlog:
            index, due = backlog.popleft()
            conn.send(index, requests[index], due if rate is not None else time.perf_counter())
            in_flight += 1
        else:
            idle.append(conn)

    def done(conn: _Conn, status: int | None) -> None:
        nonlocal in_flight, conns
        if status == -1:  # an idle connection the server closed
            if conn in idle:
                idle.remove(conn)
            if backlog or not sending_done:
                spawn(open_one())  # the closed connection's slot passes to the new one
            else:
                conns -= 1
            return
        in_flight -= 1
        index = conn.index
        conn.index = -1
        if status is None:
            result.errors["connection"] = result.errors.get("connection", 0) + 1
        else:
            result.latencies.append(time.perf_counter() - conn.started)
            result.starts.append(conn.started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status == 200:
                result.ok_indexes.append(index)
        if not conn.closed:
            dispatch(conn)
        else:
            spawn(reopen())
        if sending_done and in_flight == 0 and not backlog:
            finished.set()

    async def open_one() -> None:
        """Open a connection whose slot (`conns`) the caller has already counted."""
        nonlocal conns
        try:
            _transport, conn = await loop.create_connection(lambda: _Conn(done), host, port)
        except OSError as exc:
            conns -= 1
            result.errors[type(exc).__name__] = result.errors.get(type(exc).__name__, 0) + 1
            return
        dispatch(conn)

    async def reopen() -> None:
        nonlocal conns
        if backlog or not sending_done:
            await open_one()  # the closed connection's slot passes to the new one
        else:
            conns -= 1

    def submit(index: int, due: float) -> None:
        nonlocal conns
        result.sent += 1
        backlog.append((index, due))
        if idle:
            dispatch(idle.popleft())
        elif conns < concurrency:
            conns += 1  # counted now: every request due in one timer tick must not open its own
            spawn(open_one())

    # Connections are opened before the clock starts, as a proxy in front of the service keeps them.
    first = min(concurrency, 64 if rate is not None else concurrency)
    conns += first
    await asyncio.gather(*(open_one() for _ in range(first)))
    start = time.perf_counter()
    deadline = start + seconds
    if rate is None:
        for i in range(min(concurrency, len(requests))):
            submit(i, start)
        nxt = result.sent
        # Closed loop: top up to `concurrency` in flight until the deadline or the requests run out.
        while nxt < len(requests) and time.perf_counter() < deadline:
            while in_flight + len(backlog) < concurrency and nxt < len(requests):
                submit(nxt, time.perf_counter())
                nxt += 1
            await asyncio.sleep(0.0005)
    else:
        i = 0
        while i < len(requests):
            now = time.perf_counter()
            if now > deadline:
                break
            # Everything due by now leaves now (a timer tick can cover several requests at high rates).
            while i < len(requests) and start + i / rate <= now:
                submit(i, start + i / rate)
                i += 1
            if i < len(requests):
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
    sending_done = True
    if in_flight or backlog:
        try:
            await asyncio.wait_for(finished.wait(), 30)
        except TimeoutError:
            result.errors["timeout"] = in_flight + len(backlog)
    result.elapsed = time.perf_counter() - start
    for conn in idle:
        if conn.transport is not None:
            conn.transport.close()
    return result


def post_request(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """The bytes of one HTTP/1.1 POST of a form body, keep-alive."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/x-www-form-urlencoded",
             f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
