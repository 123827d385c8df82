"""A loopback TCP proxy that tests can cut and restore, to take a database 'down' without stopping it.

Besides cutting every connection, it can play two moments of a PostgreSQL shutdown or restart:

- `hold_closes()`: when the server ends a session (e.g. `pg_terminate_backend`, which sends the FATAL error
  a fast shutdown sends every session), its last bytes reach the client at once but the close is held
  back until `release_closes()`. This widens, deterministically, the moment between the two that a busy
  client otherwise meets by chance.
- `refuse_as_starting_up()`: new connections are answered as PostgreSQL answers them while it starts up
  or shuts down: a FATAL error with SQLSTATE 57P03 ("the database system is starting up").
"""

from __future__ import annotations

import asyncio
import contextlib
import struct

SSL_REQUEST = 80877103


def fatal_error(sqlstate: str, message: str) -> bytes:
    """A PostgreSQL ErrorResponse message ('E') of severity FATAL."""
    fields = b"SFATAL\0VFATAL\0C" + sqlstate.encode() + b"\0M" + message.encode() + b"\0\0"
    return b"E" + struct.pack("!i", len(fields) + 4) + fields


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._hold = False
        self._released = asyncio.Event()
        self._starting_up = False
        # Local ports of the proxy's connections to the server: pg_stat_activity.client_port of its sessions.
        self.upstream_ports: set[int] = set()
        self.closed_by_server = 0
        self._closed_changed = asyncio.Event()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Refuse new connections and break the open ones, as a database crash would."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._released.set()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def restore(self) -> None:
        """Serve again after `cut()` or `refuse_as_starting_up()`."""
        self._starting_up = False
        if self._server is None:
            await self.start()

    def hold_closes(self) -> None:
        self._hold = True
        self._released.clear()

    def release_closes(self) -> None:
        self._hold = False
        self._released.set()

    def refuse_as_starting_up(self) -> None:
        self._starting_up = True

    async def wait_closed_by_server(self, count: int) -> None:
        """Return once the server has ended `count` connections (their bytes all passed on to the client)."""
        while self.closed_by_server < count:
            self._closed_changed.clear()
            await self._closed_changed.wait()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._starting_up:
            await self._answer_starting_up(reader, writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.upstream_ports.add(up_writer.get_extra_info("sockname")[1])
        self._writers |= {writer, up_writer}
        for src, dst, from_server in ((reader, up_writer, False), (up_reader, writer, True)):
            task = asyncio.create_task(self._pipe(src, dst, from_server))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, from_server: bool) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
            if from_server:
                self.closed_by_server += 1
                self._closed_changed.set()
                if self._hold:
                    await self._released.wait()
        dst.close()
        self._writers.discard(dst)

    @staticmethod
    async def _answer_starting_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            length = struct.unpack("!i", await reader.readexactly(4))[0]
            packet = await reader.readexactly(length - 4)
            if struct.unpack("!i", packet[:4])[0] == SSL_REQUEST:
                writer.write(b"N")  # no TLS here; the client then sends its startup packet in the clear
                length = struct.unpack("!i", await reader.readexactly(4))[0]
                await reader.readexactly(length - 4)
            writer.write(fatal_error("57P03", "the database system is starting up"))
            await writer.drain()
        writer.close()
