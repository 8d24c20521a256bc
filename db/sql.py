"""The SQL helpers every db module shares: the dialect's INSERT, statements built once, and the id range.

SQLite and PostgreSQL spell ON CONFLICT alike, but each dialect has its own `insert()`; the hot paths
(a message's user lookup, the FAQ counters) build their statements once per dialect, not per message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

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


def built_once(session: AsyncSession, name: str, build: Callable[[AsyncSession], Any]):  # noqa: ANN201
    """The statement `build(session)` makes, built the first time per (dialect, name) and reused.
    Execute it on the session's connection (Core): no statement building or ORM bookkeeping per call."""
    key = (session.bind.dialect.name, name)
    if key not in _built:
        _built[key] = build(session)
    return _built[key]
