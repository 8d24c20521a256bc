"""SQLAlchemy's aiosqlite dialect, with every statement run in the event loop's own thread.

aiosqlite runs SQLite in a thread of its own, and every call crosses to it and back: about 110 µs on
one core of these machines, where the statement itself takes 3-10 µs. SQLAlchemy's adapter makes four
crossings per statement (open a cursor, execute, fetch, close) and one each for BEGIN and COMMIT. Here
a statement (execute, fetch all rows, read rowcount/lastrowid, close), COMMIT and ROLLBACK run straight
on the sqlite3 connection, in the loop's thread, without crossing. aiosqlite still opens and closes the
connection in its thread.

SQLAlchemy's async API still wraps each statement in a greenlet that waits for the driver's coroutine
(it requires one await). A driver that never waits needs none: a statement called outside a greenlet
(db.sql.execute, on a connection already in its transaction) runs as a plain call. Together with the
Core statements built once, that is what lets a review press, 6 statements, cost about a millisecond.

Why that is safe for this bot:
- Only one task uses the connection at a time (the pool has one connection, see db.engine), so the
  loop and aiosqlite's thread never touch it at once; SQLAlchemy already opens it with
  check_same_thread=False.
- The one statement that can wait is BEGIN IMMEDIATE, when another process holds SQLite's write
  lock. It is tried in the loop with no busy wait; if the lock is taken, it is sent to aiosqlite's
  thread, which waits there (up to the busy timeout) while the loop goes on. Inside the transaction
  this connection holds the write lock, and in WAL mode readers never block, so nothing else waits.
- A statement blocks the loop for as long as it runs. The bot's statements take microseconds to a few
  milliseconds; the longest (a large group's /stats, a bench's bulk fill) take tens of milliseconds,
  and with one connection every other database task waits for them anyway. Work that is slow without
  the database (the FAQ model) runs in threads of its own.

Used automatically for `sqlite+aiosqlite` URLs (see db.engine). The classes extend SQLAlchemy 2.1's
own aiosqlite adapter, which is why pyproject pins SQLAlchemy to 2.1.x; tests/test_sqlite_driver.py
checks the behaviour, that no statement crosses, and that a locked database does not stall the loop.
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
from sqlalchemy.util import EMPTY_DICT, await_
from sqlalchemy.util.concurrency import in_greenlet

NAME = "sqlite.aiosqlite_inline"
BUSY_TIMEOUT_MS = 10_000  # how long BEGIN IMMEDIATE waits (in aiosqlite's thread) for another writer
SQLITE_BUSY = 5


def _run(conn: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> tuple:
    """The whole statement, start to finish."""
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


def _try_begin(conn: sqlite3.Connection) -> bool:
    """BEGIN IMMEDIATE without waiting: False when another connection holds the write lock."""
    conn.execute("PRAGMA busy_timeout=0")
    try:
        conn.execute("BEGIN IMMEDIATE")
        return True
    except sqlite3.OperationalError as error:
        if getattr(error, "sqlite_errorcode", SQLITE_BUSY) & 0xFF != SQLITE_BUSY:
            raise
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


class InlineCursor(AsyncAdapt_aiosqlite_cursor):
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

    def _now(self, many: bool, operation: Any, parameters: Any) -> None:
        result = _run(self._connection._conn, many, operation, parameters)
        self._description, rows, self._rowcount, self._lastrowid = result
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> None:
        if in_greenlet():  # through SQLAlchemy's async API, which requires one await (AwaitRequired)
            return super().execute(operation, parameters)
        try:  # a plain call from the loop (db.sql.execute): no greenlet, nothing to await
            self._now(False, operation, parameters)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        return None

    async def _statement(self, many: bool, operation: Any, parameters: Any) -> None:
        # A coroutine only because SQLAlchemy's async layer expects one to be awaited (it switches
        # greenlets to run it): it never suspends.
        self._now(many, operation, parameters)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._statement(False, operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._statement(True, operation, seq_of_parameters)

    async def _async_soft_close(self) -> None:
        return None  # nothing open on the driver side

    def close(self) -> None:
        self._rows.clear()


class InlineConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = InlineCursor

    def begin_immediate(self) -> None:
        """Take the write lock (db.engine issues this at the start of every transaction)."""
        try:
            if not _try_begin(self._connection._conn):
                await_(self._connection.execute_fetchall("BEGIN IMMEDIATE"))  # waits in the thread
        except Exception as error:
            self._handle_exception(error)

    def _end(self, commit: bool) -> None:
        conn = self._connection._connection
        if conn is not None:
            try:
                conn.commit() if commit else conn.rollback()
            except Exception as error:
                self._handle_exception(error)

    def commit(self) -> None:
        self._end(commit=True)

    def rollback(self) -> None:
        self._end(commit=False)


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> InlineConnection:
        adapted = super().connect(*arg, **kw)
        adapted.__class__ = InlineConnection  # same slots; only the cursor class and methods differ
        return adapted


class InlineDialect(SQLiteDialect_aiosqlite):
    driver = "aiosqlite"
    supports_statement_cache = True
    # a statement on a connection already in its transaction needs no greenlet (db.sql.execute)
    runs_inline = True

    @classmethod
    def import_dbapi(cls) -> InlineDBAPI:
        return InlineDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(NAME, __name__, "InlineDialect")
