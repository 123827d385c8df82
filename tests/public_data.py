"""Where the public development sets are (`shared/data/` beside the repository; README "Tests").

Tests that measure accuracy on public data (TweetEval, ami-dev) find it through `public_data()`. The set
is not part of the repository: `SHARED_DATA_DIR` names its folder, else `../shared/data` beside the
checkout is used. Without it those tests skip with the reason, unless `REQUIRE_PUBLIC_DATA=1` (as in CI
whenever the data is on the machine), which makes a missing set a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def data_root() -> Path:
    return Path(os.environ.get("SHARED_DATA_DIR") or REPO.parent / "shared" / "data")


def public_data(*parts: str, marker: str = "README.md") -> Path:
    """The folder `shared/data/<parts>`; skips (or fails when required) if `marker` is not in it."""
    folder = data_root().joinpath(*parts)
    if not (folder / marker).is_file():
        reason = f"public data set missing: {folder} (set SHARED_DATA_DIR)"
        if os.environ.get("REQUIRE_PUBLIC_DATA") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return folder
