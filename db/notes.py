"""A learner's notes on roadmap steps. The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import StepNote
from db.sql import is_id


async def add_note(session: AsyncSession, user_id: int, step_id: str, text: str, now: datetime) -> StepNote:
    note = StepNote(user_id=user_id, step_id=step_id, text=text, created_at=now)
    session.add(note)
    await session.flush()
    return note


async def count_notes(session: AsyncSession, user_id: int) -> int:
    return int(await session.scalar(select(func.count()).where(StepNote.user_id == user_id)) or 0)


async def notes(session: AsyncSession, user_id: int, step_id: str | None = None) -> list[StepNote]:
    """The learner's notes (on one step, or all), by step and then oldest first."""
    stmt = select(StepNote).where(StepNote.user_id == user_id)
    if step_id is not None:
        stmt = stmt.where(StepNote.step_id == step_id)
    return list(await session.scalars(stmt.order_by(StepNote.step_id, StepNote.created_at, StepNote.id)))


async def delete_note(session: AsyncSession, user_id: int, note_id: int) -> bool:
    """Delete the learner's own note `note_id`; False when they have none with that id."""
    if not is_id(note_id):
        return False
    done = await session.execute(delete(StepNote).where(StepNote.id == note_id, StepNote.user_id == user_id))
    return bool(done.rowcount)
