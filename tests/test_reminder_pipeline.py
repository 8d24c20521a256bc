"""The reminder service's delivery pipeline (bot/reminders.py `deliver`) and its global pacer (`Pacer`):
messages composed a few ahead of the sends, never a round at once; rounds overlapping; at shutdown the
claimed rest handed back; the pacer keeping its rate when the event loop wakes it late, and never more
than 1 + rate turns in a second. The pacer runs on a fake clock; nothing here is timed."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.reminders import Pacer, ReminderService, ReminderSettings
from bot.settings import REPO_CONTENT
from db.engine import make_engine, make_sessions
from db.models import Delivery
from handlers.content.store import ContentStore
from tests.conftest import DATABASES, seed_due_reminders

RATE = 29.0


class FakeTime:
    """A clock and a sleep for the pacer: every sleep wakes `late` seconds after it was due."""

    def __init__(self, late: float = 0.0) -> None:
        self.now, self.late = 1000.0, late

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self.late
        await asyncio.sleep(0)  # let the other waiters queue, as a real sleep would


async def turns(pacer: Pacer, t: FakeTime, n: int, work: float = 0.0) -> list[float]:
    """`n` turns taken one after another, each followed by `work` seconds of sending."""
    taken = []
    for _ in range(n):
        async with pacer:
            taken.append(t.now)
        t.now += work
    return taken


def most_in_a_second(times: list[float]) -> int:
    return max(sum(1 for u in times if s <= u < s + 1.0) for s in times)


@pytest.mark.parametrize("late_share", [0.0, 0.2, 0.45])
async def test_a_late_wake_up_is_made_up_and_the_rate_kept(late_share):
    t = FakeTime(late=late_share / RATE)
    taken = await turns(Pacer(RATE, clock=t.clock, sleep=t.sleep), t, 291, work=0.004)
    steady = taken[1:]  # the first turn is at once, the second may come the slack early
    assert (len(steady) - 1) / (steady[-1] - steady[0]) == pytest.approx(RATE, rel=1e-6)
    assert most_in_a_second(taken) <= RATE + 1


async def test_later_than_the_slack_loses_only_the_rest():
    interval = 1 / RATE
    t = FakeTime(late=0.8 * interval)  # 0.5 of it made up, 0.3 lost each turn
    taken = (await turns(Pacer(RATE, clock=t.clock, sleep=t.sleep), t, 102))[1:]
    assert (taken[-1] - taken[0]) / 100 == pytest.approx(1.3 * interval, rel=1e-6)


async def test_a_burst_of_waiters_gets_turns_in_order_never_more_than_rate_plus_one_a_second():
    t = FakeTime(late=0.0)
    pacer = Pacer(RATE, clock=t.clock, sleep=t.sleep)
    order: list[tuple[int, float]] = []

    async def one(i: int) -> None:
        async with pacer:
            order.append((i, t.now))

    await asyncio.gather(*(one(i) for i in range(120)))
    assert [i for i, _ in order] == list(range(120))
    times = [at for _, at in order]
    assert most_in_a_second(times) <= RATE + 1
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.5 / RATE - 1e-9


# ---- the pipeline, on each database ----------------------------------------------------------------


class Probe(ReminderService):
    """Counts messages composed and not yet sent, at most."""

    composed = sent = most_ahead = 0

    async def _message(self, d, r):  # noqa: ANN001, ANN202
        self.composed += 1
        self.most_ahead = max(self.most_ahead, self.composed - self.sent)
        await asyncio.sleep(0.001)  # composing takes a moment
        return await super()._message(d, r)


def probe(db_url: str, send, **settings) -> tuple[Probe, object]:  # noqa: ANN001, ANN003
    engine = make_engine(db_url)
    tuned = ReminderSettings(global_rate=500, chat_rate=1, stale_after=timedelta(0), **settings)
    svc = Probe(make_sessions(engine), SystemClock(), send, ContentStore(REPO_CONTENT), tuned)
    return svc, engine


async def statuses(engine) -> dict[str, int]:  # noqa: ANN001
    async with make_sessions(engine)() as s:
        return dict((await s.execute(select(Delivery.status, func.count()).group_by(Delivery.status))).all())


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_messages_are_composed_a_few_ahead_over_overlapping_rounds_each_sent_once(db_url):
    await seed_due_reminders(db_url, 45, "fake", lambda i: f"chat{i}")
    chats: list[str] = []
    unmarked: list[int] = []  # at each send: messages sent before it and not yet marked sent

    async def send(chat, replies) -> None:  # noqa: ANN001
        async with svc.sessions() as s:
            marked = await s.scalar(select(func.count()).where(Delivery.status == "sent"))
        unmarked.append(len(chats) - marked)
        chats.append(chat.chat_id)
        svc.sent += 1

    svc, engine = probe(db_url, send, send_batch=10, compose_ahead=3)
    now = datetime.now(UTC)
    assert await svc.claim(now) == 45
    assert await svc.deliver(now) == 45  # five rounds of 10 (the last one short)
    assert Counter(chats) == Counter(f"chat{i}" for i in range(45))
    assert 1 < svc.most_ahead <= 3  # ahead of the sends, but never a whole round of 10
    assert set(unmarked) == {0}  # each one marked before the next goes: a crash repeats at most one
    assert await statuses(engine) == {"sent": 45}
    await engine.dispose()


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_at_shutdown_the_claimed_rest_goes_back_pending_and_the_next_start_sends_it_once(db_url):
    await seed_due_reminders(db_url, 30, "fake", lambda i: f"chat{i}")
    chats: list[str] = []

    async def send(chat, replies) -> None:  # noqa: ANN001
        chats.append(chat.chat_id)
        svc.sent += 1
        if len(chats) == 5:
            await svc.stop()  # the bot stops mid-round

    svc, engine = probe(db_url, send, send_batch=20, compose_ahead=4)
    now = datetime.now(UTC)
    await svc.claim(now)
    sent = await svc.deliver(now)
    assert sent == len(chats) == 5  # the ones composed ahead were not sent past the shutdown
    assert await statuses(engine) == {"sent": 5, "pending": 25}  # none left 'sending', none claimed twice
    assert svc.composed <= 5 + 4  # the round's other composes never started

    again, second = probe(db_url, send, send_batch=20)
    assert await again.deliver(datetime.now(UTC)) == 25
    await second.dispose()
    assert Counter(chats) == Counter(f"chat{i}" for i in range(30))  # each exactly once
    assert await statuses(engine) == {"sent": 30}
    await engine.dispose()
