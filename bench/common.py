"""What the benchmarks share: percentiles, filling a migrated database fast (SQLite text, PostgreSQL
COPY) and a throw-away PostgreSQL. Imported by the scripts in bench/ (which put the repository on
sys.path first); no figures of its own."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy.engine import make_url

from db.engine import make_engine
from db.migrate import upgrade

ACCOUNT_COLUMNS = ["platform", "platform_user_id", "user_id", "since"]


def with_accounts(columns: list[str], rows: Iterable[tuple]) -> tuple[list[str], list[tuple], list[tuple]]:
    """Learner rows written with their account in them (`columns` has "platform" and
    "platform_user_id") as the tables hold them: (users' columns, users rows, accounts rows, each
    account since the learner's `created_at`)."""
    at = {name: i for i, name in enumerate(columns)}
    drop = {at["platform"], at["platform_user_id"]}
    users, accounts = [], []
    for row in rows:
        users.append(tuple(v for i, v in enumerate(row) if i not in drop))
        account = ("platform", "platform_user_id", "id", "created_at")
        accounts.append(tuple(row[at[name]] for name in account))
    return [c for i, c in enumerate(columns) if i not in drop], users, accounts


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))] if s else float("nan")


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 50):.2f} ms, p99 {pct(values, 99):.2f} ms, max {max(values):.2f} ms"


def as_sqlite(rows: Iterable[tuple]) -> Iterator[tuple]:
    """Datetimes as SQLAlchemy stores them on SQLite (naive UTC text), booleans as 0/1."""
    for row in rows:
        yield tuple(
            v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            if isinstance(v, datetime)
            else int(v)
            if isinstance(v, bool)
            else v
            for v in row
        )


async def migrate(url: str) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def pg_copy(url: str, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """COPY through asyncpg; foreign-key triggers off for the fill (the rows are consistent)."""
    import asyncpg  # noqa: PLC0415

    conn = await asyncpg.connect(dsn(url))
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.copy_records_to_table(table, records=rows, columns=columns)
        await conn.execute(f"ANALYZE {table}")
    finally:
        await conn.close()


@asynccontextmanager
async def postgres():  # noqa: ANN201
    """A fresh database URL on TEST_POSTGRES_URL or a private cluster; None when neither exists."""
    from tests import pg  # noqa: PLC0415

    server = os.environ.get("TEST_POSTGRES_URL")
    cluster = None
    if not server:
        if not pg.available():
            yield None
            return
        cluster = pg.Cluster.start()
        server = cluster.url
    try:
        async with pg.fresh_database(server) as url:
            yield url
    finally:
        if cluster is not None:
            cluster.stop()
