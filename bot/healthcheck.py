"""`python -m bot.healthcheck`: exit 0 when the `leadline serve` of this machine answers `/healthz`, else 1.

The image's HEALTHCHECK runs it. It reads the same settings as `serve` (environment and `.env`), so it
follows `LEADLINE_PORT` (and `LEADLINE_HOST`) wherever they are set; it says nothing on success, and one
line on stderr on failure (Docker keeps it in the container's health log).
"""

from __future__ import annotations

import sys
import urllib.request

from bot.settings import Settings, SettingsError, load_settings

WILDCARDS = {"", "0.0.0.0", "::"}  # noqa: S104  (addresses serve may listen on, probed on loopback)


def probe_url(settings: Settings) -> str:
    """Where serve answers on this machine: loopback when it listens on every address."""
    host = settings.host.strip("[]")
    if host in WILDCARDS:
        host = "::1" if host == "::" else "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}/healthz"


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"unhealthy: {'; '.join(exc.lines)}", file=sys.stderr)
        return 1
    url = probe_url(settings)
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310  (an http URL built above)
            if resp.status == 200:
                return 0
            print(f"unhealthy: {url} answered {resp.status}", file=sys.stderr)
    except OSError as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
