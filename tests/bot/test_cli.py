"""The `leadline` command as a user runs it: a real subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.environment import subprocess_env
from tests.waiting import HANG_GUARD_S

ROOT = Path(__file__).resolve().parents[2]


def leadline(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
             timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command with no setting but those in `env`, in `cwd` (default: the test's empty working directory,
    so no `.env` is read)."""
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True,
                          env=subprocess_env(env), cwd=cwd, timeout=timeout)


def test_version() -> None:
    result = leadline("version")
    assert result.returncode == 0
    assert result.stdout.startswith("leadline ")


@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"], ["version"], ["db"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = leadline(*command, "--help")
    assert result.returncode == 0
    assert "usage: leadline" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("LEADLINE_DATABASE_URL", "mysql://x@localhost/db", "invalid setting LEADLINE_DATABASE_URL: driver 'mysql'"),
        ("LEADLINE_DATABASE_URL", "::nonsense::", "invalid setting LEADLINE_DATABASE_URL: cannot parse"),
        ("LEADLINE_TIMEZONE", "Mars/Olympus",
         "invalid setting LEADLINE_TIMEZONE: 'Mars/Olympus' is not an IANA time zone"),
        ("LEADLINE_BUSINESS_HOURS", "Mon-Fry 09:00-17:00", "invalid setting LEADLINE_BUSINESS_HOURS:"),
        ("LEADLINE_PORT", "eighty", "invalid setting LEADLINE_PORT:"),
        # An old name is checked too, and named as written.
        ("PORT", "eighty", "invalid setting PORT:"),
    ],
)
def test_bad_setting_exits_2_with_one_line(tmp_path: Path, name: str, value: str, expected: str) -> None:
    result = leadline("serve", env={name: value}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"leadline: {expected}"), lines[0]
    assert "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_serve(cwd: Path, env: dict[str, str] | None = None, *args: str) -> tuple[subprocess.Popen[str], int]:
    """`leadline serve` on a free port, from `cwd`, with no setting but `env` (and the port)."""
    port = _free_port()
    full_env = subprocess_env({"LEADLINE_PORT": str(port), **(env or {})})
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", *args], cwd=cwd, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, port


def wait_ready(proc: subprocess.Popen[str], port: int) -> None:
    """Poll /readyz until it answers 200 (fails if the process exits first, or after HANG_GUARD_S)."""
    deadline = time.monotonic() + HANG_GUARD_S
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as resp:
                assert resp.status == 200
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"serve did not come up: {proc.communicate()[1][-2000:]}")
            time.sleep(0.2)


def stop_serve(proc: subprocess.Popen[str]) -> str:
    """SIGTERM, wait, and return stderr; the exit must be clean."""
    proc.terminate()
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr[-2000:]
    return stderr


@pytest.mark.sqlite
def test_serve_migrates_sqlite_and_answers_healthz(tmp_path: Path) -> None:
    proc, port = start_serve(tmp_path)
    try:
        wait_ready(proc, port)
        assert (tmp_path / "leadline.db").exists()
    finally:
        stderr = stop_serve(proc)
    assert '"msg": "request"' in stderr and '"path": "/readyz"' in stderr
