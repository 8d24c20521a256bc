"""/focus (handlers/focus.py): a session with stop, +5 and cancel, its end sent by the reminder service
(once, also after a restart) and logged once, a break and another round; en and zh."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Reminder, StudyLog
from tests.conftest import DATABASES, buttons, texts


async def _logs(app) -> list[tuple[int, str]]:  # noqa: ANN001
    async with app.sessions() as s:
        return [(row.minutes, row.note) for row in await s.scalars(select(StudyLog).order_by(StudyLog.id))]


async def _tick(app, clock, **delta) -> list:  # noqa: ANN001, ANN003
    before = len(app.fake.sent)
    clock.advance(**delta)
    await app.reminders.tick()
    return [r for _, r in app.fake.sent[before:]]


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_a_focus_session_runs_to_the_end_is_logged_once_and_offers_a_break(db_app, clock):
    app = db_app
    chat = app.fake.chat("alice")
    (started,) = await chat.say("/focus 25 linear algebra")
    assert started.plain().startswith("⏱️ Focus: 25 min of linear algebra, until 10:25.")
    assert [lbl for lbl, _ in buttons([started])] == ["Stop now", "+5 min", "Cancel"]
    assert "You're in a focus session already" in texts(await chat.say("/focus 10"))
    (end,) = await _tick(app, clock, minutes=25)
    assert end.plain().startswith("✅ Time's up: 25 min of linear algebra logged.")
    assert await _logs(app) == [(25, "linear algebra")]
    assert await _tick(app, clock, minutes=1) == []  # never twice
    chat.last = [end]
    (brk,) = await chat.click("5-min break")
    assert "Break for 5 min" in brk.plain()
    (over,) = await _tick(app, clock, minutes=5)
    assert over.plain() == "☕ Break's over. Another round of linear algebra?"
    chat.last = [over]
    (again,) = await chat.click("Another 25 min")
    assert again.plain().startswith("⏱️ Focus: 25 min of linear algebra")
    assert await _logs(app) == [(25, "linear algebra")]


async def test_stop_logs_the_minutes_so_far_and_cancel_logs_nothing(app, clock):
    chat = app.fake.chat("alice")
    await chat.say("/focus 30 pandas")
    clock.advance(minutes=12)
    (stopped,) = await chat.click("Stop now")
    assert stopped.replace and stopped.plain() == "Stopped: 12 min of pandas logged."
    assert await _tick(app, clock, minutes=30) == []  # the end is gone with it
    await chat.say("/focus statistics")  # the default 25 minutes
    clock.advance(minutes=3)
    (extended,) = await chat.click("+5 min")
    assert "+5 min: statistics until" in extended.plain()
    (cancelled,) = await chat.click("Cancel")
    assert "nothing was logged" in cancelled.plain()
    assert await _logs(app) == [(12, "pandas")]
    assert await _tick(app, clock, hours=1) == []


async def test_the_end_survives_a_restart(settings, clock):
    from tests.conftest import app_on  # noqa: PLC0415

    async with app_on(settings, clock) as app:
        await app.fake.chat("alice").say("/focus 20 maths")
    clock.advance(minutes=20)
    async with app_on(settings, clock) as app:
        await app.reminders.tick()
        assert [r.plain() for _, r in app.fake.sent][-1].startswith("✅ Time's up: 20 min of maths logged.")
        assert await _logs(app) == [(20, "maths")]


async def test_focus_refusals_and_someone_elses_buttons(app, clock):
    chat = app.fake.chat("alice")
    assert "1 to 180 minutes" in texts(await chat.say("/focus 500"))
    group = app.fake.chat("alice", chat_id="g", group=True)
    assert "private chat" in texts(await group.say("/focus 25"))
    await chat.say("/focus 25 sql")
    mallory = app.fake.chat("mallory")
    mallory.last = chat.last
    (refused,) = await mallory.click("Stop now")
    assert "belongs to someone else" in refused.plain()
    async with app.sessions() as s:
        assert (await s.scalar(select(Reminder))).next_fire_at is not None
    assert await _logs(app) == []


async def test_focus_in_chinese(app, clock):
    chat = app.fake.chat("alice")
    await chat.say("/lang zh")
    (started,) = await chat.say("/focus 15 线性代数")
    assert started.plain().startswith("⏱️ 专注：15 分钟 线性代数")
    (end,) = await _tick(app, clock, minutes=15)
    assert end.plain().startswith("✅ 时间到：记录了 15 分钟 线性代数。")
    assert [lbl for lbl, _ in buttons([end])] == ["休息 5 分钟", "再来 15 分钟"]
