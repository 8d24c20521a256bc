"""Alembic environment. The app passes its own connection (see db.migrate); the alembic CLI
(`alembic upgrade head`, `alembic revision --autogenerate`) falls back to DATABASE_URL."""

from __future__ import annotations

import asyncio
import os

from alembic import context

from db.models import Base

target_metadata = Base.metadata


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch ALTERs
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_from_url() -> None:
    from db.engine import make_engine

    url = os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///study_buddy.db")

    async def go() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(_run)
        await engine.dispose()

    asyncio.run(go())


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    _run_from_url()
