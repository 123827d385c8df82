"""Spoken wording made regular before the criteria rules read it: ASR spellings, fillers, clauses, negation.

Whisper on phone audio often writes "dont", "thatd" and "its the owners call" without apostrophes or
punctuation, and people hedge ("um", "you know", "we're kind of tied in"). The rules are written for the
plain form, so each sentence is normalised once: apostrophes restored, fillers dropped. A sentence is also
split into clauses at the joints speakers use to change tack ("..., but", "so nothing's happening till",
"because"), so that a past event or a condition in one clause does not hide a plan in the next.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Words ASR writes without their apostrophe. Ambiguous ones ("its", "were", "wed", "hell") are left alone.
_CONTRACTIONS = {
    w.replace("'", ""): w
    for w in (
        "don't can't won't didn't doesn't isn't aren't wasn't weren't haven't hasn't hadn't couldn't "
        "wouldn't shouldn't i'm i've you're you've you'll you'd they're they've they'll they'd we've "
        "that's that'd that'll what's there's it'll it'd let's i'll i'd she's he's nothing's who's"
    ).split()
}
_BARE = re.compile(r"\b(" + "|".join(sorted(_CONTRACTIONS, key=len, reverse=True)) + r")\b", re.I)
_FILLER = re.compile(r"(?:,\s*)?\b(?:u+m+|u+h+|uhm|e+r+m*|a+h+|hmm+|mm+)\b,?", re.I)
# "you know" as a filler, not in "let you know" or "do you know".
_YOU_KNOW = re.compile(r"(?<!\blet )(?<!\bdo )(?<!\bdid )(?<!\bif )(?<!\byou'll )\byou know\b,?", re.I)
# Hedges after a subject or a verb: "we're kind of tied in", "it's sort of a mess"; not "what kind of tool".
_HEDGE = re.compile(r"\b(re|m|s|is|are|am|was|were|just|i|we|they|really)\s+(?:kind|sort)\s+of\b", re.I)


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Apostrophes restored, fillers and hedges dropped, spaces collapsed; case kept."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = _BARE.sub(lambda m: _restore(m.group(1)), text)
    text = _FILLER.sub(" ", text)
    text = _YOU_KNOW.sub(" ", text)
    text = _HEDGE.sub(r"\1", text)
    return re.sub(r"\s+", " ", re.sub(r"\s+([,.?!])", r"\1", text)).strip(" ,")


def _restore(word: str) -> str:
    full = _CONTRACTIONS[word.lower()]
    return full.capitalize() if word[0].isupper() else full


# Where a sentence turns: "but", "so" + a new subject, "because", ";". Not "so much", "not so", "and".
_JOINT = re.compile(
    r"\s*(?:;|,?\s+but\s+|,?\s+(?:and\s+)?so\s+(?=(?:yes|yeah|please|i|we|you|they|it|that|that's|nothing|"
    r"nothing's|there's|let's|anything|let|realistically|ideally|honestly|send|book)\b)|,?\s+(?:because|cause|"
    r"'cause|since)\s+|,\s+which\s+|,\s+and\s+(?=(?:i|we|you|they|that's|it's)\b))\s*",
    re.I,
)


@lru_cache(maxsize=4096)
def clauses(sentence: str) -> tuple[str, ...]:
    """The sentence's clauses; the sentence itself when it has one."""
    parts = tuple(p.strip(" ,") for p in _JOINT.split(sentence) if p and p.strip(" ,"))
    return parts or (sentence,)


_NEGATOR = re.compile(
    r"\b(?:not|no|never|n't|none|nothing|without|hardly|nobody|any concerns?|zero)\b|n't\b", re.I
)


def negated(text: str, start: int, words: int = 3) -> bool:
    """A negation within the few words before ``start``: "not worried about", "no real concerns"."""
    before = text[:start].split()[-words:]
    return bool(_NEGATOR.search(" ".join(before)))


# People and bodies who decide, approve or must be consulted on a purchase.
ROLE = (
    r"(?:cfo|ceo|coo|cto|cio|cmo|cro|vp|vice president|md|managing director|\w*\s?directors?|director of \w+|"
    r"head ?teachers?|headmaster|headmistress|bursar|dean|senior partner|area manager|regional|"
    r"head of \w+|head office|head nurse|owners?|co-?owners?|partners?|co-?founders?|founders?|president|"
    r"board|trustees?|governors?|committee|panel|council|procurement|purchasing|legal|general counsel|"
    r"counsel|finance|accounts|boss|bosses|manager|managers|supervisors?|team leads?|\w+ lead|leadership|"
    r"management|gm|general manager|controller|comptroller|treasurer|principal|exec\w*|chief \w+ officer|"
    r"svp|evp|higher-?ups?|(?:someone|people) above me|corporate|headquarters|hq|group|parent company|"
    r"it (?:department|dept|team|security|director|manager|lead)|(?-i:IT)(?! guy| person| bloke| support| help)|"
    r"franchisor|franchise owner|landlord|"
    r"practice owner|clinical lead|business partner|the powers that be)"
)

# Words of a support call: billing, accounts, faults. A sentence with them is about the service already
# bought, not about a purchase.
SUPPORT = re.compile(
    r"\b(refund\w*|invoice\w*|bill|billing|billed|charged?|overcharg\w*|receipt|late fee|statement|"
    r"declined|duplicate|balance|owe|owed|owing|paid|payments?|overdue|past due|password|log ?in|logged|"
    r"locked out|credit card|card on file|direct debit|vat|ticket|suspended|"
    r"outage|bug|crash\w*|broke|broken|error|fixed|fix (this|it|my|the)|reset|dispute|greyed out|"
    r"email address|approval email|export\w*|settings|downgrade|cancellation|account|"
    # cancelling our own plan, not members who keep cancelling
    r"(i|we)('d like to|'d| want to| need to| have to| will|'ll)? cancel\w*|cancel\w* (my|our|the|this))\b",
    re.I,
)
# The faults and accounts part alone: "more than we paid" is a price objection, "my account got
# suspended" is a support call.
FAULT = re.compile(
    r"\b(password|log ?in|logged|locked out|ticket|suspended|outage|bug|crash\w*|broke|broken|error|"
    r"greyed out|account|refund\w*|invoice\w*|direct debit)\b",
    re.I,
)
# "... but that's nothing to do with this": said to set a fact aside.
IRRELEVANT = re.compile(r"\b(nothing|not anything) to do with\b|\bunrelated\b|\ba separate (thing|matter)\b", re.I)
