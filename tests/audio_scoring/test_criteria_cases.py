"""The text criteria on ordinary wording: the labelled lines of data/criteria_cases.csv and the issue's calls."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from audio_scoring import find_bant, find_next_steps, find_objections
from audio_scoring.result import Utterance

CASES = Path(__file__).resolve().parent / "data" / "criteria_cases.csv"
COLUMNS = ("budget", "authority", "need", "timeline", "next_step", "objection")
THRESHOLD = 0.9


def _rows() -> list[dict[str, str]]:
    with CASES.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _predict(speaker: str, text: str) -> dict[str, bool]:
    transcript = [Utterance(speaker, 0.0, 3.0, text)]  # type: ignore[arg-type]
    bant = find_bant(transcript)
    return {
        "budget": bant.budget.found,
        "authority": bant.authority.found,
        "need": bant.need.found,
        "timeline": bant.timeline.found,
        "next_step": bool(find_next_steps(transcript)),
        "objection": bool(find_objections(transcript)),
    }


def test_the_labelled_set_is_well_formed() -> None:
    rows = _rows()
    assert {r["speaker"] for r in rows} == {"rep", "prospect"}
    assert {r["split"] for r in rows} == {"dev", "holdout", "fresh", "unseen", "blind", "later"}
    assert all(r[c] in ("0", "1") for r in rows for c in COLUMNS)
    assert len({r["id"] for r in rows}) == len({r["text"] for r in rows}) == len(rows)
    written_first = [r for r in rows if r["split"] in ("dev", "holdout")]
    assert sum(r["split"] == "holdout" for r in written_first) >= len(written_first) / 3
    for column in COLUMNS:  # every criterion has real positives and negatives, rep lines among them
        positives = sum(r[column] == "1" for r in rows)
        assert positives >= 35 and len(rows) - positives >= 40
    assert not any(r[c] == "1" for r in rows if r["speaker"] == "rep" for c in COLUMNS if c != "next_step")


@pytest.fixture(scope="module")
def predictions() -> list[tuple[dict[str, str], dict[str, bool]]]:
    return [(row, _predict(row["speaker"], row["text"])) for row in _rows()]


@pytest.mark.parametrize("column", COLUMNS)
def test_precision_and_recall_on_the_labelled_set(
    column: str, predictions: list[tuple[dict[str, str], dict[str, bool]]]
) -> None:
    tp = sum(row[column] == "1" and got[column] for row, got in predictions)
    fp = sum(row[column] == "0" and got[column] for row, got in predictions)
    fn = sum(row[column] == "1" and not got[column] for row, got in predictions)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= THRESHOLD and recall >= THRESHOLD, f"{column}: P={precision:.3f} R={recall:.3f}"


def _call(*turns: tuple[str, str]) -> list[Utterance]:
    return [Utterance(speaker, 4.0 * i, 4.0 * i + 3.0, text) for i, (speaker, text) in enumerate(turns)]  # type: ignore[arg-type]


def test_issue_qualification_call_timeline_in_ordinary_words() -> None:
    call = _call(
        ("rep", "When would you want to have something in place?"),
        ("prospect", "We'd want it live before our busy season in March."),
    )
    bant = find_bant(call)
    assert bant.timeline.found and bant.timeline.evidence == "We'd want it live before our busy season in March."


def test_issue_support_call_has_no_buying_need() -> None:
    call = _call(
        ("rep", "Thanks for calling support, sorry you're having a problem. What are you trying to fix today?"),
        ("prospect", "I need you to fix this invoice."),
        ("rep", "I need to pull up your account first, one moment."),
        ("prospect", "The problem is it says we owe four hundred dollars and we already paid in March."),
        ("prospect", "I'm looking for the receipt, my manager has to approve the expense by Friday."),
    )
    assert find_bant(call).covered == 0
    assert find_objections(call) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "We'd want it live before our busy season in March.",
        "We need everyone on it by end of Q2.",
        "We're hoping to decide in the next few weeks.",
        "Once the contract with Aircall ends we can switch.",
        "Our renewal comes up in the fall, so that's our window.",
        "Ideally before the new fiscal year.",
    ],
)
def test_timeline_as_month_quarter_season_deadline_event_or_relative_time(sentence: str) -> None:
    assert find_bant(_call(("prospect", sentence))).timeline.found


@pytest.mark.parametrize(
    "sentence",
    [
        "I was born in March.",
        "We switched CRMs last March and it was painful.",
        "You said it would be fixed by Friday.",
        "If we ever grow past fifty reps we might look at it.",
    ],
)
def test_dates_that_are_not_timelines(sentence: str) -> None:
    assert not find_bant(_call(("prospect", sentence))).timeline.found


@pytest.mark.parametrize(
    ("speaker", "sentence", "need"),
    [
        ("prospect", "We need a better way to see which leads nobody has answered.", True),
        ("prospect", "Our reps waste hours every week logging calls by hand.", True),
        ("prospect", "I need you to fix this invoice.", False),  # support request
        ("prospect", "Your app keeps logging me out, it's really frustrating.", False),  # complaint
        ("prospect", "I need a refund for the second seat.", False),
        ("rep", "A lot of teams need a better way to track follow-ups.", False),  # the rep's own words
    ],
)
def test_need_is_a_buying_need_of_the_prospect(speaker: str, sentence: str, need: bool) -> None:
    assert find_bant(_call((speaker, sentence))).need.found is need


def test_a_rep_paraphrase_counts_only_when_the_prospect_confirms_it() -> None:
    question = ("rep", "So you'd want your team live before the busy season in March?")
    confirmed = find_bant(_call(question, ("prospect", "Yes, exactly.")))
    assert confirmed.timeline.found and confirmed.timeline.evidence == question[1]
    assert not find_bant(_call(question, ("prospect", "No, not really, there's no date."))).timeline.found
    assert not find_bant(_call(question)).timeline.found
    pitch = ("rep", "Most teams go live before their busy season in March.")  # a statement, not a question
    assert not find_bant(_call(pitch, ("prospect", "Yes."))).timeline.found


@pytest.mark.parametrize(
    ("speaker", "sentence"),
    [
        ("rep", "I'll send the proposal Friday."),
        ("rep", "Let's book 30 minutes Tuesday."),
        ("prospect", "Send me the contract and I'll get it signed this week."),
        ("rep", "I'll send over the case study and the ROI calculator."),
    ],
)
def test_next_steps_with_a_time_or_an_action(speaker: str, sentence: str) -> None:
    assert find_next_steps(_call((speaker, sentence)))


@pytest.mark.parametrize(
    "sentence",
    ["I sent the proposal on Friday.", "Feel free to reach out whenever.", "I'll be honest with you."],
)
def test_no_next_step_in_past_or_vague_words(sentence: str) -> None:
    assert not find_next_steps(_call(("rep", sentence)))


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("That's more than we budgeted.", "price"),
        ("We're already using Gong for that.", "competitor"),
        ("We just signed a two-year deal with Dialpad.", "competitor"),
        ("This quarter is slammed, I can't take on a new rollout.", "timing"),
        ("I'd have to run it by our CFO before we sign anything.", "authority"),
        ("Honestly the spreadsheet does the job for now.", "competitor"),
    ],
)
def test_objections_phrased_indirectly(sentence: str, kind: str) -> None:
    assert [o.kind for o in find_objections(_call(("prospect", sentence)))] == [kind]


@pytest.mark.parametrize(
    ("speaker", "sentence"),
    [
        ("prospect", "We're already using your app every day and the team loves it."),
        ("prospect", "Our old provider was too expensive, that's why we're talking to you."),
        ("prospect", "The app crashed again when I tried to export."),
        ("rep", "A lot of people worry it's expensive, but it pays for itself quickly."),
    ],
)
def test_not_objections(speaker: str, sentence: str) -> None:
    assert not find_objections(_call((speaker, sentence)))
