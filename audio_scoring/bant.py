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
from audio_scoring.need import is_need
from audio_scoring.objections import objection_kind
from audio_scoring.result import Bant, BantItem, Utterance
from audio_scoring.text_rules import is_question, sentences
from audio_scoring.wording import IRRELEVANT, ROLE, SUPPORT, clauses, normalise

# --- budget ------------------------------------------------------------------------------------------
_NUMBER_WORD = (
    r"(?:\d[\d,.]*|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|a few|several|a couple)"
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
    r"covers?|charges us|(?:a|per) (?:month|year|seat|head|user)|spent|got|have|pot|fund|come out of|"
    r"towards)\b",
    re.I,
)
_BUDGET_PHRASE = re.compile(
    r"\b((the|our|my|a|no|any|this year's|next year's|tools?|software|training|marketing)( [\w'-]+){0,2} budget\b|"
    r"budget('s| is| isn't| was| has| comes| resets| for| holder)\b|budget[- ]?wise|budgeted|line item|earmark\w*|"
    r"set aside|put aside|ring-?fenced|allocat\w*|price range|(can|can'?t|cannot|could|couldn'?t) afford|"
    r"(about|around|roughly|more than|less than|under|over|double|twice|within) what (we|i) "
    r"(had in mind|budgeted|were expecting|expected|planned|were thinking|can spend|set aside)|"
    r"(grant|funding|subsidy|rebate|tax credit|incentive)s? (that |which )?(covers?|pays?|would pay|funds?)|"
    r"(haven'?t got|don'?t have|not got|short of|find) ([\w']+ ){0,3}(money|cash|funds|funding)|"
    r"(spend|budget|money|funding|purchase)('s| has| is| was)( been)? (approved|signed off|agreed|allocated|released)|"
    r"(outside|beyond|above|below|nearer|closer to) what (we|i)('d| would)? (normally |usually )?(spend|pay)|"
    r"(money|cash|funding)('s| is| isn'?t) (tight|there|available|approved|sorted)|"
    r"(money|price|cost|budget|pricing)('s)?( \w+){0,3} (isn't|is not|'s not|matters less|not)( \w+){0,3} "
    r"(issue|problem|concern|factor|worry|thing|to us)|"
    r"pay for (it|this|that) (out of|from|with)|"
    r"(cost|price) (needs|has) to (be|come in) (under|below|less))",
    re.I,
)
_THRESHOLD = re.compile(r"\b(anything|purchases?|spend) (under|over|above|below)\b", re.I)
# An amount that is not the buyer's spend: a deal, revenue, an approval threshold, what they charge.
_NOT_SPEND = re.compile(
    r"\b(revenue|turnover|turned over|turn over|deal|we charge|our (clients|customers) pay|"
    r"anything (under|over|above|below)|"
    r"purchases over|lost)\b",
    re.I,
)


def is_budget(sentence: str) -> bool:
    text = normalise(sentence)
    if SUPPORT.search(text) or text.rstrip().endswith("?") or IRRELEVANT.search(text):
        return False
    # Clause by clause: "we've got ten grand for it, but anything over five needs the partners".
    return any(
        (_BUDGET_PHRASE.search(c) and not _THRESHOLD.search(c))
        or (_AMOUNT.search(c) and _SPEND.search(c) and not _NOT_SPEND.search(c))
        for c in clauses(text)
    )


# --- authority ---------------------------------------------------------------------------------------
# Who decides: a role with a way of deciding near it, the prospect as the decider, where the decision
# sits ("the decision's with a panel of three"), or someone the prospect has to consult.
_DECIDER = re.compile(
    r"\b(decision[- ]?maker|economic buyer|budget holder|final (say|call|word|decision|yes|sign-?off)|"
    r"call the shots|(?:it's|its|it is) (my|our) (call|decision)|(my|our) decision|up to me|down to me|"
    r"the decision is (mine|ours)|i'?m the (one|person|guy) (who|that)( \w+)? (decides?|signs?|approves?|makes?)|"
    r"i (decide|sign|approve)|i can make the call|procurement|purchasing (team|department)|committee|"
    r"i make (the |all the )?([\w-]+ )?decisions?\b|"
    r"\w+'s (call|decision)|i (?:get to )?pull the trigger|(has|have|gets?) (a|the) (veto|final word|last word)|"
    r"sign(ing)? authority|decision('s| is| will be| would be| sits| rests| lies) (with|down to|up to) (?!you\b)|"
    rf"(it'?s|its|it is|that'?s) (the |my |our )?(\w+ )?{ROLE}'?s? (call|decision|choice)|"
    rf"(it'?s|its|it is|that'?s) (up|down) to (the |my |our )?(\w+ )?{ROLE}|"
    r"not my (decision|call)|above my pay grade|don'?t have the authority)\b",
    re.I,
)
_DECIDE = (
    r"(?:decid\w*|decision|sign(?:s|ing)? off|signed off|sign(?:s|ature)?|approv(?:e|es|al)|"
    r"has to approve|make(?:s)? the call|making the call|involved|vote|agree|goes? through|go(?:es)? past|"
    r"get (?:it |this |that )?(?:past|through)|bless|veto|green ?light|sign-off|buy-in|see the value|okay it|"
    r"ok it|handles? contracts|on board|say (?:yes|no)|final yes|go-ahead|going for|go for|"
    r"picks? (?:the |a |which )?(?:vendors?|suppliers?|providers?|software|tools?|systems?)|chooses?|selects?|"
    r"(?:has|have|'s) seen it|see (?:it|the demo|this|the proposal|the numbers) (?:first|herself|himself|themselves)|"
    r"see the demo|weigh in|signs? (?:[\w-]+ ){1,4}off|convince|persuade|win over|"
    r"(?:want|need|expect)s? (?:a|the|my|our) (?:recommendation|business case|shortlist))"
)
_CONSULT = (
    r"(?:run (?:it|this|that) (?:by|past)|check with|loop in|clear it with|convince|ask|talk (?:it |this )?"
    r"(?:over |through )?(?:to|with)|speak (?:to|with)|take (?:it|this|that) to|"
    r"put (?:it|this|that) (?:to|in front of)|"
    r"show (?:it|this|that) to|present (?:it|this|that) to|get sign-?off from|get (?:the )?(?:ok|okay|nod|go-ahead) "
    r"from|sell (?:it|this) to|pitch (?:it|this) to|book (?:a slot|a call|some time|time) with|"
    r"(?:float|bounce) (?:it|this|that) (?:with|off|past|by)|(?:forward|send|pass) (?:it|this|that|your \w+|the \w+) "
    r"(?:on )?to|share (?:it|this|that) with|(?:quotes|prices|options|information|research) for)"
)
_AUTHORITY = re.compile(
    rf"\b{ROLE}\b(?:[\w',-]* ){{0,10}}?{_DECIDE}\b|\b{_DECIDE}\b(?:[\w',-]* ){{0,6}}?{ROLE}\b|"
    # further on, the role comes back as a pronoun: "the board meets in May ... assuming they say yes"
    rf"\b{ROLE}\b.*\b(?:(?:they|he|she)(?:'ll|'d| will| would| can)? (?:\w+ )?{_DECIDE}|{_DECIDE} (?:them|him|her))\b|"
    rf"\b{_CONSULT} (?:(?:my|our|the|a|an) )?(?:[\w-]+ ){{0,2}}?{ROLE}\b|"
    rf"\bget (?:my|our|the) (?:\w+ )?{ROLE} (?:on board|to (?:sign|approve|agree|okay|bless|say yes))|"
    rf"\b(?:until|till|before|without) (?:the|my|our) (?:\w+ )?{ROLE} (?:has |have |'s )?(?:seen|looked|signed|"
    r"approved|agreed|okayed|had a look)",
    re.I,
)
_CAPABILITY = re.compile(rf"\b(?:be )?able to {_DECIDE}", re.I)
# A decision already made about something else is not who decides this purchase.
_PAST_DECISION = re.compile(r"\b(decided|made the decision|was made|approved the)\b", re.I)


def is_authority(sentence: str) -> bool:
    text = normalise(sentence)
    if SUPPORT.search(text) or _PAST_DECISION.search(text):
        return False
    text = _CAPABILITY.sub(" ", text)  # "the site managers to be able to sign off snagging lists" is a need
    return bool(_DECIDER.search(text) or _AUTHORITY.search(text))


# --- timeline -----------------------------------------------------------------------------------------
def is_timeline(sentence: str) -> bool:
    """A future timeframe, outside support talk and outside a timing objection ("this quarter is slammed")."""
    if SUPPORT.search(sentence) or IRRELEVANT.search(sentence):
        return False
    return time_phrases.is_future_timeframe(sentence, current=objection_kind(sentence) != "timing")


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
