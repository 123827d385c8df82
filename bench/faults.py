"""Fault drills for the ingest path, on loopback only, bounded in time and requests.

    .venv/bin/python bench/faults.py                 # both drills
    .venv/bin/python bench/faults.py --drill db-outage --rate 200

- db-outage: steady signed webhook load; the PostgreSQL server is stopped for 10 s and started again.
  Every request answered 200 must be stored exactly once, the others must have been refused (503), and
  the service must recover by itself.
- kill9: `kill -9` of `leadline serve` in the middle of the load, then a restart: every acknowledged
  message must be stored exactly once.

A throwaway PostgreSQL cluster is started for the drills (the machine's `initdb`/`pg_ctl`), so the
shared server is never touched.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import free_port, signed, start_leadline
from tests.pg import _find_bin, _run, _start_cluster


async def steady_load(url: str, rate: float, seconds: float) -> tuple[list[str], dict[str, int]]:
    """Open-loop load; returns acknowledged sids and a count of every other outcome."""
    acked: list[str] = []
    outcomes: dict[str, int] = {}
    rng = random.Random(1)
    async with aiohttp.ClientSession() as session:

        async def one(i: int) -> None:
            params, headers = signed(url, i, "f", rng)
            try:
                async with session.post(url, data=params, headers=headers,
                                        timeout=aiohttp.ClientTimeout(total=15)) as resp:
                    await resp.read()
                    key = str(resp.status)
                    if resp.status == 200:
                        acked.append(params["MessageSid"])
            except (aiohttp.ClientError, TimeoutError) as exc:
                key = type(exc).__name__
            outcomes[key] = outcomes.get(key, 0) + 1

        start = time.perf_counter()
        tasks = []
        i = 0
        while (now := time.perf_counter() - start) < seconds:
            target = start + i / rate
            if target > time.perf_counter():
                await asyncio.sleep(target - time.perf_counter())
            tasks.append(asyncio.create_task(one(i)))
            i += 1
            _ = now
        await asyncio.gather(*tasks)
    return acked, outcomes


async def stored(dsn: str, sids: list[str]) -> tuple[int, int]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow("SELECT COUNT(DISTINCT sid) f, COUNT(*) n FROM message WHERE sid = ANY($1::text[])",
                                  sids)
    finally:
        await conn.close()
    return int(row["f"]), int(row["n"])


def pg_ctl(server, action: str) -> None:  # type: ignore[no-untyped-def]
    port = server.admin_url.rsplit(":", 1)[1].split("/")[0]
    cmd = [str(_find_bin("pg_ctl")), "-D", str(server.cluster_dir / "data"), "-w"]
    if action == "stop":
        cmd += ["-m", "immediate", "stop"]
    else:
        opts = f"-p {port} -k {server.cluster_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        cmd += ["-o", opts, "-l", str(server.cluster_dir / "log"), "start"]
    _run(cmd, server.run_as, check=False)


async def drill_db_outage(server, rate: float) -> bool:  # type: ignore[no-untyped-def]
    import asyncpg

    admin = await asyncpg.connect(server.admin_url)
    await admin.execute("CREATE DATABASE drill_outage")
    await admin.close()
    dsn = server.admin_url.rsplit("/", 1)[0] + "/drill_outage"
    port = free_port()
    proc = start_leadline(dsn.replace("postgresql://", "postgresql+asyncpg://"), port, 1)
    url = f"http://127.0.0.1:{port}/twilio/messages"
    try:
        load = asyncio.create_task(steady_load(url, rate, 30))
        await asyncio.sleep(10)
        pg_ctl(server, "stop")
        print("  t=10s PostgreSQL stopped", flush=True)
        await asyncio.sleep(10)
        pg_ctl(server, "start")
        print("  t=20s PostgreSQL started", flush=True)
        acked, outcomes = await load
        after, _ = await steady_load(url, rate, 3)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    found, rows = await stored(dsn, acked)
    ok = found == len(acked) == rows and len(after) > 0.9 * rate * 3
    print(f"db-outage: outcomes {outcomes}; acked {len(acked)}, stored {found} (rows {rows}); "
          f"after recovery {len(after)}/{int(rate * 3)} ok -> {'PASS' if ok else 'FAIL'}")
    return ok


async def drill_kill9(server, rate: float) -> bool:  # type: ignore[no-untyped-def]
    import asyncpg

    admin = await asyncpg.connect(server.admin_url)
    await admin.execute("CREATE DATABASE drill_kill")
    await admin.close()
    dsn = server.admin_url.rsplit("/", 1)[0] + "/drill_kill"
    db_url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    port = free_port()
    proc = start_leadline(db_url, port, 1)
    url = f"http://127.0.0.1:{port}/twilio/messages"
    load = asyncio.create_task(steady_load(url, rate, 10))
    await asyncio.sleep(5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    print("  t=5s leadline serve killed with SIGKILL", flush=True)
    acked, outcomes = await load
    proc = start_leadline(db_url, port, 1)
    try:
        after, _ = await steady_load(url, rate, 3)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    found, rows = await stored(dsn, acked + after)
    total = len(acked) + len(after)
    ok = found == total == rows
    print(f"kill9: outcomes before kill {outcomes}; acked {total}, stored {found} (rows {rows}) -> "
          f"{'PASS' if ok else 'FAIL'}")
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drill", choices=["db-outage", "kill9", "all"], default="all")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    args = parser.parse_args()
    server = await asyncio.to_thread(_start_cluster)
    if server is None:
        print("no initdb/pg_ctl on this machine: cannot run the drills")
        return 2
    try:
        results = []
        if args.drill in ("db-outage", "all"):
            results.append(await drill_db_outage(server, args.rate))
        if args.drill in ("kill9", "all"):
            results.append(await drill_kill9(server, args.rate))
    finally:
        server.stop()
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
