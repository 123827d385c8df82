"""Ingest benchmark: signed Twilio webhooks into `leadline serve`, against a bare aiohttp+asyncpg baseline.

    .venv/bin/python bench/ingest.py                         # PostgreSQL, rates 100/500/1000/2000 + open loop
    .venv/bin/python bench/ingest.py --db sqlite --rates 100,500 --seconds 5
    .venv/bin/python bench/ingest.py --workers 2             # leadline serve --workers 2

Everything runs on loopback (127.0.0.1): the servers are started here, the load comes from a separate
process (bench/loadgen.py: requests signed before the clock starts, keep-alive connections, latency counted
from when each request was due), every run is bounded in requests and time; one unreported second at 200/s
warms each server up. Every run draws a new crowd of leads; one message in five is a follow-up from a lead
who first texted 1 to 30 s earlier. After each rate, every acknowledged MessageSid is looked up in the
database: it must be stored exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import multiprocessing as mp
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import asyncpg
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # bench/loadgen.py beside this script

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-auth-token-0123456789abcdef"
FOLLOW_UPS = 0.2
ADMIN_DSN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
BODIES = [
    "Hi, how much is the pro plan?", "Can I book a demo for tomorrow at 3?", "hello??",
    "We're comparing you with another vendor, what's your price for 10 seats", "thanks, that works for me 👍",
    "It's not working again 😡 please call me", "Do you integrate with Salesforce?", "ok", "Yes",
    "What time is the meeting?", "Send me the pricing sheet please", "Is there a discount for annual?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RateResult:
    label: str
    offered: float
    sent: int = 0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    acked: list[str] = field(default_factory=list)

    def line(self) -> str:
        lat = sorted(self.latencies) or [0.0]

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

        rate = self.ok / self.elapsed if self.elapsed else 0
        errs = ", ".join(f"{k}:{v}" for k, v in sorted(self.errors.items())) or "0"
        return (f"{self.label:>10}  sent {self.sent:6d}  ok {self.ok:6d}  {rate:8.1f}/s  "
                f"p50 {pct(0.5):7.1f} ms  p95 {pct(0.95):7.1f} ms  p99 {pct(0.99):7.1f} ms  errors {errs}")


def signed(url: str, rng: random.Random, senders: list[tuple[float, str]], at: float) -> tuple[str, bytes, str]:
    """(MessageSid, form body, X-Twilio-Signature) of one inbound message due `at` seconds into the run: from
    a new contact, or (one in five) a follow-up from a lead who first texted 1 to 30 s earlier, as people
    type bursts ("hi" ... "how much for 10 seats?"), extending the wait that lead already has open."""
    start = bisect.bisect_left(senders, (at - 30.0, ""))
    stop = bisect.bisect_right(senders, (at - 1.0, "\uffff"))
    if stop > start and rng.random() < FOLLOW_UPS:
        sender = senders[rng.randrange(start, stop)][1]
    else:
        sender = f"+1555{rng.randrange(10_000_000):07d}"
        senders.append((at, sender))
    params = {
        "MessageSid": "SM" + secrets.token_hex(16), "AccountSid": "AC" + "0" * 32,
        "From": sender, "To": "+15559990000",
        "Body": rng.choice(BODIES), "NumMedia": "0", "SmsStatus": "received", "ApiVersion": "2010-04-01",
    }
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    return params["MessageSid"], urlencode(params).encode(), signature


async def _load(url: str, rate: float | None, count: int, seconds: float, concurrency: int) -> RateResult:
    result = RateResult("max" if rate is None else f"{rate:.0f}/s", rate or 0)
    rng = random.Random(secrets.randbits(64))  # a new crowd of leads for every run, not the last run's again
    senders: list[tuple[float, str]] = []  # (when, number) of each new contact, in time order
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    sids, requests = [], []
    for i in range(count):
        # At the open-loop maximum the schedule is unknown; 2,000/s is about where it lands.
        sid, body, signature = signed(url, rng, senders, i / (rate or 2000.0))
        sids.append(sid)
        requests.append(loadgen.post_request(host, port, parts.path, body, {"X-Twilio-Signature": signature}))
    load = await loadgen.run(host, port, requests, rate=rate, seconds=seconds, concurrency=concurrency)
    result.sent, result.latencies, result.elapsed = load.sent, load.latencies, load.elapsed
    result.ok = len(load.ok_indexes)
    result.acked = [sids[i] for i in load.ok_indexes]
    result.errors = {**{str(k): v for k, v in load.statuses.items() if k != 200}, **load.errors}
    return result


def load_process(url: str, rate: float | None, count: int, seconds: float, concurrency: int,
                 out: mp.Queue) -> None:  # type: ignore[type-arg]
    out.put(asyncio.run(_load(url, rate, count, seconds, concurrency)))


def run_load(url: str, rate: float | None, seconds: float, concurrency: int) -> RateResult:
    count = int((rate or 3000) * seconds)
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    proc = mp.Process(target=load_process, args=(url, rate, count, seconds, concurrency, queue))
    proc.start()
    result = queue.get(timeout=seconds + 120)
    proc.join(timeout=30)
    return result


# --- the bare baseline: signature check + one raw asyncpg INSERT -------------------------------------

def baseline_process(port: int, dsn: str) -> None:
    from aiohttp import web

    async def main() -> None:
        pool = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
        await pool.execute("CREATE TABLE IF NOT EXISTS bare (sid text PRIMARY KEY, sender text, body text, "
                           "at timestamptz DEFAULT now())")
        validator = RequestValidator(TOKEN)

        async def handle(request: web.Request) -> web.Response:
            form = await request.post()
            url = f"http://127.0.0.1:{port}{request.path_qs}"
            if not validator.validate(url, form, request.headers.get("X-Twilio-Signature", "")):
                return web.Response(status=403)
            await pool.execute("INSERT INTO bare (sid, sender, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                               form["MessageSid"], form["From"], form["Body"])
            return web.Response(text="<Response/>", content_type="application/xml")

        app = web.Application()
        app.router.add_post("/twilio/messages", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    asyncio.run(main())


# --- leadline serve -----------------------------------------------------------------------------------

def wait_ready(port: int, proc: subprocess.Popen[bytes] | mp.Process, timeout: float = 60) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers HTTP: up (the bare baseline has no /healthz)
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on {port} did not start")


def start_leadline(database_url: str, port: int, workers: int, extra_env: dict[str, str] | None = None,
                   log: Path | None = None) -> subprocess.Popen[bytes]:
    """`leadline serve` on `port`; its log (JSON lines on stderr) goes to `log` when given, else nowhere."""
    env = {**os.environ, "LEADLINE_DATABASE_URL": database_url, "LEADLINE_PORT": str(port),
           "LEADLINE_TWILIO_AUTH_TOKEN": TOKEN, "LEADLINE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "LEADLINE_LOG_LEVEL": "WARNING", **(extra_env or {})}
    cmd = [sys.executable, "-m", "bot.cli", "serve"]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    # Never a pipe nobody reads: a full pipe would block the server's logging, and with it the server.
    with open(log or os.devnull, "ab") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    wait_ready(port, proc)
    return proc


async def count_stored(database_url: str, sids: list[str], table: str = "message") -> tuple[int, int]:
    """(acknowledged sids found, rows for them): equal to len(sids) each when nothing is lost or doubled."""
    if database_url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(database_url.split("///", 1)[1])
        conn.execute("CREATE TEMP TABLE acked (sid text)")
        conn.executemany("INSERT INTO acked VALUES (?)", [(s,) for s in sids])
        found, rows = conn.execute(
            f"SELECT COUNT(DISTINCT m.sid), COUNT(*) FROM {table} m JOIN acked a ON a.sid = m.sid").fetchone()
        conn.close()
        return int(found), int(rows)
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        row = await conn.fetchrow(
            f"SELECT COUNT(DISTINCT sid) AS found, COUNT(*) AS n FROM {table} WHERE sid = ANY($1::text[])", sids)
    finally:
        await conn.close()
    return int(row["found"]), int(row["n"])


async def fresh_pg_database(name: str) -> str:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base}/{name}"


def measure(label: str, url: str, rates: list[float | None], seconds: float, concurrency: int,
            database_url: str | None, table: str) -> list[RateResult]:
    print(f"\n== {label} ==")
    # Warm-up, not reported: the first requests open database connections and prepare statements, which
    # would otherwise land in the first rate's tail latencies.
    warm = run_load(url, 200.0, 1.0, concurrency)
    print(f"warm-up: {warm.ok} requests answered 200 at 200/s (not counted)", flush=True)
    results = []
    for rate in rates:
        result = run_load(url, rate, seconds, concurrency)
        results.append(result)
        line = result.line()
        if database_url:
            found, rows = asyncio.run(count_stored(database_url, result.acked, table))
            line += f"  stored {found}/{len(result.acked)} acked (rows {rows})"
        print(line, flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--rates", default="100,500,1000,2000,max")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per rate")
    parser.add_argument("--concurrency", type=int, default=256, help="most requests in flight")
    parser.add_argument("--workers", type=int, default=1, help="leadline serve --workers N")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    rates: list[float | None] = [None if r == "max" else float(r) for r in args.rates.split(",")]
    print(f"machine: {os.cpu_count()} cores; {args.seconds:.0f} s per rate; up to {args.concurrency} in flight")

    summary: dict[str, float] = {}
    if args.db in ("postgres", "both"):
        if not args.no_baseline:
            dsn = asyncio.run(fresh_pg_database("leadline_bench_bare"))
            port = free_port()
            bare = mp.Process(target=baseline_process, args=(port, dsn), daemon=True)
            bare.start()
            wait_ready(port, bare)
            try:
                res = measure("bare baseline (aiohttp + signature + one asyncpg INSERT)",
                              f"http://127.0.0.1:{port}/twilio/messages", [None], args.seconds, args.concurrency,
                              dsn.replace("postgresql://", "postgresql+asyncpg://"), "bare")
                summary["bare"] = res[0].ok / res[0].elapsed
            finally:
                bare.terminate()
        dsn = asyncio.run(fresh_pg_database("leadline_bench_ingest"))
        url = dsn.replace("postgresql://", "postgresql+asyncpg://")
        port = free_port()
        proc = start_leadline(url, port, args.workers)
        try:
            res = measure(f"leadline serve on PostgreSQL (workers={args.workers})",
                          f"http://127.0.0.1:{port}/twilio/messages", rates, args.seconds, args.concurrency, url,
                          "message")
            if rates[-1] is None:
                summary["leadline_pg"] = res[-1].ok / res[-1].elapsed
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    if args.db in ("sqlite", "both"):
        path = Path("/tmp") / f"leadline-bench-{os.getpid()}.db"
        url = f"sqlite+aiosqlite:///{path}"
        port = free_port()
        proc = start_leadline(url, port, 1)
        try:
            measure("leadline serve on SQLite", f"http://127.0.0.1:{port}/twilio/messages",
                    [r for r in rates if r is None or r <= 1000], args.seconds, args.concurrency, url, "message")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    if "bare" in summary and "leadline_pg" in summary:
        ratio = summary["leadline_pg"] / summary["bare"]
        print(f"\nmax throughput: leadline {summary['leadline_pg']:.0f}/s, bare {summary['bare']:.0f}/s, "
              f"ratio {ratio:.2f} (target >= 0.6)")


if __name__ == "__main__":
    main()
