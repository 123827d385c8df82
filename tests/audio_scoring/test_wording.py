"""Spoken wording made regular for the criteria: ASR spellings, fillers, clauses, negation, and what they fix."""

from __future__ import annotations

import pytest

from audio_scoring import find_bant, find_next_steps, find_objections
from audio_scoring.result import Utterance
from audio_scoring.wording import clauses, negated, normalise


def _one(speaker: str, text: str) -> list[Utterance]:
    return [Utterance(speaker, 0.0, 3.0, text)]  # type: ignore[arg-type]


def test_normalise_restores_apostrophes_and_drops_fillers_but_keeps_let_you_know() -> None:
    assert normalise("um so i dont know if thatd get past them") == "so i don't know if that'd get past them"
    assert normalise("we're kind of tied in, you know, with them") == "we're tied in, with them"
    assert normalise("I'll let you know by Friday") == "I'll let you know by Friday"


def test_clauses_split_where_the_speaker_changes_tack() -> None:
    assert clauses("We signed with them last month so nothing's happening till spring") == (
        "We signed with them last month",
        "nothing's happening till spring",
    )
    assert clauses("between fifteen and twenty grand so far") == ("between fifteen and twenty grand so far",)


def test_negated_looks_a_few_words_back() -> None:
    text = "we're not locked into anything"
    assert negated(text, text.index("locked"))
    assert not negated("we're locked into a contract", 6)


@pytest.mark.parametrize(
    ("text", "criterion"),
    [
        # lowercase ASR without apostrophes
        ("our it department is really funny about cloud stuff so i dont know if thatd get past them", "authority"),
        ("at the end of the day its the owners call i just do the research", "authority"),
        # a past event in one clause, a plan in the next
        ("We signed with Rightmove's tool last month so nothing's happening till that runs out next spring.",
         "timeline"),
        # tentative present, not a past event
        ("so um we were thinking like maybe after easter to actually start with it", "timeline"),
        # a need in one clause, a request for material in the next
        ("Our biggest problem is the no-shows, so yes please send me that case study today.", "need"),
        ("We've got about ten grand for it, but anything over five needs the partners to sign off.", "budget"),
    ],
)
def test_criteria_found_across_asr_spelling_and_clauses(text: str, criterion: str) -> None:
    assert getattr(find_bant(_one("prospect", text)), criterion).found


@pytest.mark.parametrize(
    "text",
    [
        "We're not locked into anything, our contract is month to month.",
        "No concerns from my side, it looks really good.",
        "i'm not worried about the price honestly it's more about getting the setup right",
        "We've already got the money allocated, it's just about picking the right vendor.",
    ],
)
def test_negated_or_positive_wording_is_no_objection(text: str) -> None:
    assert not find_objections(_one("prospect", text))


@pytest.mark.parametrize(
    "text",
    [
        "Honestly the last vendor burned us, so I'm a bit wary of signing anything long-term.",
        "i mean we're pretty happy with hubspot at the moment",
        "we dont have any budget for new software until april",
        "I can't commit to anything until the franchise owner has seen it.",
    ],
)
def test_indirect_objections(text: str) -> None:
    assert find_objections(_one("prospect", text))


def test_times_of_the_vendor_or_a_meeting_are_no_timeline() -> None:
    for text in (
        "yeah the quote said delivery in about eight weeks which is fine",
        "the contract with our cleaners ends in june but that's nothing to do with this",
        "We'd love to stop paying people overtime just to reconcile timesheets at the end of the month.",
    ):
        assert not find_bant(_one("prospect", text)).timeline.found, text


def test_next_step_in_a_later_clause_and_a_loose_time_pinned_down() -> None:
    assert find_next_steps(_one("prospect", "I'm not sold yet, but send me the references and I'll call them."))
    assert find_next_steps(_one("prospect", "can you do a quick walkthrough with our managers sometime next week"))
    assert not find_next_steps(_one("rep", "We could do a demo at some point if you like."))
