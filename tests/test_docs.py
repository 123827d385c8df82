"""The docs cover every setting and every CLI command: keeps README, docs and `.env.example` honest."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.settings import Settings, env_name, setting_names

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG_DOC = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", setting_names())
def test_every_setting_is_documented_with_its_default(name: str) -> None:
    field = Settings.model_fields[name.lower()]
    default = field.default
    if hasattr(default, "get_secret_value"):
        default = default.get_secret_value()
    for doc in (README, CONFIG_DOC):
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{env_name(name)}`")), None)
        assert row is not None, f"{name} missing from a settings table"
        if default not in ("", None):
            shown = str(default).lower() if isinstance(default, bool) else str(default)
            assert shown in row, f"{name}: default {shown!r} not in {row!r}"


def test_documented_settings_exist() -> None:
    names = {env_name(name) for name in setting_names()}
    for doc in (README, CONFIG_DOC):
        for line in doc.splitlines():
            if line.startswith("| `") and line.count("|") >= 4:
                documented = line.split("`")[1]
                if documented.isupper():
                    assert documented in names, f"docs mention unknown setting {documented}"


def test_readme_names_every_cli_command() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for command in sub.choices:  # type: ignore[union-attr]
        assert f"leadline {command}" in README, f"README does not mention `leadline {command}`"


def test_readme_first_screen_has_the_two_commands() -> None:
    first_screen = "\n".join(README.splitlines()[:40])
    assert "make run" in first_screen and "make test" in first_screen


def test_settings_tables_are_current() -> None:
    from bot.settings import markdown_table

    for doc in (README, CONFIG_DOC):
        assert markdown_table() in doc, "regenerate the settings table: bot.settings.markdown_table()"


def test_env_example_is_current() -> None:
    from bot.settings import env_example

    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert example == env_example(), "regenerate .env.example: bot.settings.env_example()"


def test_env_example_sets_every_setting_to_its_default(tmp_path: Path) -> None:
    """Uncommented, `.env.example` is a valid `.env` that changes nothing."""
    from bot.config_report import name_notices
    from bot.settings import load_settings

    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assignments = [line.removeprefix("# ") for line in example.splitlines() if line.startswith("# LEADLINE_")]
    assert [line.split("=", 1)[0] for line in assignments] == [env_name(name) for name in setting_names()]
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join(assignments) + "\n", encoding="utf-8")
    assert name_notices({}, env_file) == []
    loaded = load_settings(_env_file=env_file)
    assert loaded.model_dump() == load_settings(_env_file=None).model_dump()
