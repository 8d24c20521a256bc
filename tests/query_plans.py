"""Which tables a statement reads in full, from the database's own plan: SQLite's EXPLAIN QUERY PLAN
(which also shows the foreign-key lookups a DELETE makes), PostgreSQL's EXPLAIN (FORMAT JSON). And the
statements some code runs, caught on its engine, so the plans checked are those of the real code.

Used by tests/test_indexes.py and bench/scale.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.models import Base

TABLES = frozenset(Base.metadata.tables)
_PLANNED = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")
# "SCAN reminders", "SCAN reminders USING COVERING INDEX ..." (older SQLite: "SCAN TABLE reminders")
_SQLITE_SCAN = re.compile(r"^SCAN (?:TABLE )?(\w+)")


@contextmanager
def caught_statements(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """The planned statements (SQL as sent to the driver, and their parameters) run on `engine` inside
    the block; statements run with many parameter sets at once are left out."""
    caught: list[tuple[str, Any]] = []

    def grab(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        words = statement.split(None, 1)
        if not executemany and words and words[0].upper() in _PLANNED:
            caught.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", grab)
    try:
        yield caught
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", grab)


async def plan(conn: AsyncConnection, statement: str, parameters: Any = ()) -> list[str]:
    """The plan as lines, for messages: SQLite's detail column, or PostgreSQL's text plan."""
    if conn.dialect.name == "postgresql":
        rows = await conn.exec_driver_sql("EXPLAIN " + statement, parameters)
        return [r[0] for r in rows]
    rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    return [r[3] for r in rows]


async def full_scans(conn: AsyncConnection, statement: str, parameters: Any = ()) -> set[str]:
    """The tables of the schema that this statement reads from end to end: a table scan, or a walk over
    a whole index with no condition on it. Searches through an index are not scans."""
    if conn.dialect.name == "postgresql":
        found = (await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)).scalar()
        if isinstance(found, str):
            found = json.loads(found)
        return {t for t in _pg_scans(found[0]["Plan"]) if t in TABLES}
    rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    return {m[1] for r in rows if (m := _SQLITE_SCAN.match(r[3])) and m[1] in TABLES}


def _pg_scans(node: dict) -> Iterator[str]:
    kind, table = node.get("Node Type"), node.get("Relation Name")
    if kind == "Seq Scan" or (kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node):
        yield table
    for child in node.get("Plans", ()):
        yield from _pg_scans(child)
