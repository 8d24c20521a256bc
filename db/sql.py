"""The SQL helpers every db module shares: the dialect's INSERT, statements built once, and the id range.

SQLite and PostgreSQL spell ON CONFLICT alike, but each dialect has its own `insert()`; the hot paths
(a message's user lookup, the FAQ counters) build their statements once per dialect, not per message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

# Ids are INTEGER columns: 64-bit on SQLite but 32-bit on PostgreSQL. A larger number (typed, or in a
# forged button) can name no row, and binding it would overflow the driver: look-ups answer None first.
MAX_ID = 2**31 - 1


def is_id(value: int) -> bool:
    """Can `value` be the id of a row? (1 up to MAX_ID.)"""
    return 1 <= value <= MAX_ID


def dialect_insert(session: AsyncSession, table):  # noqa: ANN001, ANN201
    """INSERT with the dialect's ON CONFLICT clauses (SQLite and PostgreSQL spell them alike)."""
    return (postgresql if session.bind.dialect.name == "postgresql" else sqlite).insert(table)


_built: dict[tuple[str, str], Any] = {}


async def connection(session: AsyncSession) -> AsyncConnection:
    """`session.connection()` (the connection of the session's transaction, which it begins), found
    once per transaction: every later call in the same transaction returns it without a greenlet and
    the proxy look-up (~20 µs each, and a press makes several). After a commit or rollback the session's
    next transaction asks SQLAlchemy again."""
    tx = session.sync_session.get_transaction()
    if tx is not None and tx.is_active:
        known = session.info.get(_CONNECTION)
        if known is not None and known[0] is tx:  # the transaction is kept alive by the entry: no id reuse
            return known[1]
    conn = await session.connection()
    session.info[_CONNECTION] = (session.sync_session.get_transaction(), conn)
    return conn


_CONNECTION = "db.sql.connection"


async def execute(session: AsyncSession, statement: Any, parameters: Any = None) -> CursorResult:
    """A Core statement on the session's connection, in its transaction: `(await connection(session))
    .execute(...)`, except on SQLite (db.sqlite_driver), whose driver never waits inside a transaction:
    there the statement runs as a plain call, without the greenlet and the switches SQLAlchemy's async
    API makes for every statement (~30 µs, a fifth of a review press)."""
    conn = await connection(session)
    sync = conn.sync_connection
    if getattr(sync.dialect, "runs_inline", False):
        return sync.execute(statement, parameters)
    return await conn.execute(statement, parameters)


def built_once(session: AsyncSession, name: str, build: Callable[[AsyncSession], Any]):  # noqa: ANN201
    """The statement `build(session)` makes, built the first time per (dialect, name) and reused.
    Execute it on the session's connection (Core): no statement building or ORM bookkeeping per call."""
    key = (session.bind.dialect.name, name)
    if key not in _built:
        _built[key] = build(session)
    return _built[key]
