"""Fault drills for the ingest path, on loopback only, bounded in time and requests.

    .venv/bin/python bench/faults.py                 # all three drills
    .venv/bin/python bench/faults.py --drill db-outage --rate 200 --stop-mode immediate

- db-outage: steady signed webhook load (Slack on, so the outbox posts lead threads meanwhile); the
  PostgreSQL server is stopped for 10 s (`pg_ctl -m fast` by default: every session gets a FATAL error,
  then the close) and started again. Every request answered 200 must be stored exactly once, every other
  answer must be 503 (never a 500, never no answer), and the service must recover by itself.
- kill9: `kill -9` of `leadline serve` in the middle of the load, then a restart: every acknowledged
  message must be stored exactly once, no request is answered 500, and after the restart all are 200.
- outbox-kill9: leads text in (their Slack thread posts are queued) and texts to them are queued through
  `POST /api/messages`; the fake Twilio API answers each send after 0.4 s, so sends are in flight when
  `leadline serve` gets `kill -9`. After a restart (and the 2-minute job lease) every text must have
  reached Twilio exactly once or be marked `unknown` (never resent blindly), and every lead message must be
  posted to Slack, none twice. The fake Twilio and Slack APIs run in this process, on loopback.

A throwaway PostgreSQL cluster is started for the drills (the machine's `initdb`/`pg_ctl`), so the
shared server is never touched. Each server's log goes to `--logs` (a temporary folder by default); the
errors with tracebacks in it are summed up after each drill.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import free_port, signed, start_leadline
from tests.pg import _find_bin, _run, _start_cluster


async def steady_load(url: str, rate: float, seconds: float) -> tuple[list[str], dict[str, int]]:
    """Open-loop signed webhook load; returns acknowledged sids and a count of every outcome (status or error)."""
    acked: list[str] = []
    outcomes: dict[str, int] = {}
    rng = random.Random(secrets.randbits(64))  # fresh leads each run: sids and numbers never repeat a run's
    senders: list[tuple[float, str]] = []
    headers_base = {"Content-Type": "application/x-www-form-urlencoded"}
    async with aiohttp.ClientSession() as session:

        async def one(i: int) -> None:
            sid, body, signature = signed(url, rng, senders, i / rate)
            try:
                async with session.post(url, data=body, headers={**headers_base, "X-Twilio-Signature": signature},
                                        timeout=aiohttp.ClientTimeout(total=15)) as resp:
                    await resp.read()
                    key = str(resp.status)
                    if resp.status == 200:
                        acked.append(sid)
            except (aiohttp.ClientError, TimeoutError) as exc:
                key = type(exc).__name__
            outcomes[key] = outcomes.get(key, 0) + 1

        start = time.perf_counter()
        tasks = []
        i = 0
        while time.perf_counter() - start < seconds:
            target = start + i / rate
            if target > time.perf_counter():
                await asyncio.sleep(target - time.perf_counter())
            tasks.append(asyncio.create_task(one(i)))
            i += 1
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


def pg_ctl(server, action: str, mode: str = "fast") -> None:  # type: ignore[no-untyped-def]
    port = server.admin_url.rsplit(":", 1)[1].split("/")[0]
    cmd = [str(_find_bin("pg_ctl")), "-D", str(server.cluster_dir / "data"), "-w"]
    if action == "stop":
        cmd += ["-m", mode, "stop"]
    else:
        opts = f"-p {port} -k {server.cluster_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        cmd += ["-o", opts, "-l", str(server.cluster_dir / "log"), "start"]
    _run(cmd, server.run_as, check=False)


def server_errors(log: Path) -> list[str]:
    """The last line of each traceback `leadline serve` logged (unhandled errors, crashed jobs), counted."""
    counts: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("exc"):
            last = entry["exc"].strip().splitlines()[-1][:160]
            key = f"{entry.get('msg') or entry.get('message')}: {last}"
            counts[key] = counts.get(key, 0) + 1
    return [f"{n}x {key}" for key, n in sorted(counts.items(), key=lambda kv: -kv[1])]


async def drill_db_outage(server, rate: float, mode: str, logs: Path) -> bool:  # type: ignore[no-untyped-def]
    import asyncpg

    from bench.ingest import TOKEN
    from tests.fakes.slack_api import FakeSlack
    from tests.fakes.twilio_api import FakeTwilio

    admin = await asyncpg.connect(server.admin_url)
    await admin.execute("DROP DATABASE IF EXISTS drill_outage")
    await admin.execute("CREATE DATABASE drill_outage")
    await admin.close()
    dsn = server.admin_url.rsplit("/", 1)[0] + "/drill_outage"
    log = logs / "db-outage.log"
    account = "AC" + "0" * 32
    # Slack on, as in production: every message queues its lead-thread post, so the outbox works the
    # database through the outage beside the webhooks.
    async with FakeTwilio(account, TOKEN) as tw, FakeSlack(bot_token="xoxb-drill") as slack:
        env = {"LEADLINE_TWILIO_ACCOUNT_SID": account, "LEADLINE_TWILIO_FROM": "+15559990000",
               "LEADLINE_TWILIO_API_BASE_URL": tw.base_url, "LEADLINE_SLACK_BOT_TOKEN": "xoxb-drill",
               "LEADLINE_SLACK_SIGNING_SECRET": "drill-secret", "LEADLINE_SLACK_API_BASE_URL": slack.base_url,
               "LEADLINE_SLACK_LEADS_CHANNEL": "CLEADS"}
        port = free_port()
        proc = start_leadline(dsn.replace("postgresql://", "postgresql+asyncpg://"), port, 1, env, log)
        url = f"http://127.0.0.1:{port}/twilio/messages"
        try:
            load = asyncio.create_task(steady_load(url, rate, 30))
            await asyncio.sleep(10)
            await asyncio.to_thread(pg_ctl, server, "stop", mode)
            print(f"  t=10s PostgreSQL stopped ({mode})", flush=True)
            await asyncio.sleep(10)
            await asyncio.to_thread(pg_ctl, server, "start")
            print("  t=20s PostgreSQL started", flush=True)
            acked, outcomes = await load
            after, _ = await steady_load(url, rate, 3)
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(proc.wait, 30)
    found, rows = await stored(dsn, acked)
    answers_ok = set(outcomes) <= {"200", "503"}
    ok = found == len(acked) == rows and len(after) > 0.9 * rate * 3 and answers_ok
    print(f"db-outage: outcomes {outcomes}; acked {len(acked)}, stored {found} (rows {rows}); "
          f"after recovery {len(after)}/{int(rate * 3)} ok -> {'PASS' if ok else 'FAIL'}")
    for line in server_errors(log):
        print(f"  server log: {line}")
    return ok


async def drill_kill9(server, rate: float, logs: Path) -> bool:  # type: ignore[no-untyped-def]
    import asyncpg

    admin = await asyncpg.connect(server.admin_url)
    await admin.execute("CREATE DATABASE drill_kill")
    await admin.close()
    dsn = server.admin_url.rsplit("/", 1)[0] + "/drill_kill"
    db_url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    port = free_port()
    log = logs / "kill9.log"
    proc = start_leadline(db_url, port, 1, log=log)
    url = f"http://127.0.0.1:{port}/twilio/messages"
    load = asyncio.create_task(steady_load(url, rate, 10))
    await asyncio.sleep(5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    print("  t=5s leadline serve killed with SIGKILL", flush=True)
    acked, outcomes = await load
    proc = start_leadline(db_url, port, 1, log=log)
    try:
        after, after_outcomes = await steady_load(url, rate, 3)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    found, rows = await stored(dsn, acked + after)
    total = len(acked) + len(after)
    # Before the kill, requests in flight lose their connection; no request is ever answered 500.
    ok = found == total == rows and "500" not in outcomes and set(after_outcomes) == {"200"}
    print(f"kill9: outcomes before kill {outcomes}, after restart {after_outcomes}; acked {total}, stored {found} "
          f"(rows {rows}) -> {'PASS' if ok else 'FAIL'}")
    for line in server_errors(log):
        print(f"  server log: {line}")
    return ok


async def drill_outbox_kill9(server, logs: Path, leads: int = 40,  # type: ignore[no-untyped-def]
                            texts_per_lead: int = 3) -> bool:
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
        env = {"LEADLINE_TWILIO_ACCOUNT_SID": account, "LEADLINE_TWILIO_FROM": "+15559990000",
               "LEADLINE_TWILIO_API_BASE_URL": tw.base_url, "LEADLINE_API_TOKEN": api_token,
               "LEADLINE_SLACK_BOT_TOKEN": "xoxb-drill", "LEADLINE_SLACK_SIGNING_SECRET": "drill-secret",
               "LEADLINE_SLACK_API_BASE_URL": slack.base_url, "LEADLINE_SLACK_LEADS_CHANNEL": "CLEADS"}
        port = free_port()
        proc = start_leadline(db_url, port, 1, env, logs / "outbox-kill9.log")
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
        proc = start_leadline(db_url, port, 1, env, logs / "outbox-kill9.log")
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
    for line in server_errors(logs / "outbox-kill9.log"):
        print(f"  server log: {line}")
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drill", choices=["db-outage", "kill9", "outbox-kill9", "all"], default="all")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--stop-mode", choices=["fast", "immediate"], default="fast",
                        help="how db-outage stops PostgreSQL (pg_ctl -m): fast ends every session with a FATAL "
                        "error first, as `systemctl stop` does; immediate drops them without one")
    parser.add_argument("--logs", type=Path, help="folder for the servers' logs (default: a temporary one)")
    args = parser.parse_args()
    logs = args.logs or Path(tempfile.mkdtemp(prefix="leadline-faults-"))
    logs.mkdir(parents=True, exist_ok=True)
    print(f"server logs in {logs}", flush=True)
    server = await asyncio.to_thread(_start_cluster)
    if server is None:
        print("no initdb/pg_ctl on this machine: cannot run the drills")
        return 2
    try:
        results = []
        if args.drill in ("db-outage", "all"):
            results.append(await drill_db_outage(server, args.rate, args.stop_mode, logs))
        if args.drill in ("kill9", "all"):
            results.append(await drill_kill9(server, args.rate, logs))
        if args.drill in ("outbox-kill9", "all"):
            results.append(await drill_outbox_kill9(server, logs))
    finally:
        server.stop()
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
