"""Objections: the prospect pushes back on price, timing, an incumbent, authority, need or risk.

Buyers rarely say "that's too expensive" outright; they compare with what they budgeted or pay today,
name the tool or contract they already have, defer to someone else, doubt the value or fear the effort.
The patterns name those comparisons and deferrals rather than whole sentences. Complaints about the
vendor's own product in a support call are not objections, nor is praise for it ("we're already using
your app every day").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from audio_scoring.result import Objection, Utterance
from audio_scoring.text_rules import is_backchannel_text, sentences, words

_WHO = (
    r"(?:my|our|the) (?:\w+ )?(?:boss|manager|cfo|ceo|coo|cto|vp|director|owners?|partners?|board|team|"
    r"finance|legal|it|head of \w+|wife|husband)"
)

OBJECTION_PATTERNS: dict[str, re.Pattern[str]] = {
    "price": re.compile(
        r"\b(expensive|pricey|costly|(too|pretty|quite|a bit|really|very|awfully) (steep|much)|"
        r"more than (we|what we|i)( \w+)? (budgeted|pay|paid|spend|planned|expected to pay)|"
        r"(big|quite a|huge|real) jump|adds? up( fast)?|can'?t afford|out of (our|my) (budget|price range)|"
        r"over (our|my) budget|no budget|budget'?s? (is )?(gone|spent|frozen)|justify the (cost|price|spend)|"
        r"hard to justify|half the price|cheaper (elsewhere|option|alternative)|cutting costs|"
        r"a lot (of money|to ask)|not cheap|out of (reach|our league|our range)|beyond (our|what we)|too rich|"
        r"for a (company|team|shop|business) (of )?our size|"
        r"(price|cost|pricing) (is|seems|feels|looks) (too )?(high|steep))\b",
        re.I,
    ),
    "timing": re.compile(
        r"\b(not (a good|the right|a great|the best) time|timing (isn'?t|is not) (great|right|ideal|good)|"
        r"not right now|maybe later|too busy|slammed|swamped|can'?t take on|wait and see|rather wait|"
        r"revisit (this|it) later|not a priority|too much going on|everything else going on|not this (quarter|year)|"
        r"(now|right now|the timing|this (month|quarter|year)) (is|isn'?t|is not|'s)( really)? (not )?"
        r"(great|good|ideal|the time|a good time|bad|crazy|hectic)|in the middle of|bad time|hectic|underwater|"
        r"(no|don'?t have the) (bandwidth|capacity))\b",
        re.I,
    ),
    "competitor": re.compile(
        r"\b(already (use|using|have|work with|pay for|got)(?! (your|you|it)\b)|just signed|locked in|"
        r"(another|other|current|existing) (vendor|provider|tool|solution|system)|competitors?|"
        r"happy with (what|our|the)|does the job|(built|have) (something|our own|one) in-house|in-house|"
        r"already gives us|in our crm|mostly covers|attached to the way|works fine (as it is|for us)|"
        r"(signed|went|are going|committed|partnered) (up )?with (?!you\b)|"
        r"(does|do|covers?|handles?)(n'?t)? already|already (does|do|covers|handles))\b",
        re.I,
    ),
    "authority": re.compile(
        rf"\b((need|have|has) to (run (it|this) by|check with|get|loop in|talk to|ask|convince) {_WHO}|"
        rf"(let me|i'?ll have to|i'?d have to|i need to) (check|run it|talk|loop in)\w* (with |by )?{_WHO}|"
        rf"(need|needs) {_WHO} to \w+( \w+){{0,4}} (first|before)\b|"
        r"not my (decision|call)|above my pay grade|get (my|our|the) \w+ (on board|excited|to sign off))\b",
        re.I,
    ),
    "need": re.compile(
        r"\b(don'?t (really )?need|no need|not sure (we|i) need|don'?t see the (value|point)|"
        r"big enough to need|not convinced|(is|'s) (that|this|it) different|what is different|"
        r"what'?s the difference|can'?t we just|not sure (it'?s|it is) worth|worth it for|"
        r"if we (ever )?(grow|get bigger)|don'?t see (what|how|why))\b",
        re.I,
    ),
    "risk": re.compile(
        r"\b(not sure (the team|they|we|our \w+|people) (would|will) (actually )?use|(worried|concerned|nervous) "
        r"about|a lot of questions about|tough sell|hate (being|to)|didn'?t work out|nobody adopted|"
        r"tried (something|one|this|that) like|promised the same|see real numbers|a lot of work|"
        r"not sure (we|i|they|the team) (could|can) (get|make|convince)|change (how|the way) (they|we) work|"
        r"i don'?t think (it|they|that) (does|will|can|would))\b",
        re.I,
    ),
}
# The prospect says why they came to us: a past vendor's price or a gap elsewhere is a reason to buy.
_REASON_TO_BUY = re.compile(
    r"\b(that'?s why (we'?re|i'?m|we are|i am) (talking|here|calling|looking)|which is why (i|we) (called|came|"
    r"reached out))\b",
    re.I,
)
_ADDRESS = re.compile(
    r"\b(understand|fair|good question|great question|that'?s why|because|difference|actually|"
    r"customers|save|saves|roi|return|discount|compared|unlike|what if|would it help)\b",
    re.I,
)


def objection_kind(sentence: str) -> str | None:
    if _REASON_TO_BUY.search(sentence):
        return None
    return next((kind for kind, pattern in OBJECTION_PATTERNS.items() if pattern.search(sentence)), None)


def find_objections(transcript: Sequence[Utterance]) -> list[Objection]:
    """Prospect sentences matching an objection kind; addressed when the rep's reply engages with it."""
    found: list[Objection] = []
    for i, utt in enumerate(transcript):
        if utt.speaker != "prospect":
            continue
        for sent in sentences(utt.text):
            kind = objection_kind(sent)
            if kind is not None:
                found.append(Objection(kind=kind, text=sent, at_s=utt.start_s, addressed=_addressed(transcript, i)))
    return found


def _addressed(transcript: Sequence[Utterance], i: int) -> bool:
    """The rep's next utterance (within 20 s) is substantive: it explains or engages, not just "okay"."""
    t0 = transcript[i].end_s
    for utt in transcript[i + 1 :]:
        if utt.start_s - t0 > 20.0:
            return False
        if utt.speaker == "rep" and not is_backchannel_text(utt.text):
            return len(words(utt.text)) >= 8 or bool(_ADDRESS.search(utt.text))
    return False
