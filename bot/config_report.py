"""What Leadline says about its configuration at start, so that nothing set is silently ignored.

- a `.env` key that is no setting (a misspelling gets "did you mean"), and a `LEADLINE_*` variable of the
  environment that is no setting; other environment variables (PATH, HOME, ...) are none of ours;
- an old bare name (`PORT`) that still works but should be `LEADLINE_PORT`;
- a setting given more than once, and which one wins (the environment over `.env`; within one source
  the `LEADLINE_` name over the old one; in `.env`, the last line);
- settings that cannot work together (Twilio without `PUBLIC_BASE_URL`).

Lines name settings, never values: values may be secrets.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv.parser import parse_stream

from bot.settings import ENV_PREFIX, Settings, SettingsError, env_name

_PREFIX = ENV_PREFIX.lower()


@dataclass(frozen=True)
class Entry:
    """One name as written (None: a line that is no assignment), and where: `the environment`, `.env line 3`."""

    name: str | None
    where: str
    in_env_file: bool


def env_file_entries(path: Path) -> list[Entry]:
    """The assignments of a `.env` file, in order, and each line it cannot parse (name None).

    Raises SettingsError when the file exists but cannot be read (permissions, not UTF-8)."""
    if not path.is_file():
        return []
    try:
        with path.open(encoding="utf-8") as stream:
            bindings = list(parse_stream(stream))
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError([f"cannot read {path}: {type(exc).__name__}: {exc}"]) from None
    return [Entry(None if binding.error else binding.key, f"{path} line {binding.original.line}", True)
            for binding in bindings if binding.error or binding.key is not None]


def _field_of(name: str, fields: Iterable[str]) -> tuple[str | None, bool]:
    """The setting a name sets, and whether it is the old bare name."""
    lower = name.lower()
    known = set(fields)
    if lower.startswith(_PREFIX) and lower[len(_PREFIX):] in known:
        return lower[len(_PREFIX):], False
    if lower in known:
        return lower, True
    return None, False


def did_you_mean(name: str, fields: Iterable[str]) -> str | None:
    """The setting a misspelt name most likely means: `LEADLINE_TIMEZOME`, `TIMEZOME` and `LEADLNE_TIMEZONE`
    all mean `LEADLINE_TIMEZONE`. Names are compared without the prefix, which would make any two alike."""
    fields = list(fields)
    lower = name.lower()
    head, _, rest = lower.partition("_")
    if lower.startswith(_PREFIX):
        spelling = lower[len(_PREFIX):]
    elif rest and difflib.SequenceMatcher(None, head, _PREFIX.rstrip("_")).ratio() >= 0.8:
        spelling = rest
    else:
        spelling = lower
    match = difflib.get_close_matches(spelling, fields, n=1, cutoff=0.8)
    return env_name(match[0]) if match else None


def name_notices(environ: Mapping[str, str], env_file: Path) -> list[str]:
    """One line for each name that is unknown, old, or overridden (see the module's docstring)."""
    fields = list(Settings.model_fields)
    env_entries = [Entry(name, "the environment", False) for name in environ
                   if name.lower().startswith(_PREFIX) or name.lower() in fields]
    lines: list[str] = []
    given: dict[str, list[tuple[bool, Entry]]] = {}
    for entry in [*env_entries, *env_file_entries(env_file)]:
        if entry.name is None:
            lines.append(f"{entry.where}: cannot parse this line (ignored); expected NAME=value")
            continue
        field, old = _field_of(entry.name, fields)
        if field is None:
            line = f"{entry.where}: unknown setting {entry.name} (ignored)"
            if suggestion := did_you_mean(entry.name, fields):
                line += f"; did you mean {suggestion}?"
            lines.append(line)
            continue
        if old:
            lines.append(f"{entry.where}: {entry.name} is the old name of {env_name(field)}; rename it "
                         "(old names still work, but will stop working in a later version)")
        given.setdefault(field, []).append((old, entry))
    for field, entries in given.items():
        if len(entries) > 1:
            winner = _winner(entries)
            losers = ", ".join(f"{e.name} ({e.where})" for _, e in entries if e is not winner)
            lines.append(f"{env_name(field)} is set more than once: {winner.name} ({winner.where}) is used; "
                         f"ignored: {losers}")
    return lines


def _winner(entries: list[tuple[bool, Entry]]) -> Entry:
    """pydantic-settings' order: the environment before `.env`; the prefixed name before the old one; in
    `.env`, the last line of a name (python-dotenv keeps the last)."""
    def rank(item: tuple[int, tuple[bool, Entry]]) -> tuple[int, int, int]:
        index, (old, entry) = item
        return (int(entry.in_env_file), int(old), -index if entry.in_env_file else index)

    return min(enumerate(entries), key=rank)[1][1]


def startup_warnings(settings: Settings) -> list[str]:
    """Settings that each look fine but cannot work together; said when `leadline serve` starts."""
    lines = []
    if settings.twilio_configured and not settings.public_base_url:
        callbacks = (f"status callbacks go to {settings.callback_base_url}/twilio/status"
                     if settings.callback_base_url
                     else "texts are sent without a status callback (delivery is not tracked)")
        name = env_name("public_base_url")
        lines.append(
            f"{name} is empty while Twilio is configured: webhook signatures are checked against "
            f"{settings.base_url}, and Twilio signs the URL it calls, so its webhooks are refused (403) unless "
            f"it calls exactly that; {callbacks}. Set {name} to the https URL Twilio reaches Leadline at, "
            "e.g. https://leadline.example.com")
    return lines
