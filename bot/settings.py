"""Settings from the environment or a `.env` file. A wrong value stops start-up with the variable's
name and an example of a right value."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_CONTENT = Path(__file__).resolve().parent.parent / "content"
DEFAULT_DB = "sqlite+aiosqlite:///study_buddy.db"

EXAMPLES = {
    "DATABASE_URL": "DATABASE_URL=sqlite+aiosqlite:///study_buddy.db  or  "
    "DATABASE_URL=postgresql+asyncpg://bot:secret@127.0.0.1:5432/study_buddy",
    "CONTENT_DIR": "CONTENT_DIR=./content",
    "BOT_ADMINS": "BOT_ADMINS=telegram:123456789,discord:80351110224678912,console:alice",
    "LOG_LEVEL": "LOG_LEVEL=INFO  (one of DEBUG, INFO, WARNING, ERROR)",
    "FLOOD_LIMIT": "FLOOD_LIMIT=30/minute  (or 'off')",
    "FAQ_MODEL": "FAQ_MODEL=auto  (the embedding model if installed) or FAQ_MODEL=off (lexical only)",
    "CACHE_DIR": "CACHE_DIR=~/.cache/study-buddy",
    "CONTENT_WATCH": "CONTENT_WATCH=on  (or off)",
    "REMINDERS": "REMINDERS=on  (or off: this process sends no reminders)",
    "TELEGRAM_BOT_TOKEN": "TELEGRAM_BOT_TOKEN=123456:ABC...  (from @BotFather)",
    "TELEGRAM_API_BASE_URL": "TELEGRAM_API_BASE_URL=https://api.telegram.org/bot",
    "TELEGRAM_WEBHOOK_URL": "TELEGRAM_WEBHOOK_URL=https://bot.example.org/telegram",
    "TELEGRAM_WEBHOOK_PORT": "TELEGRAM_WEBHOOK_PORT=8443",
    "TELEGRAM_WEBHOOK_SECRET": "TELEGRAM_WEBHOOK_SECRET=a-long-random-string_of-letters-digits-and-dashes",
    "DISCORD_BOT_TOKEN": "DISCORD_BOT_TOKEN=MTA...  (Developer Portal: your app, Bot, Reset Token)",
    "DISCORD_API_BASE_URL": "DISCORD_API_BASE_URL=https://discord.com/api/v10",
    "DISCORD_GATEWAY_URL": "DISCORD_GATEWAY_URL=wss://gateway.discord.gg",
    "DISCORD_SHARD_COUNT": "DISCORD_SHARD_COUNT=4  (or unset: as Discord recommends)",
    "DISCORD_SHARD_IDS": "DISCORD_SHARD_IDS=0,1  (with DISCORD_SHARD_COUNT; unset: all shards)",
    "DISCORD_SYNC_COMMANDS": "DISCORD_SYNC_COMMANDS=on  (or off: sync with `python -m bot discord sync`)",
    "HEALTH_PORT": "HEALTH_PORT=9100  (unset: no health/metrics endpoint)",
    "HEALTH_LISTEN": "HEALTH_LISTEN=0.0.0.0",
    "LOG_FORMAT": "LOG_FORMAT=json  (or text)",
    "SEND_RATE": "SEND_RATE=9  (messages per second for this process; ~29 / processes)",
    "REMINDER_GRACE_HOURS": "REMINDER_GRACE_HOURS=6  (how late a reminder may still be sent after downtime)",
}


def _default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "study-buddy"


class SettingsError(Exception):
    pass


class Settings(BaseSettings):
    # An empty value (`TELEGRAM_BOT_TOKEN=` in .env) means "not set", as in .env.example.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    database_url: str = Field(DEFAULT_DB)
    content_dir: Path = Field(REPO_CONTENT)
    bot_admins: Annotated[frozenset[str], NoDecode] = Field(frozenset())
    log_level: str = Field("INFO")
    flood_limit: str | None = Field("30/minute")
    faq_model: str = Field("auto")
    cache_dir: Path = Field(default_factory=_default_cache)
    content_watch: bool = Field(True)
    reminders: bool = Field(True)  # run the reminder service in this process
    telegram_bot_token: SecretStr | None = Field(None)
    telegram_api_base_url: str = Field("https://api.telegram.org/bot")
    telegram_webhook_url: str | None = Field(None)  # set: webhook mode; unset: long polling
    telegram_webhook_listen: str = Field("127.0.0.1")
    telegram_webhook_port: int = Field(8443, gt=0, lt=65536)
    telegram_webhook_secret: SecretStr | None = Field(None, validate_default=True)
    # Messages a second this process sends (Telegram allows a bot about 30 in all): with several
    # processes, divide it between them.
    send_rate: float = Field(29.0, gt=0, le=30)
    # Reminder messages a second to one chat (Telegram asks for about 1; tests raise it to run quickly)
    reminder_chat_rate: float = Field(1.0, gt=0, le=30)
    reminder_grace_hours: float = Field(6.0, gt=0, le=168)
    discord_bot_token: SecretStr | None = Field(None)
    discord_api_base_url: str = Field("https://discord.com/api/v10")
    discord_gateway_url: str = Field("wss://gateway.discord.gg")
    discord_shard_count: int | None = Field(None, ge=1, le=10_000)  # unset: as Discord recommends
    discord_shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = Field(None)  # this process's shards
    discord_sync_commands: bool = Field(False)  # sync slash commands with Discord on start
    health_port: int | None = Field(None, gt=0, lt=65536)  # set: /healthz and /metrics on this port
    health_listen: str = Field("0.0.0.0")
    log_format: str = Field("text")  # text, or json: one JSON object per line

    @field_validator("telegram_webhook_url")
    @classmethod
    def _webhook_url(cls, v: str | None) -> str | None:
        v = (v or "").strip() or None
        if v is not None and not v.startswith("https://"):
            raise ValueError("Telegram only posts to https:// addresses")
        return v

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, v: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        value = v.get_secret_value() if v is not None else ""
        if not value:
            if info.data.get("telegram_webhook_url"):  # anyone could post made-up updates otherwise
                raise ValueError("a webhook needs a secret, so that only Telegram can post to it")
            return None
        if not (1 <= len(value) <= 256) or not all(c.isascii() and (c.isalnum() or c in "_-") for c in value):
            raise ValueError("use 1-256 letters, digits, '_' or '-'")
        return v

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shard_ids(cls, v: object, info: ValidationInfo) -> tuple[int, ...] | None:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        items = v if isinstance(v, list | tuple) else str(v).replace(";", ",").split(",")
        try:
            ids = tuple(sorted({int(str(x).strip()) for x in items if str(x).strip()}))
        except ValueError:
            raise ValueError("must be shard numbers separated by commas") from None
        if not ids or ids[0] < 0:
            raise ValueError("must be shard numbers (0 and up) separated by commas")
        count = info.data.get("discord_shard_count")
        if count is None or ids[-1] >= count:
            raise ValueError("needs DISCORD_SHARD_COUNT, with every shard number below it")
        return ids

    @field_validator("discord_api_base_url", "discord_gateway_url")
    @classmethod
    def _discord_urls(cls, v: str, info: ValidationInfo) -> str:
        v = v.strip().rstrip("/")
        schemes = (
            ("https://", "http://") if info.field_name == "discord_api_base_url" else ("wss://", "ws://")
        )
        if not v.startswith(schemes):
            raise ValueError(f"must start with {schemes[0]}")
        return v

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in ("text", "json"):
            raise ValueError(f"{v!r} is not text or json")
        return v

    @field_validator("faq_model")
    @classmethod
    def _model(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in ("auto", "off"):
            raise ValueError(f"{v!r} is not auto or off")
        return v

    @field_validator("database_url")
    @classmethod
    def _db(cls, v: str) -> str:
        v = v.strip()
        for plain, driver in (
            ("sqlite://", "sqlite+aiosqlite://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
        ):
            if v.startswith(plain):
                v = driver + v[len(plain) :]
        if not v.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite or postgresql URL")
        return v

    @field_validator("content_dir")
    @classmethod
    def _content(cls, v: Path) -> Path:
        if not v.is_dir():
            raise ValueError(f"folder {str(v)!r} does not exist")
        return v

    @field_validator("bot_admins", mode="before")
    @classmethod
    def _admins(cls, v: object) -> frozenset[str]:
        if isinstance(v, frozenset | set | list | tuple):
            items = [str(x) for x in v]
        else:
            items = [x for x in str(v or "").replace(";", ",").split(",")]
        out = set()
        for item in (x.strip() for x in items):
            if not item:
                continue
            platform, sep, uid = item.partition(":")
            if not sep or not platform.isalpha() or not uid or " " in uid:
                raise ValueError(f"{item!r} is not platform:user_id")
            out.add(f"{platform.lower()}:{uid}")
        return frozenset(out)

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.strip().upper()
        if v not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"{v!r} is not a log level")
        return v

    @field_validator("flood_limit")
    @classmethod
    def _flood(cls, v: str | None) -> str | None:
        if v is None or v.strip().lower() in ("", "off", "none", "0"):
            return None
        from limits import parse

        try:
            parse(v)
        except ValueError:
            raise ValueError(f"{v!r} is not a rate like 30/minute") from None
        return v.strip()

    def secrets(self) -> list[str]:
        """Every secret value set, for the logs to mask."""
        return [
            v.get_secret_value()
            for v in (getattr(self, name) for name in type(self).model_fields)
            if isinstance(v, SecretStr)
        ]

    @property
    def log_level_number(self) -> int:
        return logging.getLevelName(self.log_level)


def load_settings(**overrides: object) -> Settings:
    """Read settings; turn pydantic's report into one line per wrong variable, with an example."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "?"
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"Setting {name} is wrong: {msg}. Example: {EXAMPLES.get(name, name + '=...')}")
        raise SettingsError("\n".join(lines)) from None
