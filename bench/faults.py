"""Fault drills for the ingest path, on loopback only, bounded in time and requests.

    .venv/bin/python bench/faults.py                 # both drills
    .venv/bin/python bench/faults.py --drill db-outage --rate 200

- db-outage: steady signed webhook load; the PostgreSQL server is stopped for 10 s and started again.
  Every request answered 200 must be stored exactly once, the others must have been refused (503), and
  the service must recover by itself.
- kill9: `kill -9` of `leadline serve` in the middle of the load, then a restart: every acknowledged
  message must be stored exactly once.
- outbox-kill9: leads text in (their Slack thread posts are queued) and texts to them are queued through
  `POST /api/messages`; the fake Twilio API answers each send after 0.4 s, so sends are in flight when
  `leadline serve` gets `kill -9`. After a restart (and the 2-minute job lease) every text must have
  reached Twilio exactly once or be marked `unknown` (never resent blindly), and every lead message must be
  posted to Slack, none twice. The fake Twilio and Slack APIs run in this process, on loopback.

A throwaway PostgreSQL cluster is started for the drills (the machine's `initdb`/`pg_ctl`), so the
shared server is never touched.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
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


async def drill_outbox_kill9(server, leads: int = 40, texts_per_lead: int = 3) -> bool:  # type: ignore[no-untyped-def]
    import asyncpg
    from twilio.request_validator import RequestValidator

    from bench.ingest import TOKEN
    from tests.fakes.slack_api import FakeSlack
    from tests.fakes.twilio_api import FakeTwilio

    admin = await asyncpg.connect(server.admin_url)
    await admin.execute("CREATE DATABASE drill_outbox")
    await admin.close()
    dsn = server.admin_url.rsplit("/", 1)[0] + "/drill_outbox"
    db_url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    account, api_token = "AC" + "d" * 32, "drill-api-token"
    async with FakeTwilio(account, TOKEN) as tw, FakeSlack(bot_token="xoxb-drill") as slack:
        # Twilio takes each text on arrival and answers 0.4 s later: a kill lands on sends in flight.
        tw.delay_next(0.4, times=100_000, record=True)
        tw.date_sent_null_on_create = True  # as real Twilio: no DateSent while a text is queued
        slack.post_delay_s = 0.3  # likewise Slack: the post is made, the answer comes later
        env = {"TWILIO_ACCOUNT_SID": account, "TWILIO_FROM": "+15559990000", "TWILIO_API_BASE_URL": tw.base_url,
               "API_TOKEN": api_token, "SLACK_BOT_TOKEN": "xoxb-drill", "SLACK_SIGNING_SECRET": "drill-secret",
               "SLACK_API_BASE_URL": slack.base_url, "SLACK_LEADS_CHANNEL": "CLEADS"}
        port = free_port()
        proc = start_leadline(db_url, port, 1, env)
        base = f"http://127.0.0.1:{port}"
        validator = RequestValidator(TOKEN)
        numbers = [f"+1555777{i:04d}" for i in range(leads)]
        bodies = [f"drill text {i} for {n}" for n in numbers for i in range(texts_per_lead)]
        async with aiohttp.ClientSession() as http:
            for i, number in enumerate(numbers):
                params = {"MessageSid": f"SM{i:032x}", "AccountSid": account, "From": number, "To": "+15559990000",
                          "Body": f"drill lead message {i}", "NumMedia": "0"}
                headers = {"X-Twilio-Signature": validator.compute_signature(f"{base}/twilio/messages", params)}
                async with http.post(f"{base}/twilio/messages", data=params, headers=headers) as resp:
                    assert resp.status == 200, await resp.text()
            auth = {"Authorization": f"Bearer {api_token}"}
            for body in bodies:
                to = body.rsplit(" ", 1)[1]
                async with http.post(f"{base}/api/messages", json={"to": to, "body": body}, headers=auth) as resp:
                    assert resp.status == 202, await resp.text()
        await asyncio.sleep(1.5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        at_kill = len(tw.sent)
        conn = await asyncpg.connect(dsn)
        in_flight = await conn.fetchval("SELECT count(*) FROM outboxjob WHERE state = 'running'")
        await conn.close()
        print(f"  {leads} lead messages and {len(bodies)} queued texts; SIGKILL with {at_kill} texts at Twilio "
              f"and {in_flight} jobs in flight", flush=True)
        proc = start_leadline(db_url, port, 1, env)
        started = time.perf_counter()
        conn = await asyncpg.connect(dsn)
        try:
            while time.perf_counter() - started < 240:
                busy = await conn.fetchval("SELECT count(*) FROM outboxjob WHERE state IN ('pending', 'running')")
                if busy == 0:
                    break
                await asyncio.sleep(1)
            states = dict(await conn.fetch("SELECT state, count(*) FROM outboxjob GROUP BY state"))
            statuses = dict(await conn.fetch(
                "SELECT status, count(*) FROM message WHERE direction = 'outbound' GROUP BY status"))
            unknown = {r["body"] for r in await conn.fetch(
                "SELECT body FROM message WHERE direction = 'outbound' AND status = 'unknown'")}
        finally:
            await conn.close()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        waited = time.perf_counter() - started
        sends = [str(form.get("Body")) for form in tw.sent]
        twice = sorted({b for b in sends if sends.count(b) > 1})
        missing = [b for b in bodies if b not in sends and b not in unknown]
        # Each Slack post names one lead message (its thread post) or one text (mirrored into the thread).
        named = [found.group(0) for m in slack.posted("CLEADS")
                 if (found := re.search(r"drill lead message \d+\b|drill text \d+ for \+\d+", str(m.get("text"))))]
        unposted = [i for i in range(leads) if f"drill lead message {i}" not in named]
        posted_twice = sorted({n for n in named if named.count(n) > 1})
    ok = not twice and not missing and not unposted and not posted_twice and busy == 0
    print(f"outbox-kill9: drained {waited:.0f} s after restart; jobs {states}; texts {statuses}; "
          f"at Twilio {len(set(sends))}/{len(bodies)}, sent twice {len(twice)}, unknown {len(unknown)}, "
          f"lost {len(missing)}; lead messages not in Slack {len(unposted)}, Slack posts made twice "
          f"{len(posted_twice)} -> {'PASS' if ok else 'FAIL'}")
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drill", choices=["db-outage", "kill9", "outbox-kill9", "all"], default="all")
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
        if args.drill in ("outbox-kill9", "all"):
            results.append(await drill_outbox_kill9(server))
    finally:
        server.stop()
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
