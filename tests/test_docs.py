"""The docs cover every setting and every CLI command: keeps README and docs honest."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.settings import Settings, setting_names

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
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{name}`")), None)
        assert row is not None, f"{name} missing from a settings table"
        if default not in ("", None):
            shown = str(default).lower() if isinstance(default, bool) else str(default)
            assert shown in row, f"{name}: default {shown!r} not in {row!r}"


def test_documented_settings_exist() -> None:
    names = set(setting_names())
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
