"""The app's own wiring: repeated platform updates are dropped (handlers.core.middleware.drop_repeats, marks
in db.events) and their marks pruned by age, on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import REPEATS_KEPT, ROUTERS, App, settle_heap
from db.models import ProcessedEvent, StudyLog
from db.study_logs import add_study_log
from handlers.core.markup import parse
from handlers.core.router import Router, parse_line
from handlers.core.types import Event, Reply
from tests.conftest import make_settings, texts

ROOT = Path(__file__).resolve().parent.parent


def _update(chat, text: str, event_id: str) -> Event:  # noqa: ANN001
    return Event(chat.user, chat.chat, parse_line(text), event_id=event_id)


async def _count(app: App, model) -> int:  # noqa: ANN001
    async with app.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)))


async def test_a_repeated_update_gets_no_reply_and_changes_nothing(db_app):
    chat = db_app.fake.chat("alice")
    first = await db_app.fake.deliver(_update(chat, "/log 30", "telegram-update-7"))
    again = await db_app.fake.deliver(_update(chat, "/log 30", "telegram-update-7"))
    other = await db_app.fake.deliver(_update(chat, "/log 30", "telegram-update-8"))
    assert "Logged" in texts(first) and again == [] and "Logged" in texts(other)
    assert await _count(db_app, StudyLog) == 2
    repeat = {"platform": "fake", "chat": "direct", "outcome": "repeat"}
    assert db_app.metrics.registry.get_sample_value("studybuddy_messages_handled_total", repeat) == 1
    no_id = [await chat.say("/log 5") for _ in range(2)]  # events without an id are never repeats
    assert all("Logged" in texts(r) for r in no_id)


async def test_an_update_whose_handling_failed_is_handled_when_sent_again(tmp_path, db_url, clock):
    """The mark is rolled back with the failed event's work, so Telegram's re-send is handled."""
    flaky = Router("flaky")
    calls = []

    @flaky.command("flaky")
    async def handler(ctx) -> Reply:  # noqa: ANN001
        calls.append(1)
        await add_study_log(ctx.session, ctx.user.id, 10, "half done", ctx.now())
        if len(calls) == 1:
            raise ConnectionError("the database went away mid-event")
        return Reply(parse("done"))

    from bot.adapters.fake import FakeAdapter

    fake = FakeAdapter()
    async with App(make_settings(tmp_path, database_url=db_url), [fake], clock, (flaky, *ROUTERS)) as app:
        chat = fake.chat("alice")
        failed = await fake.deliver(_update(chat, "/flaky", "u-1"))
        assert "went wrong" in texts(failed) and await _count(app, StudyLog) == 0
        assert await _count(app, ProcessedEvent) == 0
        resent = await fake.deliver(_update(chat, "/flaky", "u-1"))
        assert texts(resent) == "done" and await _count(app, StudyLog) == 1
        assert await fake.deliver(_update(chat, "/flaky", "u-1")) == [] and len(calls) == 2


async def test_marks_of_handled_updates_are_pruned_after_two_days(db_app, clock):
    chat = db_app.fake.chat("alice")
    await db_app.fake.deliver(_update(chat, "/help", "old"))
    clock.set(clock.now() + REPEATS_KEPT + timedelta(minutes=1))
    await db_app.fake.deliver(_update(chat, "/help", "recent"))
    assert await db_app.forget_old_events() == 1
    async with db_app.sessions() as s:
        assert list((await s.execute(select(ProcessedEvent.event_id))).scalars()) == ["recent"]
    assert await db_app.fake.deliver(_update(chat, "/help", "recent")) == []


def test_settle_heap_takes_what_start_up_made_out_of_the_collectors_scans() -> None:
    gc.unfreeze()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 1000  # modules, content, routes...: all out of the collections' way
    finally:
        gc.unfreeze()  # the rest of the test process collects as before


@pytest.mark.slow
def test_the_app_loads_no_web_server_unless_health_is_asked_for() -> None:
    """aiohttp takes ~0.2 s of a start-up on one core; only HEALTH_PORT needs it (bot.health)."""
    code = "import sys, bot.app, bot.cli; print('aiohttp' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"
