"""The one-trip aiosqlite adapter behaves like SQLAlchemy's own, with one crossing per statement."""

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from db.engine import make_engine
from db.sqlite_driver import OneTripCursor

meta = MetaData()
items = Table("items", meta, Column("id", Integer, primary_key=True), Column("name", String, unique=True))


@pytest.fixture
async def engine(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    yield engine
    await engine.dispose()


async def test_the_engine_uses_the_one_trip_cursor(engine):
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, aiosqlite.Connection)
        assert raw.dbapi_connection.cursor().__class__ is OneTripCursor


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


async def test_one_crossing_per_statement(engine, monkeypatch):
    crossings = []
    real = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        crossings.append(fn.__name__)
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    async with engine.begin() as conn:
        await conn.execute(text("SELECT 1"))
        await conn.execute(insert(items).values(name="z"))
    # BEGIN IMMEDIATE, two statements, COMMIT
    assert len(crossings) == 4, crossings
