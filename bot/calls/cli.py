"""CLI commands of the calls feature (`score-call`, `reps`)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the feature's subcommands."""
