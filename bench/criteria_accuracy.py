"""Precision and recall of the text criteria on the labelled transcript lines, per split.

Run from the repository root:

    .venv/bin/python bench/criteria_accuracy.py [--errors]

Each line of tests/audio_scoring/data/criteria_cases.csv is scored alone, as a one-utterance transcript, by
find_bant (budget, authority, need, timeline), find_next_steps and find_objections; a criterion is predicted
when the rule finds it. Prints precision and recall per criterion on each split (dev: tuned on; holdout:
written with dev, before the rules; fresh: written after the first tuning, then tuned on; unseen: written
after that, never tuned on; blind: written by a second developer who had not read the rules or the other
lines, scored once before the rules were changed, then tuned on; later: written by that developer after
tuning on blind, scored once, then tuned on) and on all lines, and the time per line. --errors lists the
mistakes of the splits named (dev by default); holdout is never listed: it is not tuned on.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audio_scoring import find_bant, find_next_steps, find_objections  # noqa: E402
from audio_scoring.result import Utterance  # noqa: E402

CASES = ROOT / "tests" / "audio_scoring" / "data" / "criteria_cases.csv"
SPLITS = ("dev", "holdout", "fresh", "unseen", "blind", "later")
TUNED_ON = ("dev", "fresh", "unseen", "blind", "later")
COLUMNS = ("budget", "authority", "need", "timeline", "next_step", "objection")


def load(path: Path = CASES) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def predict(speaker: str, text: str) -> dict[str, bool]:
    transcript = [Utterance(speaker, 0.0, 3.0, text)]  # type: ignore[arg-type]
    bant = find_bant(transcript)
    return {
        "budget": bant.budget.found,
        "authority": bant.authority.found,
        "need": bant.need.found,
        "timeline": bant.timeline.found,
        "next_step": bool(find_next_steps(transcript)),
        "objection": bool(find_objections(transcript)),
    }


def _clear_caches() -> None:
    """Empty the rules' memo caches (normalised sentences, clauses, objection kinds)."""
    for name, module in list(sys.modules.items()):
        if name.startswith("audio_scoring"):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def precision_recall(rows: list[dict[str, str]], column: str) -> tuple[float, float, int, int, int]:
    """(precision, recall, true positives, false positives, false negatives); 1.0 when undefined."""
    tp = fp = fn = 0
    for row in rows:
        gold, got = row[column] == "1", predict(row["speaker"], row["text"])[column]
        tp += gold and got
        fp += got and not gold
        fn += gold and not got
    return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp, fp, fn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--errors",
        nargs="?",
        const="dev",
        metavar="SPLITS",
        help=f"list the mistakes of these comma-separated splits (default dev; any of {', '.join(TUNED_ON)})",
    )
    args = parser.parse_args()
    rows = load()
    splits = {name: [r for r in rows if r["split"] == name] for name in SPLITS}
    splits["all"] = rows
    print(f"{CASES.relative_to(ROOT)}: " + ", ".join(f"{n} {len(r)} lines" for n, r in splits.items()))
    print(f"{'criterion':<10}" + "".join(f"{n + ' P':>10}{n + ' R':>10}" for n in splits) + "  positives")
    for column in COLUMNS:
        cells = [precision_recall(r, column) for r in splits.values()]
        positives = "/".join(str(sum(row[column] == "1" for row in r)) for r in splits.values())
        print(f"{column:<10}" + "".join(f"{p:>10.3f}{r:>10.3f}" for p, r, *_ in cells) + f"  {positives}")
    wanted = args.errors.split(",") if args.errors else []
    if unknown := [name for name in wanted if name not in TUNED_ON]:
        parser.error(f"--errors: not a split that is tuned on: {', '.join(unknown)}")
    for name in wanted:
        print(f"{name} mistakes (gold -> predicted):")
        for row in splits[name]:
            got = predict(row["speaker"], row["text"])
            wrong = [f"{c}={row[c]}->{int(got[c])}" for c in COLUMNS if got[c] != (row[c] == "1")]
            if wrong:
                print(f"  {row['id']:<5} {row['speaker']:<8} {' '.join(wrong):<30} {row['text']}")
    rounds = 10
    elapsed = 0.0
    for _ in range(rounds):
        _clear_caches()  # each line cold, as in a call: its sentences are new to the rules
        start = time.perf_counter()
        for row in rows:
            predict(row["speaker"], row["text"])
        elapsed += time.perf_counter() - start
    per_line = elapsed / (rounds * len(rows))
    print(f"time per line, all six criteria: {per_line * 1e6:.0f} us")


if __name__ == "__main__":
    main()
