"""The lead-message evidence the sentiment scorer adds to VADER (see analytics/sentiment.py): phrases of
sales texts and emoji scores for emojis the Emoji Sentiment Ranking lacks or misreads."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Phrase:
    pattern: str
    score: float
    # VADER's negation rule (a negator up to 3 words before flips it) applies; False for phrases that carry
    # their own negation ("not interested"), which a negator before must not flip back ("no, not interested").
    negatable: bool = True


# Phrase lexicon, matched case-insensitively after straightening apostrophes and expanding "n't" and
# "cant"/"dont"-style spellings to "not". Score 0 entries are neutralisers: words a general lexicon
# scores but that are descriptive in a sales text ("free trial", "ok" as a receipt).
PHRASES: tuple[Phrase, ...] = (
    # Positive chat phrasing.
    Phrase(r"can not wait|could not be happier|can not thank you enough", 0.7, negatable=False),
    Phrase(r"not (?:a )?bad(?: at all)?|not too bad", 0.35, negatable=False),
    Phrase(r"(?:never had|no|not (?:a|any|one)) (?:problems?|issues?|complaints?)", 0.5, negatable=False),
    Phrase(r"can not complain|no complaints", 0.5, negatable=False),
    Phrase(r"no (?:problem|worries|prob)s?", 0.3, negatable=False),
    Phrase(r"thank(?:s| you| u)?|thx|thanx|ty|tysm|tyvm|much appreciated|appreciated?", 0.4),
    Phrase(r"lov(?:e|ed|es|ing)|luv", 0.6),
    Phrase(r"gr8|great", 0.8),
    Phrase(r"sounds? (?:good|great|perfect)|works for (?:me|us)|looks good", 0.5),
    Phrase(r"you rock|you guys rock|well done|good stuff|done deal|sign (?:me|us) up", 0.6),
    Phrase(r"let'?s (?:do it|go|move forward|book it)|we'?re in", 0.5),
    Phrase(r"looking forward|excited|stoked|thrilled", 0.6),
    Phrase(r"yay|woo+hoo+|woot", 0.6),
    Phrase(r"helpful|saved us|pleasure", 0.5),
    # Laughter softens a text's tone rather than signalling a happy lead.
    Phrase(r"lol|lmao|haha(?:ha)*|hehe", 0.05, negatable=False),
    Phrase(r"yes please|absolutely|for sure|sure thing|sounds like a plan|deal", 0.5, negatable=False),
    # Negative: things not working.
    Phrase(
        r"(?:not|never|no longer|stopped) (?:\w+ )?(?:work(?:s|ing|ed)?|load(?:s|ing)?|send(?:s|ing)?"
        r"|sync(?:s|ing)?|connect(?:s|ing)?|respond(?:s|ing|ed)?|show(?:s|ing|ed)? up|answer(?:s|ing|ed)?"
        r"|reply(?:ing)?|replied|help(?:s|ing|ed)?|call(?:s|ing|ed)? back|get back)",
        -0.6,
        negatable=False,
    ),
    Phrase(r"(?:keeps?|kept) (?:crashing|failing|logging me out|breaking|freezing)", -0.6, negatable=False),
    Phrase(r"crash(?:es|ed|ing)?|fail(?:s|ed|ing|ure)?|bug(?:s|gy)?|outage|glitch(?:es|y)?|error", -0.5),
    Phrase(r"broke|broken|down again", -0.5),
    # Negative: waiting and being ignored.
    Phrase(r"still waiting|been waiting|on hold|waiting \w+ (?:days|weeks)", -0.5, negatable=False),
    Phrase(
        r"(?:nobody|no one|noone|never|not once) (?:\w+ ){0,2}?(?:answer\w*|respon\w*|repl\w*|call\w* back"
        r"|got back|get(?:s|ting)? back|showed up|cares|heard back|help\w*|fixed)",
        -0.6,
        negatable=False,
    ),
    Phrase(r"(?:second|third|fourth|\d+(?:st|nd|rd|th)) time", -0.3, negatable=False),
    # Negative: opt-outs and brush-offs.
    Phrase(r"no thanks?(?: you)?|nope|not interested|no interest", -0.5, negatable=False),
    Phrase(
        r"stop (?:texting|messaging|calling|contacting|spamming|emailing|sending)|^stop\W*$"
        r"|leave me alone|do not (?:text|contact|call|message)|remove me|unsubscribe|wrong number",
        -0.6,
        negatable=False,
    ),
    # Negative: anger, slang and money.
    Phrase(r"wtf|wth|smh|ffs|omfg|ugh+|argh+", -0.6, negatable=False),
    Phrase(r"scam(?:s|med|mer)?|rip ?off|fraud|garbage|trash|crap|joke|nightmare|waste of", -0.7),
    Phrase(r"sucks?|suck(?:ed|ing)", -0.7),
    Phrase(r"ridiculous|unacceptable|disgusting|awful|useless|pathetic|incompetent", -0.7),
    Phrase(r"dis+ap+oint(?:ed|ing|ment)|frustrat(?:ed|ing)|annoy(?:ed|ing)|fed up|sick of", -0.6),
    Phrase(r"hate|hated|worst|horrible|terrible", -0.8),
    Phrase(r"too (?:expensive|much|pricey)|overpriced|over priced|way too", -0.5, negatable=False),
    Phrase(r"charged (?:me )?(?:twice|again|double)|double charged", -0.5, negatable=False),
    Phrase(r"(?:want|need|demand|asked for|give me|get) (?:a |my |our )?(?:refund|money back)", -0.5),
    Phrase(r"refund (?:me|us)|money back", -0.5),
    Phrase(r"(?:want|need|going|like) to cancel|cancel (?:my|our|the (?:account|subscription))", -0.5),
    Phrase(r"cancel+ing|switching to|not paying|costing us|lie|lied|liar|rude|mess", -0.4),
    Phrase(r"(?:not|never) (?:happy|ok|okay|impressed|satisfied|worth)", -0.5, negatable=False),
    Phrase(r"(?:do|does|did) not (?:like|trust|recommend|appreciate)", -0.5, negatable=False),
    Phrase(
        r"not what (?:i|we) (?:signed up for|paid for|ordered|asked for|expected|wanted)",
        -0.5,
        negatable=False,
    ),
    Phrase(r"never (?:again|buy\w*|use\w*|order\w*|recommend\w*|do\w* business)", -0.6, negatable=False),
    Phrase(r"(?:i'?m|we'?re|i am|we are) (?:so )?(?:done with|over it)", -0.5, negatable=False),
    Phrase(r"can not (?:log ?in|login|sign in|access|get in|connect|find|see|open)", -0.5, negatable=False),
    Phrase(r"complain\w*", -0.4),
    Phrase(r"seriously\?+|really\?{2,}|unbelievable", -0.4, negatable=False),
    # Agreement ("that works", "tuesday works").
    Phrase(r"(?:that|this|it|which|everything|tomorrow|\w+day) works", 0.4),
    # Neutralisers: VADER's lexicon scores these, but in a sales text they describe or ask, not feel ("free
    # trial", "ok" as a receipt, "support hours", "pay by card", "I'd like a quote", "what does it look like").
    # VADER's own boosters ("really", "kind of") stay its.
    Phrase(
        r"free (?:trial|demo|version|plan|quote)|ok|okay|k|not sure|definitely|sorry|fine print|pretty|ill|legal|"
        r"support|pay|credit card|(?:would|i'?d|we'?d) like|looks? like",
        0.0,
        negatable=False,
    ),
)
