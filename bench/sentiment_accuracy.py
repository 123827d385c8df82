"""3-class accuracy and speed of analytics.sentiment on the labelled sets, against plain TextBlob.

Run from the repository root:

    .venv/bin/python bench/sentiment_accuracy.py [--errors]

Prints, for the tuning set and the held-out set: 3-class accuracy (happy includes very_happy), a
confusion matrix, the accuracy of plain TextBlob polarity through the same thresholds, and the time
per message (cold: first sight of each text; warm: served from the cache).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textblob import TextBlob  # noqa: E402

from analytics import sentiment  # noqa: E402

DATA = ROOT / "tests" / "analytics" / "data"
SETS = (
    ("labelled (tuning set)", DATA / "sentiment_labelled.csv"),
    ("holdout", DATA / "sentiment_holdout.csv"),
)
CLASSES = ("happy", "neutral", "unhappy")


def load(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [(row["text"], row["label"]) for row in csv.DictReader(f)]


def three_class(label: str) -> str:
    return "happy" if label == "very_happy" else label


def leadline_label(text: str) -> str:
    return three_class(sentiment.score_sentiment(text).label)


def textblob_label(text: str) -> str:
    return three_class(sentiment.label_for(TextBlob(text).sentiment.polarity))


def evaluate(rows: list[tuple[str, str]], predict: Callable[[str], str]) -> tuple[float, dict, list]:
    confusion = {gold: dict.fromkeys(CLASSES, 0) for gold in CLASSES}
    errors = []
    for text, gold in rows:
        predicted = predict(text)
        confusion[gold][predicted] += 1
        if predicted != gold:
            errors.append((gold, predicted, text))
    correct = sum(confusion[c][c] for c in CLASSES)
    return correct / len(rows), confusion, errors


def print_confusion(confusion: dict) -> None:
    print("    gold \\ predicted " + "".join(f"{c:>9}" for c in CLASSES))
    for gold in CLASSES:
        print(f"    {gold:<19}" + "".join(f"{confusion[gold][p]:>9}" for p in CLASSES))


def timing(texts: list[str]) -> tuple[float, float]:
    sentiment._score_cached.cache_clear()
    sentiment._emoji_score.cache_clear()
    start = time.perf_counter()
    for text in texts:
        sentiment.score_sentiment(text)
    cold = (time.perf_counter() - start) / len(texts)
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            sentiment.score_sentiment(text)
    warm = (time.perf_counter() - start) / (len(texts) * rounds)
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list misclassified tuning-set messages")
    args = parser.parse_args()
    for name, path in SETS:
        rows = load(path)
        accuracy, confusion, errors = evaluate(rows, leadline_label)
        baseline, base_confusion, _ = evaluate(rows, textblob_label)
        print(f"{name}: {path.relative_to(ROOT)} ({len(rows)} messages)")
        print(f"  leadline 3-class accuracy: {accuracy:.3f}")
        print_confusion(confusion)
        print(f"  plain TextBlob polarity, same thresholds: {baseline:.3f}")
        print_confusion(base_confusion)
        if args.errors and path.name == "sentiment_labelled.csv":
            for gold, predicted, text in errors:
                score = sentiment.score_sentiment(text).score
                print(f"    gold={gold:<8} got={predicted:<8} {score:+.3f} {text!r}")
    texts = [text for _, path in SETS for text, _ in load(path)]
    cold, warm = timing(texts)
    print(
        f"per-message time over {len(texts)} messages: "
        f"cold {cold * 1e6:.0f} us, cached {warm * 1e6:.1f} us"
    )


if __name__ == "__main__":
    main()
