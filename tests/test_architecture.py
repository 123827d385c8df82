"""The shape of the code, checked: arrows point one way (bot -> analytics, bot -> audio_scoring, never back);
bot/slack and bot/twilio do not import each other; bot/ builds no SQL; no module is over 400 lines; the
README's "How it is built" names every folder."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "analytics": ("bot", "audio_scoring", "twilio", "slack_bolt", "slack_sdk", "aiohttp.web"),
    "audio_scoring": ("bot", "analytics", "twilio", "slack_bolt", "slack_sdk", "aiohttp", "sqlmodel",
                      "sqlalchemy"),
    # The two adapters meet through the outbox (bot/outbox/kinds.py), never directly.
    "bot/slack": ("bot.twilio",),
    "bot/twilio": ("bot.slack",),
}

# bot/ calls analytics functions; the only SQLAlchemy it may name is the session type in signatures.
SQL_MODULES = ("sqlalchemy", "sqlmodel")
SQL_TYPES_ONLY = ("sqlalchemy.ext.asyncio",)
SQL_BUILDERS = frozenset({"select", "insert", "update", "delete", "text"})
STATEMENT_RUNNERS = frozenset({"execute", "scalar", "scalars", "exec_driver_sql"})
ORM_SESSION_CALLS = frozenset({"get", "add", "add_all", "delete", "merge", "flush", "refresh"})

MAX_LINES = 400
CODE_PACKAGES = ("analytics", "audio_scoring", "bot")
# TEMPORARY, issue 15: these two are being split on the branch arch-analytics. Remove this allowance once that
# branch is merged (the test below fails while an entry is no longer needed).
OVERSIZED_UNTIL_ARCH_ANALYTICS_MERGE = frozenset({"analytics/kpi/engine.py", "bot/slack/question.py"})


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


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def violations(package: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for lineno, module in imported_modules(path):
            for banned in FORBIDDEN[package]:
                if _within(module, banned):
                    bad.append(f"{path.relative_to(ROOT)}:{lineno} imports {module}")
    return bad


def sql_in(path: Path) -> list[str]:
    """Where a module imports SQLAlchemy beyond the session type, builds a statement or runs one."""
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    found = []
    for lineno, module in imported_modules(path):
        if any(_within(module, m) for m in SQL_MODULES) and not any(
                _within(module, allowed) for allowed in SQL_TYPES_ONLY):
            found.append(f"{where}:{lineno} imports {module}")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in SQL_BUILDERS:
            found.append(f"{where}:{node.lineno} builds SQL with {func.id}(...)")
        elif isinstance(func, ast.Attribute) and func.attr in STATEMENT_RUNNERS:
            found.append(f"{where}:{node.lineno} runs a statement with .{func.attr}(...)")
        elif (isinstance(func, ast.Attribute) and func.attr in ORM_SESSION_CALLS
              and isinstance(func.value, ast.Name) and func.value.id == "session"):
            found.append(f"{where}:{node.lineno} reads or writes rows with session.{func.attr}(...)")
    return found


def oversized() -> dict[str, int]:
    sizes = {}
    for package in CODE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                sizes[str(path.relative_to(ROOT))] = lines
    return sizes


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package: str) -> None:
    assert violations(package) == []


def test_checker_catches_a_backward_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("from aiohttp import web\nimport bot.app\nfrom bot import twilio\n")
    modules = [m for _, m in imported_modules(sample)]
    assert "aiohttp.web" in modules and "bot.app" in modules and "bot.twilio" in modules


def test_bot_builds_and_runs_no_sql() -> None:
    """Queries live in analytics modules named for what they store; bot/ calls them."""
    assert [line for path in sorted((ROOT / "bot").rglob("*.py")) for line in sql_in(path)] == []


def test_sql_checker_catches_statements_but_not_lookalikes(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text(
        "from sqlalchemy import select as pick\n"
        "from sqlalchemy.dialects.sqlite import insert\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "insert(T)\n"
        "update(T)\n"
        "text('SELECT 1')\n"
        "delete(T)\n"
        "await session.execute(q)\n"
        "session.add(row)\n"
        # Plain Python that only looks like SQL: list/dict methods, other receivers, other names.
        "paths.insert(0, p)\n"
        "counts.update(other)\n"
        "mirrored_text(body)\n"
        "await http.get(url)\n"
    )
    found = sorted(line.split(" ", 1)[1] for line in sql_in(sample))
    assert found == sorted([
        "imports sqlalchemy", "imports sqlalchemy.select", "imports sqlalchemy.dialects.sqlite",
        "imports sqlalchemy.dialects.sqlite.insert", "builds SQL with insert(...)", "builds SQL with update(...)",
        "builds SQL with text(...)", "builds SQL with delete(...)", "runs a statement with .execute(...)",
        "reads or writes rows with session.add(...)"])


def test_no_module_is_over_400_lines() -> None:
    over = {path: lines for path, lines in oversized().items() if path not in OVERSIZED_UNTIL_ARCH_ANALYTICS_MERGE}
    assert over == {}


def test_the_temporary_size_allowance_is_still_needed() -> None:
    """Fails once the split has landed: then delete OVERSIZED_UNTIL_ARCH_ANALYTICS_MERGE."""
    assert OVERSIZED_UNTIL_ARCH_ANALYTICS_MERGE <= set(oversized())


def _folders() -> set[str]:
    """Top-level folders, and the folders inside the code packages, that hold anything."""
    def kept(path: Path) -> bool:
        return (path.is_dir() and not path.name.startswith((".", "__")) and not path.name.endswith(".egg-info")
                and path.name not in ("build", "dist") and any(p.is_file() for p in path.rglob("*")))

    top = {p.name for p in ROOT.iterdir() if kept(p)}
    inner = {f"{package}/{p.name}" for package in CODE_PACKAGES for p in (ROOT / package).iterdir() if kept(p)}
    return top | inner


def test_readme_how_it_is_built_names_every_folder() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## How it is built\n", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"^\| `([\w/.-]+)/` \|", section, flags=re.M))
    assert named == _folders()
