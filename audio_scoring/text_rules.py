"""Rules over the speaker-attributed transcript: questions, fillers, next steps, objections, BANT.

Plain regular expressions, deliberately: they are explainable (every hit carries the quote and time it
came from), fast, and testable on text alone. Whisper tiny on phone audio drops some punctuation, so a
question is recognised by its opening words as well as by a question mark.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from audio_scoring.result import Bant, BantItem, NextStep, Objection, Utterance

_SENTENCE = re.compile(r"[^.?!]+[.?!]?")
_QUESTION_START = re.compile(
    r"^(what|how|who|whom|whose|when|where|why|which|do|does|did|is|are|was|were|can|could|would|will|"
    r"should|have|has|had|may|shall|any)\b",
    re.I,
)
_FILLER = re.compile(
    r"\b(um+|uh+|erm|er|ah|hmm+|you know|i mean|kind of|sort of|basically|like(?=,))\b", re.I
)
BACKCHANNEL_WORDS = frozenset(
    "yes yeah yep yup right okay ok sure mm mhm mm-hm uh-huh hmm got it i see true exactly great cool "
    "nice wow oh ah sounds good".split()
)
_WORD = re.compile(r"[a-z]+(?:[-'][a-z]+)*", re.I)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip(" .?!,")]


def is_question(sentence: str) -> bool:
    s = sentence.strip()
    return s.endswith("?") or bool(_QUESTION_START.match(s))


def questions(utterance: Utterance) -> list[str]:
    return [s for s in sentences(utterance.text) if is_question(s)]


def count_fillers(text: str) -> int:
    return len(_FILLER.findall(text))


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def is_backchannel_text(text: str) -> bool:
    """Only acknowledgement words ("yes", "right", "got it", "mm-hm"): not a bid for the floor."""
    ws = words(text)
    return 0 < len(ws) <= 4 and all(w in BACKCHANNEL_WORDS for w in ws)


# --- next steps -------------------------------------------------------------------------------------
_NEXT_ACTION = re.compile(
    r"\b(schedul\w*|book\w*|set up|"
    r"send (you |over )?(the |a )?(proposal|quote|contract|pricing|deck|agreement)|"
    r"(a|the) (follow[- ]up|demo|meeting|call|trial|pilot|proposal)|next steps?|follow up|"
    r"get (it|that) signed|sign(ed)? the|kick[- ]?off|onboarding)\b",
    re.I,
)
_WHEN = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|next week|this week|"
    r"end of (the )?(week|month|quarter)|at (one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"\d{1,2})|\d{1,2}(:\d\d)? ?(am|pm)|january|february|march|april|may|june|july|august|september|"
    r"october|november|december)\b",
    re.I,
)
_COMMIT = re.compile(
    r"\b(let'?s|we will|we'll|i will|i'll|shall we|can we|could we|how about|would you be open to|"
    r"works for (me|us)|i can do|we can do)\b",
    re.I,
)
_AGREE = re.compile(
    r"\b(yes|yeah|sure|sounds good|works for (me|us)|that works|perfect|great|let'?s do (it|that)|"
    r"absolutely|of course|deal|see you|looking forward|okay|ok)\b",
    re.I,
)
_REFUSE = re.compile(r"\b(no|not|can'?t|cannot|won'?t|don'?t)\b", re.I)


def find_next_steps(transcript: Sequence[Utterance]) -> list[NextStep]:
    """Sentences that propose a concrete follow-up (an action plus a time or commitment language).

    ``agreed`` is set when the other party answers within their next utterance with agreement.
    """
    found: list[NextStep] = []
    for i, utt in enumerate(transcript):
        for sent in sentences(utt.text):
            if not _NEXT_ACTION.search(sent) or not (_WHEN.search(sent) or _COMMIT.search(sent)):
                continue
            reply = next((u for u in transcript[i + 1 :] if u.speaker != utt.speaker), None)
            agreed = bool(
                reply is not None
                and reply.start_s - utt.end_s < 15.0
                and _AGREE.search(reply.text)
                and not _REFUSE.search(reply.text)
            )
            found.append(NextStep(text=sent, at_s=utt.start_s, speaker=utt.speaker, agreed=agreed))
    return found


# --- objections --------------------------------------------------------------------------------------
OBJECTION_PATTERNS: dict[str, re.Pattern[str]] = {
    "price": re.compile(
        r"\b(expensive|pricey|costly|too much|"
        r"(price|cost|pricing) (is|seems|feels|looks) (too )?(high|steep)|"
        r"can'?t afford|out of (our|my) (budget|price range)|over (our|my) budget|cheaper)\b",
        re.I,
    ),
    "timing": re.compile(
        r"\b(not (a good|the right) time|not right now|maybe later|too busy|next year|"
        r"revisit (this|it) later|"
        r"no rush|not a priority right now)\b",
        re.I,
    ),
    "competitor": re.compile(
        r"\b(already (use|using|have|work with)|(another|other) (vendor|provider|tool|solution)|competitor|"
        r"current (vendor|provider|tool)|happy with (our|what we have))\b",
        re.I,
    ),
    "authority": re.compile(
        r"\b(check with (my|our)|run (it|this) by|not my (decision|call)|need (approval|sign[- ]off)|"
        r"my (boss|manager) (decides|has to)|above my pay grade)\b",
        re.I,
    ),
    "need": re.compile(
        r"\b(don'?t (really )?need|no need|not sure (we|i) need|don'?t see the (value|point)|"
        r"works fine (as it is|for us)|not sure what is different|what'?s the difference)\b",
        re.I,
    ),
}
_ADDRESS = re.compile(
    r"\b(understand|fair|good question|great question|that'?s why|because|difference|actually|"
    r"customers|save|saves|roi|return|discount|compared|unlike|what if|would it help)\b",
    re.I,
)


def find_objections(transcript: Sequence[Utterance]) -> list[Objection]:
    """Prospect sentences matching an objection kind; addressed when the rep's reply engages with it."""
    found: list[Objection] = []
    for i, utt in enumerate(transcript):
        if utt.speaker != "prospect":
            continue
        for sent in sentences(utt.text):
            for kind, pattern in OBJECTION_PATTERNS.items():
                if pattern.search(sent):
                    found.append(
                        Objection(kind=kind, text=sent, at_s=utt.start_s, addressed=_addressed(transcript, i))
                    )
                    break
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


# --- BANT ---------------------------------------------------------------------------------------------
BANT_PATTERNS: dict[str, re.Pattern[str]] = {
    "budget": re.compile(
        r"\b(budget\w*|price range|spend(ing)?|invest(ment)?|\$ ?\d[\d,]*|\d[\d,.]* ?(k|thousand|million) "
        r"(dollars|euros|pounds)?|(thousand|million) (dollars|euros|pounds))\b",
        re.I,
    ),
    "authority": re.compile(
        r"\b(decision[- ]?maker|(make|makes|making) the (decision|call)|decision|sign[- ]off|approv\w+|"
        r"who else is involved|head of \w+|vp|director|ceo|cfo|procurement|my boss|stakeholders?)\b",
        re.I,
    ),
    "need": re.compile(
        r"\b(problem|challenge|pain( point)?|struggl\w*|waste|wasting|lose track|bottleneck|"
        r"biggest issue|looking for|trying to (solve|fix|improve)|need to (fix|solve|improve))\b",
        re.I,
    ),
    "timeline": re.compile(
        r"\b(timeline|time ?frame|deadline|go live|roll (this|it) out|by (the )?end of|"
        r"next quarter|this quarter|"
        r"q[1-4]|within (a|\d+|one|two|three|six) (weeks?|months?)|by (january|february|march|april|may|june|"
        r"july|august|september|october|november|december))\b",
        re.I,
    ),
}


def find_bant(transcript: Sequence[Utterance]) -> Bant:
    """First evidence of each BANT element; the prospect's own words are preferred over the rep's question."""
    items: dict[str, BantItem] = {}
    for key, pattern in BANT_PATTERNS.items():
        hits = [(u, s) for u in transcript for s in sentences(u.text) if pattern.search(s)]
        pick = next(((u, s) for u, s in hits if u.speaker == "prospect"), hits[0] if hits else None)
        items[key] = BantItem(found=True, evidence=pick[1], at_s=pick[0].start_s) if pick else BantItem(False)
    return Bant(**items)


# --- communication signals --------------------------------------------------------------------------
_AGENDA = re.compile(
    r"\b(agenda|the plan (for|is)|goal (of|for) (this|today'?s) call|purpose of (this|the|today'?s) call|"
    r"what i'?d like to (cover|do) today|we'?ll cover|in the next \w+ minutes)\b",
    re.I,
)
_ACKNOWLEDGE = re.compile(
    r"\b(that makes sense|makes sense|i understand|i hear you|i see|got it|good point|great point|"
    r"that'?s helpful|thanks for sharing)\b",
    re.I,
)
_PARAPHRASE = re.compile(
    r"\b(so what i'?m hearing|if i understand( you)? correctly|so you'?re saying|it sounds like|"
    r"in other words|to make sure i understand)\b",
    re.I,
)


def find_agenda(transcript: Sequence[Utterance], within_s: float) -> Utterance | None:
    return next(
        (u for u in transcript if u.speaker == "rep" and u.start_s <= within_s and _AGENDA.search(u.text)),
        None,
    )


def listening_signals(transcript: Sequence[Utterance]) -> list[tuple[str, Utterance]]:
    """Rep acknowledgements, paraphrases and follow-up questions (a question right after the prospect)."""
    out: list[tuple[str, Utterance]] = []
    for i, u in enumerate(transcript):
        if u.speaker != "rep":
            continue
        if _PARAPHRASE.search(u.text):
            out.append(("paraphrase", u))
        elif _ACKNOWLEDGE.search(u.text):
            out.append(("acknowledgement", u))
        prev = transcript[i - 1] if i else None
        if prev is not None and prev.speaker == "prospect" and questions(u) and u.start_s - prev.end_s < 5.0:
            out.append(("follow-up question", u))
    return out


def prospect_questions(transcript: Sequence[Utterance]) -> list[tuple[Utterance, str, bool]]:
    """(utterance, question, answered): answered when the rep replies within 10 s with some substance."""
    out: list[tuple[Utterance, str, bool]] = []
    for i, u in enumerate(transcript):
        if u.speaker != "prospect":
            continue
        for q in questions(u):
            reply = next((r for r in transcript[i + 1 :] if r.speaker == "rep"), None)
            answered = bool(
                reply is not None and reply.start_s - u.end_s < 10.0 and len(words(reply.text)) >= 4
            )
            out.append((u, q, answered))
    return out


def mentions_time(text: str) -> bool:
    """A day, date or clock time: what turns "let's talk again" into a concrete next step."""
    return bool(_WHEN.search(text))
