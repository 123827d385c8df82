"""Multi-label keyword topics for lead messages (pricing, scheduling, cancellation...).

Keywords are matched case-insensitively on word boundaries, so "price" matches "Price?" and "prices"
but not "priceless" (a different word, rarely about pricing). Keyword syntax:

* a plain word or phrase also matches its plural: "quote" matches "quotes", "demo" matches "demos";
* a trailing ``*`` matches any ending: "schedul*" matches "schedule", "scheduled", "scheduling";
* spaces match any run of whitespace: "how much" matches "how  much".

Defaults live in ``DEFAULT_TOPICS``; a TOML file (the ``TOPICS_FILE`` setting) can extend or replace
them, see :func:`load_topics` and docs/sentiment.md ("Topics"). Matching is pure and uses one compiled
regex per topic; only :func:`load_topics` reads files.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from analytics.errors import InvalidInput

DEFAULT_TOPICS: Mapping[str, tuple[str, ...]] = {
    "pricing": (
        "price", "prices", "pricing", "priced", "cost*", "how much", "quote", "discount*", "expensive",
        "cheap*", "budget", "fee", "per user", "per seat", "per month", "a month", "annual plan",
        "monthly plan", "billing", "invoice*", "payment*", "pay", "charge*", "overpriced", "rate",
        "tier", "plans",
    ),
    "product": (
        "feature*", "integrat*", "app", "api", "dashboard", "report*", "analytics", "crm", "sso",
        "mobile", "android", "iphone", "ios", "export*", "import*", "sync*", "automation*",
        "template*", "does it", "can it", "how does", "salesforce", "zapier", "hubspot", "workflow*",
        "onboarding", "setup", "set up", "trial",
    ),
    "support": (
        "help", "broken", "broke", "not working", "doesn't work", "does not work", "didn't work",
        "isn't working", "stopped working", "bug", "bugs", "buggy", "error*", "crash*", "issue",
        "problem", "glitch*", "log in", "login", "password", "outage", "fix", "fixed", "support",
        "customer service", "ticket", "not sending", "not loading", "keeps failing", "failed",
    ),
    "scheduling": (
        "demo", "meeting", "meet", "call me", "book a call", "book a demo", "book", "booked",
        "schedul*", "reschedul*", "calendar", "invite", "tomorrow at", "today at", "next week",
        "what time", "available", "availability", "time slot", "zoom", "teams link", "push the call",
        "move the call", "move the demo", "monday", "tuesday", "wednesday", "thursday", "friday",
        "tmrw", "tomorrow",
    ),
    "competitor": (
        "competitor*", "podium", "textline", "salesmsg", "heymarket", "kixie", "aircall", "zipwhip",
        "simpletexting", "eztexting", "textedly", "openphone", "dialpad", "switching to",
        "switch to", "switching from", "versus", "vs", "compared to", "comparing", "alternative*",
        "other vendor*", "another vendor", "other provider*", "current provider",
    ),
    "cancellation": (
        "cancel", "cancels", "cancelled", "canceled", "cancelling", "canceling", "cancellation",
        "refund*", "unsubscribe", "opt out", "terminate", "close my account", "close our account",
        "end my subscription", "money back", "stop billing", "downgrade", "not renewing",
        "don't renew", "do not renew",
    ),
}

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_MODES = ("extend", "replace")


def _keyword_regex(keyword: str) -> str:
    """One keyword as a regex fragment; see the module docstring for the syntax."""
    stem, star = (keyword[:-1], True) if keyword.endswith("*") else (keyword, False)
    words = stem.split()
    body = r"\s+".join(re.escape(w) for w in words)
    # Apostrophes in SMS come straight or curly ("doesn't", "doesn’t").
    body = body.replace("'", "['\u2019]")
    if star:
        return body + r"\w*"
    # Plurals only on a final letter: "per seat" -> "per seats", but "401k" stays exact.
    return body + r"(?:s|es)?" if words[-1][-1:].isalpha() else body


def _compile(keywords: Iterable[str]) -> re.Pattern[str]:
    # Longest first so a phrase wins over a word it starts with; a topic only needs one hit anyway.
    fragments = sorted({_keyword_regex(k) for k in keywords}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(fragments) + r")(?![\w'])", re.IGNORECASE)


@dataclass(frozen=True)
class TopicMatcher:
    """Topic name -> keywords, with one compiled regex per topic."""

    topics: tuple[tuple[str, tuple[str, ...]], ...]
    _patterns: tuple[tuple[str, re.Pattern[str]], ...] = field(
        init=False, repr=False, compare=False, default=()
    )

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "_patterns",
            tuple((name, _compile(keywords)) for name, keywords in sorted(self.topics) if keywords),
        )

    @classmethod
    def from_mapping(cls, topics: Mapping[str, Iterable[str]]) -> TopicMatcher:
        return cls(tuple(sorted((name, tuple(keywords)) for name, keywords in topics.items())))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(name for name, _ in self.topics))

    def match(self, text: str) -> tuple[str, ...]:
        """The topics a message touches, sorted and unique; () for none."""
        if not text:
            return ()
        return tuple(name for name, pattern in self._patterns if pattern.search(text))


def default_topics() -> TopicMatcher:
    return _DEFAULT


def load_topics(path: str | Path | None) -> TopicMatcher:
    """The topics from a TOML file (the TOPICS_FILE setting), or the defaults for None.

    Format::

        mode = "extend"            # or "replace"; default "extend"

        [topics.pricing]
        keywords = ["msrp", "bulk rate"]   # extend: added to the default pricing keywords

        [topics.onboarding]                # a new topic
        keywords = ["onboarding", "training*"]

        [topics.competitor]
        enabled = false                    # extend only: drop a default topic

    Raises InvalidInput naming the file and the problem for a missing or unreadable file, bad TOML
    or a wrong shape (unknown keys, empty or non-string keywords, bad topic names).
    """
    if path is None:
        return _DEFAULT
    file = Path(path)
    try:
        with file.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise InvalidInput(f"topics file {file}: not found") from None
    except OSError as exc:
        raise InvalidInput(f"topics file {file}: cannot read it ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"topics file {file}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"topics file {file}: not UTF-8 text") from None
    return TopicMatcher.from_mapping(_parse(file, data))


def _parse(file: Path, data: dict[str, object]) -> dict[str, tuple[str, ...]]:
    def fail(problem: str) -> InvalidInput:
        return InvalidInput(f"topics file {file}: {problem}")

    unknown = sorted(set(data) - {"mode", "topics"})
    if unknown:
        raise fail(f"unknown top-level key(s) {unknown}; expected 'mode' and [topics.<name>] tables")
    mode = data.get("mode", "extend")
    if mode not in _MODES:
        raise fail(f"mode must be 'extend' or 'replace', not {mode!r}")
    tables = data.get("topics")
    if not isinstance(tables, dict) or not tables:
        raise fail("needs at least one [topics.<name>] table")
    result: dict[str, tuple[str, ...]] = dict(DEFAULT_TOPICS) if mode == "extend" else {}
    for name, table in tables.items():
        if not _NAME.fullmatch(name):
            raise fail(f"topic name {name!r}: use lower case letters, digits and '_', starting with a letter")
        if not isinstance(table, dict):
            raise fail(f"topics.{name} must be a table with a 'keywords' list")
        extra = sorted(set(table) - {"keywords", "enabled"})
        if extra:
            raise fail(f"topics.{name}: unknown key(s) {extra}; expected 'keywords' and 'enabled'")
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            raise fail(f"topics.{name}.enabled must be true or false")
        if not enabled:
            if mode == "replace":
                raise fail(f"topics.{name}: 'enabled = false' only makes sense with mode = 'extend'")
            result.pop(name, None)
            continue
        keywords = table.get("keywords")
        if not isinstance(keywords, list) or not keywords:
            raise fail(f"topics.{name}.keywords must be a non-empty list of strings")
        cleaned = []
        for keyword in keywords:
            if not isinstance(keyword, str) or not keyword.strip().rstrip("*").strip():
                raise fail(f"topics.{name}.keywords: {keyword!r} is not a non-empty string")
            cleaned.append(" ".join(keyword.split()).lower())
        result[name] = tuple(dict.fromkeys((*result.get(name, ()), *cleaned)))
    if not result:
        raise fail("no topics left after applying it")
    return result


_DEFAULT = TopicMatcher.from_mapping(DEFAULT_TOPICS)
