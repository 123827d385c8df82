"""Speed of call scoring on a 30-minute dual-channel 8 kHz call (Twilio's format).

The call is assembled from the rendered fixtures in tests/fixtures/audio (repeated to 30 minutes), so the
benchmark needs no espeak-ng or sox. Times, on CPU:

1. decode + speech activity (Silero VAD, both channels) + metrics: target >= 100x real time;
2. transcription of both channels with tiny.en int8 (faster-whisper): target >= 8x real time.

Run: .venv/bin/python bench/audio_speed.py [--minutes 30] [--beam-size 5] [--skip-transcription]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from audio_scoring.activity import detect_activity
from audio_scoring.decode import load_stereo
from audio_scoring.metrics import compute_metrics

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "audio"
CALLS = ("qualification_call", "interrupt_call", "plain_call")


def assemble(minutes: float, out: Path) -> float:
    """Concatenate the fixture calls (rep on the left) until the call lasts ``minutes``."""
    parts = []
    for name in CALLS:
        with wave.open(str(FIXTURES / f"{name}.wav")) as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
        parts.append(pcm[:, ::-1] if name == "plain_call" else pcm)  # plain_call has the rep on the right
    one = np.concatenate(parts)
    need = int(minutes * 60 * 8000)
    pcm = np.tile(one, (need // len(one) + 1, 1))[:need]
    with wave.open(str(out), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(np.ascontiguousarray(pcm).tobytes())
    return need / 8000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--skip-transcription", action="store_true")
    args = parser.parse_args()
    print(f"cpu cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "call.wav"
        audio_s = assemble(args.minutes, path)
        print(f"call: {audio_s / 60:.1f} min, 8 kHz stereo PCM, {path.stat().st_size / 1e6:.1f} MB")
        t0 = time.perf_counter()
        audio = load_stereo(path)
        t1 = time.perf_counter()
        rep_segs, pro_segs = detect_activity(audio.left, audio.right, source_rate=audio.source_rate)
        t2 = time.perf_counter()
        metrics = compute_metrics(rep_segs, pro_segs, audio.duration_s)
        t3 = time.perf_counter()
    stages = {"decode": t1 - t0, "activity": t2 - t1, "metrics": t3 - t2}
    audio_total = t3 - t0
    print(
        f"\ndecode + activity + metrics: {audio_total:.2f} s = {audio_s / audio_total:.0f}x real time "
        f"(target >= 100x)"
    )
    for name, sec in stages.items():
        print(f"  {name:10s} {sec:7.2f} s  {sec / audio_total:6.1%}")
    print(
        f"  talk ratio {metrics.talk_ratio}, rep talk {metrics.rep_talk_s:.0f} s, "
        f"prospect talk {metrics.prospect_talk_s:.0f} s"
    )
    if args.skip_transcription:
        return
    from audio_scoring.transcribe import default_model_path, gate, load_model, transcribe_channel

    t4 = time.perf_counter()
    whisper = load_model(default_model_path(), "cpu", "int8")
    t5 = time.perf_counter()
    rep_words = transcribe_channel(whisper, gate(audio.left, rep_segs), "rep", beam_size=args.beam_size)
    t6 = time.perf_counter()
    pro_words = transcribe_channel(whisper, gate(audio.right, pro_segs), "prospect", beam_size=args.beam_size)
    t7 = time.perf_counter()
    trans = t7 - t5
    print(
        f"\ntranscription, tiny.en int8 CPU, beam {args.beam_size}: {trans:.1f} s = "
        f"{audio_s / trans:.1f}x real time (target >= 8x); model load {t5 - t4:.2f} s"
    )
    print(f"  rep channel      {t6 - t5:7.1f} s  {len(rep_words)} words")
    print(f"  prospect channel {t7 - t6:7.1f} s  {len(pro_words)} words")
    total = audio_total + (t7 - t4)
    print(
        f"\nwhole pipeline {total:.1f} s = {audio_s / total:.1f}x real time; shares: "
        f"decode {stages['decode'] / total:.1%}, activity {stages['activity'] / total:.1%}, "
        f"metrics {stages['metrics'] / total:.1%}, model load {(t5 - t4) / total:.1%}, "
        f"transcription {trans / total:.1%}"
    )


if __name__ == "__main__":
    main()
