"""BANT from the transcript: budget, authority, need and timeline, each from the prospect's own words.

Qualifying means the prospect said it. A rep's question or pitch ("what's your budget?", "a lot of teams
need...") counts only when the prospect confirms it in the next turn ("So you'd want it live by March?" -
"Yes, exactly."); the evidence is then the rep's sentence. Support talk is kept out: an amount on a
disputed invoice is not a budget, "I need you to fix this invoice" is not a buying need, a manager who
approves a refund is not the buyer, and "fixed by Friday" is not a timeline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from audio_scoring import time_phrases
from audio_scoring.objections import objection_kind
from audio_scoring.result import Bant, BantItem, Utterance
from audio_scoring.text_rules import is_question, sentences

# Words of a support call: billing, accounts, faults. A sentence with them is about the service already
# bought, not about a purchase.
SUPPORT = re.compile(
    r"\b(refund\w*|invoice\w*|bill|billing|billed|charged?|overcharg\w*|receipt|late fee|statement|"
    r"declined|duplicate|balance|owe|owed|owing|paid|payments?|overdue|past due|password|log ?in|logged|"
    r"locked out|credit card|card on file|vat|ticket|"
    r"outage|bug|crash\w*|broke|broken|error|fixed|fix (this|it|my|the)|reset|dispute|greyed out|"
    r"email address|approval email|export\w*|settings|downgrade|cancel\w*|account)\b",
    re.I,
)

# --- budget ------------------------------------------------------------------------------------------
_NUMBER_WORD = (
    r"(?:\d[\d,.]*|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"twenty-five|thirty|forty|fifty|sixty|seventy|eighty|ninety|a few|several|a couple)"
)
_AMOUNT = re.compile(
    rf"(?:[$€£] ?\d|\b{_NUMBER_WORD}(?:[ -](?:hundred|thousand|grand|k|million|bucks|dollars?|euros?|"
    rf"pounds?))+\b|\b\d[\d,.]* ?k\b|\b(?:four|five|six|seven) figures\b|"
    rf"\b{_NUMBER_WORD} (?:a|per) (?:month|year|seat|head|user|text|license|licence)\b)",
    re.I,
)
_SPEND = re.compile(
    r"\b(spend\w*|pay\w*|budget\w*|cap|ceiling|up to|under|around|about|roughly|between|somewhere|"
    r"ballpark|max|maximum|at most|most|comfortable|stretch|afford|go up to|thinking|set aside|gave us|"
    r"covers?|charges us|(?:a|per) (?:month|year|seat|head|user))\b",
    re.I,
)
_BUDGET_PHRASE = re.compile(
    r"\b((the|our|my|a|no|any|this year's|next year's|tools?|software|training|marketing) budget\b|"
    r"budget('s| is| isn't| was| has| comes| resets| for| holder)\b|budgeted|line item|earmark\w*|"
    r"set aside|allocat\w*|price range|"
    r"(money|price|cost|budget|pricing)( \w+){0,3} (isn't|is not|'s not|matters less|not)( \w+){0,3} "
    r"(issue|problem|concern|factor|worry|thing|to us)|"
    r"pay for (it|this|that) (out of|from|with)|"
    r"(cost|price) (needs|has) to (be|come in) (under|below|less))",
    re.I,
)
# An amount that is not the buyer's spend: a deal, revenue, an approval threshold, what they charge.
_NOT_SPEND = re.compile(
    r"\b(revenue|turnover|deal|we charge|our (clients|customers) pay|anything (under|over|above|below)|"
    r"purchases over|lost)\b",
    re.I,
)


def is_budget(sentence: str) -> bool:
    if SUPPORT.search(sentence) or sentence.rstrip().endswith("?"):
        return False
    if _BUDGET_PHRASE.search(sentence):
        return True
    return bool(_AMOUNT.search(sentence) and _SPEND.search(sentence) and not _NOT_SPEND.search(sentence))


# --- authority ---------------------------------------------------------------------------------------
_ROLE = (
    r"(?:cfo|ceo|coo|cto|cio|cmo|cro|vp|vice president|director|head of \w+|owners?|partners?|founders?|"
    r"president|board|committee|procurement|purchasing|legal|general counsel|counsel|finance|"
    r"boss|manager|managers|supervisor|it|team leads?|\w+ lead|leadership|management|gm|general manager|"
    r"controller|comptroller|treasurer|principal|exec\w*|chief \w+ officer|svp|evp|higher-?ups?|"
    r"(?:someone|people) above me|corporate|headquarters|hq|[A-Z][a-z]+ in \w+)"
)
_DECIDER = re.compile(
    r"\b(decision[- ]?maker|economic buyer|budget holder|final (say|call|word|decision)|"
    r"call the shots|(?:it's|its|it is) (my|our) (call|decision)|(my|our) decision|up to me|down to me|"
    r"the decision is (mine|ours)|i'?m the one who('d| would)? (decide|sign)|i (decide|sign|approve)|"
    r"i can make the call|procurement|purchasing (team|department)|committee|\w+'s (call|decision)|"
    r"i (?:get to )?pull the trigger|(has|have|gets?) (a|the) (veto|final word|last word)|sign(ing)? authority)\b",
    re.I,
)
_DECIDE = (
    r"(?:decide\w*|decision|sign(?:s|ing)? off|signed off|sign(?:s|ature)?|approv(?:e|es|al)|"
    r"has to approve|make(?:s)? the call|making the call|involved|vote|agree|goes? through|go past|bless|"
    r"veto|green ?light|sign-off|buy-in|see the value|okay it|ok it|"
    r"handles? contracts|on board)"
)
_AUTHORITY = re.compile(
    rf"\b{_ROLE}\b(?:[\w',-]* ){{0,6}}?{_DECIDE}\b|\b{_DECIDE}\b(?:[\w',-]* ){{0,6}}?{_ROLE}\b|"
    rf"\b(run (it|this|that) by|check with|loop in|clear it with|get|convince|ask) (my|our|the) (\w+ )?{_ROLE}\b",
    re.I,
)
# A decision already made about something else is not who decides this purchase.
_PAST_DECISION = re.compile(r"\b(decided|made the decision|was made)\b", re.I)


def is_authority(sentence: str) -> bool:
    if SUPPORT.search(sentence) or _PAST_DECISION.search(sentence):
        return False
    return bool(_DECIDER.search(sentence) or _AUTHORITY.search(sentence))


# --- need ---------------------------------------------------------------------------------------------
# What a buyer wants to get done; "need to update the card" or "need to step out" are not among them.
_GOAL = (
    r"(?:get (?:visibility|better|more|a handle|on top of|ahead)|cut|stop|improve|reduce|fix our|find|see|"
    r"know|track|replace|automate|speed up|figure out|"
    r"understand|coach|train|scale|capture|respond|answer|hit|increase|grow|make sure|bring down|"
    r"solve|keep up|catch|measure|monitor|standardi[sz]e|consolidate)"
)
_WANT = re.compile(
    rf"\b((we|i|they)(?:'d| would) (like|love)( to {_GOAL}| (a|an|some|something|one|more|better|visibility)\b)|"
    rf"(we|i|they)('re| are| am|'m)? (really )?(need|needs|want|wants) (to {_GOAL}|a|an|some|something|one|"
    rf"help|better|more|visibility)\b|"
    r"(we|i|they)('re| are| am|'m)? (really )?(after|in the market for)\b|"
    r"\b(looking|hunting|searching|shopping|scouting) (for|around for) (a|an|some|something|one|ways?|tools?|"
    r"software|options|help|better|more)\b|"
    r"the (main|big|biggest|key|real|number one|top) (thing|priority|goal|need|issue|problem|challenge|"
    r"headache|ask) (for us|we|is|right now)|getting a handle on|"
    rf"(we|i|they)('re| are| am|'m)? (really )?trying to {_GOAL}|"
    r"(what|all) we('re| are)? (really )?(need|want|looking for)|"
    rf"have to ({_GOAL}|get \w+( \w+)? (down|up|under control))|"
    r"(a|one) (better )?(way|place|tool|system) to)\b",
    re.I,
)
_PAIN = re.compile(
    r"\b(problem|challenge|headache|pain|struggl\w*|bottleneck|gap|mess|nightmare|frustrat\w*|"
    r"keeps me up|too (long|slow)|way too|doesn'?t scale|won'?t hold up|fall(s|ing)? through the cracks|"
    r"slip|miss(ing|ed)?|los(e|ing|t) (deals?|leads?|track|customers|revenue|money|time|a)|wast\w*|"
    r"by hand|manual(ly)?|no idea|no (way|visibility)|nothing to|nobody (on|in|knows|sees|logs)|"
    r"can'?t (see|tell|keep up|track)|take forever|go(es)? cold|terrible|late or not at all|dropping the ball|"
    r"flying blind|in the dark|no clue|guesswork|gut feel|all over the place|falling behind|overwhelmed)\b",
    re.I,
)
_BUSINESS = re.compile(
    r"\b(we|we're|we've|our|us|my (team|reps|managers|people|sales)|the (team|reps)|right now|today|"
    r"currently|leads?|reps|staff|agents|managers|customers|close rate|pipeline)\b",
    re.I,
)
# Requests to the vendor and complaints about its product are not buying needs.
_REQUEST = re.compile(
    r"\b(need (you|someone|somebody) to|get (someone|somebody) to|can you|could you|please|"
    r"need to (update|change|cancel|check|step out|get a copy|talk to|speak to|pay|download)|"
    r"your (app|product|team|support|system|software|tool|update|line|invoice)|the (app|update|dashboard|"
    r"new layout)|(you|they) gave us)\b",
    re.I,
)
# A past episode told as a story ("the phones were a mess for weeks") is not a need the buyer has now.
_PAST_EPISODE = re.compile(
    r"\b(was|were) (a |an |such a |a total |a complete )?(mess|nightmare|disaster|chaos|painful|rough|hell)\b", re.I
)
_NO_NEED = re.compile(r"\b(don'?t|do not|doesn'?t) (really )?need|\bno need\b|\bnot sure (we|i) need\b", re.I)


def is_need(sentence: str) -> bool:
    if SUPPORT.search(sentence) or _REQUEST.search(sentence) or _NO_NEED.search(sentence):
        return False
    if objection_kind(sentence) in ("need", "risk"):  # doubting the need or the value is not a need
        return False
    if _WANT.search(sentence) and not time_phrases.is_future_timeframe(sentence):
        return True
    return bool(_PAIN.search(sentence) and _BUSINESS.search(sentence) and not _PAST_EPISODE.search(sentence))


# --- timeline -----------------------------------------------------------------------------------------
def is_timeline(sentence: str) -> bool:
    """A future timeframe, outside support talk and outside a timing objection ("this quarter is slammed")."""
    if SUPPORT.search(sentence) or objection_kind(sentence) == "timing":
        return False
    return time_phrases.is_future_timeframe(sentence)


RULES: dict[str, Callable[[str], bool]] = {
    "budget": is_budget,
    "authority": is_authority,
    "need": is_need,
    "timeline": is_timeline,
}

_AFFIRM = re.compile(
    r"^\W*(yes|yeah|yep|yup|exactly|correct|that'?s (right|correct|it)|absolutely|definitely|precisely|"
    r"pretty much|spot on|right,? (yes|exactly)|you got it)\b",
    re.I,
)
_NEGATION = re.compile(r"\b(no|not|don'?t|isn'?t|wasn'?t|won'?t|never|but)\b", re.I)
_SECOND_PERSON = (
    (re.compile(r"\byou're\b", re.I), "we're"),
    (re.compile(r"\byou'd\b", re.I), "we'd"),
    (re.compile(r"\byou've\b", re.I), "we've"),
    (re.compile(r"\byour\b", re.I), "our"),
    (re.compile(r"\byou\b", re.I), "we"),
)


def _as_prospect(sentence: str) -> str:
    """The rep's "so you'd want it by March?" as the prospect would say it, for the same rules."""
    for pattern, repl in _SECOND_PERSON:
        sentence = pattern.sub(repl, sentence)
    return sentence


def _confirmed(transcript: Sequence[Utterance], i: int) -> bool:
    """The prospect's next turn, within 10 s, opens with a plain yes."""
    reply = next((u for u in transcript[i + 1 :] if u.speaker != transcript[i].speaker), None)
    if reply is None or reply.start_s - transcript[i].end_s > 10.0:
        return False
    first = sentences(reply.text)[:1]
    return bool(first and _AFFIRM.search(first[0]) and not _NEGATION.search(first[0]))


def find_bant(transcript: Sequence[Utterance]) -> Bant:
    """First evidence of each BANT element: the prospect's words, else a rep question the prospect confirmed."""
    items: dict[str, BantItem] = {}
    for key, rule in RULES.items():
        pick = next(
            (BantItem(True, s, u.start_s) for u in transcript if u.speaker == "prospect"
             for s in sentences(u.text) if rule(s)),
            None,
        )
        if pick is None:
            pick = next(
                (BantItem(True, s, u.start_s) for i, u in enumerate(transcript) if u.speaker == "rep"
                 for s in sentences(u.text) if is_question(s) and rule(_as_prospect(s)) and _confirmed(transcript, i)),
                None,
            )
        items[key] = pick or BantItem(False)
    return Bant(**items)
