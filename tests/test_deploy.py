"""deploy/: the Compose file builds the image from the repository and reads `.env` there, as the README says."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def test_compose_paths_resolve_from_the_deploy_folder() -> None:
    # Compose resolves relative paths against the Compose file's folder (its project directory).
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    service = compose["services"]["leadline"]
    context = (DEPLOY / service["build"]["context"]).resolve()
    assert context == ROOT
    assert (context / service["build"]["dockerfile"]).is_file()
    [env_file] = service["env_file"]
    assert (DEPLOY / env_file["path"]).resolve() == ROOT / ".env"


def test_readme_says_how_to_run_the_compose_file() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docker compose --env-file .env -f deploy/docker-compose.yml up" in readme
