"""db.sql: a session's connection found once per transaction, and Core statements that run on SQLite
without a greenlet, on both databases."""

from datetime import UTC, datetime

import pytest
import sqlalchemy.ext.asyncio.engine as async_engine
import sqlalchemy.ext.asyncio.session as async_session
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from db.models import Account, User
from db.sql import connection, execute
from tests.conftest import DATABASES

SINCE = datetime(2026, 3, 2, tzinfo=UTC)
_ACCOUNT = insert(Account.__table__)
_NAME = select(User.__table__.c.display_name).where(User.__table__.c.id == bindparam("uid"))


def _count_spawns(monkeypatch) -> list:
    spawned = []
    for module in (async_engine, async_session):
        real = module.greenlet_spawn

        async def counting(fn, *args, _real=real, **kwargs):
            spawned.append(getattr(fn, "__name__", fn))
            return await _real(fn, *args, **kwargs)

        monkeypatch.setattr(module, "greenlet_spawn", counting)
    return spawned


async def _learner(sessions) -> int:
    async with sessions() as s, s.begin():
        user = User(display_name="Ana", timezone="UTC", created_at=SINCE)
        s.add(user)
        await s.flush()
        return user.id


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_statements_read_and_write_in_the_sessions_transaction(sessions):
    uid = await _learner(sessions)
    async with sessions() as s:
        first = await connection(s)
        assert await connection(s) is first  # the same transaction: found once
        assert (await execute(s, _NAME, {"uid": uid})).scalar_one() == "Ana"
        row = {"platform": "telegram", "platform_user_id": "7", "user_id": uid, "since": SINCE}
        assert (await execute(s, _ACCOUNT, row)).rowcount == 1
        await s.rollback()  # what `execute` wrote was in the session's transaction: rolled back with it
        assert await connection(s) is not first  # a new transaction asks SQLAlchemy again
        assert (await execute(s, select(Account.__table__.c.user_id))).first() is None
        await execute(s, _ACCOUNT, row)
        await s.commit()
    async with sessions() as s:
        assert (await execute(s, select(Account.__table__.c.user_id))).scalars().all() == [uid]
        with pytest.raises(IntegrityError):  # the driver's error, as SQLAlchemy's
            await execute(s, _ACCOUNT, row)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_on_sqlite_a_statement_needs_no_greenlet_once_the_transaction_began(sessions, monkeypatch):
    uid = await _learner(sessions)
    spawned = _count_spawns(monkeypatch)
    async with sessions() as s:
        await connection(s)  # BEGIN IMMEDIATE (it may wait for another writer: through SQLAlchemy)
        began = len(spawned)
        for _ in range(3):
            assert (await execute(s, _NAME, {"uid": uid})).scalar_one() == "Ana"
        account = {"platform": "discord", "platform_user_id": "9", "user_id": uid, "since": SINCE}
        await execute(s, _ACCOUNT, account)
        assert len(spawned) == began  # four statements, no greenlet
        assert (await s.execute(_NAME, {"uid": uid})).scalar_one() == "Ana"  # SQLAlchemy's API as before
        assert len(spawned) == began + 1
        await s.commit()
    async with sessions() as s:
        assert (await execute(s, select(Account.__table__.c.platform))).scalars().all() == ["discord"]
