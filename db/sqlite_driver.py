"""SQLAlchemy's aiosqlite dialect, with one trip to the driver's thread per statement instead of four.

aiosqlite runs SQLite in a thread of its own; every call crosses to it and back (about 35-70 µs
each on one core). SQLAlchemy's adapter makes four crossings per statement: open a cursor, execute,
fetch, close. Here the whole statement (execute, fetch all rows, read rowcount/lastrowid, close)
runs as one function in that thread. Results are identical; the bot's per-message cost halves.

Used automatically for `sqlite+aiosqlite` URLs (see db.engine). The classes extend SQLAlchemy 2.1's
own aiosqlite adapter, which is why pyproject pins SQLAlchemy to 2.1.x; tests/test_sqlite_driver.py
checks the behaviour and the number of crossings.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util import EMPTY_DICT

NAME = "sqlite.aiosqlite_onetrip"


def _run(conn: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> tuple:
    """Runs in aiosqlite's thread: the whole statement, start to finish."""
    cur = conn.cursor()
    try:
        if many:
            cur.executemany(operation, parameters)
        elif parameters is None:
            cur.execute(operation)
        else:
            cur.execute(operation, parameters)
        description = cur.description
        rows = cur.fetchall() if description else []
        return description, rows, cur.rowcount, cur.lastrowid
    finally:
        cur.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # no driver cursor is kept between statements
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = None

    @property
    def description(self):  # noqa: ANN201
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self):  # noqa: ANN201
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _trip(self, many: bool, operation: Any, parameters: Any) -> None:
        async with self._adapt_connection._execute_mutex:
            driver = self._connection  # the aiosqlite.Connection
            result = await driver._execute(_run, driver._conn, many, operation, parameters)
        self._description, rows, self._rowcount, self._lastrowid = result
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._trip(False, operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._trip(True, operation, seq_of_parameters)

    async def _async_soft_close(self) -> None:
        return None  # nothing open on the driver side

    def close(self) -> None:
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        adapted.__class__ = OneTripConnection  # same slots; only the cursor class differs
        return adapted


class OneTripDialect(SQLiteDialect_aiosqlite):
    driver = "aiosqlite"
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneTripDBAPI:
        return OneTripDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(NAME, __name__, "OneTripDialect")
