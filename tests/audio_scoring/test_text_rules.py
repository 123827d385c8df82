"""Text rules on the ground-truth scripts (and a few hand-written sentences)."""

from __future__ import annotations

import pytest

from audio_scoring import find_bant, find_next_steps, find_objections
from audio_scoring.result import Utterance
from audio_scoring.text_rules import count_fillers, is_backchannel_text, is_question
from tests.audio_scoring.conftest import CALLS, script, truth


@pytest.mark.parametrize("name", CALLS)
def test_next_steps_found_only_where_the_script_has_them(name: str) -> None:
    steps = find_next_steps(script(name))
    assert bool(steps) is truth(name)["expect"]["next_steps"]


def test_next_step_quote_time_and_agreement() -> None:
    (step,) = find_next_steps(script("qualification_call"))
    assert "schedule a demo" in step.text and step.speaker == "rep" and step.agreed
    assert step.at_s == next(
        t["start_s"] for t in truth("qualification_call")["turns"] if "demo" in t["text"]
    )


def test_next_step_refused_is_not_agreed() -> None:
    t = [
        Utterance("rep", 0, 3, "Can we book a follow-up call on Friday?"),
        Utterance("prospect", 4, 5, "No, I can't."),
    ]
    (step,) = find_next_steps(t)
    assert not step.agreed


@pytest.mark.parametrize("name", CALLS)
def test_objections_match_the_script(name: str) -> None:
    kinds = [o.kind for o in find_objections(script(name))]
    assert kinds == truth(name)["expect"]["objections"]


def test_price_objection_is_addressed_with_quote() -> None:
    (obj,) = find_objections(script("qualification_call"))
    assert obj.kind == "price" and obj.addressed and "too expensive" in obj.text


def test_unanswered_objection_is_not_addressed() -> None:
    t = [Utterance("prospect", 0, 3, "We need to check with my boss first."), Utterance("rep", 4, 5, "Okay.")]
    (obj,) = find_objections(t)
    assert obj.kind == "authority" and not obj.addressed


@pytest.mark.parametrize("name", CALLS)
def test_bant_found_only_where_the_script_has_it(name: str) -> None:
    bant = find_bant(script(name)).to_dict()
    assert {k: v["found"] for k, v in bant.items()} == truth(name)["expect"]["bant"]


def test_bant_prefers_the_prospect_answer_as_evidence() -> None:
    bant = find_bant(script("qualification_call"))
    assert "twenty thousand dollars" in (bant.budget.evidence or "")
    assert bant.timeline.evidence == "We want to roll this out by the end of next quarter."


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [("What does your team use today", True), ("Is that right?", True), ("We use spreadsheets.", False)],
)
def test_questions(sentence: str, expected: bool) -> None:
    assert is_question(sentence) is expected


def test_fillers_and_backchannels() -> None:
    assert count_fillers("Um, I mean, we like, uh, use it. I like it.") == 4
    assert is_backchannel_text("Mm-hm, got it.") and not is_backchannel_text("Got it, but how much is it?")
