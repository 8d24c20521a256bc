"""Engine and sessions. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE so concurrent writers
queue instead of losing updates (the driver's default deferred BEGIN silently drops them)."""

from __future__ import annotations

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from db import sqlite_driver
from db.sqlite_driver import BUSY_TIMEOUT_MS


def make_engine(url: str, *, echo: bool = False, foreign_keys: bool = True) -> AsyncEngine:
    """`foreign_keys=False` (SQLite only) is for migrations: Alembic rebuilds a table to alter it on
    SQLite, and dropping the old copy with foreign keys on would cascade-delete the rows that point at
    it."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        # Statements run in the loop's thread, not aiosqlite's (db.sqlite_driver). Every transaction
        # ends in an explicit COMMIT or ROLLBACK (one session transaction per event), so the pool's
        # extra ROLLBACK on check-in would be wasted.
        parsed = parsed.set(drivername="sqlite+" + sqlite_driver.NAME.split(".")[1])
        # One connection: every transaction is BEGIN IMMEDIATE anyway, so SQLite runs them one at a
        # time; queueing for the connection in asyncio is fast and fair, whereas several connections
        # contending for the lock sleep in SQLite's busy handler (milliseconds at a time).
        engine = create_async_engine(
            parsed, echo=echo, pool_reset_on_return=None, pool_size=1, max_overflow=0, pool_timeout=60
        )
        _tune_sqlite(engine, foreign_keys)
        return engine
    return create_async_engine(url, echo=echo)


def _tune_sqlite(engine: AsyncEngine, foreign_keys: bool = True) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        # Take transaction control away from the driver: we issue BEGIN IMMEDIATE ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in (
            "journal_mode=WAL",
            f"busy_timeout={BUSY_TIMEOUT_MS}",
            f"foreign_keys={'ON' if foreign_keys else 'OFF'}",
            "synchronous=NORMAL",
        ):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        # Take the write lock up front, so a read-then-write can never interleave with another writer.
        # In the loop's thread when the lock is free, else waiting in aiosqlite's (db.sqlite_driver).
        conn.connection.dbapi_connection.begin_immediate()


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
