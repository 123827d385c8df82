"""Sentiment accuracy and speed: Leadline against plain VADER and plain TextBlob, on public and in-house sets.

Run from the repository root (TextBlob comes with the `dev` and `bench` extras):

    .venv/bin/python bench/sentiment_accuracy.py [--tweeteval DIR] [--errors]

Prints, in one run, for TweetEval sentiment `val` (where Leadline's thresholds were chosen) and `test`
(never used for tuning), and for the in-house labelled (tuning) and holdout sets: accuracy and
macro-averaged recall over negative / neutral / positive (Leadline's happy and very_happy count as positive,
unhappy as negative) of

- Leadline (`analytics.sentiment.score_sentiment`),
- plain VADER (vaderSentiment compound, its authors' thresholds: positive >= 0.05, negative <= -0.05),
- plain VADER through Leadline's thresholds (how much of the difference the thresholds alone make),
- plain TextBlob (polarity, positive >= 0.1, negative <= -0.1);

then a paired bootstrap of Leadline minus VADER on TweetEval test, how Leadline's figures move when its two
thresholds move, and the time per message (uncached: first sight of each text; cached), as CPU time of the
process (the development machine's cores are shared) and as wall time.
`--tweeteval` defaults to ../shared/data/sentiment/tweeteval next to the repository.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textblob import TextBlob  # noqa: E402
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from analytics import sentiment  # noqa: E402

DATA = ROOT / "tests" / "analytics" / "data"
TWEETEVAL = ROOT.parent / "shared" / "data" / "sentiment" / "tweeteval"
CLASSES = ("negative", "neutral", "positive")
NEG, NEU, POS = 0, 1, 2
IN_HOUSE = {"unhappy": NEG, "neutral": NEU, "happy": POS}
LABEL_CLASS = {"unhappy": NEG, "neutral": NEU, "happy": POS, "very_happy": POS}

Scorer = Callable[[str], float]


def load_tweeteval(directory: Path, split: str) -> tuple[list[str], np.ndarray]:
    gold = [int(x) for x in (directory / f"{split}_labels.txt").read_text().split()]
    texts = (directory / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")[: len(gold)]
    return texts, np.array(gold)


def load_in_house(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], np.array([IN_HOUSE[r["label"]] for r in rows])


def classes(scores: np.ndarray, negative_below: float, positive_from: float) -> np.ndarray:
    return np.where(scores >= positive_from, POS, np.where(scores < negative_below, NEG, NEU))


def measures(predicted: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """(accuracy, macro-averaged recall)."""
    recalls = [float(((predicted == c) & (gold == c)).sum() / max(1, (gold == c).sum())) for c in range(3)]
    return float((predicted == gold).mean()), sum(recalls) / 3


def leadline_scores(texts: Sequence[str]) -> np.ndarray:
    return np.array([sentiment.score_sentiment(t).score for t in texts])


def leadline_classes(scores: np.ndarray) -> np.ndarray:
    # label_for is the one definition of the labels; the scores' classes come from it.
    return np.array([LABEL_CLASS[sentiment.label_for(float(s))] for s in scores])


def print_confusion(predicted: np.ndarray, gold: np.ndarray) -> None:
    print("      gold \\ predicted " + "".join(f"{c:>10}" for c in CLASSES))
    for g, name in enumerate(CLASSES):
        print(f"      {name:<20}" + "".join(f"{int(((gold == g) & (predicted == p)).sum()):>10}" for p in range(3)))


def bootstrap(ours: np.ndarray, theirs: np.ndarray, gold: np.ndarray, rounds: int = 1000
              ) -> tuple[tuple[float, float], tuple[float, float]]:
    """95% paired bootstrap intervals of (accuracy, macro recall) of ours minus theirs."""
    rng = np.random.default_rng(13)
    diffs = []
    for _ in range(rounds):
        i = rng.integers(0, len(gold), len(gold))
        a, b = measures(ours[i], gold[i]), measures(theirs[i], gold[i])
        diffs.append((a[0] - b[0], a[1] - b[1]))
    d = np.array(diffs)
    lo, hi = np.percentile(d, [2.5, 97.5], axis=0)
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def sensitivity(name: str, scores: np.ndarray, gold: np.ndarray) -> None:
    """Leadline's macro recall / accuracy with its two thresholds moved (the others as shipped)."""
    highs = (0.15, 0.25, 0.3, sentiment.HAPPY_FROM, 0.4, 0.45, 0.5)
    lows = (-0.3, -0.15, -0.1, sentiment.UNHAPPY_BELOW, 0.0)
    print(f"  {name}: macro recall / accuracy, rows UNHAPPY_BELOW, columns HAPPY_FROM")
    print("      " + "".join(f"{h:>13.2f}" for h in highs))
    for lo in lows:
        cells = (measures(classes(scores, lo, h), gold) for h in highs)
        print(f"    {lo:+.2f}" + "".join(f"  {r:.3f}/{a:.3f}" for a, r in cells))


def time_per_message(texts: Sequence[str], rounds: int = 3) -> tuple[float, float, float]:
    """Median seconds per message uncached (caches cleared before each pass), as CPU time of this process and
    as wall time, and cached (CPU time). CPU time does not count waiting for a core on a shared machine."""
    sentiment.score_sentiment("warm-up: loads the lexicons 👍")
    cpu, wall = [], []
    for _ in range(rounds):
        sentiment._score_cached.cache_clear()
        sentiment._emoji_score.cache_clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        for text in texts:
            sentiment.score_sentiment(text)
        cpu.append((time.process_time() - start_cpu) / len(texts))
        wall.append((time.perf_counter() - start) / len(texts))
    cached = texts[: sentiment._score_cached.cache_info().maxsize // 2]
    for text in cached:
        sentiment.score_sentiment(text)
    start_cpu = time.process_time()
    for _ in range(20):
        for text in cached:
            sentiment.score_sentiment(text)
    warm = (time.process_time() - start_cpu) / (len(cached) * 20)
    return statistics.median(cpu), statistics.median(wall), warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweeteval", type=Path, default=TWEETEVAL, help=f"TweetEval sentiment directory "
                        f"(default {TWEETEVAL})")
    parser.add_argument("--errors", action="store_true", help="list misclassified in-house tuning-set messages")
    args = parser.parse_args()
    vader = SentimentIntensityAnalyzer()
    lo, hi = sentiment.UNHAPPY_BELOW, sentiment.HAPPY_FROM
    sets: list[tuple[str, list[str], np.ndarray]] = []
    if (args.tweeteval / "test_labels.txt").exists():
        sets += [(f"TweetEval {split}", *load_tweeteval(args.tweeteval, split)) for split in ("val", "test")]
    else:
        print(f"TweetEval not found at {args.tweeteval} (--tweeteval DIR): in-house sets only")
    sets += [("in-house labelled (tuning set)", *load_in_house(DATA / "sentiment_labelled.csv")),
             ("in-house holdout", *load_in_house(DATA / "sentiment_holdout.csv"))]
    print(f"Leadline thresholds: unhappy < {lo}, happy >= {hi}, very_happy >= {sentiment.VERY_HAPPY_FROM}\n")
    # Per set: texts, gold classes, Leadline's scores, Leadline's classes, VADER's classes.
    kept: dict[str, tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for name, texts, gold in sets:
        ours = leadline_scores(texts)
        compound = np.array([vader.polarity_scores(t)["compound"] for t in texts])
        polarity = np.array([TextBlob(t).sentiment.polarity for t in texts])
        rows = [
            ("Leadline", leadline_classes(ours)),
            ("VADER (compound, +-0.05)", np.where(compound >= 0.05, POS, np.where(compound <= -0.05, NEG, NEU))),
            ("VADER through Leadline's thresholds", classes(compound, lo, hi)),
            ("TextBlob (polarity, +-0.1)", np.where(polarity >= 0.1, POS, np.where(polarity <= -0.1, NEG, NEU))),
        ]
        counts = "/".join(str(int((gold == c).sum())) for c in range(3))
        print(f"{name}: {len(texts)} texts (negative/neutral/positive {counts})")
        print(f"    {'':<38}{'accuracy':>10}{'macro recall':>14}")
        for label, predicted in rows:
            accuracy, recall = measures(predicted, gold)
            print(f"    {label:<38}{accuracy:>10.3f}{recall:>14.3f}")
        print("    Leadline's confusion:")
        print_confusion(rows[0][1], gold)
        kept[name] = (texts, gold, ours, rows[0][1], rows[1][1])
        if args.errors and name.startswith("in-house labelled"):
            for text, g, p, s in zip(texts, gold, rows[0][1], ours, strict=True):
                if g != p:
                    print(f"      gold={CLASSES[g]:<8} got={CLASSES[p]:<8} {s:+.3f} {text!r}")
        print()
    if "TweetEval test" in kept:
        _, gold, _, ours_test, vader_test = kept["TweetEval test"]
        (acc_lo, acc_hi), (rec_lo, rec_hi) = bootstrap(ours_test, vader_test, gold)
        print("Leadline minus VADER (+-0.05) on TweetEval test, 95% paired bootstrap interval: "
              f"accuracy [{acc_lo:+.3f}, {acc_hi:+.3f}], macro recall [{rec_lo:+.3f}, {rec_hi:+.3f}]\n")
        print(f"Threshold sensitivity (shipped: row {lo:+.2f}, column {hi:.2f}):")
        for name in ("TweetEval val", "TweetEval test"):
            sensitivity(name, kept[name][2], kept[name][1])
        print()
    lead_texts = [t for name, texts, _ in sets if name.startswith("in-house") for t in texts]
    timed = [("in-house texts", lead_texts)]
    if "TweetEval test" in kept:
        timed.append(("TweetEval test", kept["TweetEval test"][0]))
    print("per-message time (median of 3 passes; CPU time of this process, wall time in brackets):")
    for name, texts in timed:
        cpu, wall, warm = time_per_message(texts)
        print(f"  {name} ({len(texts)}, mean {statistics.mean(map(len, texts)):.0f} chars): uncached "
              f"{cpu * 1e6:.0f} us ({wall * 1e6:.0f} us), cached {warm * 1e6:.2f} us")
    # Long texts, dense with sentiment words (the worst case for VADER's rules), are scored in pieces.
    words = "great bad not the service is awful but I love it really good terrible thanks ok no".split()
    for size in (1_600, 4_096, 20_000):
        text = " ".join(words[i % len(words)] for i in range(size // 4))[:size]
        start = time.process_time()
        sentiment.score_sentiment(text)
        print(f"  one {size:,}-character text: {(time.process_time() - start) * 1e3:.1f} ms CPU")

if __name__ == "__main__":
    main()
