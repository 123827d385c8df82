import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import sentiment
from analytics.sentiment import (
    HAPPY_FROM,
    LABELS,
    LONG_TEXT,
    UNHAPPY_BELOW,
    VERY_HAPPY_FROM,
    Sentiment,
    conversation_sentiment,
    label_for,
    score_sentiment,
)
from tests.public_data import public_data

DATA = Path(__file__).parent / "data"
# Achieved 0.954 on the tuning set and 0.935 on the holdout with the VADER-based scorer; the floors leave a
# small margin for lexicon edits but fail on a real regression (the holdout's floor is the issue's bar).
TUNING_FLOOR = 0.93
HOLDOUT_FLOOR = 0.90
# TweetEval sentiment (public, read-only, outside the repository; see bench/sentiment_accuracy.py). The
# thresholds were chosen on its validation split, where macro-averaged recall was 0.614.
TWEETEVAL_VAL_FLOOR = 0.60


def three_class(label: str) -> str:
    return "happy" if label == "very_happy" else label


def accuracy(path: Path) -> float:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    hits = sum(three_class(score_sentiment(r["text"]).label) == r["label"] for r in rows)
    return hits / len(rows)


# --- labels and thresholds -------------------------------------------------------------------------


def test_labels_are_ordered_happiest_first() -> None:
    assert LABELS == ("very_happy", "happy", "neutral", "unhappy")


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (1.0, "very_happy"),
        (VERY_HAPPY_FROM, "very_happy"),
        (VERY_HAPPY_FROM - 0.01, "happy"),
        (HAPPY_FROM, "happy"),
        (HAPPY_FROM - 0.01, "neutral"),
        (0.0, "neutral"),
        (UNHAPPY_BELOW, "neutral"),
        (UNHAPPY_BELOW - 0.01, "unhappy"),
        (-1.0, "unhappy"),
    ],
)
def test_label_for_thresholds(score: float, label: str) -> None:
    assert label_for(score) == label


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\u200b"])
def test_empty_or_blank_is_neutral_zero(text: str) -> None:
    result = score_sentiment(text)
    assert result == Sentiment(0.0, "neutral")


def test_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        score_sentiment(None)  # type: ignore[arg-type]


# --- emoji ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("base", ["👍", "🙌", "👎", "🙏", "👌"])
@pytest.mark.parametrize("tone", ["\U0001f3fb", "\U0001f3fc", "\U0001f3fd", "\U0001f3fe", "\U0001f3ff"])
def test_skin_tone_scores_like_the_base_emoji(base: str, tone: str) -> None:
    assert score_sentiment(base + tone) == score_sentiment(base)


def test_variation_selector_scores_like_the_base_emoji() -> None:
    assert score_sentiment("\u2764\ufe0f") == score_sentiment("\u2764")
    assert score_sentiment("\u2764\ufe0f").label in ("happy", "very_happy")


def test_zwj_sequence_falls_back_to_its_first_part() -> None:
    # Man facepalming: not in the 2015 ranking as a sequence; scored as the facepalm.
    assert score_sentiment("🤦\u200d♂️").score == score_sentiment("🤦").score < 0


def test_angry_emoji_is_negative_and_thumbs_up_positive() -> None:
    assert score_sentiment("😡").label == "unhappy"
    assert score_sentiment("👍").label in ("happy", "very_happy")
    assert score_sentiment("ok 😡").score < 0 < score_sentiment("ok 👍").score


def test_emoji_missing_from_the_lexicon_uses_the_fallback_table() -> None:
    assert score_sentiment("🥳").label in ("happy", "very_happy")
    assert score_sentiment("🤬").label == "unhappy"


def test_unknown_emoji_is_neutral_not_an_error() -> None:
    # A flag and a clock: in no table.
    assert score_sentiment("🇫🇷").label == "neutral"
    assert score_sentiment("🕰️").label == "neutral"


def test_repeated_emoji_is_louder() -> None:
    assert score_sentiment("😡😡😡").score < score_sentiment("😡").score


# --- phrases, slang and negation -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "not working",
        "it doesn't work",
        "the app isnt loading",
        "no thanks",
        "stop texting me",
        "STOP",
        "wtf",
        "this is a scam",
        "this sucks",
        "ridiculous",
        "still waiting",
        "nobody answered",
        "worst",
        "I want to cancel",
        "i need a refund",
    ],
)
def test_unhappy_phrasing(text: str) -> None:
    assert score_sentiment(text).label == "unhappy", score_sentiment(text)


@pytest.mark.parametrize(
    "text",
    ["can't wait", "cant wait!", "love it", "perfect", "awesome", "sounds good", "works for me", "thx", "ty",
     "luv it", "gr8", "thanks, that works!"],
)
def test_happy_phrasing(text: str) -> None:
    assert score_sentiment(text).label in ("happy", "very_happy"), score_sentiment(text)


@pytest.mark.parametrize("text", ["no worries", "not bad", "please", "sure"])
def test_mild_pleasantries_lean_positive_but_are_not_happy(text: str) -> None:
    # One mild positive word is below the happy bar chosen on TweetEval val (HAPPY_FROM).
    assert 0 < score_sentiment(text).score < HAPPY_FROM, score_sentiment(text)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("can you send me pricing?", "neutral"),
        ("not interested, stop texting me", "unhappy"),
        ("thanks, that works!", "happy"),
        ("what are your support hours", "neutral"),
        ("can I pay by credit card", "neutral"),
        ("I'd like to book a demo", "neutral"),
    ],
)
def test_texts_from_leads(text: str, label: str) -> None:
    # "happy" here includes very_happy, as in the labelled sets.
    got = score_sentiment(text).label
    assert (got if got != "very_happy" else "happy") == label, score_sentiment(text)


@pytest.mark.parametrize(
    "text",
    ["what time is the demo", "send me the pricing", "is there a free trial", "ok", "asap please", "lol"],
)
def test_neutral_logistics(text: str) -> None:
    assert score_sentiment(text).label == "neutral", score_sentiment(text)


def test_negated_negative_is_not_unhappy() -> None:
    assert score_sentiment("isn't a bad idea").label != "unhappy"
    assert score_sentiment("that's not bad at all").label != "unhappy"


@pytest.mark.parametrize("text", ["no not interested", "No, no thanks", "never not working", "İ said not interested"])
def test_a_phrase_carrying_its_own_negation_is_not_flipped_by_another(text: str) -> None:
    assert score_sentiment(text).label == "unhappy", score_sentiment(text)


def test_but_shifts_the_weight_to_what_follows() -> None:
    assert score_sentiment("the demo was good but the price is awful").label == "unhappy"
    assert score_sentiment("the price is awful but the demo was great").score > 0


def test_capitals_are_emphasis_also_on_lead_phrases() -> None:
    assert score_sentiment("i said NOT INTERESTED").score < score_sentiment("i said not interested").score
    assert score_sentiment("this is GREAT").score > score_sentiment("this is great").score


def test_ascii_emoticons() -> None:
    assert score_sentiment("ok :)").label in ("happy", "very_happy")
    assert score_sentiment("ok :(").label == "unhappy"


def test_negated_positive_is_not_happy() -> None:
    assert score_sentiment("not great").score < 0
    assert score_sentiment("I'm not happy").label == "unhappy"


def test_curly_apostrophes_read_like_straight_ones() -> None:
    assert score_sentiment("it doesn’t work") == score_sentiment("it doesn't work")


def test_complaint_inside_a_condition_is_not_a_complaint() -> None:
    assert score_sentiment("do you offer refunds if it doesn't work out").label == "neutral"


def test_urgency_strengthens_a_complaint_but_is_neutral_alone() -> None:
    assert score_sentiment("it's broken, fix it asap").score < score_sentiment("it's broken, fix it").score
    assert score_sentiment("send the quote asap").label == "neutral"


def test_exclamations_strengthen() -> None:
    assert score_sentiment("great!!!").score > score_sentiment("great").score
    assert score_sentiment("this sucks!!!").score < score_sentiment("this sucks").score


def test_very_happy_is_reachable() -> None:
    assert score_sentiment("love it!! 😍😍").label == "very_happy"


# --- properties -------------------------------------------------------------------------------------

_weird = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(list("\u200b\u200d\u202e\u2066\u0000\u0007\ufe0f🏽😡👍!?'’ notNOT")),
    ),
    max_size=200,
)


@settings(max_examples=400, deadline=None)
@given(_weird)
def test_score_is_always_in_range_with_a_known_label(text: str) -> None:
    result = score_sentiment(text)
    assert -1.0 <= result.score <= 1.0
    assert result.label in LABELS
    assert result.label == label_for(result.score)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["great!", "not working.", "ok", "😡", "thanks\n", "why?", "x" * 300]), max_size=60))
def test_long_texts_are_scored_in_range(parts: list[str]) -> None:
    result = score_sentiment(" ".join(parts))
    assert -1.0 <= result.score <= 1.0 and result.label == label_for(result.score)


def test_a_long_text_gets_the_mean_of_its_pieces() -> None:
    # Longer than LONG_TEXT: scored in pieces cut at sentence ends, their scores averaged by length.
    praise, complaint = "great service, thank you! " * 40, "this is broken again. " * 50
    assert len(praise) > LONG_TEXT and len(complaint) > LONG_TEXT
    assert score_sentiment(praise).label == "very_happy"
    assert score_sentiment(complaint).label == "unhappy"
    assert score_sentiment(complaint + praise).score > score_sentiment(complaint).score
    assert score_sentiment(complaint + praise).score < score_sentiment(praise).score


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=-1, max_value=1), max_size=30))
def test_conversation_score_is_in_range(scores: list[float]) -> None:
    result = conversation_sentiment(scores)
    assert -1.0 <= result.score <= 1.0
    assert result.label == label_for(result.score)


# --- conversations ----------------------------------------------------------------------------------


def test_empty_conversation_is_neutral() -> None:
    assert conversation_sentiment([]) == Sentiment(0.0, "neutral")


def test_conversation_ending_unhappy_is_unhappy() -> None:
    assert conversation_sentiment([0.8, 0.8, 0.8, -0.3]).label == "unhappy"


def test_resolved_complaint_fades() -> None:
    assert conversation_sentiment([-0.6, 0.5, 0.6]).label in ("happy", "very_happy")


def test_later_messages_weigh_more() -> None:
    assert conversation_sentiment([0.0, 0.6]).score > conversation_sentiment([0.6, 0.0]).score


def test_out_of_range_and_nan_scores_are_tolerated() -> None:
    assert conversation_sentiment([5.0]).score == 1.0
    assert conversation_sentiment([float("nan")]) == Sentiment(0.0, "neutral")


# --- accuracy ---------------------------------------------------------------------------------------


def test_accuracy_on_the_tuning_set() -> None:
    assert accuracy(DATA / "sentiment_labelled.csv") >= TUNING_FLOOR


def test_accuracy_on_the_holdout() -> None:
    assert accuracy(DATA / "sentiment_holdout.csv") >= HOLDOUT_FLOOR


def tweeteval(split: str) -> tuple[float, float]:
    """(accuracy, macro-averaged recall) on a TweetEval split, three classes (very happy counts as happy)."""
    folder = public_data("sentiment", "tweeteval")
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
    gold = [int(x) for x in (folder / f"{split}_labels.txt").read_text().split()]
    to_class = {"unhappy": 0, "neutral": 1, "happy": 2, "very_happy": 2}
    predicted = [to_class[score_sentiment(t).label] for t in texts[: len(gold)]]
    recalls = [sum(p == g == c for p, g in zip(predicted, gold, strict=True)) / gold.count(c) for c in range(3)]
    return sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold), sum(recalls) / 3


def test_macro_recall_on_tweeteval_val() -> None:
    assert tweeteval("val")[1] >= TWEETEVAL_VAL_FLOOR


@pytest.mark.slow
def test_issue_bar_on_tweeteval_test() -> None:
    """Issue 13's bar on the public test split (reported, never tuned on): macro recall >= 0.57, accuracy >= 0.53."""
    accuracy_, macro_recall = tweeteval("test")
    assert macro_recall >= 0.57 and accuracy_ >= 0.53


def test_labelled_set_is_big_and_well_formed() -> None:
    with (DATA / "sentiment_labelled.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 220
    assert {r["label"] for r in rows} == {"happy", "neutral", "unhappy"}


def test_cached_call_is_cheap() -> None:
    sentiment._score_cached.cache_clear()
    first = score_sentiment("sounds good, see you at 3 👍🏽")
    assert score_sentiment("sounds good, see you at 3 👍🏽") is first
