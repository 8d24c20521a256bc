"""Settings: a wrong value stops start-up with the variable's name and an example, never a secret."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from bot.settings import REPO_CONTENT, Settings, SettingsError, load_settings
from tests.conftest import BOT_ENV_VARS, bot_env, run_bot


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets reaches the settings."""
    for var in BOT_ENV_VARS:
        monkeypatch.delenv(var, raising=False)


def _error(**overrides: object) -> str:
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None, **overrides)
    return str(info.value)


@pytest.mark.parametrize(
    ("field", "value", "variable", "example"),
    [
        ("database_url", "mysql://bot@localhost/study", "DATABASE_URL", "sqlite+aiosqlite:///"),
        ("database_url", "study_buddy.db", "DATABASE_URL", "postgresql+asyncpg://"),
        ("log_level", "LOUD", "LOG_LEVEL", "LOG_LEVEL=INFO"),
        ("bot_admins", "alice", "BOT_ADMINS", "BOT_ADMINS=telegram:"),
        ("bot_admins", "telegram:1, discord 2", "BOT_ADMINS", "BOT_ADMINS=telegram:"),
        ("content_dir", "/no/such/folder/anywhere", "CONTENT_DIR", "CONTENT_DIR=./content"),
        ("flood_limit", "lots", "FLOOD_LIMIT", "FLOOD_LIMIT=30/minute"),
    ],
)
def test_wrong_value_names_the_variable_and_gives_an_example(
    field: str, value: str, variable: str, example: str
) -> None:
    message = _error(**{field: value})
    assert variable in message
    assert "Example" in message
    assert example in message


def test_wrong_value_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    message = _error()
    assert "LOG_LEVEL" in message
    assert "CHATTY" in message.upper()
    assert "Example: LOG_LEVEL=INFO" in message


def test_every_wrong_variable_is_reported_on_its_own_line() -> None:
    message = _error(log_level="LOUD", flood_limit="lots", bot_admins="alice")
    lines = message.splitlines()
    assert len(lines) == 3
    for variable in ("LOG_LEVEL", "FLOOD_LIMIT", "BOT_ADMINS"):
        assert sum(variable in line for line in lines) == 1


def test_admins_parse_to_a_frozenset() -> None:
    settings = load_settings(_env_file=None, bot_admins="telegram:1, discord:2")
    assert isinstance(settings.bot_admins, frozenset)
    assert settings.bot_admins == frozenset({"telegram:1", "discord:2"})


def test_admins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_ADMINS", "Telegram:123;console:alice,")
    settings = load_settings(_env_file=None)
    assert settings.bot_admins == frozenset({"telegram:123", "console:alice"})


def test_defaults() -> None:
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///study_buddy.db"
    assert settings.content_dir == REPO_CONTENT
    assert settings.bot_admins == frozenset()
    assert settings.log_level == "INFO"
    assert settings.flood_limit == "30/minute"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///study.db", "sqlite+aiosqlite:///study.db"),
        ("sqlite:////var/lib/bot/study.db", "sqlite+aiosqlite:////var/lib/bot/study.db"),
        ("postgresql://bot:pw@127.0.0.1:5432/study", "postgresql+asyncpg://bot:pw@127.0.0.1:5432/study"),
        ("postgres://bot:pw@db/study", "postgresql+asyncpg://bot:pw@db/study"),
        ("  sqlite+aiosqlite:///x.db  ", "sqlite+aiosqlite:///x.db"),
        ("postgresql+asyncpg://bot@db/study", "postgresql+asyncpg://bot@db/study"),
    ],
)
def test_plain_urls_get_async_drivers(given: str, expected: str) -> None:
    assert load_settings(_env_file=None, database_url=given).database_url == expected


@pytest.mark.parametrize(
    "url",
    [
        "mysql://u:SECRET@h/db",
        "postgresql+psycopg2://u:SECRET@h/db",
        "u:SECRET@h/db",
    ],
)
def test_a_password_in_a_wrong_database_url_is_never_shown(url: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None, database_url=url)
    shown = "".join(traceback.format_exception(info.value))
    assert "DATABASE_URL" in shown
    assert "SECRET" not in shown
    assert "SECRET" not in str(info.value)
    assert "SECRET" not in repr(info.value)


def test_a_password_in_a_right_database_url_is_kept() -> None:
    settings = load_settings(_env_file=None, database_url="postgresql://u:SECRET@h/db")
    assert settings.database_url == "postgresql+asyncpg://u:SECRET@h/db"


def test_flood_limit_off() -> None:
    for off in ("off", "OFF", "none", "0", ""):
        assert load_settings(_env_file=None, flood_limit=off).flood_limit is None
    assert load_settings(_env_file=None, flood_limit=" 10/second ").flood_limit == "10/second"


def test_log_level_is_case_insensitive() -> None:
    settings = load_settings(_env_file=None, log_level="debug")
    assert settings.log_level == "DEBUG"
    assert settings.log_level_number == 10


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=warning\nBOT_ADMINS=console:alice\n", encoding="utf-8")
    settings = Settings(_env_file=env_file)
    assert settings.log_level == "WARNING"
    assert settings.bot_admins == frozenset({"console:alice"})


@pytest.mark.slow
def test_cli_stops_with_exit_2_names_the_variable_and_hides_the_password(tmp_path: Path) -> None:
    env = bot_env(LOG_LEVEL="LOUD", DATABASE_URL="mysql://u:SECRET@h/db")
    result = run_bot(tmp_path, "content", "check", env=env, timeout=30)
    assert result.returncode == 2
    assert "LOG_LEVEL" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "Example" in result.stderr
    assert "Traceback" not in result.stderr
    assert "OK" not in result.stdout
    assert "SECRET" not in result.stderr + result.stdout


def test_a_webhook_needs_https_and_a_secret_which_is_never_echoed() -> None:
    token = "123:never-shown"
    assert "TELEGRAM_WEBHOOK_SECRET" in _error(
        telegram_bot_token=token, telegram_webhook_url="https://bot.example.org/tg"
    )
    assert "https://" in _error(
        telegram_webhook_url="http://bot.example.org/tg", telegram_webhook_secret="abc-123"
    )
    bad = "has spaces and !"
    message = _error(telegram_webhook_url="https://bot.example.org/tg", telegram_webhook_secret=bad)
    assert "TELEGRAM_WEBHOOK_SECRET" in message and bad not in message
    ok = load_settings(
        _env_file=None,
        telegram_bot_token=token,
        telegram_webhook_url="https://bot.example.org/tg",
        telegram_webhook_secret="s3cret_Token-1",
    )
    assert sorted(ok.secrets()) == sorted([token, "s3cret_Token-1"])


def test_discord_settings_are_checked_with_examples() -> None:
    assert "DISCORD_GATEWAY_URL" in _error(discord_gateway_url="https://gateway.discord.gg")
    assert "DISCORD_API_BASE_URL" in _error(discord_api_base_url="discord.com/api")
    assert "DISCORD_SHARD_IDS" in _error(discord_shard_ids="0,one", discord_shard_count=2)
    assert "DISCORD_SHARD_COUNT" in _error(discord_shard_ids="0,1")  # ids need the count
    assert "below it" in _error(discord_shard_ids="0,2", discord_shard_count=2)
    assert "DISCORD_SHARD_COUNT" in _error(discord_shard_count="0")
    ok = load_settings(
        _env_file=None, discord_bot_token="MTA.secret.token", discord_shard_ids="1, 0", discord_shard_count=2
    )
    assert ok.discord_shard_ids == (0, 1) and ok.discord_shard_count == 2 and not ok.discord_sync_commands
    assert "MTA.secret.token" in ok.secrets()


@pytest.mark.slow
def test_discord_sync_without_a_token_says_what_to_set(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "discord", "sync")
    assert result.returncode == 2 and "DISCORD_BOT_TOKEN" in result.stderr
