"""The inline aiosqlite adapter behaves like SQLAlchemy's own, runs statements in the loop's thread,
and waits for another writer's lock in aiosqlite's thread without stalling the loop."""

import asyncio
import sqlite3
import time

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from db.engine import make_engine
from db.sqlite_driver import BUSY_TIMEOUT_MS, InlineCursor

meta = MetaData()
items = Table("items", meta, Column("id", Integer, primary_key=True), Column("name", String, unique=True))


@pytest.fixture
async def engine(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    yield engine
    await engine.dispose()


async def test_the_engine_uses_the_inline_cursor(engine):
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, aiosqlite.Connection)
        assert raw.dbapi_connection.cursor().__class__ is InlineCursor


async def test_rows_rowcount_lastrowid_and_executemany(engine):
    async with engine.begin() as conn:
        result = await conn.execute(insert(items).values(name="a"))
        assert result.inserted_primary_key == (1,)
        await conn.execute(insert(items), [{"name": "b"}, {"name": "c"}])
        assert (
            await conn.execute(update(items).where(items.c.id > 1).values(name=items.c.name + "!"))
        ).rowcount == 2
        rows = (await conn.execute(select(items.c.name).order_by(items.c.id))).scalars().all()
    assert rows == ["a", "b!", "c!"]


async def test_errors_surface_as_sqlalchemy_errors_and_roll_back(engine):
    async with engine.begin() as conn:
        await conn.execute(insert(items).values(name="x"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(items).values(name="y"))
            await conn.execute(insert(items).values(name="x"))
    async with engine.connect() as conn:
        assert (await conn.execute(select(items.c.name))).scalars().all() == ["x"]


async def test_no_statement_crosses_to_the_driver_thread(engine, monkeypatch):
    crossings = []
    real = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        crossings.append(fn)
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    async with engine.begin() as conn:
        assert (await conn.execute(text("SELECT 41 + 1"))).scalar() == 42
        await conn.execute(insert(items).values(name="z"))
    async with engine.begin() as conn:
        await conn.execute(insert(items).values(name="gone"))
        await conn.rollback()
    assert crossings == []  # BEGIN IMMEDIATE, the statements, COMMIT and ROLLBACK all ran in the loop
    async with engine.connect() as conn:
        assert (await conn.execute(select(items.c.name))).scalars().all() == ["z"]


async def test_another_writers_lock_is_waited_for_in_the_driver_thread_not_the_loop(engine, tmp_path):
    other = sqlite3.connect(tmp_path / "d.db", isolation_level=None)  # another process, say
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO items (name) VALUES ('first')")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    async def write() -> float:
        async with engine.begin() as conn:
            await conn.execute(insert(items).values(name="second"))
        return time.monotonic()

    tick_task = asyncio.create_task(ticker())
    writer = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writer.done()  # still waiting for the lock
    assert ticks >= 20  # and the loop kept running meanwhile (60 ticks of 5 ms if idle)
    released = time.monotonic()
    other.execute("COMMIT")
    done = await asyncio.wait_for(writer, 5)
    tick_task.cancel()
    other.close()
    assert done >= released
    async with engine.connect() as conn:
        assert (await conn.execute(select(items.c.name).order_by(items.c.id))).scalars().all() == [
            "first",
            "second",
        ]
        timeout = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    assert timeout == BUSY_TIMEOUT_MS  # restored after the attempt without waiting
