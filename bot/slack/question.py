"""Turn a KPI question asked in plain words in Slack into a structured `Question`.

Pure: no Slack, no database; the caller passes `now` and the team's time zone.

How a question is read:
- The text is lower-cased, Slack mentions and punctuation dropped, and small typos in known
  words fixed (one edit for words of 4-7 letters, two for longer ones, first letter kept), so
  "frist respnse time" still reads as "first response time".
- The metric is the first rule that matches, most specific first: "who's waiting" before
  "who replied fastest" before "first response" before "longest wait" before "response".
- "who replied fastest" and other leaderboard questions give metric `reps`; `reps` always has
  the `rep` breakdown first.
- Breakdowns need a preposition ("by hour", "per rep", "for each rep", "by day of week") so that
  "last 24 hours" is a period and not an hourly breakdown; "by day" means by weekday.

Periods (all in the team's time zone; see analytics.periods for exact bounds):
- No period given: the last 7 days (today included) for every metric, `unanswered` too: a lead
  who texted last night and still waits matters more than anything today, so "today" would hide
  exactly the leads people ask about. Change DEFAULT_DAYS to change it everywhere.
- "this week"/"this month"/"this year" run to the end of today; "last week"/"last month" are the
  previous full calendar week (Monday start) or month; "last/past N days|weeks" are N days or
  7*N days ending today; "last N hours"/"last 24h" are exact hours up to now; "last N months" runs
  from the same day N months ago (exclusive) through today; "past week" = last 7 days,
  "past month" = last 30 days.
- Dates without a year are the most recent such date not after today ("since Nov 1");
  weekdays are the most recent such day, today included ("since monday"), "last monday" the
  most recent before today. "between A and B" / "from A to B" include day B.
- A month name ("in October") is that whole month, the most recent one that has begun; the
  current month means this month so far.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from analytics.errors import InvalidInput
from analytics.periods import (
    Period,
    add_months,
    between,
    calendar_month,
    label,
    last_month,
    last_n_days,
    last_n_hours,
    last_week,
    since,
    this_month,
    this_week,
    today,
    yesterday,
)

__all__ = [
    "BREAKDOWNS",
    "DEFAULT_DAYS",
    "HELP_TEXT",
    "METRICS",
    "HelpRequest",
    "Question",
    "Unparsed",
    "parse_question",
]

METRICS = (
    "first_response",
    "response",
    "longest_wait",
    "unanswered",
    "volume",
    "channels",
    "opt_outs",
    "sentiment",
    "topics",
    "reps",
    "calls",
    "summary",
)
BREAKDOWNS = ("rep", "channel", "hour", "weekday", "topic")
DEFAULT_DAYS = 7


@dataclass(frozen=True)
class Question:
    metric: str
    period: Period
    breakdowns: tuple[str, ...]
    period_label: str


@dataclass(frozen=True)
class HelpRequest:
    """The user asked for help (or sent nothing)."""


@dataclass(frozen=True)
class Unparsed:
    text: str
    reason: str


HELP_TEXT = """\
Ask me about your texting KPIs in plain words. I understand:
• *first response time* – "what's our first response time this week?", "FRT yesterday"
• *response time* – "average response time last 30 days", "avg reply time by rep"
• *longest wait* – "longest wait by hour last 30 days", "slowest reply this month"
• *unanswered* – "unanswered", "who's waiting?", "leads waiting today"
• *volume* – "how many texts came in yesterday?", "new leads by channel this week"
• *channels* – "whatsapp vs sms last month", "channels this week"
• *opt-outs* – "opt outs last month", "unsubscribes since Nov 1"
• *sentiment* – "sentiment by topic yesterday", "are leads happy this week?"
• *topics* – "what are leads asking about?", "topics last 2 weeks"
• *reps* – "who replied fastest last week", "leaderboard this month", "team performance"
• *calls* – "call scores last week", "calls by rep"
• *summary* – "how are we doing?", "KPIs this month", "overview yesterday"
Periods: today, yesterday, this week, last week, this month, last month, last 7 days,
past 24h, last 2 weeks, since Nov 1, since monday, between Nov 1 and Nov 7,
from 2026-11-01 to 2026-11-08, in October. Without a period I use the last 7 days.
Breakdowns: by rep, by channel, by hour (of day), by weekday (day of week), by topic."""


# --- normalising ------------------------------------------------------------------------------

_MENTION = re.compile(r"<[@#!][^>]*>")
_APOSTROPHES = re.compile(r"['’‘`´]")
# Hyphens join numbers in dates but separate words ("opt-outs" is "opt outs").
_WORD_HYPHEN = re.compile(r"(?<!\d)-|-(?!\d)")
_NOT_KEPT = re.compile(r"[^a-z0-9:/\- ]+")
_SPACES = re.compile(r"\s+")


def _normalise(text: str) -> str:
    text = _MENTION.sub(" ", text).lower()
    text = _APOSTROPHES.sub("", text)
    text = _WORD_HYPHEN.sub(" ", text)
    text = _NOT_KEPT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


# --- metrics ----------------------------------------------------------------------------------

_REPLY_VERB = r"(?:reply|replies|replied|replying|respond|responds|responded|responding|answer|answers|answered|answering|get back|text back)"  # noqa: E501
_PEOPLE = r"(?:leads?|customers?|people|clients?|buyers?|contacts?|prospects?)"

# (metric, pattern); the first match wins, so specific phrasings come before general ones.
_METRIC_RULES: tuple[tuple[str, str], ...] = (
    ("unanswered", r"\b(?:who|whos|anyone|anybody|someone|somebody)\b(?: \w+){0,3} waiting\b"),
    ("reps", r"\bwho\b(?: \w+){0,4} (?:fastest|quickest|slowest|best|worst|most|least|top|first)\b"),
    ("reps", r"\bwhich (?:reps?|agents?|salesperson|person|team member)\b"),
    (
        "first_response",
        r"\bfirst (?:response|responses|reply|replies|answer|contact|touch|text)\b|\bfrt\b"
        rf"|\b{_REPLY_VERB}(?: \w+){{0,3}} first\b|\btime to first\b|\binitial (?:response|reply)\b"
        r"|\bspeed to lead\b",
    ),
    (
        "longest_wait",
        r"\b(?:longest|max|maximum|worst|slowest|biggest|highest|oldest)"
        r"(?: \w+){0,2} (?:wait|waits|waiting|reply|replies|response|responses|delay|delays)\b"
        r"|\bwait(?:ed|ing)? (?:the )?longest\b",
    ),
    (
        "response",
        r"\b(?:response|reply|answer|wait|waiting) times?\b|\bturnaround\b|\bresponsiveness\b"
        r"|\b(?:avg|average|mean|median|typical) (?:\w+ )?(?:reply|replies|response|responses|wait|waits)\b"
        rf"|\bhow (?:fast|quick|quickly|long|soon)\b(?: \w+){{0,5}} {_REPLY_VERB}\b"
        r"|\bhow (?:fast|quick|quickly) (?:are|were|is|was) (?:we|they|the team)\b"
        r"|\bhow long\b(?: \w+){0,4} wait",
    ),
    (
        "unanswered",
        r"\bun ?answered\b|\bunreplied\b|\bunresponded\b|\bno (?:reply|replies|response|answer)\b"
        r"|\bnot (?:yet )?(?:been )?(?:yet )?(?:answered|replied|responded)\b"
        r"|\bwithout (?:a |any )?(?:reply|response)\b"
        rf"|\bwaiting {_PEOPLE}|\b{_PEOPLE}(?: \w+){{0,3}} waiting\b|\bstill waiting\b|\bawaiting\b"
        r"|\bpending\b|\bneeds? (?:a )?(?:reply|response)\b|\bmissed (?:leads|messages|texts)\b",
    ),
    (
        "opt_outs",
        r"\bopt ?outs?\b|\bopted ?out\b|\bopting out\b|\bunsubscrib\w*|\bstops\b|\bblocked\b"
        r"|\bstop (?:requests?|messages?|replies|words?|keywords?|texts?)\b",
    ),
    (
        "channels",
        r"\b(?:whatsapp|sms|text|texts|mms|rcs|imessage)\b (?:vs|versus|or|and|compared to|against) "
        r"(?:whatsapp|sms|text|texts|mms|rcs|imessage)\b"
        r"|\bchannel (?:mix|split|breakdown|share|usage|stats|comparison)\b|\bwhich channels?\b",
    ),
    (
        "sentiment",
        r"\bsentiment\w*|\bmood\b|\bvibes?\b|\bsatisfaction\b|\bcsat\b|\bemotions?\b|\btone\b"
        r"|\b(?:happy|happier|unhappy|angry|angrier|upset|mad|annoyed|frustrated|satisfied|unsatisfied"
        rf"|dissatisfied|positive|negative|pleased|grumpy) {_PEOPLE}"
        rf"|\b{_PEOPLE} (?:\w+ )?(?:happy|unhappy|angry|upset|mad|annoyed|frustrated|satisfied|pleased)\b"
        r"|\bhow (?:happy|unhappy|angry|satisfied|upset) \w+",
    ),
    (
        "topics",
        r"\btopics?\b|\bthemes?\b|\bsubjects?\b|\bfaqs?\b|\btrending\b"
        r"|\b(?:ask|asks|asked|asking|talk|talking|texting|writing|wondering|care|caring) about\b"
        r"|\bwhat (?:are|do|did|were|does) (?:\w+ ){0,2}"
        r"(?:ask|asking|want|wanting|need|needing|talk|talking|say|saying)\b"
        r"|\bcommon (?:questions|requests|issues|asks)\b",
    ),
    (
        "volume",
        r"\bvolumes?\b|\bhow many (?:new |inbound |incoming )?(?:messages|texts|leads|conversations|sms|chats"
        r"|inquiries|enquiries|contacts)\b|\bnumber of (?:new |inbound |incoming )?(?:messages|texts|leads"
        r"|conversations|inquiries|enquiries)\b|\bnew (?:leads|conversations|contacts|inquiries|enquiries)\b"
        r"|\binbound\b|\bincoming\b|\bmessage (?:count|counts)\b|\btraffic\b",
    ),
    ("calls", r"\bcalls?\b|\bcall (?:scores?|quality|grades?|ratings?)\b|\bphone\b|\bvoice\b"),
    (
        "reps",
        r"\breps?\b|\bleader ?board\b|\branking\b|\bteam (?:performance|stats|results)\b|\bagents?\b"
        r"|\bsalespe\w+|\b(?:top|best|fastest|slowest) (?:performers?|responders?|sellers?)\b"
        rf"|\bwho {_REPLY_VERB}\b",
    ),
    ("channels", r"\bchannels?\b|\bwhatsapp\b"),
    ("volume", r"\b(?:messages|texts|leads|conversations|inquiries|enquiries)\b"),
    ("response", rf"\b(?:responses?|{_REPLY_VERB})\b"),
    (
        "summary",
        r"\bsummary\b|\bsummari[sz]e\b|\boverview\b|\brecap\b|\bdigest\b|\bkpis?\b|\bmetrics\b|\bstats\b"
        r"|\bstatistics\b|\breport\b|\bdashboard\b|\bnumbers\b|\bscorecard\b|\bperformance\b|\bstatus\b"
        r"|\bhow (?:are|were|is|was|did|do|have)? ?(?:we|us|things|everything|the team|our team|it|sales)"
        r"(?: \w+){0,2} (?:doing|going|do|done|perform|performing|look|looking)\b"
        r"|\bhows (?:it|things|everything|the team|our team|sales) (?:going|doing|looking)\b",
    ),
)
_METRIC_PATTERNS = tuple((metric, re.compile(pattern)) for metric, pattern in _METRIC_RULES)

_PREP = r"(?:by|per|for each|for every|each|every|across|split by|broken down by|grouped by|group by)"
_BREAKDOWN_RULES: tuple[tuple[str, str], ...] = (
    (
        "rep",
        rf"\b{_PREP} (?:sales ?)?(?:reps?|agents?|persons?|people|team members?|members?|users?"
        r"|salespeople|salesperson|sellers?)\b",
    ),
    ("channel", rf"\b{_PREP} channels?\b"),
    ("hour", rf"\b{_PREP} (?:the )?hours?(?: of (?:the )?day)?\b|\bhourly\b|\b{_PREP} time of day\b"),
    (
        "weekday",
        rf"\b{_PREP} (?:the )?(?:days? of (?:the )?week|weekdays?|week days?|days?|dow)\b"
        r"|\bday of (?:the )?week\b",
    ),
    ("topic", rf"\b{_PREP} (?:topics?|subjects?|themes?)\b"),
)
_BREAKDOWN_PATTERNS = tuple((name, re.compile(pattern)) for name, pattern in _BREAKDOWN_RULES)


def _find_metric(text: str) -> str | None:
    for metric, pattern in _METRIC_PATTERNS:
        if pattern.search(text):
            return metric
    return None


def _find_breakdowns(text: str, metric: str) -> tuple[str, ...]:
    found = sorted(
        (match.start(), name) for name, pattern in _BREAKDOWN_PATTERNS if (match := pattern.search(text))
    )
    names = [name for _, name in found]
    if metric == "reps":
        names = ["rep", *(name for name in names if name != "rep")]
    return tuple(names)


# --- typo tolerance ---------------------------------------------------------------------------

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EXTRA_WORDS = (
    "today", "yesterday", "this", "last", "past", "previous", "since", "between", "from", "until",
    "through", "week", "weeks", "month", "months", "hour", "hours", "days", "year", "help",
    "sept", "tues", "thur", "thurs", "weds", "three", "four", "five", "seven", "eight", "nine",
    "eleven", "twelve", "fourteen", "fifteen", "twenty", "thirty", "sixty", "ninety", "couple",
)  # fmt: skip
# Common words a typo fixer must leave alone even though they sit one edit from a known word.
_PROTECTED = frozenset(
    "what when where which with were many much have this that there their these those them they show "
    "tell give from into over under each does done been being good your yours ours about more most "
    "less some than then also just only please could would should will know like look make made need "
    "want hello thanks mode feed cell wall tops time date".split()
)
_VOCABULARY = frozenset(
    word
    for _, pattern in (*_METRIC_RULES, *_BREAKDOWN_RULES)
    # Escapes such as \b and \w are dropped first so that "\bsentiment" yields "sentiment".
    for word in re.findall(r"[a-z]{4,}", re.sub(r"\\[a-zA-Z]", " ", pattern))
) | frozenset((*_MONTH_NAMES, *_WEEKDAY_NAMES, *_EXTRA_WORDS))


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _correct(word: str) -> str:
    if len(word) < 4 or not word.isalpha() or word in _VOCABULARY or word in _PROTECTED:
        return word
    limit = 1 if len(word) < 8 else 2
    best, best_distance = word, limit + 1
    for known in sorted(_VOCABULARY):
        if known[0] != word[0]:
            continue
        distance = _edit_distance(word, known, limit)
        if distance < best_distance:
            best, best_distance = known, distance
    return best


def _fix_typos(text: str) -> str:
    return " ".join(_correct(word) for word in text.split(" "))


# --- periods ----------------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_WEEKDAY = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|{_MONTH} \d{{1,2}}{_ORDINAL}(?: \d{{4}})?"
    rf"|\d{{1,2}}{_ORDINAL} (?:of )?{_MONTH}(?: \d{{4}})?|(?:last )?{_WEEKDAY}|today|yesterday)"
)
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15,
    "twenty": 20, "thirty": 30, "sixty": 60, "ninety": 90, "couple": 2, "couple of": 2, "few": 3,
}  # fmt: skip
_NUMBER = r"(?:\d+|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_UNITS = {
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "mo": "months", "mos": "months", "mth": "months", "mths": "months", "month": "months", "months": "months",
}  # fmt: skip
_UNIT = r"(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")"
# Generous caps; beyond them date arithmetic would overflow or the answer would be meaningless.
_MAX = {"hours": 24 * 400, "days": 3660, "weeks": 522, "months": 120}

_RANGE = re.compile(
    rf"\b(?:between ({_DATE}) and ({_DATE})|from ({_DATE}) (?:to|until|till|through|thru|and) ({_DATE})"
    rf"|({_DATE}) (?:to|until|till|through|thru) ({_DATE}))\b"
)
_SINCE = re.compile(rf"\b(?:since|starting|from) ({_DATE})\b")
_LAST_N = re.compile(
    rf"\b(?:last|past|previous|prior|trailing|recent) (?:the )?({_NUMBER}) ?({_UNIT})\b"
    rf"|\b({_NUMBER}) ?({_UNIT}) (?:ago|back)\b"
)
_NAMED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"\b(?:last|past|previous|prior) hour\b", "last hour"),
        (r"\b(?:last|past) day\b|\blast 24\b", "last 24 hours"),
        (r"\bpast week\b", "last 7 days"),
        (r"\bpast month\b", "last 30 days"),
        (r"\bfortnight\b", "last 14 days"),
        (r"\b(?:last|previous|prior) week\b", "last week"),
        (r"\b(?:last|previous|prior) month\b", "last month"),
        (r"\b(?:last|previous|prior) year\b", "last year"),
        (r"\b(?:this|current) week\b|\bweek to date\b|\bwtd\b|\bthis wk\b", "this week"),
        (r"\b(?:this|current) month\b|\bmonth to date\b|\bmtd\b", "this month"),
        (r"\b(?:this|current) year\b|\byear to date\b|\bytd\b", "this year"),
        (r"\btoday\b|\btonight\b|\bthis (?:morning|afternoon|evening)\b|\bso far\b", "today"),
        (r"\byesterday\b|\blast night\b", "yesterday"),
    )
)
_EXPLICIT_DATE = re.compile(
    rf"\b(\d{{4}}-\d{{1,2}}-\d{{1,2}}|{_MONTH} \d{{1,2}}{_ORDINAL}(?: \d{{4}})?"
    rf"|\d{{1,2}}{_ORDINAL} (?:of )?{_MONTH}(?: \d{{4}})?)\b"
)
_MONTH_ONLY = re.compile(rf"\b(?:(in|during|for|of|over) )?({_MONTH})(?: (\d{{4}}))?\b")
# Abbreviated weekdays ("sat", "sun") are ordinary words too, so alone they need "on".
_WEEKDAY_ONLY = re.compile(
    rf"\bon ((?:last )?{_WEEKDAY})\b"
    r"|\b((?:last )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b"
)
_MONTH_NUMBERS = {name[:3]: number for number, name in enumerate(_MONTH_NAMES, 1)}
_WEEKDAY_NUMBERS = {name[:3]: number for number, name in enumerate(_WEEKDAY_NAMES)}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MONTH_DAY = re.compile(rf"({_MONTH}) (\d{{1,2}}){_ORDINAL}(?: (\d{{4}}))?")
_DAY_MONTH = re.compile(rf"(\d{{1,2}}){_ORDINAL} (?:of )?({_MONTH})(?: (\d{{4}}))?")


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date") from None


def _on_or_before(month: int, day: int, limit: date, text: str) -> date:
    """The most recent `month`/`day` on or before `limit` (Feb 29 looks back to a leap year)."""
    for year in range(limit.year, limit.year - 9, -1):
        with contextlib.suppress(ValueError):
            candidate = date(year, month, day)
            if candidate <= limit:
                return candidate
    raise InvalidInput(f"{text!r} is not a date")


def _on_or_after(month: int, day: int, limit: date, text: str) -> date:
    """The first `month`/`day` on or after `limit`."""
    for year in range(limit.year, limit.year + 9):
        with contextlib.suppress(ValueError):
            candidate = date(year, month, day)
            if candidate >= limit:
                return candidate
    raise InvalidInput(f"{text!r} is not a date")


def _parse_date(text: str, current: date) -> date | tuple[int, int]:
    """One _DATE fragment: a date, or (month, day) when no year was given."""
    if text == "today":
        return current
    if text == "yesterday":
        return current - timedelta(days=1)
    if match := _ISO.fullmatch(text):
        return _make_date(int(match[1]), int(match[2]), int(match[3]), text)
    month_day = _MONTH_DAY.fullmatch(text)
    day_month = _DAY_MONTH.fullmatch(text)
    if month_day:
        month_name, day_text, year_text = month_day[1], month_day[2], month_day[3]
    elif day_month:
        day_text, month_name, year_text = day_month[1], day_month[2], day_month[3]
    else:
        before_today = text.startswith("last ")
        weekday = _WEEKDAY_NUMBERS[text.removeprefix("last ")[:3]]
        back = (current.weekday() - weekday) % 7
        if before_today and back == 0:
            back = 7
        return current - timedelta(days=back)
    month = _MONTH_NUMBERS[month_name[:3]]
    if year_text:
        return _make_date(int(year_text), month, int(day_text), text)
    _make_date(2000, month, int(day_text), text)  # rejects "Nov 31" before any year is chosen
    return month, int(day_text)


def _resolve_date(text: str, current: date) -> date:
    parsed = _parse_date(text, current)
    if isinstance(parsed, date):
        return parsed
    return _on_or_before(*parsed, current, text)


def _range(first_text: str, last_text: str, current: date, tz: ZoneInfo) -> Period:
    first_parsed = _parse_date(first_text, current)
    last_parsed = _parse_date(last_text, current)
    if isinstance(first_parsed, date):
        first = first_parsed
    elif isinstance(last_parsed, date):
        # "between Nov 1 and Nov 7 2025": the year of the end date carries back.
        first = _on_or_before(*first_parsed, last_parsed, first_text)
    else:
        first = _on_or_before(*first_parsed, current, first_text)
    if isinstance(last_parsed, date):
        last = last_parsed
    else:
        # "Dec 28 to Jan 3" runs forward from the first date, not back to last January.
        last = _on_or_after(*last_parsed, first, last_text)
    if min(first, last) > current:
        raise InvalidInput(f"{first_text!r} to {last_text!r} is in the future")
    return between(first, last, tz)


def _count(text: str) -> int:
    return _NUMBER_WORDS[text] if text in _NUMBER_WORDS else int(text)


def _last_n(count: int, unit: str, now: datetime, tz: ZoneInfo) -> tuple[Period, str]:
    if count < 1 or count > _MAX[unit]:
        raise InvalidInput(f"I can look back 1 to {_MAX[unit]} {unit}, not {count}")
    name = f"last {count} {unit if count != 1 else unit[:-1]}"
    if unit == "hours":
        return last_n_hours(count, now), name
    if unit == "days":
        return last_n_days(count, now, tz), name
    if unit == "weeks":
        return last_n_days(7 * count, now, tz), name
    current = now.astimezone(tz).date()
    return between(add_months(current, -count) + timedelta(days=1), current, tz), name


def _named(name: str, now: datetime, tz: ZoneInfo) -> Period:
    current = now.astimezone(tz).date()
    simple = {
        "today": today,
        "yesterday": yesterday,
        "this week": this_week,
        "last week": last_week,
        "this month": this_month,
        "last month": last_month,
    }
    if name in simple:
        return simple[name](now, tz)
    if name == "last hour":
        return last_n_hours(1, now)
    if name == "last 24 hours":
        return last_n_hours(24, now)
    if name == "this year":
        return between(date(current.year, 1, 1), current, tz)
    if name == "last year":
        return between(date(current.year - 1, 1, 1), date(current.year - 1, 12, 31), tz)
    return last_n_days(int(name.split()[1]), now, tz)


def _month(month_text: str, year_text: str | None, now: datetime, tz: ZoneInfo) -> tuple[Period, str | None]:
    current = now.astimezone(tz).date()
    month = _MONTH_NUMBERS[month_text[:3]]
    if year_text:
        year = int(year_text)
    else:
        year = current.year if month <= current.month else current.year - 1
    if (year, month) > (current.year, current.month):
        raise InvalidInput(f"{_MONTH_NAMES[month - 1].title()} {year} has not started yet")
    if (year, month) == (current.year, current.month):
        return this_month(now, tz), f"{_MONTH_NAMES[month - 1].title()} so far"
    return calendar_month(year, month, tz), None


def _find_period(text: str, now: datetime, tz: ZoneInfo) -> tuple[Period, str | None] | None:
    """(period, human name or None when the dates say it all), or None when no period is named."""
    current = now.astimezone(tz).date()
    if match := _RANGE.search(text):
        groups = [group for group in match.groups() if group is not None]
        return _range(groups[0], groups[1], current, tz), None
    if match := _SINCE.search(text):
        day = _resolve_date(match[1], current)
        return since(day, now, tz), f"since {label(between(day, day, tz), tz)}"
    if match := _LAST_N.search(text):
        count_text, unit_text = (match[1], match[2]) if match[1] else (match[3], match[4])
        return _last_n(_count(count_text), _UNITS[unit_text], now, tz)
    for pattern, name in _NAMED:
        if pattern.search(text):
            return _named(name, now, tz), name
    if match := _EXPLICIT_DATE.search(text):
        return _single_day(match[1], current, tz), None
    for match in _MONTH_ONLY.finditer(text):
        # A bare "may" is too often the verb; it needs "in may" or a year.
        if match[2] != "may" or match[1] or match[3]:
            return _month(match[2], match[3], now, tz)
    if match := _WEEKDAY_ONLY.search(text):
        return _single_day(match[1] or match[2], current, tz), None
    return None


def _single_day(text: str, current: date, tz: ZoneInfo) -> Period:
    day = _resolve_date(text, current)
    if day > current:
        raise InvalidInput(f"{text!r} is in the future")
    return between(day, day, tz)


# --- entry point ------------------------------------------------------------------------------

_HELP = re.compile(
    r"^(?:help\b.*|h|commands?|usage|examples?|what can (?:i|you) (?:ask|do)(?: you)?|how does this work"
    r"|how do i use (?:this|you|it))$"
)


def parse_question(text: str, now: datetime, tz: ZoneInfo) -> Question | HelpRequest | Unparsed:
    """Read a plain-words KPI question; `now` must be aware."""
    if now.tzinfo is None:
        raise InvalidInput("now must be an aware datetime")
    normalised = _normalise(text)
    if not normalised or _HELP.match(normalised):
        return HelpRequest()
    words = _fix_typos(normalised)
    metric = _find_metric(words)
    if metric is None:
        return Unparsed(
            text,
            "I couldn't tell which number you want; try e.g. 'first response time this week', "
            "or 'help' for everything I understand",
        )
    try:
        found = _find_period(words, now, tz)
    except InvalidInput as error:
        return Unparsed(text, str(error))
    if found is None:
        period, name = last_n_days(DEFAULT_DAYS, now, tz), f"last {DEFAULT_DAYS} days"
    else:
        period, name = found
    dates = label(period, tz)
    period_label = dates if name is None else f"{name} ({dates})"
    return Question(metric, period, _find_breakdowns(words, metric), period_label)
