"""The package arrows point one way: bot -> analytics, bot -> audio_scoring. Never back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "analytics": ("bot", "audio_scoring", "twilio", "slack_bolt", "slack_sdk", "aiohttp.web"),
    "audio_scoring": ("bot", "analytics", "twilio", "slack_bolt", "slack_sdk", "aiohttp", "sqlmodel",
                      "sqlalchemy"),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from aiohttp import web` is aiohttp.web too.
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def violations(package: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for lineno, module in imported_modules(path):
            for banned in FORBIDDEN[package]:
                if module == banned or module.startswith(banned + "."):
                    bad.append(f"{path.relative_to(ROOT)}:{lineno} imports {module}")
    return bad


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package: str) -> None:
    assert violations(package) == []


def test_checker_catches_a_backward_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("from aiohttp import web\nimport bot.app\n")
    modules = [m for _, m in imported_modules(sample)]
    assert "aiohttp.web" in modules and "bot.app" in modules
