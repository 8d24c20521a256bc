"""The reminder service: APScheduler is the clock, the database is the truth.

tick():
1. claim: in one transaction, due reminders are advanced to their next fire time (computed from the
   rule in local wall-clock time) and one delivery row per (reminder, fire time) is written under a
   UNIQUE constraint. After downtime, the latest occurrence inside the grace window is sent (marked
   delayed); older ones are recorded as missed and mentioned in the next message.
2. deliver: pending deliveries are marked 'sending', sent through per-chat and global rate limits,
   then marked sent. Rate limits and transient errors retry with backoff; a blocked chat pauses its
   reminders and the owner is told when they next write. A process that dies mid-send leaves its rows
   'sending'; the next start sends them again (at most the one in flight is repeated).

On SQLite one process claims; on PostgreSQL several can (FOR UPDATE SKIP LOCKED, see db/reminders.py).

A reminder of another kind than "text" (a learner's review nudge, a group's quiz of the day) goes the same
way; its message is composed when it is sent (`compose`, by kind), and an occurrence with nothing to say
(no cards due) is recorded as skipped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from aiolimiter import AsyncLimiter
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.base import ChatBlocked, RetryLater
from db import reminders as store
from db.models import Delivery, Reminder
from handlers.content import Content
from handlers.content.store import ContentStore
from handlers.core.types import ChatRef, Clock, Reply, drawn
from handlers.reminders import reminder_reply
from handlers.schedule import Rule, next_fire

log = logging.getLogger(__name__)

Send = Callable[[ChatRef, list[Reply]], Awaitable[None]]
# The message of a reminder of another kind than "text" (a review nudge, a quiz of the day), composed when
# it is sent; None: nothing to say this time (no cards due...), the occurrence is recorded as skipped.
Compose = Callable[[AsyncSession, Content, Reminder, Delivery, datetime], Awaitable[Reply | None]]
RELEASED = "released"  # not a stored status: a claimed delivery handed back at shutdown


@dataclass(frozen=True)
class ReminderSettings:
    grace: timedelta = timedelta(hours=6)  # later than this, an occurrence is missed, not sent
    safety_tick: float = 30.0  # seconds: wake up at least this often, whatever the schedule says
    batch: int = 1000  # reminders claimed per transaction
    send_batch: int = 200  # deliveries claimed per round
    # messages composed (or being composed) ahead of the global limiter: enough that the limiter never
    # waits on a compose, few enough that a round's composes don't all run at once and crowd each other
    compose_ahead: int = 6
    global_rate: float = 29.0  # messages per second, all chats: a hair under the platforms' ~30/s ceiling
    chat_rate: float = 1.0  # messages per second, per chat
    max_attempts: int = 8
    stale_after: timedelta = timedelta(minutes=2)  # a 'sending' row older than this was orphaned


@lru_cache(maxsize=65536)
def _next(rule_json: str, zone: str, after: datetime, fired: int) -> datetime | None:
    """Many reminders share a rule and a zone (daily 19:00 in Asia/Kolkata...): compute once."""
    return next_fire(Rule.from_json(rule_json), ZoneInfo(zone), after, fired)


class Pacer:
    """Turns at most `rate` a second, evenly spaced, one at a time in the order asked (`async with`).

    A leaky bucket of capacity 1 (aiolimiter's) counts the next interval from the moment a turn was
    actually taken, so every millisecond the event loop is late waking a waiter is lost for good: at
    29/s, 2 ms late on average is 27.4/s. Here turns keep to a timetable (`_due`, one interval apart): a
    turn may be given up to `slack` of an interval before its time, so a turn taken up to that late is
    made up by the next one instead. Each turn moves the timetable on by a whole interval from its own
    time or from when it was taken, whichever is later (GCRA), so any two turns n apart are at least
    n intervals less `slack` apart: no second holds more than 1 + rate turns, as with a bucket of
    capacity 1. After a pause (nobody waiting) the timetable starts again from now."""

    def __init__(
        self,
        rate: float,
        slack: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.interval = 1 / rate
        self.slack = slack * self.interval
        self._clock, self._sleep = clock, sleep
        self._due = -float("inf")  # the next turn's time on `clock`
        self._lock = asyncio.Lock()  # waiters queue here, first come first served

    async def __aenter__(self) -> None:
        async with self._lock:
            wait = self._due - self.slack - self._clock()
            if wait > 0:
                await self._sleep(wait)
            self._due = max(self._due, self._clock()) + self.interval

    async def __aexit__(self, *exc: object) -> None:
        return None


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    seconds = min(600.0, 2.0 ** max(0, attempts))  # 2, 4, 8 ... 10 min
    return timedelta(seconds=max(seconds, retry_after or 0.0))


class ReminderService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        send: Send,
        store_: ContentStore,
        settings: ReminderSettings | None = None,
        compose: Mapping[str, Compose] | None = None,
    ) -> None:
        self.sessions, self.clock, self.send, self.content = sessions, clock, send, store_
        self.compose = dict(compose or {})  # Reminder.kind -> its message; "text" is reminder_reply
        self.settings = settings or ReminderSettings()
        # evenly spaced sends, no bursts (platforms count per second, and a burst that dies mid-way
        # leaves many messages sent but not yet marked)
        self._global = Pacer(self.settings.global_rate)
        self._per_chat: dict[tuple[str, str], AsyncLimiter] = {}
        self._unmarked = asyncio.Lock()  # held from a message's send until it is marked sent
        self._lock = asyncio.Lock()
        self._scheduler: AsyncIOScheduler | None = None
        self._started_once = False
        self._stopping = False
        self.observe: Callable[[str, int], None] = lambda state, count: None  # metrics hook

    # lifecycle

    async def start(self) -> None:
        async with self.sessions() as session, session.begin():
            released = await store.release_stale(session, self.clock.now() - self.settings.stale_after)
        if released:
            log.warning(
                "%d reminder message(s) were in flight when the bot last stopped; sending again", released
            )
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self.settings.safety_tick),
            id="safety",
            max_instances=1,
            coalesce=True,
        )
        self._scheduler.start()
        self.wake()

    async def release_orphans(self) -> int:
        """'sending' rows whose process died go back to pending. On SQLite this is the only claiming
        process, so every such row is an orphan; on PostgreSQL only rows older than `stale_after`."""
        async with self.sessions() as session, session.begin():
            single = session.bind.dialect.name == "sqlite" and not self._started_once
            age = timedelta(0) if single else self.settings.stale_after
            self._started_once = True
            return await store.release_stale(session, self.clock.now() - age + timedelta(microseconds=1))

    async def stop(self) -> None:
        """No new ticks or rounds; the running tick finishes what is already going out and hands the
        rest of its claimed deliveries back (pending, picked up at the next start), then the scheduler
        goes (shutting it down first would cancel the tick mid-transaction)."""
        self._stopping = True
        if self._scheduler is not None:
            self._scheduler.pause()  # no job starts from here on
        # A tick the scheduler started a moment ago runs now and returns at once (it sees _stopping);
        # shut down under it, its task would be cancelled, which APScheduler logs as an error.
        await asyncio.sleep(0)
        async with self._lock:
            if self._scheduler is not None:
                self._scheduler.shutdown(wait=False)
                self._scheduler = None

    def wake(self, at: datetime | None = None) -> None:
        """Run a tick at `at` (default: now). Called after a reminder changes and after each tick."""
        if self._scheduler is None:
            return
        when = max(at or self.clock.now(), datetime.now(UTC) + timedelta(milliseconds=20))
        self._scheduler.add_job(
            self.tick,
            DateTrigger(run_date=when),
            id="wake",
            replace_existing=True,
            misfire_grace_time=None,
            max_instances=10,  # ticks queue on self._lock; a wake during a tick must not be dropped
        )

    async def tick(self) -> None:
        if self._stopping:
            return
        async with self._lock:
            if self._stopping:
                return
            try:
                now = self.clock.now()
                await self.release_orphans()
                await self.claim(now)
                await self.deliver(now)
                async with self.sessions() as session:
                    upcoming = await store.earliest_due(session)
                    self.observe("queue", await store.queue_depth(session, self.clock.now()))
            except Exception:
                log.exception("reminder tick failed; the next tick retries")
                return
        if upcoming is not None and self._scheduler is not None:
            self.wake(upcoming)

    # 1. claim

    async def claim(self, now: datetime) -> int:
        """Advance every due reminder and write its deliveries. Returns how many reminders were claimed."""
        total = 0
        grace = self.settings.grace
        while True:
            async with self.sessions() as session, session.begin():
                due = await store.due_reminders(session, now, self.settings.batch)
                if not due:
                    return total
                rows, updates = [], []
                for r in due:
                    row, change = self._advance(r, now, grace)
                    rows.extend(row)
                    updates.append(change)
                await store.write_deliveries(session, rows)
                await store.advance_reminders(session, updates)
            total += len(due)
            self.observe("claimed", len(due))
            self.observe("missed", sum(1 for row in rows if row["status"] == store.MISSED))
            if len(due) < self.settings.batch:
                return total

    @staticmethod
    def _advance(r, now: datetime, grace: timedelta) -> tuple[list[dict], dict]:  # noqa: ANN001 (a due row)
        occurrences: list[datetime] = []
        t, fired = r.next_fire_at, r.fired
        while t is not None and t <= now:
            occurrences.append(t)
            fired += 1
            t = _next(r.rule, r.timezone, t, fired)
            if len(occurrences) >= 500:  # years of downtime: jump to the present
                t = _next(r.rule, r.timezone, now, fired)
                break
        rows = []
        latest = occurrences[-1]
        send_latest = now - latest <= grace
        missed = occurrences[:-1] if send_latest else occurrences
        base = {
            "reminder_id": r.id,
            "seq": 0,
            "attempts": 0,
            "error": "",
            "delayed": False,
            "missed_before": 0,
        }
        rows += [{**base, "fire_at": m, "due_at": m, "status": store.MISSED} for m in missed]
        missed_unreported = r.missed_unreported + len(missed)
        if send_latest:
            rows.append(
                {
                    **base,
                    "fire_at": latest,
                    "due_at": now,
                    "status": store.PENDING,
                    "delayed": now - latest > timedelta(minutes=2),
                    "missed_before": missed_unreported,
                }
            )
            missed_unreported = 0
        change = {"id": r.id, "next_fire_at": t, "fired": fired, "missed_unreported": missed_unreported}
        return rows, change

    # 2. deliver

    async def deliver(self, now: datetime) -> int:
        """Send what is due. Each message is marked sent in its own transaction right after it goes
        out, so a crash repeats at most the messages in flight at that moment.

        A small pipeline: each claimed delivery gets a task, but a task starts only when one of
        `compose_ahead` slots is free, and gives it back once its message has gone out (or waits for
        its chat's turn instead), so the next few messages are always composed while the global limiter
        spaces the sends. The next round is claimed as soon as every delivery of this one has started,
        so rounds overlap and the limiter does not idle between them. Shutting down, the deliveries not
        started yet are handed back as they are (pending, as due as they were)."""
        slots = asyncio.Semaphore(max(1, self.settings.compose_ahead))
        running: list[asyncio.Task[bool]] = []
        try:
            while not self._stopping:  # shutting down: no new round
                async with self.sessions() as session, session.begin():
                    claimed = await store.claim_deliveries(session, now, self.settings.send_batch)
                for d, r in claimed:
                    slot = None
                    if not self._stopping:  # past the shutdown the rest start at once, only to be released
                        await slots.acquire()
                        slot = _Slot(slots)
                    running.append(asyncio.create_task(self._deliver_one(d, r, now, slot)))
                if len(claimed) < self.settings.send_batch:
                    break
        finally:  # every started delivery is seen to its end (sent, retried or released), even on error
            results = await asyncio.gather(*running, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return sum(results)

    async def _deliver_one(self, d, r, now: datetime, slot: _Slot | None = None) -> bool:  # noqa: ANN001
        try:
            status, error, retry_after = await self._send_one(d, r, slot)
        finally:
            if slot is not None:
                slot.release()
        try:
            return await self._record(d, r, now, status, error, retry_after)
        finally:
            if status == store.SENT:  # marked (or failed to be): the next message may go
                self._unmarked.release()

    async def _record(self, d, r, now: datetime, status: str, error: str, retry_after: float | None) -> bool:  # noqa: ANN001
        async with self.sessions() as session, session.begin():
            if status == RELEASED:  # shutting down before it went out: pending again, as due as it was
                await store.retry_delivery(session, d.id, d.due_at, "released at shutdown")
                self.observe("released", 1)
                return False
            if status == store.SENT:
                await store.finish_delivery(session, d.id, store.SENT, self.clock.now())
                self.observe("delivered", 1)
                return True
            if status == store.SKIPPED:
                await store.finish_delivery(session, d.id, store.SKIPPED, now)
                self.observe("skipped", 1)
                return False
            self.observe({store.BLOCKED: "blocked"}.get(status, "retried"), 1)
            if status == store.BLOCKED:
                await store.finish_delivery(session, d.id, store.BLOCKED, now, error)
                await store.block_chat(session, r.platform, r.chat_id, now)
                log.info("reminders paused for %s:%s: %s", r.platform, r.chat_id, error)
            elif d.attempts >= self.settings.max_attempts:
                await store.finish_delivery(session, d.id, store.FAILED, now, error)
                log.error(
                    "reminder %d to %s:%s failed %d times: %s", r.id, r.platform, r.chat_id, d.attempts, error
                )
            else:
                await store.retry_delivery(session, d.id, now + backoff(d.attempts, retry_after), error)
        return False

    def _chat_limiter(self, platform: str, chat_id: str) -> AsyncLimiter:
        key = (platform, chat_id)
        if key not in self._per_chat:
            self._per_chat[key] = AsyncLimiter(1, 1 / self.settings.chat_rate)
        return self._per_chat[key]

    async def _message(self, d, r) -> Reply | None:  # noqa: ANN001
        if r.kind == "text":
            return reminder_reply(self.content.content, r, d)
        async with self.sessions() as session, session.begin():
            reply = await self.compose[r.kind](session, self.content.content, r, d, self.clock.now())
        # a picture (the weekly digest's) is drawn once the transaction is over, in a worker thread
        return None if reply is None else (await drawn([reply]))[0]

    async def _send_one(self, d, r, slot: _Slot | None = None) -> tuple[str, str, float | None]:  # noqa: ANN001
        if self._stopping:  # started after the shutdown began: not composed, left for the next start
            return RELEASED, "", None
        try:
            reply = await self._message(d, r)
        except Exception as exc:  # a message that can't be written (unknown kind...) is retried, logged
            log.warning("composing reminder %d failed: %r", r.id, exc)
            return store.PENDING, repr(exc)[:200], None
        if reply is None:
            return store.SKIPPED, "", None
        chat = ChatRef(r.platform, r.chat_id, is_direct=not r.is_group)
        per_chat = self._chat_limiter(r.platform, r.chat_id)
        if slot is not None and not per_chat.has_capacity():
            slot.release()  # it waits for its chat's turn: the other chats' next messages compose meanwhile
        try:
            async with per_chat, self._global:
                # the message before this one is marked sent first: a crash repeats at most one message
                await self._unmarked.acquire()
                sent = False
                try:
                    if self._stopping:  # waited for its turn past the shutdown: left for the next start
                        return RELEASED, "", None
                    await self.send(chat, [reply])
                    sent = True
                finally:
                    if not sent:
                        self._unmarked.release()
        except ChatBlocked as exc:
            return store.BLOCKED, str(exc) or "blocked", None
        except RetryLater as exc:
            return store.PENDING, str(exc) or "retry later", exc.retry_after
        except Exception as exc:  # an unknown failure is treated as transient, and logged
            log.warning("sending reminder %d failed: %r", r.id, exc)
            return store.PENDING, repr(exc)[:200], None
        return store.SENT, "", None


class _Slot:
    """One of the pipeline's compose-ahead places (`ReminderService.deliver`), given back once."""

    __slots__ = ("_semaphore",)

    def __init__(self, semaphore: asyncio.Semaphore | None) -> None:
        self._semaphore = semaphore

    def release(self) -> None:
        if self._semaphore is not None:
            self._semaphore.release()
            self._semaphore = None
