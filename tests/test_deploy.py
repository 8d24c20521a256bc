"""Deployment files: docker-compose.yml, .env.example and the Dockerfile agree with each other and with the
settings. `docker-compose config` validates the compose file for real when Debian's docker-compose is
installed (`.ci/run` installs it; under CI=true a missing one fails instead of skipping)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.settings import Settings, load_settings
from tests.conftest import BOT_ENV_VARS

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_ONLY = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}  # read by docker-compose.yml only
SETTINGS = {name.upper() for name in Settings.model_fields}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# docker-compose.yml


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _listed(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _mount(volume: str | dict) -> tuple[str, str]:
    """(source, target) of a service's volume, short (`name:/path[:mode]`) or long syntax."""
    if isinstance(volume, str):
        source, target = volume.split(":")[:2]
        return source, target
    return volume.get("source"), volume.get("target")


def test_bot_waits_for_a_healthy_postgres(compose: dict) -> None:
    depends = compose["services"]["bot"]["depends_on"]
    assert isinstance(depends, dict), "depends_on must be the long form, to carry a condition"
    assert depends["postgres"]["condition"] == "service_healthy"


def test_postgres_keeps_its_data_in_a_named_volume_and_has_a_healthcheck(compose: dict) -> None:
    postgres = compose["services"]["postgres"]
    named = set(compose.get("volumes") or {})
    sources, targets = zip(*map(_mount, postgres["volumes"]), strict=True)
    assert "/var/lib/postgresql/data" in targets
    assert any(s in named for s in sources), f"no named volume among {sources} (top-level: {sorted(named)})"
    test = postgres["healthcheck"]["test"]
    assert "pg_isready" in " ".join(_listed(test))


def test_bot_reads_env_file_and_has_a_healthcheck_on_its_health_port(compose: dict) -> None:
    bot = compose["services"]["bot"]
    assert ".env" in _listed(bot["env_file"])
    env = bot["environment"]
    assert str(env["HEALTH_PORT"]) == "9100"
    assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    check = " ".join(_listed(bot["healthcheck"]["test"]))
    assert "/healthz" in check and "HEALTH_PORT" in check
    assert bot.get("stop_grace_period"), "the bot finishes in-flight deliveries on SIGTERM: give it time"


# .env.example


def _example_names() -> list[str]:
    """Variables in .env.example, set or commented out (`NAME=...` or `# NAME=...`)."""
    pattern = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return [m.group(1) for m in map(pattern.match, lines) if m]


def test_env_example_lists_every_setting() -> None:
    missing = SETTINGS - set(_example_names())
    assert not missing, f"settings missing from .env.example: {sorted(missing)}"


def test_env_example_lists_nothing_but_settings() -> None:
    names = _example_names()
    assert len(names) == len(set(names)), "a variable is listed twice in .env.example"
    unknown = set(names) - SETTINGS - COMPOSE_ONLY
    assert not unknown, f".env.example variables that are not settings: {sorted(unknown)}"


def test_env_example_copied_to_env_starts_with_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cp .env.example .env` must not break a local run: no empty value (an empty token counts as set)."""
    for var in BOT_ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.telegram_bot_token is None and settings.discord_bot_token is None
    assert settings == load_settings(_env_file=None)


def test_env_files_stay_out_of_git_and_the_image() -> None:
    gitignore = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    dockerignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in gitignore
    assert ".env" in dockerignore and ".venv/" in dockerignore and ".git/" in dockerignore


# Dockerfile


def _stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's stages, each a list of (INSTRUCTION, arguments) with continuations joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n(\s*#.*\n)*", " ", text)  # continuation lines (and comments between them)
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), args.strip()))
    return stages


def test_dockerfile_final_stage_runs_as_a_user_without_build_tools() -> None:
    stages = _stages()
    assert len(stages) >= 2, "multi-stage: build, then a final stage with the venv only"
    final = stages[-1]
    users = [args.split(":")[0] for instruction, args in final if instruction == "USER"]
    assert users, "the final stage sets no USER: it would run as root"
    assert users[-1] not in ("root", "0")
    body = " ".join(args for _, args in final)
    for tool in ("gcc", "build-essential", "apt-get install"):
        assert tool not in body, f"{tool!r} in the final stage"
    assert ("ENTRYPOINT", '["python", "-m", "bot"]') in final
    healthcheck = " ".join(args for instruction, args in final if instruction == "HEALTHCHECK")
    assert "/healthz" in healthcheck and "HEALTH_PORT" in healthcheck
    env = " ".join(args for instruction, args in final if instruction == "ENV")
    assert "CONTENT_DIR=/app/content" in env, "the package's default content folder is not in site-packages"


# docker-compose config


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        if _in_ci():
            pytest.fail("CI must validate docker-compose.yml, but there is no docker-compose", pytrace=False)
        pytest.skip("docker-compose is not installed (Debian: apt-get install docker-compose)")
    # The bot's `env_file: .env` must exist: resolve relative paths in a temp dir whose .env is the example.
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS | COMPOSE_ONLY}
    command = [binary, "-f", ROOT / "docker-compose.yml", "--project-directory", tmp_path]
    command += ["--env-file", ROOT / ".env.example", "config", "-q"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
