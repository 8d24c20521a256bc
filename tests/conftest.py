"""Shared fixtures: an app on a fresh SQLite file, a fake clock, and chats that read like a conversation.

async def test_something(chat):
    replies = await chat.say("/roadmap")
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.fake import FakeAdapter
from bot.app import App
from bot.clock import FakeClock
from bot.settings import REPO_CONTENT, load_settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may talk to loopback only."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address) -> object:  # noqa: ANN001
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def make_settings(tmp_path: Path, **overrides: object):  # noqa: ANN201
    values: dict[str, object] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        "content_dir": REPO_CONTENT,
        "bot_admins": "fake:admin",
        "flood_limit": None,
        "faq_model": "off",  # the model has its own tests (test_faq_match.py); chats use the lexical one
        "content_watch": False,
        "cache_dir": tmp_path / "cache",
        "_env_file": None,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def settings(tmp_path: Path):  # noqa: ANN201
    return make_settings(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))  # a Monday, 10:00 UTC


@pytest.fixture
async def app(settings, clock):  # noqa: ANN001, ANN201
    fake = FakeAdapter()
    async with App(settings, [fake], clock=clock) as running:
        running.fake = fake
        yield running


@pytest.fixture
def chat(app):  # noqa: ANN001, ANN201
    return app.fake.chat("alice")


def texts(replies) -> str:  # noqa: ANN001
    """All replies as one plain string."""
    return "\n\n".join(r.plain() for r in replies)


def buttons(replies) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(b.label, b.payload) for r in replies for row in r.buttons for b in row]


BOT_ENV_VARS = ("DATABASE_URL", "CONTENT_DIR", "BOT_ADMINS", "LOG_LEVEL", "FLOOD_LIMIT")


def bot_env(**extra: str) -> dict[str, str]:
    """The environment for `python -m bot` in a subprocess: none of the bot's settings inherited, no
    locale (it would pick the reply language), the lexical matcher (deterministic; the model has its own
    tests) and no file watching."""
    drop = (*BOT_ENV_VARS, "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(PYTHONPATH=str(ROOT), PYTHONUTF8="1", FAQ_MODEL="off", CONTENT_WATCH="off")
    env.update(extra)
    return env


def run_bot(
    cwd: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in `cwd` (where its SQLite file lands), stdin piped."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env or bot_env(),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
