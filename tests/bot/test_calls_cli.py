"""`leadline score-call` and `leadline reps` as a user runs them: real subprocesses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.bot.test_cli import leadline

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI in-process (a subprocess costs ~2 s of imports); `leadline` below covers the real thing."""
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse: --help and usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", [["score-call"], ["reps"], ["reps", "add"], ["reps", "list"]])
def test_every_calls_command_has_help(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, out, _ = run_main(capsys, *command, "--help")
    assert code == 0 and "usage: leadline" in out


def test_score_call_json_has_the_documented_keys() -> None:
    fixture = json.loads((AUDIO / "interrupt_call.json").read_text())
    result = leadline("score-call", str(AUDIO / "interrupt_call.wav"), "--stage", "discovery", "--rep-channel",
                      "left", "--json", "--no-transcribe")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"duration_s", "stage", "rep_channel", "model", "score", "metrics", "criteria", "next_steps",
            "objections", "bant", "transcript"} <= set(data)
    assert (data["stage"], data["rep_channel"], data["model"]) == ("discovery", "left", None)
    assert data["metrics"]["interruptions"] == fixture["interruptions"]
    assert "detecting speech..." in result.stderr


def test_score_call_prints_a_readable_scorecard(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "score-call", str(AUDIO / "plain_call.wav"), "--rep-channel", "right",
                              "--no-transcribe")
    assert code == 0, err
    assert out.startswith("Call score: ") and "/100" in out.splitlines()[0]
    for heading in ("Criteria", "Communication and Engagement", "Forward Motion", "Metrics", "Talk time"):
        assert heading in out


@pytest.mark.parametrize(("args", "code", "message"), [
    (["no-such.wav"], 2, "leadline: no such file: no-such.wav"),
    ([str(AUDIO / "plain_call.json")], 2, "leadline: cannot score"),
    ([str(AUDIO / "plain_call.wav"), "--stage", "lunch"], 2, "invalid choice"),
])
def test_score_call_refuses_bad_input(capsys: pytest.CaptureFixture[str], args: list[str], code: int,
                                      message: str) -> None:
    returned, _, err = run_main(capsys, "score-call", *args, "--no-transcribe")
    assert returned == code
    assert message in err and "Traceback" not in err


@pytest.mark.sqlite
def test_reps_add_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"LEADLINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'reps.db'}"}
    added = leadline("reps", "add", "--name", "Alex Rep", "--email", "Alex@Example.com", "--phone",
                     "+1 (555) 777-0001", "--slack-user", "u024be7lh", "--role", "ae", env=env)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added rep #1: Alex Rep"
    monkeypatch.setenv("LEADLINE_DATABASE_URL", env["LEADLINE_DATABASE_URL"])
    monkeypatch.chdir(tmp_path)
    assert run_main(capsys, "reps", "add", "--name", "Bea", "--phone", "+15557770002")[0] == 0

    code, _, err = run_main(capsys, "reps", "add", "--name", "Copy", "--phone", "+15557770001")
    assert code == 2 and err.strip() == "leadline: rep #1 (Alex Rep) already has that phone"
    code, _, err = run_main(capsys, "reps", "add", "--name", "Bad", "--phone", "555-0100")
    assert code == 2 and err.startswith("leadline: --phone '555-0100' is not an international")
    code, _, err = run_main(capsys, "reps", "add", "--name", "Bad", "--slack-user", "#general")
    assert code == 2 and "not a Slack user ID" in err

    listed = leadline("reps", "list", env=env)
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "EMAIL", "PHONE", "SLACK", "ROLE"]
    assert "+15557770001" in lines[1] and "U024BE7LH" in lines[1] and "alex@example.com" in lines[1]
    as_json = json.loads(run_main(capsys, "reps", "list", "--json")[1])
    assert [r["name"] for r in as_json] == ["Alex Rep", "Bea"]
    assert as_json[1] == {"id": 2, "name": "Bea", "email": None, "phone": "+15557770002", "slack_user": None,
                          "role": None}


def test_score_call_reads_an_mp3_like_its_wav(capsys: pytest.CaptureFixture[str]) -> None:
    """plain_call.mp3 is plain_call.wav encoded by sox (tests/fixtures/audio/make_calls.py)."""
    mp3 = leadline("score-call", str(AUDIO / "plain_call.mp3"), "--rep-channel", "right", "--json",
                   "--no-transcribe")
    assert mp3.returncode == 0, mp3.stderr
    code, out, err = run_main(capsys, "score-call", str(AUDIO / "plain_call.wav"), "--rep-channel", "right",
                              "--json", "--no-transcribe")
    assert code == 0, err
    from_mp3, from_wav = json.loads(mp3.stdout)["metrics"], json.loads(out)["metrics"]
    # MP3 decoding adds ~0.17 s of encoder padding at the start; the talk is the same.
    for key in ("rep_talk_s", "prospect_talk_s", "longest_monologue_s"):
        assert from_mp3[key] == pytest.approx(from_wav[key], abs=0.4), key
    assert from_mp3["talk_ratio"] == pytest.approx(from_wav["talk_ratio"], abs=0.02)
    assert from_mp3["interruptions"] == from_wav["interruptions"]
