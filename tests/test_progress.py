"""db/progress.py on both databases: a learner's state per roadmap step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db import progress
from db.models import StepProgress
from tests.stores import NOW, count_rows, make_user


async def test_step_state_is_inserted_updated_and_taken_back(sessions) -> None:  # noqa: ANN001
    uid = await make_user(sessions)
    async with sessions() as s, s.begin():
        await progress.set_step_state(s, uid, "python", "doing", NOW)
        await progress.set_step_state(s, uid, "numpy", "skipped", NOW)
    async with sessions() as s, s.begin():
        assert await progress.step_states(s, uid) == {"python": "doing", "numpy": "skipped"}
        await progress.set_step_state(s, uid, "python", "done", NOW + timedelta(hours=1))  # update in place
    async with sessions() as s, s.begin():
        assert await progress.step_states(s, uid) == {"python": "done", "numpy": "skipped"}
        updated = await s.scalar(select(StepProgress.updated_at).where(StepProgress.step_id == "python"))
        assert updated == NOW + timedelta(hours=1)
        await progress.set_step_state(s, uid, "numpy", None, NOW)  # back to not started
        await progress.set_step_state(s, uid, "never-started", None, NOW)  # nothing to delete: fine
    async with sessions() as s:
        assert await progress.step_states(s, uid) == {"python": "done"}
    assert await count_rows(sessions, StepProgress) == 1


async def test_unknown_step_state_is_refused(sessions) -> None:  # noqa: ANN001
    uid = await make_user(sessions)
    async with sessions() as s, s.begin():
        with pytest.raises(ValueError, match="unknown step state"):
            await progress.set_step_state(s, uid, "python", "finished", NOW)
    assert await count_rows(sessions, StepProgress) == 0
