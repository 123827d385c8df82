"""Time expressions in spoken English: when a buyer means to act, and when a next step is to happen.

Date parsers (dateparser, parsedatetime) were tried and not used: they read "we may" and "I was born in
March" as dates, miss "in the next few weeks", "by end of Q2" and "once the contract ends", and say
nothing about whether the time is a plan, a past event or a support deadline, which is what the criteria
need. These patterns name the shapes instead: a period (month, season, quarter, fiscal year, a date), an
event that frees the buyer (a contract, licence or lease that ends; the busy season; new hires), a
relative time ("in the next few weeks", "two months from now") and the words that make it a deadline
("by", "before", "once", "no later than").
"""

from __future__ import annotations

import re

from audio_scoring.wording import clauses

_NUM = (
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|forty-five|sixty|ninety|a few|a couple(?: of)?|several)"
)
_MONTH_NAMES = "january|february|march|april|june|july|august|september|october|november|december"
_MONTH = rf"(?:{_MONTH_NAMES}|jan|feb|apr|jun|jul|aug|sept?|oct|nov|dec)"
# "may" is a month only where a month is expected: "in May", "by May", "mid-May", "May 3rd".
_MAY = r"(?:(?<=\bin )|(?<=\bby )|(?<=\bbefore )|(?<=\buntil )|(?<=\bof )|(?<=-)|(?<=\bearly )|(?<=\blate ))may\b"
_SEASON = (
    r"(?:spring|summer|fall|autumn|winter|(?:the )?holidays|holiday season|christmas|easter|thanksgiving|new year|"
    r"labou?r day|memorial day|black friday|tax season|open enrollment|school year|(?:busy|peak|slow|high|"
    r"low|quiet|off)(?:[- ]season| period| time| months?)|peak|off-season)"
)
_PERIOD = r"(?:week|month|quarter|year|season|fiscal year|financial year|half|sprint|term|semester)"
_QUARTER = r"(?:q[1-4]|h[12]|fy ?\d{2,4}|(?:first|second|third|fourth) quarter|fiscal year|financial year|year[- ]end)"
_ORDINAL = (
    r"(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
    r"eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|"
    r"twentieth|twenty-\w+|thirtieth|thirty-first)"
)
_DATE = rf"(?:the {_ORDINAL}(?: of (?:the month|{_MONTH}))?|{_MONTH} {_ORDINAL}|{_MONTH} \d{{1,2}}\b)"
# An event whose end frees the buyer to act: "once the contract with X ends", "our renewal comes up".
_CONTRACT = r"(?:contract|renewal|licen[cs]e|lease|subscription|agreement|deal|term|commitment|plan)"
_ENDS = (
    r"(?:ends?|ending|expires?|expiring|runs? out|is up|'s up|comes? up|wraps? up|lapses?|finishes|"
    r"is over|renews|closes)"
)
CONTRACT_EVENT = re.compile(
    rf"\b{_CONTRACT}\b(?:[\w',$-]* ){{0,6}}?{_ENDS}\b|\b{_CONTRACT} (?:is |comes )?up for renewal\b",
    re.I,
)
# Something the buyer plans around: "before the audit", "after the reorg", "once the new hires start".
_EVENT = (
    r"(?:audit|trade show|conference|launch|opening|reorg|re-org|merger|offsite|board meeting|kick-?off|"
    r"go-live|new hires|hiring|migration|move|quarter closes|year closes|season starts|renewal|budget cycle|"
    r"tender|rfp|bid|evaluation|"
    r"planning cycle|rollout)"
)
_TIME = rf"(?:{_MONTH}\b|{_MAY}|{_SEASON}\b|{_QUARTER}\b|{_DATE}|(?:next|this|coming|following) {_PERIOD}\b|20\d\d\b)"
_DEADLINE = (
    r"(?:by|before|ahead of|no later than|not later than|in time for|prior to|until|till|after|once|"
    r"when|starting(?: in| from)?|at the (?:latest|earliest)|around|early|mid|late|(?<!in the )middle of|end of|"
    r"start of|beginning of|sometime(?: in)?)"
)
DEADLINE_TIME = re.compile(
    rf"\b{_DEADLINE}[ -](?:[\w'-]+ ){{0,5}}?(?:{_TIME}|(?:the |our |your )?{_EVENT}\b)", re.I
)
RELATIVE_FUTURE = re.compile(
    rf"\b(?:(?:in|within|over) the (?:next|coming) (?:[\w-]+ ){{0,4}}?(?:days|weeks|months|quarters|years)|"
    rf"within (?:[\w-]+ ){{0,4}}?(?:days?|weeks?|months?|quarters?|years?)|"
    rf"(?:in )?{_NUM}(?: or {_NUM}| to {_NUM})? (?:days|weeks|months|years) from now|"
    rf"in (?:about |around |roughly |maybe |another |just )?{_NUM}(?: or {_NUM}| to {_NUM})? "
    r"(?:weeks|fortnights|months|quarters|years)|"
    r"in (?:about |around |roughly |maybe |another |just )?(?:a|one) (?:week|fortnight|month|quarter|year)"
    r"(?: or (?:so|two))?|"
    rf"(?:end|start|beginning) of (?:the |this |next )?(?:month|quarter|year|{_QUARTER})|"
    r"as soon as possible|asap|the sooner the better|sooner rather than later|right away|immediately|"
    r"(?:in )?the near (?:future|term)|(?:first|second|back|front|latter|other) half of (?:the |this |next )?year|"
    r"later (?:in|this) (?:the )?year|towards? the end of (?:the |this |next )?(?:year|month|quarter)|"
    rf"(?:early|mid|late|later)[ -](?:this |next )?(?:{_PERIOD}|{_MONTH}|{_SEASON}))\b",
    re.I,
)
QUARTER = re.compile(rf"\b{_QUARTER}\b(?!'s)", re.I)
# A named or coming period; "this year's budget" describes the budget, not a plan.
NAMED_PERIOD = re.compile(
    rf"\b(?:{_MONTH}\b|{_MAY}|{_SEASON}\b|(?:next|coming|following|new) (?:tax |school |academic |financial |"
    rf"fiscal )?{_PERIOD}\b|"
    rf"20\d\d\b|{_DATE})(?!'s)",
    re.I,
)
CURRENT_PERIOD = re.compile(rf"\bthis {_PERIOD}\b(?!'s)", re.I)

# Past, habitual and personal times are not plans.
PAST = re.compile(
    rf"\b(?:last (?:week|month|quarter|year|time|spring|summer|fall|autumn|winter|{_MONTH_NAMES}|monday|"
    r"tuesday|wednesday|thursday|friday)|ago|back in|yesterday|used to|"
    r"(?:was|were)(?! (?:to|thinking|hoping|planning|looking|wanting|wondering|aiming)\b)|had|did|"
    r"went|tried|called|came|switched|moved|slipped|ran|took|happened|spent|launched|sent|joined|lost)\b",
    re.I,
)
HABITUAL = re.compile(r"\b(?:every|each|always|usually|typically|normally|on (?:mondays|tuesdays|weekends))\b", re.I)
PERSONAL = re.compile(
    r"\b(?:born|birthday|wedding|anniversary|funeral|honeymoon|vacation|holiday (?:booked|trip)|"
    r"(?:my|our|his|her) (?:son|daughter|kids?|wife|husband|mom|dad|mother|father|baby|family)|"
    r"on (?:the road|leave|pto)|out of (?:the )?office|i'?m (?:out|away|off)|closed)\b",
    re.I,
)
HYPOTHETICAL = re.compile(r"\b(?:if (?:we|i|you) (?:ever|had|were)|even if|would have|could have)\b", re.I)

# --- next steps: when something is to happen, to the day --------------------------------------------
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_CLOCK_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|\d{1,2}(?::\d\d)?)"
WHEN = re.compile(
    rf"\b(?:{_WEEKDAY}|tomorrow|tonight|today|this (?:morning|afternoon|evening)|first thing|"
    rf"end of (?:the )?(?:day|week|month|quarter)|eod|next week|this week|later (?:this|today)|"
    rf"(?:early|late|later) (?:next|this) week|in the morning|right after (?:this|the) (?:call|meeting)|"
    rf"as soon as (?:we|i) (?:hang up|get off)|after (?:this|the) call|(?:in|within) {_NUM} (?:days?|weeks?)|"
    rf"at {_CLOCK_WORD}|{_CLOCK_WORD} ?(?:am|pm|o'?clock)|\d{{1,2}}:\d\d|{_DATE}|"
    rf"(?:the )?(?:first|second|last) week of {_MONTH}|{_MONTH}\b|{_MAY})",
    re.I,
)

# Doing it: what a buyer does at the time they name.
ACT = re.compile(
    r"\b(?:go live|live|launch|roll\w* (?:it |this |that )?out|rollout|switch\w*|move|start\w*|kick\w* off|"
    r"onboard\w*|implement\w*|up and running|in place|deploy\w*|decide|decision|pick|choose|sign\w*|buy|"
    r"purchase|pull the trigger|get going|get (?:it|this) done|train|pilot|trial|shopping|make (?:a|the) call|"
    r"award|announce|shortlist|tender)\b",
    re.I,
)
# Meaning to: a named period with these is a plan ("March would be ideal").
INTENT = re.compile(
    r"\b(?:want|wants|'d like|would like|love to|hope|hoping|hopefully|aim|aiming|plan|planning|target|"
    r"goal|ideal|ideally|realistic|realistically|looking at|thinking|expect|probably|urgent|has to|have to|target\w*|"
    r"must|need to be)\b",
    re.I,
)

# A participle after "be"/"get" is a state to reach, not a past event: "we'd want to be switched over".
_RESULT = re.compile(r"\b(?:be|being|get|getting)(?: \w+)? $", re.I)
# Times that belong to the vendor or to a meeting, not to the buyer's plan.
VENDOR_TIME = re.compile(
    r"\b(?:delivery|lead time|turnaround|shipping|(?:the|your) (?:quote|proposal|estimate) (?:said|says)|"
    r"(?:your|the) (?:colleague|rep|engineer|guy|team|support) (?:said|says|told|promised))\b",
    re.I,
)
MEETING = re.compile(
    r"\b(?:demo|(?<!make a )(?<!make the )call|meeting|walk ?through|chat|catch[- ]up|visit|session|slot|"
    r"calendar|diary|follow-up|"
    r"presentation|huddle)s?\b",
    re.I,
)
# "at the end of the month" with a routine ("reconcile timesheets at the end of the month") is a schedule.
_AT_PERIOD_EDGE = re.compile(r"\bat the (?:end|start|beginning) of the (?:day|week|month|year|quarter)\b", re.I)


def _past(clause: str) -> bool:
    return any(not _RESULT.search(clause[: m.start()]) for m in PAST.finditer(clause))


def is_future_timeframe(sentence: str, *, current: bool = True) -> bool:
    """A time the speaker plans around, not a past, habitual, personal, vendor or meeting time.

    Each clause is judged alone, so "we signed with X last month, so nothing's happening till spring" has a
    plan. Strong shapes stand alone: a deadline word before a period or event ("before our busy season in
    March"), a relative future ("in the next few weeks"), a quarter, a contract that ends. A named period
    ("in June", "next month", "the 12th") counts with a plan ("we'd want", "ideal") or an act ("roll out",
    "decide"); the current one ("this week") only with an act, and not at all when ``current`` is false,
    since "budget's tight this year" plans nothing.
    """
    if VENDOR_TIME.search(sentence) or (MEETING.search(sentence) and not _buying_act(sentence)):
        return False
    parts = clauses(sentence)
    return any(_clause_timeframe(c, current) for c in (parts if len(parts) == 1 else (sentence, *parts)))


def _buying_act(sentence: str) -> bool:
    """An act of buying or going live, not the name of a meeting ("the onboarding session")."""
    return any(not MEETING.match(sentence, m.end() + 1) for m in ACT.finditer(sentence))


def _clause_timeframe(clause: str, current: bool) -> bool:
    if _past(clause) or HABITUAL.search(clause) or PERSONAL.search(clause) or HYPOTHETICAL.search(clause):
        return False
    edge = _AT_PERIOD_EDGE.search(clause)
    plain = _AT_PERIOD_EDGE.sub(" ", clause) if edge else clause
    if CONTRACT_EVENT.search(plain) or RELATIVE_FUTURE.search(plain) or QUARTER.search(plain):
        return True
    if DEADLINE_TIME.search(plain):
        return True
    if NAMED_PERIOD.search(clause) or edge:
        return bool(ACT.search(clause) or (INTENT.search(clause) and not edge))
    return bool(current and CURRENT_PERIOD.search(clause) and ACT.search(clause))


def mentions_time(text: str) -> bool:
    """A day, date or clock time: what turns "let's talk again" into a concrete next step."""
    return bool(WHEN.search(text))
