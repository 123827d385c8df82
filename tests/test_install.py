"""`pip install .` outside a checkout: the wheel alone migrates a database and serves.

The wheel is built from a copy of the sources and installed with `--no-deps` into a fresh virtual
environment; that environment reaches the already installed dependencies through a `.pth` line naming this
environment's site-packages (a plain path: the `.pth` files there, such as the editable install of the
checkout, are not run). Every command runs with the working directory outside the checkout and no
PYTHONPATH, so what runs is the wheel's own files, which the test checks.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
from pathlib import Path

import pytest

from tests.environment import subprocess_env
from tests.waiting import HANG_GUARD_S

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["pyproject.toml", "README.md", "analytics", "audio_scoring", "bot"]


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=HANG_GUARD_S)
    assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; returns its bin directory."""
    work = tmp_path_factory.mktemp("install")
    src = work / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", work / "dist", src, cwd=work)
    wheel = next((work / "dist").glob("leadline-*.whl"))
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel, cwd=work)
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work)
                .stdout.strip())
    (site / "_leadline_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return env_dir / "bin"


def clean_env(**settings: str) -> dict[str, str]:
    env = subprocess_env(settings)
    env.pop("PYTHONPATH", None)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.sqlite
@pytest.mark.slow
def test_the_wheel_alone_migrates_and_serves(installed: Path, tmp_path: Path) -> None:
    here = run(installed / "python", "-c", "import analytics, bot; print(bot.__file__); print(analytics.__file__)",
               cwd=tmp_path, env=clean_env()).stdout.split()
    assert all(Path(p).is_relative_to(installed.parent) for p in here), here

    database = tmp_path / "data" / "leadline.db"
    database.parent.mkdir()
    url = f"sqlite+aiosqlite:///{database}"
    upgraded = run(installed / "leadline", "db", "upgrade", cwd=tmp_path, env=clean_env(LEADLINE_DATABASE_URL=url))
    assert upgraded.stdout.strip() == "database at revision head" and database.exists()

    port = _free_port()
    env = clean_env(LEADLINE_DATABASE_URL=url, LEADLINE_PORT=str(port), LEADLINE_AUTO_MIGRATE="false")
    proc = subprocess.Popen([installed / "leadline", "serve"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + HANG_GUARD_S
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"serve did not come up: {proc.communicate()[1][-2000:]}")
                time.sleep(0.2)
        # The image's HEALTHCHECK follows LEADLINE_PORT, and fails where nothing answers.
        healthy = subprocess.run([installed / "python", "-m", "bot.healthcheck"], cwd=tmp_path, env=env,
                                 capture_output=True, text=True, timeout=HANG_GUARD_S)
        assert healthy.returncode == 0, healthy.stderr
        elsewhere = clean_env(LEADLINE_PORT=str(_free_port()))
        unhealthy = subprocess.run([installed / "python", "-m", "bot.healthcheck"], cwd=tmp_path, env=elsewhere,
                                   capture_output=True, text=True, timeout=HANG_GUARD_S)
        assert unhealthy.returncode == 1 and unhealthy.stderr.startswith("unhealthy: http://127.0.0.1:")
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr[-2000:]
