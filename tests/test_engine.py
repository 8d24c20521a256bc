"""Concurrent writers lose nothing: the SQLite engine setup itself (BEGIN IMMEDIATE + WAL), then the bot's
own writes on SQLite and on PostgreSQL (`db_app`)."""

import asyncio

import pytest
from sqlalchemy import func, select, text

from db.engine import make_engine, make_sessions
from db.models import FaqStat, StudyLog
from tests.conftest import DATABASES


async def test_twenty_concurrent_read_then_write_increments_lose_nothing(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'counter.db'}")
    sessions = make_sessions(engine)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"))
        await conn.execute(text("INSERT INTO counter VALUES (1, 0)"))

    async def writer() -> None:
        for _ in range(20):
            async with sessions() as s, s.begin():
                value = await s.scalar(text("SELECT value FROM counter WHERE id = 1"))
                await asyncio.sleep(0)  # let the other writers run between the read and the write
                await s.execute(text("UPDATE counter SET value = :v WHERE id = 1"), {"v": value + 1})

    await asyncio.gather(*(writer() for _ in range(20)))
    async with sessions() as s:
        assert await s.scalar(text("SELECT value FROM counter")) == 400
        assert await s.scalar(text("PRAGMA journal_mode")) == "wal"
    await engine.dispose()


@pytest.mark.slow
async def test_twenty_learners_logging_at_once_through_the_bot_lose_nothing(db_app):
    app = db_app
    chats = [app.fake.chat(f"learner{i}") for i in range(20)]

    async def learner(chat) -> None:
        for _ in range(5):
            await chat.say("/log 10")
            await chat.say("/ask how much does an ml engineer earn")

    await asyncio.gather(*(learner(c) for c in chats))
    async with app.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(StudyLog)) == 100
        assert await s.scalar(select(func.sum(StudyLog.minutes))) == 1000
        assert await s.scalar(select(FaqStat.asked).where(FaqStat.faq_id == "salary")) == 100


# On PostgreSQL (READ COMMITTED) only db.users.lock_user serialises /log's read-then-write of the day total.
@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_one_learner_in_many_places_at_once_keeps_a_consistent_day_total(db_app):
    app = db_app
    chat = app.fake.chat("alice")
    replies = await asyncio.gather(*(chat.say("/log 100") for _ in range(20)))
    saved = [r for r in replies if "Logged" in r[0].plain()]
    refused = [r for r in replies if "more than 24 hours" in r[0].plain()]
    assert len(saved) == 14 and len(refused) == 6  # 14 × 100 min fit in a day, the 15th would not
    async with app.sessions() as s:
        assert await s.scalar(select(func.sum(StudyLog.minutes))) == 1400
