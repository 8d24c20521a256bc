"""The reminder service (bot/reminders.py): claiming, delivery, downtime, DST, failures, crashes.
Time is the fake clock; nothing sleeps."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.adapters.base import ChatBlocked, RetryLater
from bot.adapters.fake import FakeAdapter
from bot.app import App
from db import reminders as store
from db.models import Delivery, Reminder
from tests.conftest import DATABASES, make_settings, texts

# Storage and claiming run on SQLite and on PostgreSQL alike.
pytestmark = pytest.mark.parametrize("db_url", DATABASES, indirect=True)


@pytest.fixture
def app(db_app):  # noqa: ANN001, ANN201
    return db_app


def reminder_messages(fake: FakeAdapter) -> list[str]:
    return [r.plain() for _, r in fake.sent if r.plain().startswith("⏰")]


async def deliveries(app) -> list[Delivery]:  # noqa: ANN001
    async with app.sessions() as s:
        return list((await s.execute(select(Delivery).order_by(Delivery.fire_at, Delivery.seq))).scalars())


async def setup_daily(app, clock, at: str = "09:00", zone: str = "Europe/Berlin", text: str = "study"):  # noqa: ANN001, ANN201
    """Alice, in `zone`, with a daily reminder; `app` is an App with a fake adapter, or the adapter."""
    chat = (getattr(app, "fake", None) or app).chat("alice")
    await chat.say(f"/timezone {zone}")
    await chat.say(f"/remind daily {at} {text}")
    return chat


async def test_due_reminder_is_claimed_once_and_sent_once(app, clock):
    clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    await setup_daily(app, clock)
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # 09:00 in Berlin (CET)
    assert await app.reminders.claim(clock.now()) == 1
    assert await app.reminders.claim(clock.now()) == 0  # already advanced: nothing due
    await app.reminders.tick()
    await app.reminders.tick()
    assert reminder_messages(app.fake) == ["⏰ study"]
    (d,) = await deliveries(app)
    assert (d.status, d.fire_at, d.delayed) == ("sent", datetime(2026, 3, 2, 8, 0, tzinfo=UTC), False)
    async with app.sessions() as s:
        r = (await s.execute(select(Reminder))).scalar_one()
    assert r.next_fire_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC) and r.fired == 1


async def test_writing_an_occurrence_twice_keeps_one_row(app, clock):
    await setup_daily(app, clock)
    async with app.sessions() as s, s.begin():
        r = (await s.execute(select(Reminder))).scalar_one()
        row = {
            "reminder_id": r.id,
            "fire_at": clock.now(),
            "seq": 0,
            "due_at": clock.now(),
            "status": "pending",
            "attempts": 0,
            "error": "",
            "delayed": False,
            "missed_before": 0,
        }
        await store.write_deliveries(s, [row])
        await store.write_deliveries(s, [row])
    assert len(await deliveries(app)) == 1


@pytest.mark.slow
@pytest.mark.parametrize(
    ("zone", "local_days", "utc_hours"),
    [
        ("Europe/Berlin", ["2026-03-28", "2026-03-29", "2026-03-30"], [8, 7, 7]),  # spring forward
        ("Europe/Berlin", ["2026-10-24", "2026-10-25", "2026-10-26"], [7, 8, 8]),  # fall back
        ("America/New_York", ["2026-03-07", "2026-03-08", "2026-03-09"], [14, 13, 13]),
        ("America/New_York", ["2026-10-31", "2026-11-01", "2026-11-02"], [13, 14, 14]),
    ],
)
async def test_daily_nine_stays_nine_local_across_dst(app, clock, zone, local_days, utc_hours):
    clock.set(datetime.fromisoformat(local_days[0]).replace(tzinfo=UTC))  # midnight UTC, before 09:00 local
    await setup_daily(app, clock, zone=zone)
    for day in range(3):  # the moment 09:00 local comes, in UTC
        clock.set(datetime.fromisoformat(local_days[day]).replace(tzinfo=UTC, hour=utc_hours[day]))
        await app.reminders.tick()
    fired = [d.fire_at for d in await deliveries(app)]
    assert [(f.date().isoformat(), f.hour) for f in fired] == list(zip(local_days, utc_hours, strict=True))
    assert len(reminder_messages(app.fake)) == 3


async def test_after_short_downtime_one_late_message_mentions_the_missed_ones(app, clock):
    clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    await setup_daily(app, clock, zone="UTC")
    clock.set(datetime(2026, 3, 5, 10, 0, tzinfo=UTC))  # down since before Monday 09:00; back Thursday 10:00
    await app.reminders.tick()
    assert len(reminder_messages(app.fake)) == 1  # never a flood
    message = reminder_messages(app.fake)[0]
    assert "Sent late: it was due at 2026-03-05 09:00 UTC" in message
    assert "Also missed while I was offline: 3 earlier" in message
    statuses = [d.status for d in await deliveries(app)]
    assert statuses == ["missed", "missed", "missed", "sent"]


async def test_after_long_downtime_nothing_stale_is_sent_but_the_next_message_says_so(app, clock):
    clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    await setup_daily(app, clock, zone="UTC")
    clock.set(datetime(2026, 3, 3, 16, 0, tzinfo=UTC))  # 7 h after Tuesday 09:00: beyond the 6 h grace
    await app.reminders.tick()
    assert reminder_messages(app.fake) == []
    assert [d.status for d in await deliveries(app)] == ["missed", "missed"]
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    await app.reminders.tick()
    (message,) = reminder_messages(app.fake)
    assert "Also missed while I was offline: 2 earlier" in message and "Sent late" not in message


class Flaky(FakeAdapter):
    def __init__(self, failures: list[Exception | None]) -> None:
        super().__init__()
        self.failures = failures
        self.attempts = 0

    async def send(self, chat, replies):  # noqa: ANN001, ANN201
        if replies and replies[0].plain().startswith("⏰"):
            self.attempts += 1
            failure = self.failures.pop(0) if self.failures else None
            if failure is not None:
                raise failure
        await super().send(chat, replies)


async def _app_with(tmp_path, clock, adapter, db_url) -> App:  # noqa: ANN001
    return App(make_settings(tmp_path, database_url=db_url), [adapter], clock=clock)


class Timed(FakeAdapter):
    """Notes when (real time) each reminder message went out, and to which chat."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[tuple[str, float]] = []

    async def send(self, chat, replies):  # noqa: ANN001, ANN201
        if replies and replies[0].plain().startswith("⏰"):
            self.times.append((chat.chat_id, time.monotonic()))
        await super().send(chat, replies)


@pytest.mark.slow
async def test_reminders_to_one_chat_are_paced_and_other_chats_do_not_wait(tmp_path, clock, db_url):
    adapter = Timed()
    settings = make_settings(tmp_path, database_url=db_url, reminder_chat_rate=2.0)  # one every 0.5 s
    async with App(settings, [adapter], clock=clock) as app:
        alice, bob = adapter.chat("alice"), adapter.chat("bob")
        for chat in (alice, bob):
            await chat.say("/timezone UTC")
        for text in ("one", "two", "three"):
            await alice.say(f"/remind daily 10:30 {text}")
        await bob.say("/remind daily 10:30 bob's")
        clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
        await app.reminders.tick()
    to_alice = [t for chat_id, t in adapter.times if chat_id == "alice"]
    (to_bob,) = [t for chat_id, t in adapter.times if chat_id == "bob"]
    assert len(to_alice) == 3
    gaps = [b - a for a, b in zip(to_alice, to_alice[1:], strict=False)]
    assert min(gaps) >= 0.4  # paced: 2 a second to one chat
    assert to_bob - to_alice[0] < 0.4  # bob's chat has its own pace: it did not queue behind alice's


@pytest.mark.slow
async def test_rate_limits_and_transient_errors_retry_with_backoff(tmp_path, clock, db_url):
    adapter = Flaky([RetryLater("429", retry_after=30), RetryLater("502"), None])
    async with await _app_with(tmp_path, clock, adapter, db_url) as app:
        clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
        await setup_daily(adapter, clock, zone="UTC")
        clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        await app.reminders.tick()
        (d,) = await deliveries(app)
        assert (d.status, d.due_at) == ("pending", datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC))  # retry_after
        clock.advance(seconds=30)
        await app.reminders.tick()
        (d,) = await deliveries(app)
        assert d.status == "pending" and d.attempts == 2 and d.due_at > clock.now()  # exponential backoff
        clock.set(d.due_at)
        await app.reminders.tick()
    assert adapter.attempts == 3
    assert reminder_messages(adapter) == ["⏰ study"]


@pytest.mark.slow
async def test_a_blocked_chat_pauses_its_reminders_and_the_learner_is_told_later(tmp_path, clock, db_url):
    adapter = Flaky([ChatBlocked("Forbidden: bot was blocked by the user")])
    async with await _app_with(tmp_path, clock, adapter, db_url) as app:
        clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
        chat = await setup_daily(adapter, clock, zone="UTC")
        clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        await app.reminders.tick()
        clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
        await app.reminders.tick()
        assert adapter.attempts == 1  # not retried, nothing more sent while blocked
        async with app.sessions() as s:
            assert (await s.execute(select(Reminder.paused))).scalar_one() is True
        text = texts(await chat.say("/progress"))
        assert "I paused them" in text and "/resume" in text
        assert "I paused them" not in texts(await chat.say("/progress"))  # said once
        await chat.say("/resume")
        clock.set(datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
        await app.reminders.tick()
    assert reminder_messages(adapter) == ["⏰ study"]


@pytest.mark.slow
async def test_twenty_percent_failures_lose_nothing_and_double_nothing(tmp_path, clock, db_url):
    rng = random.Random(3)
    kinds = [RetryLater("429", retry_after=1), RetryLater("503"), TimeoutError("timed out")]
    adapter = Flaky([rng.choice(kinds) if rng.random() < 0.2 else None for _ in range(2000)])
    async with await _app_with(tmp_path, clock, adapter, db_url) as app:
        clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
        for i in range(60):
            chat = adapter.chat(f"learner{i}")
            await chat.say("/timezone UTC")
            await chat.say(f"/remind daily 09:00 note {i}")
        clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        for _ in range(40):  # retries come due over the next minutes
            await app.reminders.tick()
            clock.advance(seconds=30)
        rows = await deliveries(app)
    messages = reminder_messages(adapter)
    assert sorted(messages) == sorted(f"⏰ note {i}" for i in range(60))  # each exactly once
    assert {d.status for d in rows} == {"sent"}


@pytest.mark.slow
async def test_a_crash_mid_send_repeats_at_most_the_messages_in_flight(tmp_path, clock, db_url):
    settings = make_settings(tmp_path, database_url=db_url)
    adapter = FakeAdapter()
    clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    async with App(settings, [adapter], clock=clock) as app:
        for i in range(5):
            chat = adapter.chat(f"learner{i}")
            await chat.say("/timezone UTC")
            await chat.say(f"/remind daily 09:00 note {i}")
        clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        await app.reminders.claim(clock.now())
        async with app.sessions() as s, s.begin():  # a process claims two and dies before marking them
            claimed = await store.claim_deliveries(s, clock.now(), 2)
        assert len(claimed) == 2
    clock.advance(minutes=3)  # on PostgreSQL other workers may be alive: orphans are taken after 2 min
    async with App(settings, [adapter], clock=clock) as app:  # restart
        await app.reminders.start()
        await app.reminders.tick()
        await app.reminders.stop()
    assert sorted(reminder_messages(adapter)) == [f"⏰ note {i}" for i in range(5)]


@pytest.mark.slow
async def test_console_prints_a_reminder_as_soon_as_it_is_due(tmp_path, clock, db_url):
    import io

    from bot.adapters.console import ConsoleAdapter

    out = io.StringIO()
    console = ConsoleAdapter("kim", stdin=io.StringIO(""), stdout=out, interactive=False)
    clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    async with App(make_settings(tmp_path, database_url=db_url), [console], clock=clock) as app:
        await app.dispatch(console._event("/timezone UTC"))
        await app.dispatch(console._event("/remind in 45m stretch"))
        clock.advance(minutes=45)
        await app.reminders.tick()
    assert "⏰ stretch" in out.getvalue()
    assert "[1] Done ✓" in out.getvalue()


async def test_count_of_rows_stays_bounded_for_a_year_of_downtime(app, clock):
    clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    await setup_daily(app, clock, zone="UTC")
    clock.set(datetime(2028, 3, 2, 12, 0, tzinfo=UTC))
    await app.reminders.tick()
    async with app.sessions() as s:
        n = await s.scalar(select(func.count()).select_from(Delivery))
        r = (await s.execute(select(Reminder))).scalar_one()
    assert n <= 501 and r.next_fire_at == datetime(2028, 3, 3, 9, 0, tzinfo=UTC)
    assert reminder_messages(app.fake) == []


async def test_stopping_just_as_a_tick_starts_logs_no_error(app, caplog):
    from apscheduler.triggers.date import DateTrigger

    service = app.reminders
    await service.start()
    while service._lock.locked() or service._scheduler.get_job("wake"):  # start's own tick is over
        await asyncio.sleep(0.01)
    executor = service._scheduler._lookup_executor("default")
    service._scheduler.add_job(service.tick, DateTrigger(run_date=datetime.now(UTC)), id="due-now")
    for _ in range(100):  # the scheduler submits it: its task is created, and has not run yet
        if executor._pending_futures:
            break
        await asyncio.sleep(0)
    (started,) = executor._pending_futures
    await service.stop()
    await asyncio.sleep(0.01)
    assert started.done() and not started.cancelled()  # it ran, saw the service stopping, and returned
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
