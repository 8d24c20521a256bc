"""The resources of a step a learner marked done. The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ResourceMark
from db.sql import dialect_insert


async def done_urls(session: AsyncSession, user_id: int, step_id: str | None = None) -> set[tuple[str, str]]:
    """(step id, url) of every resource the learner marked done (on one step, or all)."""
    stmt = select(ResourceMark.step_id, ResourceMark.url).where(ResourceMark.user_id == user_id)
    if step_id is not None:
        stmt = stmt.where(ResourceMark.step_id == step_id)
    return {(s, u) for s, u in await session.execute(stmt)}


async def set_done(
    session: AsyncSession, user_id: int, step_id: str, url: str, done: bool, now: datetime
) -> None:
    """Mark a resource done (a repeat keeps the first time) or not done."""
    if done:
        await session.execute(
            dialect_insert(session, ResourceMark)
            .values(user_id=user_id, step_id=step_id, url=url, done_at=now)
            .on_conflict_do_nothing(index_elements=["user_id", "step_id", "url"])
        )
    else:
        await session.execute(
            delete(ResourceMark).where(
                ResourceMark.user_id == user_id, ResourceMark.step_id == step_id, ResourceMark.url == url
            )
        )
