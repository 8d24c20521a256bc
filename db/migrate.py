"""Apply Alembic migrations at start-up (and with `python -m bot db upgrade`), on the app's own engine.

Several processes may start together: on PostgreSQL the upgrade runs under a transaction-level advisory
lock, so one migrates and the others wait, then find the schema at head; on SQLite an exclusive file lock
beside the database does the same.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import IO

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection=None) -> Config:  # noqa: ANN001
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


MIGRATION_LOCK = 0x5354_4255_4459  # "STBUDY": any 64-bit number no other lock in the database uses


_HEAD: list[str] = []  # this code's head revision, read once per process


def head() -> str:
    if not _HEAD:
        _HEAD.append(ScriptDirectory.from_config(alembic_config()).get_current_head())
    return _HEAD[0]


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to `revision`. A database already at this code's head (every start but the
    first after an upgrade) is only looked at: one query, no migration scripts loaded, no lock. A
    SQLite file that does not exist yet is created under the lock: processes creating one file at the
    same moment (opening it, switching it to WAL) made the first migration fail now and then with
    "database is locked" (tests/test_migrations.py: 3 of 60 runs before, 0 of 140 after)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    lock = await _take_lock(database) if database and _is_new(database) else None
    try:
        if revision == "head" and await current(engine) == head():
            return
        if database is None:
            await _upgrade(engine, revision)
            return
        from db.engine import make_engine  # on a connection without foreign keys (see db.engine)

        migrating = make_engine(engine.url.render_as_string(hide_password=False), foreign_keys=False)
        if lock is None:
            lock = await _take_lock(database)
        try:
            await _upgrade(migrating, revision)
            async with migrating.connect() as conn:
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
            if broken:
                raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
        finally:
            await migrating.dispose()
    finally:
        if lock is not None:
            lock.close()  # closing the file releases the lock


def _is_new(database: str) -> bool:
    return database != ":memory:" and (not os.path.exists(database) or os.path.getsize(database) == 0)


async def _take_lock(database: str | None) -> IO[bytes] | None:
    """`_lock_file` in a thread (it waits for the other process). If this start is cancelled while the
    thread waits, the lock it then gets is let go at once: left open, it would keep every later start
    in this process waiting forever."""
    waiting = asyncio.get_running_loop().run_in_executor(None, _lock_file, database)
    try:
        return await asyncio.shield(waiting)
    except asyncio.CancelledError:
        waiting.add_done_callback(_let_go)
        raise


def _let_go(taken: asyncio.Future) -> None:
    if not taken.cancelled() and taken.exception() is None and taken.result() is not None:
        taken.result().close()


def _lock_file(database: str | None) -> IO[bytes] | None:
    """An exclusive lock beside the SQLite file, held while migrating (processes starting together
    take turns: Alembic's look at the version table is not inside SQLite's write lock)."""
    try:
        import fcntl
    except ImportError:  # not POSIX (Windows): a single process is assumed there
        return None
    if not database or database == ":memory:":
        return None
    f = open(f"{database}.migrate-lock", "ab")  # noqa: SIM115 (held until the migration ends)
    fcntl.flock(f, fcntl.LOCK_EX)
    return f


async def _upgrade(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await conn.run_sync(lambda sync_conn: command.upgrade(alembic_config(sync_conn), revision))


async def current(engine: AsyncEngine) -> str | None:
    """The database's revision (None: not migrated yet)."""
    from alembic.migration import MigrationContext

    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
        )
