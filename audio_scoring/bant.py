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
from audio_scoring.wording import IRRELEVANT, ROLE, SUPPORT, clauses, normalise

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
    r"\b((the|our|my|a|no|any|this year's|next year's|tools?|software|training|marketing)( [\w'-]+){0,2} budget\b|"
    r"budget('s| is| isn't| was| has| comes| resets| for| holder)\b|budget[- ]?wise|budgeted|line item|earmark\w*|"
    r"set aside|put aside|ring-?fenced|allocat\w*|price range|(can|can'?t|cannot|could|couldn'?t) afford|"
    r"(about|around|roughly|more than|less than|under|over|double|twice|within) what (we|i) "
    r"(had in mind|budgeted|were expecting|expected|planned|were thinking|can spend|set aside)|"
    r"(grant|funding|subsidy|rebate|tax credit|incentive)s? (that |which )?(covers?|pays?|would pay|funds?)|"
    r"(money|cash|funding)('s| is| isn'?t) (tight|there|available|approved|sorted)|"
    r"(money|price|cost|budget|pricing)( \w+){0,3} (isn't|is not|'s not|matters less|not)( \w+){0,3} "
    r"(issue|problem|concern|factor|worry|thing|to us)|"
    r"pay for (it|this|that) (out of|from|with)|"
    r"(cost|price) (needs|has) to (be|come in) (under|below|less))",
    re.I,
)
_THRESHOLD = re.compile(r"\b(anything|purchases?|spend) (under|over|above|below)\b", re.I)
# An amount that is not the buyer's spend: a deal, revenue, an approval threshold, what they charge.
_NOT_SPEND = re.compile(
    r"\b(revenue|turnover|deal|we charge|our (clients|customers) pay|anything (under|over|above|below)|"
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
    r"\w+'s (call|decision)|i (?:get to )?pull the trigger|(has|have|gets?) (a|the) (veto|final word|last word)|"
    r"sign(ing)? authority|decision('s| is| will be| would be| sits| rests| lies) (with|down to|up to) (?!you\b)|"
    rf"(it'?s|its|it is|that'?s) (the |my |our )?(\w+ )?{ROLE}'?s? (call|decision|choice)|"
    rf"(it'?s|its|it is|that'?s) (up|down) to (the |my |our )?(\w+ )?{ROLE}|"
    r"not my (decision|call)|above my pay grade|don'?t have the authority)\b",
    re.I,
)
_DECIDE = (
    r"(?:decide\w*|decision|sign(?:s|ing)? off|signed off|sign(?:s|ature)?|approv(?:e|es|al)|"
    r"has to approve|make(?:s)? the call|making the call|involved|vote|agree|goes? through|go(?:es)? past|"
    r"get (?:it |this |that )?(?:past|through)|bless|veto|green ?light|sign-off|buy-in|see the value|okay it|"
    r"ok it|handles? contracts|on board|say (?:yes|no)|final yes|go-ahead|going for|go for|"
    r"picks? (?:the |a |which )?(?:vendors?|suppliers?|providers?|software|tools?|systems?)|chooses?|selects?|"
    r"(?:has|have|'s) seen it|see (?:it|the demo|this|the proposal|the numbers) (?:first|herself|himself|themselves)|"
    r"see the demo|weigh in)"
)
_CONSULT = (
    r"(?:run (?:it|this|that) (?:by|past)|check with|loop in|clear it with|convince|ask|talk (?:it |this )?"
    r"(?:over |through )?(?:to|with)|speak (?:to|with)|take (?:it|this|that) to|"
    r"put (?:it|this|that) (?:to|in front of)|"
    r"show (?:it|this|that) to|present (?:it|this|that) to|get sign-?off from|get (?:the )?(?:ok|okay|nod|go-ahead) "
    r"from|sell (?:it|this) to|pitch (?:it|this) to|book (?:a slot|a call|some time|time) with)"
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
# A decision already made about something else is not who decides this purchase.
_PAST_DECISION = re.compile(r"\b(decided|made the decision|was made|approved the)\b", re.I)


def is_authority(sentence: str) -> bool:
    text = normalise(sentence)
    if SUPPORT.search(text) or _PAST_DECISION.search(text):
        return False
    return bool(_DECIDER.search(text) or _AUTHORITY.search(text))


# --- need ---------------------------------------------------------------------------------------------
# What a buyer wants to get done; "need to update the card" or "need to step out" are not among them.
_GOAL = (
    r"(?:get (?:visibility|better|more|a handle|on top of|ahead)|cut|stop|improve|reduce|fix our|find|see|"
    r"know|track|replace|automate|speed up|figure out|prove|get (?:off|rid of|away from)|move off|free up|"
    r"save|cut down|cope|deal with|keep track|be able to|get (?:[\w'-]+ ){1,6}?(?:down|up|under|below|sorted|"
    r"back|in one place)|"
    r"understand|coach|train|scale|capture|respond|answer|hit|increase|grow|make sure|bring down|"
    r"solve|keep up|catch|measure|monitor|standardi[sz]e|consolidate)"
)
_WANT = re.compile(
    rf"\b((we|i|they)(?:'d| would) (like|love)( to {_GOAL}| (a|an|some|something|one|more|better|visibility)\b)|"
    rf"(we|i|they)('re| are| am|'m)? (really )?(need|needs|want|wants) (to {_GOAL}|a|an|some|something|one|"
    rf"help|better|more|visibility)\b|"
    r"(we|i|they)('re| are| am|'m)? (really )?(after|in the market for)\b|"
    rf"(team|managers|reps|staff|agents|drivers|engineers|doctors|nurses|people|guys|lads|owners?|dispatchers|"
    rf"front desk) (really )?(need|needs|want|wants) (to {_GOAL}|a|an|some|something|one|more|better)\b|"
    r"\b(looking|hunting|searching|shopping|scouting) (for|around for) (a|an|some|something|one|ways?|tools?|"
    r"software|options|help|better|more)\b|"
    r"(the|a|one|our|my) (main|big|biggest|key|real|number one|top|other) (thing|priority|goal|need|issue|"
    r"problem|challenge|headache|ask) (for us|we|is|right now)|getting a handle on|"
    r"(our|the|my) ([\w-]+ )?(goal|aim|priority|objective|focus|target)( for [\w ]{1,20}?)? (is|'s) to|"
    r"the thing that (kills|gets|annoys|frustrates|bugs|drives)|"
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
    r"can'?t (see|tell)(?! (us|myself|it|them|him|her|the point|why|that))|can'?t (keep up|track)|"
    r"take forever|go(es)? cold|terrible|late or not at all|dropping the ball|"
    r"flying blind|in the dark|no clue|guesswork|gut feel|all over the place|falling behind|overwhelmed|"
    r"drowning|buried|snowed under|kills? us|killing us|drives? (us|me|them) (mad|crazy|nuts|up the wall)|"
    r"hate|can'?t stand|sick of|fed up|tired of|rubbish|useless|unreliable|chas(e|es|ing)|full[- ]time job|"
    r"gets? lost|go(es)? missing|double[- ]?book\w*|no-shows?|run(s|ning)? out of|only find out|"
    r"still (pay|use|using|do|doing|on|by|in) |keep (\w+ing)|"
    r"(spend|spends|spending|lose|loses|losing) (half|most|all|hours|ages|days|a lot of|so much|too much|loads of)"
    r"( of)?( the| their| our| my)? (day|days|morning|mornings|week|weeks|time|afternoon|hours|evenings?)|"
    r"(there'?s|there is|there are) (just )?(way )?too (much|many)|"
    r"(can'?t|cannot|don'?t) (see|tell|know) (where|which|what|who|when|how))\b",
    re.I,
)
_BUSINESS = re.compile(
    r"\b(we|we're|we've|our|us|my (team|reps|managers|people|sales)|the (team|reps)|right now|today|"
    r"currently|leads?|reps|staff|agents|managers|customers|close rate|pipeline|there'?s|there (is|are)|"
    r"front desk|office|shop floor|dispatch\w*|drivers?|engineers?|tenants?|patients?|clinics?|sites?|"
    r"crews?|warehouse|lads|guys)\b",
    re.I,
)
# Requests to the vendor and complaints about its product are not buying needs.
_REQUEST = re.compile(
    r"\b(need (you|someone|somebody) to|get (someone|somebody) to|can you|could you|please|if you (could|can)|"
    r"(need|want) (a|the) copy|(can|could) (somebody|someone|anyone)|"
    r"need to (update|change|cancel|check|step out|get a copy|talk to|speak to|pay|download)|"
    r"your (app|product|team|support|system|software|tool|update|line|invoice)|the (app|update|dashboard|"
    r"new layout)|(you|they) gave us)\b",
    re.I,
)
# A past episode told as a story ("the phones were a mess for weeks") is not a need the buyer has now.
_PAST_EPISODE = re.compile(
    r"\b((was|were) (a |an |such a |a total |a complete )?(mess|nightmare|disaster|chaos|painful|rough|hell)|"
    r"used to (have|be|get)|had (a|an|the) (problem|issue))\b",
    re.I,
)
# A want that a date alone fulfils: "we need it live by March" is a timeline, not a need.
_ONLY_DEADLINE = re.compile(
    r"\b(need|needs|want|wants|'d like|would like|'d love|hoping|aim|aiming|planning)\b( to)?( have| get| be| go)?"
    r"( [\w'-]+){0,4}? (up and running|up|live|running|in place|ready|done|sorted|set up|switched|installed|"
    r"bedded in|on (it|this|board)|signed|moved|started|going|made|decided|finished|completed|agreed)\b",
    re.I,
)
_NO_NEED = re.compile(r"\b(don'?t|do not|doesn'?t) (really )?need|\bno need\b|\bnot sure (we|i) need\b", re.I)


def is_need(sentence: str) -> bool:
    text = normalise(sentence)
    if SUPPORT.search(text) or _NO_NEED.search(text) or IRRELEVANT.search(text):
        return False
    if objection_kind(text) in ("need", "risk", "competitor"):  # doubt, fear or a tool that does the job
        return False
    return any(_need_clause(c, text) for c in clauses(text))


def _need_clause(clause: str, sentence: str) -> bool:
    if _REQUEST.search(clause):
        return False
    if _WANT.search(clause):
        return not (_ONLY_DEADLINE.search(clause) and time_phrases.is_future_timeframe(sentence))
    return bool(_PAIN.search(clause) and _BUSINESS.search(clause) and not _PAST_EPISODE.search(clause))


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
