"""What runs inside the scoring worker processes. Kept apart so a spawned worker imports only the
audio library, never the service (no event loop, database or HTTP clients in the children).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from audio_scoring import CallScore, score_call


def score_file(path: str, stage: str, rep_channel: str, transcribe: bool, model: str | None,
               device: str) -> CallScore:
    """Score one recording file (picklable arguments and result)."""
    return score_call(path, stage=stage, rep_channel=rep_channel, transcribe=transcribe, model=model,
                      device=device)


def make_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes, started lazily on the first call.

    `spawn`: forking the service would copy its threads (database drivers, the event loop's executor)
    mid-state; a fresh interpreter is safe and loads the Whisper model once, then keeps it.
    """
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
