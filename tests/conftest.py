"""Shared fixtures: an app on a fresh SQLite file, a fake clock, and chats that read like a conversation.

async def test_something(chat):
    replies = await chat.say("/roadmap")

Storage tests that must hold on both databases take `db_url` (a fresh SQLite file, then a fresh
PostgreSQL database) or `db_app` (an app on it). PostgreSQL comes from TEST_POSTGRES_URL (set by
.ci/run), else from a private cluster that tests/pg.py starts when the server's binaries are installed,
else those tests are skipped (and fail under CI=true: CI must cover PostgreSQL).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.fake import FakeAdapter
from bot.app import App
from bot.clock import FakeClock
from bot.settings import REPO_CONTENT, Settings, load_settings
from tests import pg

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


_REPO_CONTENT_PREPARED: list = []


@pytest.fixture(autouse=True)
def repo_content_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository's own content is read, checked and indexed once per test session: no test writes
    to it (tests that edit content copy it to tmp_path first, and those still load from disk)."""
    from handlers.content import store as content_store

    real = content_store._prepare

    def prepare(root: Path):  # noqa: ANN202
        if Path(root).resolve() != Path(REPO_CONTENT).resolve():
            return real(root)
        if not _REPO_CONTENT_PREPARED:
            _REPO_CONTENT_PREPARED.append(real(root))
        content, lexical, problems = _REPO_CONTENT_PREPARED[0]
        return content, lexical, list(problems)

    monkeypatch.setattr(content_store, "_prepare", prepare)


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


# A SQLite file migrated once per test process: an app test starts on a copy of it (9 migrations, some of
# which rebuild tables, cost ~0.25 s a database). Tests of the migrations themselves use `db_url`.
_TEMPLATE: dict[str, Path] = {}


@pytest.fixture(scope="session", autouse=True)
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from db.engine import make_engine  # noqa: PLC0415
    from db.migrate import upgrade  # noqa: PLC0415

    path = tmp_path_factory.mktemp("template") / "migrated.db"

    async def build() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(build())
    _TEMPLATE["sqlite"] = path
    return path


def _fresh_sqlite(path: Path) -> Path:
    """`path` as a copy of the migrated template, unless a test already made it (a restart)."""
    template = _TEMPLATE.get("sqlite")
    if template is not None and not path.exists():
        shutil.copyfile(template, path)
    return path


def make_settings(tmp_path: Path, **overrides: object):  # noqa: ANN201
    if "database_url" not in overrides:
        _fresh_sqlite(tmp_path / "test.db")
    values: dict[str, object] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        "content_dir": REPO_CONTENT,
        "bot_admins": "fake:admin",
        "flood_limit": None,
        "faq_model": "off",  # the model has its own tests (test_content_match.py); chats use the lexical one
        "content_watch": False,
        "reminders": False,  # reminder tests drive the service by hand: `await app.reminders.tick()`
        # a test's second reminder to one chat need not wait a second (the pacing has its own test)
        "reminder_chat_rate": 30.0,
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


@asynccontextmanager
async def app_on(settings, clock) -> AsyncIterator[App]:  # noqa: ANN001
    """A running app with a fake adapter (`app.fake.chat(...)`) on these settings."""
    fake = FakeAdapter()
    async with App(settings, [fake], clock=clock) as running:
        running.fake = fake
        yield running


@pytest.fixture
async def app(settings, clock):  # noqa: ANN001, ANN201
    async with app_on(settings, clock) as running:
        yield running


# Both databases


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _no_postgres(why: str) -> None:
    if _in_ci():
        pytest.fail(f"CI must run the storage tests on PostgreSQL too, but {why}", pytrace=False)
    pytest.skip(f"no PostgreSQL: {why}")


@pytest.fixture(scope="session")
def postgres_url():  # noqa: ANN201
    """A PostgreSQL server URL (its maintenance database) on which tests may create databases."""
    url = os.environ.get("TEST_POSTGRES_URL", "").strip()
    if url:
        yield url
        return
    if not pg.available():
        _no_postgres("TEST_POSTGRES_URL is not set and initdb/pg_ctl are not installed")
    try:
        cluster = pg.Cluster.start()
    except (pg.ClusterError, OSError, subprocess.SubprocessError) as e:
        _no_postgres(f"a private cluster did not start: {e}")
    try:
        yield cluster.url
    finally:
        cluster.stop()


# Both databases; the PostgreSQL run is marked `postgresql`, which `make test-fast` leaves out.
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.fixture(params=DATABASES)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path):  # noqa: ANN201
    """A fresh, empty database per test: a SQLite file under tmp_path, or a new PostgreSQL database
    (dropped afterwards), so tests never see each other's rows."""
    if request.param == "sqlite":
        if "empty_database" not in request.keywords:  # tests of the migrations start from nothing
            _fresh_sqlite(tmp_path / "test.db")
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    server = request.getfixturevalue("postgres_url")
    async with pg.fresh_database(server) as url:
        yield url


@pytest.fixture
async def sessions(db_url: str):  # noqa: ANN201
    """Sessions on a fresh, migrated database of each kind: for the db stores' own tests (tests/stores.py)."""
    from db.engine import make_engine, make_sessions
    from db.migrate import upgrade

    engine = make_engine(db_url)
    await upgrade(engine)
    yield make_sessions(engine)
    await engine.dispose()


@pytest.fixture
async def db_app(tmp_path: Path, db_url: str, clock):  # noqa: ANN001, ANN201
    """The app of `app`, on each database in turn."""
    async with app_on(make_settings(tmp_path, database_url=db_url), clock) as running:
        yield running


@pytest.fixture
def chat(app):  # noqa: ANN001, ANN201
    return app.fake.chat("alice")


def texts(replies) -> str:  # noqa: ANN001
    """All replies as one plain string."""
    return "\n\n".join(r.plain() for r in replies)


def buttons(replies) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(b.label, b.payload) for r in replies for row in r.buttons for b in row]


BOT_ENV_VARS = tuple(name.upper() for name in Settings.model_fields)  # every setting, tokens included


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


class LogLines(logging.Handler):
    """Every log line written while attached, traceback included, as a handler would write it (for
    checking that no secret reaches the logs)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelno, self.format(record)))


async def seed_due_reminders(db_url: str, n: int, platform: str, chat_id: Callable[[int], str]) -> None:
    """A migrated database holding `n` one-off reminders, each to its own chat, all due a second ago."""
    from datetime import timedelta

    from db import reminders as store
    from db.engine import make_engine, make_sessions
    from db.migrate import upgrade
    from db.users import get_or_create_user
    from handlers.schedule import Rule

    engine = make_engine(db_url)
    await upgrade(engine)
    now = datetime.now(UTC)
    rule = Rule(kind="once", time=None, at_utc=now - timedelta(seconds=1)).to_json()
    async with make_sessions(engine)() as s, s.begin():
        user = await get_or_create_user(s, platform, "owner", "Owner", now)
        for i in range(n):
            await store.add_reminder(
                s,
                owner_id=user.id,
                platform=platform,
                chat_id=chat_id(i),
                is_group=False,
                text=f"r{i}",
                lang="en",
                rule=rule,
                timezone="UTC",
                next_fire_at=now - timedelta(seconds=1),
                created_at=now,
            )
    await engine.dispose()
