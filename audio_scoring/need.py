"""BANT need: a buying need in the prospect's own business, a goal to reach or a pain to end.

Not a need: a request to the vendor ("I need you to fix this invoice"), a complaint about its product, a
doubt, fear, incumbent or deferral (objections), a past episode, a want that a date alone fulfils ("we need
it live by March" is a timeline). Judged clause by clause, so "our biggest problem is the no-shows, so
please send me that case study" still has its need.
"""

from __future__ import annotations

import re

from audio_scoring import time_phrases
from audio_scoring.objections import objection_kind
from audio_scoring.wording import IRRELEVANT, SUPPORT, clauses, negated, normalise

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
    rf"(want|'d like|would like|'d love|need) (the|our|my|all our|all the) ([\w'-]+ ){{0,3}}?to (be able to|{_GOAL}|"
    r"stop|start|have|get|see|sign|book|log|use)\b|"
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
    r"crews?|warehouse|lads|guys|members|donors|vets|phones|data|clients|candidates|jobs|quotes|orders|"
    r"rooms|housekeeping|\w+(?:ers|ors|ists|ians))\b",
    re.I,
)
# Pains that carry their own context: what keeps going wrong, what nobody knows, what it costs.
_RECURRING = re.compile(
    r"\b(keeps? (\w+ing)|never (know|knows|log|logs|update|updates|fill|fills|get|gets)|forgets? to|"
    r"writ(e|es|ing) off|ring(s|ing)? off the hook|can'?t get to (them|it|all|everyone)|(it'?s|that'?s) costing|"
    r"costing us|chaos|in (two|three|four|five|six|several|\w+ different) (different )?places|"
    r"(time|hours|days|mornings?|afternoons?|evenings?)( \w+)? (goes|go|gets eaten|get eaten) (on|up))\b",
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
    return any(_need_clause(c, text) for c in clauses(text))


def _need_clause(clause: str, sentence: str) -> bool:
    # Doubt, fear, a tool that does the job or a deferral ("I'd need my boss to see the value") is no need.
    if _REQUEST.search(clause) or objection_kind(clause) in ("need", "risk", "competitor", "authority"):
        return False
    if _WANT.search(clause):
        return not (_ONLY_DEADLINE.search(clause) and time_phrases.is_future_timeframe(sentence))
    if _PAST_EPISODE.search(clause):
        return False
    if any(not negated(clause, m.start()) for m in _RECURRING.finditer(clause)):
        return True
    pains = [m for m in _PAIN.finditer(clause) if not negated(clause, m.start())]  # "we don't have a problem"
    return bool(pains and _BUSINESS.search(clause))
