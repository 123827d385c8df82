"""A clean environment for tests: Settings come from the test, never from the developer's shell or `.env`.

pydantic-settings reads every Settings field from `LEADLINE_<NAME>` or its old bare name (any case) and
from `.env` in the working directory, so a shell with `BUSINESS_HOURS` exported, or a `.env` at the root of
the checkout, would change what the app under test does; any other `LEADLINE_*` variable would make
`leadline` report an unknown setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from bot.settings import ENV_PREFIX, setting_names

SETTING_VARIABLES = frozenset(name.lower() for name in setting_names())


def is_setting(name: str) -> bool:
    return name.lower() in SETTING_VARIABLES or name.lower().startswith(ENV_PREFIX.lower())


def subprocess_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a `leadline` subprocess: this process's, with no setting but those in `extra`."""
    env = {name: value for name, value in os.environ.items() if not is_setting(name)}
    env.update(extra or {})
    return env
