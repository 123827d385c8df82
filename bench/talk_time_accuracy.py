"""Talk-time accuracy on real speech (AMI excerpts as dual-channel calls) and on the espeak fixtures.

For every ami-dev call, clean 16 kHz and 8 kHz telephone band, and each party: Leadline's talk time, the
RTTM truth (generous), the Silero-alone floor on the clean file (``vad_reference_clean``), the ratios the
acceptance bounds use, and the telephone file's figure over the clean file's. Then the espeak fixtures
against their exact truth, with and without bleed, and their interruption counts. Then sound on the other
channel that is not the other party talking (tone, beeps, music, line noise, a louder voice: the signals of
tests/audio_scoring/sounds.py) and what each counts as talk on its own; then the telephone calls with
broadband noise added to both channels.

Run: .venv/bin/python bench/talk_time_accuracy.py [--data ../shared/data/audio/ami-dev] [--sweep]

``--sweep`` re-runs every figure with each tunable parameter of ``VadParams`` moved by -20 % and +20 %.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio_scoring.activity import DEFAULT_VAD, VadParams, detect_activity  # noqa: E402
from audio_scoring.decode import StereoAudio, load_stereo  # noqa: E402
from audio_scoring.metrics import compute_metrics, union_length  # noqa: E402
from tests.audio_scoring.sounds import SECONDS, SOUNDS, SPEECH, louder_voice, silence, write_stereo  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "audio" / "ami-dev"
FIXTURES = ROOT / "tests" / "fixtures" / "audio"
CALLS = ("qualification_call", "plain_call", "interrupt_call")
PARTIES = ("rep", "prospect")


def talk(audio: StereoAudio, rep_left: bool, params: VadParams) -> dict:
    rep, pro = (audio.left, audio.right) if rep_left else (audio.right, audio.left)
    rep_segs, pro_segs = detect_activity(rep, pro, params, source_rate=audio.source_rate)
    return {"rep": union_length(rep_segs), "prospect": union_length(pro_segs), "segs": (rep_segs, pro_segs)}


def ami_rows(data: Path, params: VadParams, audio_cache: dict) -> list[dict]:
    truth = json.loads((data / "truth.json").read_text())
    rows = []
    for name, t in truth["files"].items():
        rep_left = t["rep_channel"] == "left"
        figures = {}
        for variant in ("clean_16k", "tel_8k"):
            key = data / f"{name}_{variant}.flac"
            if key not in audio_cache:
                audio_cache[key] = load_stereo(key)
            a = audio_cache[key]
            figures[variant] = talk(a, rep_left, params)
        for party in PARTIES:
            clean, tel = figures["clean_16k"][party], figures["tel_8k"][party]
            rows.append(
                {
                    "call": name,
                    "party": party,
                    "clean": clean,
                    "tel": tel,
                    "rttm": t[f"{party}_talk_s"],
                    "vad_ref": t["vad_reference_clean"][f"{party}_talk_s"],
                }
            )
    return rows


def fixture_rows(params: VadParams, audio_cache: dict) -> list[dict]:
    rows = []
    for name in CALLS:
        t = json.loads((FIXTURES / f"{name}.json").read_text())
        key = FIXTURES / f"{name}.wav"
        if key not in audio_cache:
            a = load_stereo(key)
            audio_cache[key] = (a, _strip_bleed(a, t))
        a, clean = audio_cache[key]
        rep_left = t["rep_channel"] == "left"
        for label, audio in (("bleed", a), ("no bleed", clean)):
            r = talk(audio, rep_left, params)
            m = compute_metrics(*r["segs"], audio.duration_s)
            rows.append(
                {
                    "call": name,
                    "variant": label,
                    "rep": r["rep"],
                    "prospect": r["prospect"],
                    "rep_truth": t["rep_talk_s"],
                    "prospect_truth": t["prospect_talk_s"],
                    "interruptions": m.interruptions.to_dict(),
                    "interruptions_truth": t["interruptions"],
                }
            )
    return rows


def _strip_bleed(audio: StereoAudio, t: dict) -> StereoAudio:
    """The same call without the cross-bleed: make_calls.py added the other channel's own speech, delayed
    15 ms, at -25 dB; subtracting that from each channel leaves only a -50 dB echo of its own voice."""
    delay = round(0.015 * t["sample_rate"]) * audio.sample_rate // t["sample_rate"]
    gain = np.float32(10 ** (t["bleed_db"] / 20))

    def strip(own: np.ndarray, other: np.ndarray) -> np.ndarray:
        late = np.concatenate([np.zeros(delay, np.float32), other[:-delay]])
        return (own - gain * late).astype(np.float32)

    return dataclasses.replace(audio, left=strip(audio.left, audio.right), right=strip(audio.right, audio.left))


def summary(ami: list[dict], fixtures: list[dict]) -> dict:
    return {
        "clean_min_vs_vad": min(r["clean"] / r["vad_ref"] for r in ami),
        "clean_max_vs_rttm": max(r["clean"] / r["rttm"] for r in ami),
        "tel_worst": max(abs(r["tel"] / r["clean"] - 1) for r in ami),
        "fixture_worst": max(
            abs(r[p] / r[f"{p}_truth"] - 1) for r in fixtures for p in PARTIES
        ),
        "interruptions_exact": all(r["interruptions"] == r["interruptions_truth"] for r in fixtures),
    }


def passes(s: dict) -> bool:
    return (
        s["clean_min_vs_vad"] >= 0.95
        and s["clean_max_vs_rttm"] <= 1.02
        and s["tel_worst"] <= 0.10
        and s["fixture_worst"] <= 0.05
        and s["interruptions_exact"]
    )


def print_tables(ami: list[dict], fixtures: list[dict]) -> None:
    print("ami-dev (seconds; bounds: clean >= 0.95 x vad_ref and <= 1.02 x rttm; tel within 10 % of clean)")
    print(f"{'call':6s} {'party':8s} {'clean':>6s} {'tel':>6s} {'rttm':>6s} {'vad_ref':>7s} "
          f"{'clean/vad':>9s} {'clean/rttm':>10s} {'tel/clean':>9s}")
    for r in ami:
        print(
            f"{r['call']:6s} {r['party']:8s} {r['clean']:6.2f} {r['tel']:6.2f} {r['rttm']:6.2f} "
            f"{r['vad_ref']:7.2f} {r['clean'] / r['vad_ref']:9.3f} {r['clean'] / r['rttm']:10.3f} "
            f"{r['tel'] / r['clean']:9.3f}"
        )
    print("\nespeak fixtures (exact truth; bound: within 5 %, interruptions exact)")
    print(f"{'call':18s} {'variant':8s} {'rep':>6s} {'truth':>6s} {'err':>6s} {'pro':>6s} {'truth':>6s} "
          f"{'err':>6s}  interruptions")
    for r in fixtures:
        ok = "exact" if r["interruptions"] == r["interruptions_truth"] else f"WRONG {r['interruptions']}"
        print(
            f"{r['call']:18s} {r['variant']:8s} {r['rep']:6.2f} {r['rep_truth']:6.2f} "
            f"{r['rep'] / r['rep_truth'] - 1:+6.1%} {r['prospect']:6.2f} {r['prospect_truth']:6.2f} "
            f"{r['prospect'] / r['prospect_truth'] - 1:+6.1%}  {ok}"
        )


def format_summary(s: dict) -> str:
    return (
        f"clean/vad_ref min {s['clean_min_vs_vad']:.3f}, clean/rttm max {s['clean_max_vs_rttm']:.3f}, "
        f"tel vs clean worst {s['tel_worst']:.1%}, fixtures worst {s['fixture_worst']:.1%}, "
        f"interruptions {'exact' if s['interruptions_exact'] else 'WRONG'}"
    )


def sweep(data: Path, cache: dict) -> None:
    print("\nsensitivity: each parameter x0.8 and x1.2, everything else at its default")
    for field in dataclasses.fields(VadParams):
        base = getattr(DEFAULT_VAD, field.name)
        for factor in (0.8, 1.2):
            value = type(base)(round(base * factor)) if isinstance(base, int) else base * factor
            if value == base:
                continue
            params = dataclasses.replace(DEFAULT_VAD, **{field.name: value})
            s = summary(ami_rows(data, params, cache), fixture_rows(params, cache))
            flag = "pass" if passes(s) else "FAIL"
            print(f"  {field.name:18s} {value!s:>8.6s}: {format_summary(s)}  {flag}")


def file_talk(path: Path) -> tuple[float, float]:
    audio = load_stereo(path)
    left, right = detect_activity(audio.left, audio.right, source_rate=audio.source_rate)
    return union_length(left), union_length(right)


def print_other_channel(tmp: Path) -> None:
    print("\nsound on the other channel (seconds; the talker's figure should not move, the sound's stay ~0)")
    print(f"{'talker':20s} {'other channel':22s} {'talker':>7s} {'vs alone':>8s} {'sound':>6s}")
    for speech_name, make in SPEECH.items():
        speech, rate = make()
        others = {"silence": silence, **SOUNDS}
        alone = 0.0
        for i, (name, sound) in enumerate([*others.items(), ("louder voice +20 dB", None)]):
            if sound is None and rate != 8000:
                continue  # the voice is an 8 kHz telephone channel
            other = louder_voice(speech) if sound is None else sound(rate, len(speech), np.random.default_rng(i))
            mine, theirs = file_talk(write_stereo(tmp / "call.wav", speech, other, rate))
            alone = mine if name == "silence" else alone
            print(f"{speech_name:20s} {name:22s} {mine:7.2f} {mine / alone - 1:+8.1%} {theirs:6.2f}")
    print(f"\na sound alone on one channel, the other silent ({SECONDS:.0f} s; talk counted on the sound's channel)")
    for rate in (8000, 16000):
        n = int(SECONDS * rate)
        cells = []
        for name, sound in {**SOUNDS, "silence": silence}.items():
            made = sound(rate, n, np.random.default_rng(7))
            cells.append(f"{name} {file_talk(write_stereo(tmp / 'alone.wav', made, np.zeros(n), rate))[0]:.2f}")
        print(f"  {rate // 1000} kHz: " + ", ".join(cells))


def print_noisy_lines(data: Path, tmp: Path) -> None:
    print("\nami-dev telephone calls with white noise added to both channels (talk time / without noise)")
    truth = json.loads((data / "truth.json").read_text())["files"]
    levels = (-45.0, -40.0, -35.0)
    print(f"{'call':6s} {'party':8s} {'none':>6s} " + " ".join(f"{f'{lv:.0f} dBFS':>13s}" for lv in levels))
    for name, t in truth.items():
        audio = load_stereo(data / f"{name}_tel_8k.flac")
        pcm = np.stack([audio.left[0::2], audio.right[0::2]], axis=1).astype(np.float64)  # the 8 kHz samples
        figures = [file_talk(write_stereo(tmp / "n.wav", pcm[:, 0], pcm[:, 1], 8000))]
        for i, level in enumerate(levels):
            noise = np.random.default_rng(i).normal(0, 10 ** (level / 20), pcm.shape)
            noisy = pcm + noise
            figures.append(file_talk(write_stereo(tmp / "n.wav", noisy[:, 0], noisy[:, 1], 8000)))
        for k, party in enumerate(("rep", "prospect") if t["rep_channel"] == "left" else ("prospect", "rep")):
            base = figures[0][k]
            cells = " ".join(f"{f[k]:6.2f} ({f[k] / base:4.0%})" for f in figures[1:])
            print(f"{name:6s} {party:8s} {base:6.2f} {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    cache: dict = {}
    ami = ami_rows(args.data, DEFAULT_VAD, cache)
    fixtures = fixture_rows(DEFAULT_VAD, cache)
    print_tables(ami, fixtures)
    s = summary(ami, fixtures)
    print(f"\n{format_summary(s)}: {'PASS' if passes(s) else 'FAIL'}")
    with tempfile.TemporaryDirectory() as tmp:
        print_other_channel(Path(tmp))
        print_noisy_lines(args.data, Path(tmp))
    if args.sweep:
        sweep(args.data, cache)


if __name__ == "__main__":
    main()
