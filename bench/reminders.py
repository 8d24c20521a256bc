"""Reminder benchmarks. Prints figures; asserts nothing.

    .venv/bin/python bench/reminders.py [--claim 100000] [--workers 8] [--burst 10000] [--flaky 2000]

1. claim: N reminders due at once on SQLite: time to claim them and write their deliveries.
2. PostgreSQL: the same N claimed by --workers processes at once: reminders claimed twice, and time
   (TEST_POSTGRES_URL, or a private cluster started like the tests do; skipped if neither exists).
3. burst: --burst reminders to as many chats through the service's rate limits, into a fake platform
   that answers 429 above 30 msg/s overall or 1 msg/s per chat: achieved msg/s, 429s, lost, repeated.
4. flaky: the same with a fake that fails 20% of sends (429, 5xx, timeouts): lost, repeated.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zoneinfo import ZoneInfo  # noqa: E402

from sqlalchemy import func, insert, select  # noqa: E402

from bot.adapters.base import RetryLater  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.reminders import ReminderService, ReminderSettings  # noqa: E402
from bot.settings import REPO_CONTENT  # noqa: E402
from db.engine import make_engine, make_sessions  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Delivery, Reminder, User  # noqa: E402
from handlers.content.store import ContentStore  # noqa: E402
from handlers.schedule import parse  # noqa: E402

ZONES = ["Asia/Kolkata", "Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"]
RULES = [
    "daily 07:30",
    "daily 19:00",
    "weekdays 08:00",
    "mon,wed,fri 18:00",
    "every 2 days 09:00",
    "daily 21:15",
]


async def seed(db_url: str, n: int, due: datetime, spread_chats: bool = True) -> None:
    engine = make_engine(db_url)
    await upgrade(engine)
    now = datetime.now(UTC)
    rng = random.Random(1)
    async with make_sessions(engine)() as s, s.begin():
        await s.execute(
            insert(User).values(
                id=1,
                display_name="",
                lang=None,
                timezone="UTC",
                timezone_set=True,
                reminders_notice=False,
                created_at=now,
            )
        )
        owner = await s.scalar(select(User.id))
        rules = {(z, r): parse(r, now, ZoneInfo(z))[0].to_json() for z in ZONES for r in RULES}
        rows = []
        for i in range(n):
            z, r = rng.choice(ZONES), rng.choice(RULES)
            rows.append(
                {
                    "owner_id": owner,
                    "platform": "bench",
                    "chat_id": f"chat{i}" if spread_chats else "chat0",
                    "is_group": False,
                    "text": f"r{i}",
                    "lang": "en",
                    "rule": rules[(z, r)],
                    "timezone": z,
                    "next_fire_at": due,
                    "fired": 0,
                    "missed_unreported": 0,
                    "paused": False,
                    "created_at": now,
                }
            )
            if len(rows) == 5000:
                await s.execute(insert(Reminder), rows)
                rows = []
        if rows:
            await s.execute(insert(Reminder), rows)
    await engine.dispose()


def service(db_url: str, send, **settings) -> tuple[ReminderService, object]:  # noqa: ANN001
    engine = make_engine(db_url)
    svc = ReminderService(
        make_sessions(engine), SystemClock(), send, ContentStore(REPO_CONTENT), ReminderSettings(**settings)
    )
    return svc, engine


async def nothing(chat, replies) -> None:  # noqa: ANN001
    return None


async def bench_claim_sqlite(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/claim.db"
        now = datetime.now(UTC)
        await seed(url, n, now - timedelta(minutes=1))
        svc, engine = service(url, nothing)
        started = time.perf_counter()
        claimed = await svc.claim(now)
        elapsed = time.perf_counter() - started
        async with svc.sessions() as s:
            rows = await s.scalar(select(func.count()).select_from(Delivery))
        await engine.dispose()
    print(
        f"  claim on SQLite: {claimed:,} reminders due at once claimed, {rows:,} deliveries written "
        f"in {elapsed:.2f} s ({claimed / elapsed:,.0f}/s)"
    )


def _claim_worker(url: str, conn) -> None:  # noqa: ANN001
    async def run() -> int:
        svc, engine = service(url, nothing, batch=500)
        claimed = await svc.claim(datetime.now(UTC))
        await engine.dispose()
        return claimed

    conn.send(asyncio.run(run()))


async def bench_claim_postgres(n: int, workers: int) -> None:
    import multiprocessing as mp

    from tests import pg

    url = os.environ.get("TEST_POSTGRES_URL")
    cluster = None
    if not url:
        if not pg.available():
            print("  claim on PostgreSQL: skipped (no TEST_POSTGRES_URL and no PostgreSQL installed)")
            return
        cluster = pg.Cluster.start()
        url = cluster.url
    try:
        async with pg.fresh_database(url) as db_url:
            now = datetime.now(UTC)
            await seed(db_url, n, now - timedelta(minutes=1))
            ctx = mp.get_context("spawn")
            pipes = [ctx.Pipe(duplex=False) for _ in range(workers)]
            procs = [ctx.Process(target=_claim_worker, args=(db_url, w)) for _, w in pipes]
            started = time.perf_counter()
            for p in procs:
                p.start()
            counts = [r.recv() for r, _ in pipes]
            elapsed = time.perf_counter() - started
            for p in procs:
                p.join()
            engine = make_engine(db_url)
            async with make_sessions(engine)() as s:
                rows = await s.scalar(select(func.count()).select_from(Delivery))
                left = await s.scalar(select(func.count()).where(Reminder.next_fire_at <= now))
            await engine.dispose()
        print(
            f"  claim on PostgreSQL, {workers} processes: {sum(counts):,} claims for {n:,} reminders "
            f"(claimed twice: {sum(counts) - n}), {rows:,} deliveries, {left} left due, {elapsed:.2f} s "
            f"including process start; per worker: {counts}"
        )
    finally:
        if cluster is not None:
            cluster.stop()


class FakePlatform:
    """Answers 429 above `global_rate` msg/s overall (sliding 1 s window) or 1 msg/s per chat; can also
    fail a share of sends with 429s, 5xx and timeouts. Records what it accepted."""

    def __init__(self, global_rate: int = 30, fail_share: float = 0.0) -> None:
        self.global_rate, self.fail_share = global_rate, fail_share
        self.window: collections.deque[float] = collections.deque()
        self.last_by_chat: dict[str, float] = {}
        self.accepted: collections.Counter[str] = collections.Counter()
        self.limited = 0
        self.failed = 0
        self.rng = random.Random(5)

    async def send(self, chat, replies) -> None:  # noqa: ANN001
        await asyncio.sleep(0.001)
        now = time.monotonic()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        last = self.last_by_chat.get(chat.chat_id)
        if len(self.window) >= self.global_rate or (last is not None and now - last < 1.0):
            self.limited += 1
            raise RetryLater("429 Too Many Requests", retry_after=1)
        if self.fail_share and self.rng.random() < self.fail_share:
            self.failed += 1
            raise self.rng.choice(
                [
                    RetryLater("429", retry_after=1),
                    RetryLater("502 Bad Gateway"),
                    TimeoutError("read timed out"),
                ]
            )
        self.window.append(now)
        self.last_by_chat[chat.chat_id] = now
        self.accepted[chat.chat_id] += 1


async def bench_burst(n: int, fail_share: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/burst.db"
        now = datetime.now(UTC)
        await seed(url, n, now - timedelta(seconds=1))
        platform = FakePlatform(fail_share=fail_share)
        svc, engine = service(url, platform.send)
        started = time.perf_counter()
        while True:
            await svc.tick()
            async with svc.sessions() as s:
                pending = await s.scalar(
                    select(func.count()).where(Delivery.status.in_(("pending", "sending")))
                )
                if not pending:
                    break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        async with svc.sessions() as s:
            statuses = dict(
                (await s.execute(select(Delivery.status, func.count()).group_by(Delivery.status))).all()
            )
        await engine.dispose()
    delivered = sum(platform.accepted.values())
    lost = n - len(platform.accepted)
    repeated = sum(c - 1 for c in platform.accepted.values())
    label = f"with {fail_share:.0%} failing sends" if fail_share else "rate-limited fake (30/s, 1/s per chat)"
    print(
        f"  burst {label}: {n:,} reminders to {n:,} chats in {elapsed:.1f} s = "
        f"{delivered / elapsed:.1f} msg/s; "
        f"429s from rate limits {platform.limited}, injected failures {platform.failed}, lost {lost}, "
        f"repeated {repeated}; delivery rows {statuses}"
    )


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--claim", type=int, default=100_000)
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--burst", type=int, default=10_000)
    p.add_argument("--flaky", type=int, default=2_000)
    args = p.parse_args()
    print(f"reminder benchmarks (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    await bench_claim_sqlite(args.claim)
    await bench_claim_postgres(args.claim, args.workers)
    if args.burst:
        await bench_burst(args.burst, 0.0)
    if args.flaky:
        await bench_burst(args.flaky, 0.2)


if __name__ == "__main__":
    asyncio.run(main())
