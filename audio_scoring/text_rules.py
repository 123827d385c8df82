"""Rules over the speaker-attributed transcript: questions, fillers, next steps, objections, BANT.

Plain regular expressions, deliberately: they are explainable (every hit carries the quote and time it
came from), fast, and testable on text alone. Whisper tiny on phone audio drops some punctuation, so a
question is recognised by its opening words as well as by a question mark.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from audio_scoring import time_phrases
from audio_scoring.result import NextStep, Utterance
from audio_scoring.wording import clauses, normalise

# A period between digits ("1.5k", "9.30") does not end a sentence.
_SENTENCE = re.compile(r"(?:[^.?!]|(?<=\d)\.(?=\d))+[.?!]?")
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
# Someone commits to or proposes a future action: "I'll", "let's", "can we", "how about", "would Tuesday
# work", or an imperative ("send me the contract", "book me in").
_PROPOSE = re.compile(
    r"\b(i'?ll(?! be\b)|i will(?! be\b)|we'?ll(?! be\b)|we will(?! be\b)|let'?s|let me|shall we|can we|"
    r"could we|should we|how about|what about|what if (i|we)|would [\w:' ]{1,40}? work|"
    r"does [\w:' ]{1,40}? work|i'?m going to|we'?re going to|go ahead and|can you|could you|"
    r"next steps? (is|are|would be|will be)|put me down|book me|pencil (me|us|it) in|why don'?t (you|we|i)|"
    r"(my|our|the) plan is to|i'?m planning to|i'?m gonna|we'?re gonna|(?:we|i) can(?!'t| not)|"
    r"(?:i|we)'?d like to)\b",
    re.I,
)
_IMPERATIVE = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|great|so|and|then|sure|yes|yeah|perfect|alright|right|please|just)\W+)*"
    r"(send|email|e-mail|set up|book|put|schedule|forward|shoot|pencil|loop|text|get|pop|stick|drop|grab|fire|"
    r"whack|chuck|throw)\b",
    re.I,
)
_DELIVERABLE = (
    r"(?:demo|trial|pilot|proposal|quote|contract|order form|paperwork|agreement|pricing|deck|case stud(?:y|ies)|"
    r"calculator|questionnaire|summary|recap|training|onboarding|workshop|walkthrough|costing|estimate|"
    r"breakdown|references|trial login|calendar invite|site visit|survey)"
)
# Asking the other side to do something: a support request ("can you send the login to...") unless it
# is about the deal ("can you send over a quote by end of day?").
_REQUEST = re.compile(r"^\W*(?:\w+\W+){0,2}?(can|could|would) you\b", re.I)
# Actions that move the deal on by themselves.
_CONCRETE = re.compile(
    r"\b(send|sending (?:you|over|it|them)|e-?mail (?:you|me|it|them|over|the|a)|forward|text (you|me)|share|"
    r"book\w*|schedul\w*|set up|put (a|an|the|it)|pencil|invite|introduce|intro|draft|pull together|prepare|"
    r"sign\w*|kick ?off|put together|get (?:it|this|that|them|something) (?:over )?to you|loop(?:ing)? in|"
    r"bring in|rope in|(?:mock|write|draw|work|knock|sketch) up|mock-up|"
    r"drop (?:you|me|them) (?:an? )?(?:email|e-mail|line|note|text|message)|"
    rf"{_DELIVERABLE})\b",
    re.I,
)
# Actions that need a time to be a next step: "I'll get back to you" alone is a stall.
_NEEDS_TIME = re.compile(
    r"\b(call|ring|meet|meeting|talk|speak|chat|get back|come back|back to you|follow up|check in|check-in|"
    r"reconvene|regroup|pick (this|it) up|review|go over|catch up|touch base|connect|get \w+( \w+)? on "
    r"(the phone|a call)|grab|session|slot|sync|look|(?:jump|hop) on|visit|measure|follow-up|diary|calendar|"
    r"walk (?:you|them|us) through|go through|run (?:it|this|that) (?:past|by)|check with|"
    r"give (?:you|me|them) a (?:ring|call|bell|shout|buzz)|"
    r"(?:team|engineer|someone|somebody|surveyor|installer|fitter|crew) (?:out|over|round))\b",
    re.I,
)
_WINDOW_WORDS = 10
_VAGUE = re.compile(r"\b(whenever|if you ever|if we ever|feel free|anytime)\b", re.I)
# Vague unless a day or time pins it: "sometime next week" is a plan, "at some point" is not.
_LOOSE = re.compile(r"\b(sometime|some time|at some point)\b", re.I)
_AGREE = re.compile(
    r"\b(yes|yeah|sure|sounds good|works for (me|us)|that works|perfect|great|let'?s do (it|that)|"
    r"absolutely|of course|deal|see you|looking forward|okay|ok)\b",
    re.I,
)
_REFUSE = re.compile(r"\b(no|not|can'?t|cannot|won'?t|don'?t)\b", re.I)


def is_next_step(sentence: str) -> bool:
    """A commitment to a concrete action, or to a vaguer one ("call", "regroup") with a day or time.

    The action must follow the commitment closely: in "let me walk you through how the dashboard works,
    and the weekly summary lands in your inbox" nothing is promised. Each clause may open with its own
    imperative: "I'm not sold yet, but send me the references".
    """
    text = normalise(sentence)
    if _VAGUE.search(text) or (_LOOSE.search(text) and not time_phrases.mentions_time(text)):
        return False
    if _REQUEST.search(text) and not re.search(rf"\b{_DELIVERABLE}\b", text, re.I):
        action = _CONCRETE.search(text) or _NEEDS_TIME.search(text)
        return bool(action and time_phrases.mentions_time(text))
    starts = [m.start() for m in _PROPOSE.finditer(text)]
    offset = 0
    for clause in clauses(text):
        offset = text.find(clause, offset)
        starts += [offset + m.start(1) for m in [_IMPERATIVE.search(clause)] if m]
    for start in starts:
        window = " ".join(text[start:].split()[:_WINDOW_WORDS])
        if _CONCRETE.search(window):
            return True
        if _NEEDS_TIME.search(window) and time_phrases.mentions_time(text):
            return True
    return False


def find_next_steps(transcript: Sequence[Utterance]) -> list[NextStep]:
    """Sentences that propose a concrete follow-up.

    ``agreed`` is set when the other party answers within their next utterance with agreement.
    """
    found: list[NextStep] = []
    for i, utt in enumerate(transcript):
        for sent in sentences(utt.text):
            if not is_next_step(sent):
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


def mentions_time(text: str) -> bool:
    """A day, date or clock time: what turns "let's talk again" into a concrete next step."""
    return time_phrases.mentions_time(text)

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

