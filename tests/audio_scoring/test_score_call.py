"""score_call end to end: real VAD, real transcription of a fixture, the JSON shape, and degraded modes."""

from __future__ import annotations

import json
import pickle

import pytest

from audio_scoring import ScoringError, score_call
from audio_scoring import score as score_module
from tests.audio_scoring.conftest import AUDIO, truth

pytestmark = pytest.mark.audio

METRIC_KEYS = {
    "rep_talk_s",
    "prospect_talk_s",
    "talk_ratio",
    "longest_monologue_s",
    "longest_customer_story_s",
    "interruptions",
    "patience_s",
    "switches_per_min",
    "silence_share",
    "rep_wpm",
    "rep_questions",
    "question_rate_per_10min",
    "filler_per_min",
}
TOP_KEYS = {
    "duration_s",
    "stage",
    "rep_channel",
    "model",
    "score",
    "metrics",
    "criteria",
    "next_steps",
    "objections",
    "bant",
    "transcript",
}


@pytest.fixture(scope="module")
def qualification() -> dict:
    pytest.importorskip("faster_whisper")
    seen: list[str] = []
    result = score_call(
        AUDIO / "qualification_call.wav", stage="qualification", device="cpu", progress=seen.append
    )
    assert seen == ["decoding audio", "detecting speech", "transcribing", "scoring"]
    pickle.loads(pickle.dumps(result))  # noqa: S301 - crosses a process-pool boundary
    return json.loads(result.to_json())


def test_json_has_every_documented_key(qualification: dict) -> None:
    assert TOP_KEYS <= qualification.keys()
    assert set(qualification["metrics"]) == METRIC_KEYS
    assert set(qualification["metrics"]["interruptions"]) == {"by_rep", "by_prospect"}
    assert [c["name"] for c in qualification["criteria"]] == [
        "Communication and Engagement",
        "Forward Motion",
        "Question Handling",
        "Sales Process",
    ]
    for c in qualification["criteria"]:
        assert {"name", "score", "summary", "feedback"} <= c.keys()
        assert set(c["feedback"]) == {"positive", "negative"}
    assert set(qualification["bant"]) == {"budget", "authority", "need", "timeline"}
    assert all(set(v) == {"found", "evidence", "at_s"} for v in qualification["bant"].values())
    u = qualification["transcript"][0]
    assert set(u) == {"speaker", "start_s", "end_s", "text"} and u["speaker"] == "rep"


def test_transcribed_qualification_call_finds_next_step_objection_and_bant(qualification: dict) -> None:
    assert qualification["model"] and qualification["score"] is not None
    assert qualification["next_steps"] and qualification["next_steps"][0]["at_s"] == pytest.approx(
        44.0, abs=1.5
    )
    assert [o["kind"] for o in qualification["objections"]] == ["price"]
    assert sum(v["found"] for v in qualification["bant"].values()) >= 3
    assert all(c["score"] is not None for c in qualification["criteria"])
    assert qualification["metrics"]["rep_talk_s"] == pytest.approx(
        truth("qualification_call")["rep_talk_s"], rel=0.05
    )
    speakers = {u["speaker"] for u in qualification["transcript"]}
    assert speakers == {"rep", "prospect"}


def test_metrics_only_mp3_with_rep_on_the_right() -> None:
    result = score_call(AUDIO / "plain_call.mp3", rep_channel="right", transcribe=False).to_dict()
    t = truth("plain_call")
    assert result["model"] is None and result["transcript"] == []
    # MP3 encoder padding shifts and smears a little; still close to the truth.
    assert result["metrics"]["rep_talk_s"] == pytest.approx(t["rep_talk_s"], rel=0.08)
    assert result["metrics"]["rep_wpm"] is None
    assert result["criteria"][0]["score"] is not None
    assert all(c["score"] is None for c in result["criteria"][1:])


def test_without_faster_whisper_text_criteria_say_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(score_module, "whisper_available", lambda: False)
    result = score_call(AUDIO / "interrupt_call.wav", stage="discovery")
    assert result.model is None and not result.text_scored
    assert result.metrics.interruptions.to_dict() == truth("interrupt_call")["interruptions"]
    assert "not installed" in result.criteria[1].summary and result.criteria[1].score is None
    assert result.score == result.criteria[0].score


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"stage": "closing"}, "stage"), ({"rep_channel": "middle"}, "rep_channel")]
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ScoringError, match=match):
        score_call(AUDIO / "plain_call.wav", **kwargs)


def test_missing_model_directory_is_a_scoring_error(tmp_path) -> None:
    pytest.importorskip("faster_whisper")
    with pytest.raises(ScoringError, match="model"):
        score_call(AUDIO / "plain_call.wav", model=str(tmp_path / "nope"), device="cpu")
