"""Opt-out, opt-in and help keywords (carrier rules as Twilio applies them).

A message is a keyword only when the whole message, trimmed and case-insensitive, is one of the
words. Whether START/YES/UNSTOP opt a contact back in depends on the contact being opted out at that
moment, so `classify_keyword` returns a candidate and `effective_keyword` decides.
"""

from __future__ import annotations

from analytics.models import HELP, OPT_IN, OPT_OUT

OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"})
OPT_IN_WORDS = frozenset({"start", "yes", "unstop"})
HELP_WORDS = frozenset({"help", "info"})

# Twilio Advanced Opt-Out's `OptOutType` parameter (it may use custom keywords we cannot see).
_OPT_OUT_TYPES = {"STOP": OPT_OUT, "START": OPT_IN, "HELP": HELP}


def classify_keyword(body: str, opt_out_type: str | None = None) -> str | None:
    """The keyword kind a message body asks for (`opt_out`, `opt_in`, `help`), or None."""
    if opt_out_type:
        kind = _OPT_OUT_TYPES.get(opt_out_type.strip().upper())
        if kind:
            return kind
    word = body.strip().casefold()
    if word in OPT_OUT_WORDS:
        return OPT_OUT
    if word in OPT_IN_WORDS:
        return OPT_IN
    if word in HELP_WORDS:
        return HELP
    return None


def effective_keyword(candidate: str | None, opted_out: bool) -> str | None:
    """An opt-in word counts only while the contact is opted out; otherwise it is an ordinary message."""
    if candidate == OPT_IN and not opted_out:
        return None
    return candidate
