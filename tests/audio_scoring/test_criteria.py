"""Criteria: stage rules, metric-only scoring, overall weighting, evidence in feedback."""

from __future__ import annotations

import pytest

from audio_scoring import ScoringError, compute_metrics, overall_score, score_criteria, stage_profile
from audio_scoring.criteria import talk_ratio_score
from audio_scoring.stages import STAGES
from tests.audio_scoring.conftest import script

REP = [(1.0, 6.7), (8.5, 11.8), (17.6, 20.7), (24.5, 26.7), (34.5, 40.4), (44.5, 48.7)]
PRO = [(7.3, 8.1), (12.7, 16.9), (21.5, 24.0), (27.7, 33.3), (41.2, 44.0), (49.4, 51.2)]


def test_qualification_call_scores_all_four_with_evidence() -> None:
    t = script("qualification_call")
    m = compute_metrics(REP, PRO, 52.0, transcript=t)
    crit = {c.name: c for c in score_criteria(m, 52.0, stage="qualification", transcript=t)}
    assert crit["Sales Process"].score == 100
    assert crit["Forward Motion"].score == 100
    assert crit["Question Handling"].score == 100  # the price objection was addressed
    assert any("agenda" in p for p in crit["Communication and Engagement"].feedback.positive)
    assert any('"' in p and ":" in p for p in crit["Forward Motion"].feedback.positive)  # quote + time
    assert sum(c.weight for c in crit.values()) == pytest.approx(1.0, abs=0.01)


def test_sales_process_applies_only_to_qualification() -> None:
    t = script("qualification_call")
    m = compute_metrics(REP, PRO, 52.0, transcript=t)
    for stage in STAGES:
        sp = next(c for c in score_criteria(m, 52.0, stage=stage, transcript=t) if c.name == "Sales Process")
        assert (sp.score is None) is (stage != "qualification")
        if sp.score is None:
            assert "qualification" in sp.summary and sp.weight == 0


def test_without_transcript_only_metrics_are_scored() -> None:
    m = compute_metrics(REP, PRO, 52.0)
    crit = score_criteria(m, 52.0, stage="discovery", no_text_reason="faster-whisper is not installed")
    assert crit[0].score is not None and crit[0].weight == 1.0
    assert all(c.score is None and "faster-whisper" in c.summary for c in crit[1:3])
    assert overall_score(crit) == crit[0].score


def test_plain_call_has_weak_forward_motion() -> None:
    t = script("plain_call")
    m = compute_metrics([(1.0, 4.4)], [(5.2, 7.5)], 24.0, transcript=t)
    crit = {c.name: c for c in score_criteria(m, 24.0, transcript=t)}
    assert crit["Forward Motion"].score == 10 and crit["Forward Motion"].feedback.negative
    assert crit["Question Handling"].score is None


def test_talk_ratio_benchmark_shape() -> None:
    general = stage_profile("general")
    assert talk_ratio_score(0.43, general) == 1.0
    assert talk_ratio_score(0.60, general) > talk_ratio_score(0.70, general)
    assert talk_ratio_score(0.70, general) < 0.5  # above 65% hurts
    assert talk_ratio_score(0.55, stage_profile("demo")) == 1.0  # the rep presents on a demo


def test_unknown_stage() -> None:
    with pytest.raises(ScoringError, match="unknown stage"):
        stage_profile("closing")
