"""Download a recording's WAV from the Twilio API with the account's credentials.

The host of the webhook's RecordingUrl is replaced by TWILIO_API_BASE_URL's: the credentials only ever go
to the configured API, never to a host named in a request body.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from bot.settings import Settings

MAX_BYTES = 512 * 1024 * 1024  # a two-hour dual-channel 8 kHz WAV is ~230 MB
TIMEOUT = aiohttp.ClientTimeout(total=600, connect=15, sock_read=60)
# 404 too: Twilio may call back a moment before the media is served everywhere.
RETRYABLE = {404, 408, 409, 425, 429, 500, 502, 503, 504}


class DownloadError(Exception):
    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.retry_after = retry_after


def media_url(settings: Settings, recording_url: str) -> str:
    """RecordingUrl's path (plus `.wav`) on TWILIO_API_BASE_URL."""
    path = urlsplit(recording_url).path.rstrip("/")
    if path.endswith((".wav", ".mp3", ".json")):
        path = path.rsplit(".", 1)[0]
    return settings.twilio_api_base_url.rstrip("/") + path + ".wav"


def discard(path: Path) -> None:
    """Remove a downloaded file (a local unlink: quick enough to do on the event loop)."""
    path.unlink(missing_ok=True)


def _retry_after(value: str | None) -> float | None:
    try:
        return min(float(value), 3600.0) if value else None
    except ValueError:
        return None


async def download_wav(http: aiohttp.ClientSession, settings: Settings, recording_url: str,
                       directory: str | None = None) -> Path:
    """The recording in a temporary file (the caller deletes it); DownloadError says whether to retry."""
    url = media_url(settings, recording_url)
    auth = aiohttp.encode_basic_auth(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value())
    headers = {"Authorization": auth, "Accept": "audio/x-wav, audio/wav"}
    fd, name = tempfile.mkstemp(prefix="leadline-rec-", suffix=".wav", dir=directory)
    os.close(fd)
    path = Path(name)
    try:
        async with http.get(url, headers=headers, timeout=TIMEOUT, allow_redirects=True) as resp:
            if resp.status != 200:
                raise DownloadError(f"Twilio answered HTTP {resp.status} for the recording",
                                    retryable=resp.status in RETRYABLE,
                                    retry_after=_retry_after(resp.headers.get("Retry-After")))
            size = 0
            with path.open("wb") as out:  # noqa: ASYNC230 - local temp file, chunks are small
                async for chunk in resp.content.iter_chunked(256 * 1024):
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise DownloadError("recording is larger than 512 MiB", retryable=False)
                    out.write(chunk)
        if size == 0:
            raise DownloadError("Twilio sent an empty recording", retryable=True)
        return path
    except DownloadError:
        discard(path)
        raise
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        discard(path)
        raise DownloadError(f"cannot download the recording: {type(exc).__name__}", retryable=True) from exc
