"""A learner's roadmap progress: one state per roadmap step, keyed by the step's stable id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import StepProgress
from db.sql import dialect_insert

STEP_STATES = ("doing", "done", "skipped")


async def step_states(session: AsyncSession, user_id: int) -> dict[str, str]:
    rows = await session.execute(
        select(StepProgress.step_id, StepProgress.state).where(StepProgress.user_id == user_id)
    )
    return {step_id: state for step_id, state in rows}


async def states_and_times(session: AsyncSession, user_id: int) -> dict[str, tuple[str, datetime]]:
    """Each step's state and when the learner last changed it (one read for the weekly review)."""
    rows = await session.execute(
        select(StepProgress.step_id, StepProgress.state, StepProgress.updated_at).where(
            StepProgress.user_id == user_id
        )
    )
    return {step_id: (state, at) for step_id, state, at in rows}


async def set_step_state(
    session: AsyncSession, user_id: int, step_id: str, state: str | None, now: datetime
) -> None:
    """Set a step's state; None takes it back to not started."""
    if state is None:
        await session.execute(
            delete(StepProgress).where(StepProgress.user_id == user_id, StepProgress.step_id == step_id)
        )
        return
    if state not in STEP_STATES:
        raise ValueError(f"unknown step state {state!r}")
    stmt = dialect_insert(session, StepProgress).values(
        user_id=user_id, step_id=step_id, state=state, updated_at=now
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_id", "step_id"], set_={"state": state, "updated_at": now}
        )
    )
