"""Momentum benchmarks: /week (the weekly review) for learners with two years of daily logs among many
learners, its picture on one core, the whole command through the App, and the Sunday digest for learners
whose Sunday 18:00 is the same minute. Prints figures; asserts nothing.

    .venv/bin/python bench/momentum.py [--learners 100000] [--measured 20] [--calls 500] [--renders 200]
        [--digests 100000] [--send-seconds 20]
    .venv/bin/python bench/momentum.py --quick       # small sizes: a smoke run of about 30 s
    .venv/bin/python bench/momentum.py --parts digest,postgres   # only the Sunday digest's figures

The clock is the latest Sunday 10:00:30 UTC (18:00:30 in UTC+8, where every learner lives: Shanghai,
Hong Kong, Singapore, Taipei, Manila, Perth, so their digests' "sun 18:00" is one minute).

1. /week. A SQLite file migrated to head, filled with sqlite3 executemany: --learners users (some with a
   weekly goal), study logs written in time order (learners interleaved, as the bot writes them): the
   --measured learners (spread over the ids) log one or two stretches a day for 730 days (a day in 30
   skipped, so streak freezes show), every other learner a few dozen spread over the two years; roadmap
   progress (the measured learners moved a step this week), and card reviews and quiz answers of the
   measured learners over the past year, this week included.
   - `review.gather` + `review.text` (en), each call in its own session and transaction as the bot
     makes it, zones Europe/Berlin, Asia/Kolkata, Asia/Shanghai in turn: p50 / p99 / max over --calls.
   - the picture, `picture.render(review.card(...))` in en and zh, in a child process pinned to one core:
     p50 / p99 over --renders each, PNG sizes.
   - the whole command: `/week` through the App (fake adapter, warmed up) for the measured learners,
     picture included (drawn in a worker thread): p50 / p99 / max.
2. the Sunday digest: --digests reminders of kind "week" ("sun 18:00" in each learner's zone), all due
   in the same minute. SQLite: `ReminderService.claim(now)` time, deliveries written, duplicates. Then
   `ReminderService.deliver` for --send-seconds with the real composer (bot.app.COMPOSE["week"]: the
   review gathered and its picture drawn in a worker thread), the service's own global rate and the
   App's send batch, a send function that records (chat, time) and returns at once; then the service is
   stopped as the bot stops it. Messages sent, achieved rate against the target, duplicates (a chat sent
   twice, deliveries written twice), compose time per message. Both cores (not pinned).
   PostgreSQL: 4 processes claim the digests at once; claims vs reminders and duplicates.

PostgreSQL comes from TEST_POSTGRES_URL, else a private cluster started like the tests do (tests/pg.py);
without either, its part prints a line saying it was skipped.
"""

from __future__ import annotations

import os
import sys


def _pin_from_argv() -> None:
    """`--pin N`: this process runs on its first N usable cores, from its first line on."""
    if "--pin" in sys.argv and hasattr(os, "sched_setaffinity"):
        n = int(sys.argv[sys.argv.index("--pin") + 1])
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:n])


_pin_from_argv()  # before asyncio's and aiosqlite's threads exist

import argparse  # noqa: E402
import asyncio  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterable, Iterator  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zoneinfo import ZoneInfo  # noqa: E402

from sqlalchemy import event, func, make_url, select  # noqa: E402

from bench.common import ACCOUNT_COLUMNS, as_sqlite, migrate, ms, pct, pg_copy, postgres, with_accounts  # noqa: E402
from db.engine import make_engine, make_sessions  # noqa: E402
from db.models import Delivery, Reminder, StudyLog  # noqa: E402

WEEK_ZONES = ["Europe/Berlin", "Asia/Kolkata", "Asia/Shanghai"]  # the zones /week is asked in
# where the learners live: all UTC+8 without summer time, so Sunday 18:00 is one UTC minute for all
HOME_ZONES = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Singapore",
    "Asia/Taipei",
    "Asia/Manila",
    "Australia/Perth",
]
DAYS_BACK = 730  # two years of logs
SKIP_SHARE = 1 / 30  # a measured learner's days without a log
OTHER_LOGS = (20, 60)  # logs of every other learner, over the two years
MINUTES = (10, 15, 20, 25, 30, 40, 45, 60, 75, 90, 120)
NOTES = ("", "", "", "", "numpy", "linear algebra", "pandas", "反向传播", "")
GOALS = (120, 180, 300, 420, 600)
UID_BITS, MIN_BITS = 21, 8  # a log packed as one int: (second << 29) | (uid << 8) | minutes index
QUICK = {"learners": 2000, "measured": 4, "calls": 50, "renders": 20, "digests": 2000, "send_seconds": 3}
USER_COLUMNS = ["id", "platform", "platform_user_id", "display_name", "lang", "timezone", "timezone_set",
                "reminders_notice", "weekly_goal_minutes", "weekly_digest_off", "created_at"]  # fmt: skip
LOG_COLUMNS = ["user_id", "minutes", "note", "logged_at", "studied_at", "delivery_id"]
STEP_COLUMNS = ["user_id", "step_id", "state", "updated_at"]
REVIEW_COLUMNS = ["user_id", "step_id", "card_id", "rating", "reviewed_at"]
QUIZ_COLUMNS = ["user_id", "step_id", "question_id", "right", "answered_at", "delivery_id"]
REMINDER_COLUMNS = ["owner_id", "platform", "chat_id", "is_group", "text", "kind", "lang", "rule", "timezone",
                    "next_fire_at", "fired", "missed_unreported", "paused", "created_at"]  # fmt: skip
TARGET_WEEK_P99_MS = 30.0
TARGET_CLAIM_S = 10.0


def bench_now() -> datetime:
    """The latest Sunday 10:00:30 UTC: 18:00:30 in the learners' zones, the digests' minute just begun."""
    real = datetime.now(UTC)
    sunday = real.date() - timedelta(days=(real.weekday() - 6) % 7)
    at = datetime(sunday.year, sunday.month, sunday.day, 10, 0, 30, tzinfo=UTC)
    return at if at <= real else at - timedelta(weeks=1)


def measured_ids(learners: int, measured: int) -> list[int]:
    """The measured learners, spread over the ids (their logs among everyone's)."""
    return [1 + i * (learners // measured) for i in range(measured)]


def home_zone(uid: int) -> str:
    return HOME_ZONES[uid % len(HOME_ZONES)]


def lang_of(uid: int) -> str:
    return "zh" if uid % 5 < 3 else "en"


def step_ids() -> list[str]:
    from bot.settings import REPO_CONTENT  # noqa: PLC0415
    from handlers.content import load_content  # noqa: PLC0415

    content, problems = load_content(REPO_CONTENT)
    if content is None:
        raise SystemExit(f"the repository's content does not load: {problems[:3]}")
    return [s.id for s in content.steps]


# ---- the rows ---------------------------------------------------------------------------------------


def user_rows(learners: int, measured: set[int], now: datetime, seed: int = 1) -> Iterator[tuple]:
    rng = random.Random(seed)
    for uid in range(1, learners + 1):
        if uid in measured:
            goal = GOALS[uid % len(GOALS)] if uid % 2 else None
        else:
            goal = rng.choice(GOALS) if rng.random() < 0.3 else None
        created = now - timedelta(days=DAYS_BACK + rng.uniform(1, 60))
        yield (uid, "fake", f"u{uid}", f"Learner {uid}", lang_of(uid), home_zone(uid), True, False, goal,
               False, created)  # fmt: skip


def log_keys(learners: int, measured: set[int], seed: int = 2) -> list[int]:
    """Every log as one int, sorted: the order the bot would have written them in."""
    rng = random.Random(seed)
    keys: list[int] = []
    span = DAYS_BACK * 86400
    shift = UID_BITS + MIN_BITS
    for uid in range(1, learners + 1):
        if uid in measured:
            for day in range(DAYS_BACK):
                if rng.random() < SKIP_SHARE:
                    continue
                for _ in range(1 if rng.random() < 0.5 else 2):
                    second = day * 86400 + rng.randrange(86400)
                    keys.append((second << shift) | (uid << MIN_BITS) | rng.randrange(1, 8))
        else:
            for _ in range(rng.randint(*OTHER_LOGS)):
                second = rng.randrange(span)
                keys.append((second << shift) | (uid << MIN_BITS) | rng.randrange(len(MINUTES)))
    keys.sort()
    return keys


def log_rows(keys: list[int], now: datetime) -> Iterator[tuple]:
    """study_logs rows as SQLite text (naive UTC), studied DAYS_BACK days before `now` onwards."""
    start = (now - timedelta(days=DAYS_BACK)).astimezone(UTC).replace(tzinfo=None)
    shift, uid_mask, min_mask = UID_BITS + MIN_BITS, (1 << UID_BITS) - 1, (1 << MIN_BITS) - 1
    for k in keys:
        at = (start + timedelta(seconds=k >> shift)).isoformat(" ", "microseconds")
        yield (k >> MIN_BITS) & uid_mask, MINUTES[k & min_mask], NOTES[k % len(NOTES)], at, at, None


def step_rows(learners: int, measured: set[int], steps: list[str], now: datetime, seed: int = 3) -> Iterator:
    """Roadmap progress: the measured learners have done a few steps, the last one this week, and are
    doing the next; four learners in ten have one to four steps, a few of them moved this week."""
    rng = random.Random(seed)
    for uid in range(1, learners + 1):
        if uid in measured:
            n, this_week = 3 + uid % 6, True
        elif rng.random() < 0.4:
            n, this_week = rng.randint(1, 4), rng.random() < 0.05
        else:
            continue
        n = min(n, len(steps))
        for i, step in enumerate(steps[:n]):
            last = i >= n - 2  # the last done step and the one being done
            days = rng.uniform(0, 4) if this_week and last else rng.uniform(8, DAYS_BACK)
            yield uid, step, "doing" if i == n - 1 else "done", now - timedelta(days=days)


def review_rows(measured: Iterable[int], steps: list[str], now: datetime, seed: int = 4) -> Iterator[tuple]:
    """The measured learners' card ratings: up to 20 a day over the past year, this week included."""
    rng = random.Random(seed)
    for uid in measured:
        for day in range(365):
            for _ in range(rng.randint(0, 20)):
                at = now - timedelta(days=day, seconds=rng.randrange(86400))
                yield uid, rng.choice(steps[:6]), f"c{rng.randrange(30):02d}", rng.randint(1, 4), at


def quiz_rows(measured: Iterable[int], steps: list[str], now: datetime, seed: int = 5) -> Iterator[tuple]:
    rng = random.Random(seed)
    for uid in measured:
        for day in range(365):
            for _ in range(rng.randint(0, 3)):
                at = now - timedelta(days=day, seconds=rng.randrange(86400))
                yield uid, rng.choice(steps[:6]), f"q{rng.randrange(12)}", rng.random() < 0.7, at, None


def digest_rule(zone: str, now: datetime) -> str:
    from handlers.schedule import parse  # noqa: PLC0415

    return parse("sun 18:00", now, ZoneInfo(zone))[0].to_json()


def digest_when(now: datetime) -> datetime:
    """The digests' occurrence: Sunday 18:00 in the learners' zones (UTC+8), on the minute."""
    local = now.astimezone(ZoneInfo(HOME_ZONES[0]))
    return local.replace(hour=18, minute=0, second=0, microsecond=0).astimezone(UTC)


def digest_rows(learners: int, digests: int, now: datetime, seed: int = 6) -> Iterator[tuple]:
    """A weekly digest for `digests` learners (all of them by default), in shuffled order (the order
    they signed up in is not the order of their ids), each "sun 18:00" in the learner's zone."""
    rng = random.Random(seed)
    owners = rng.sample(range(1, learners + 1), digests)
    when = digest_when(now)
    rules = {z: digest_rule(z, now) for z in HOME_ZONES}
    for uid in owners:
        z = home_zone(uid)
        created = now - timedelta(days=rng.uniform(7, 300))
        yield uid, "fake", f"u{uid}", False, "", "week", lang_of(uid), rules[z], z, when, 0, 0, False, created


# ---- filling ----------------------------------------------------------------------------------------


def sqlite_insert(path: str, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """executemany on a plain sqlite3 connection, 200,000 rows a transaction. No ANALYZE: the bot never
    runs it, so its SQLite planner works without statistics."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")  # 1 GB: the indexes stay in memory while they fill
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    it, total = iter(as_sqlite(rows)), 0
    while chunk := list(itertools.islice(it, 200_000)):
        con.execute("BEGIN")
        con.executemany(sql, chunk)
        con.execute("COMMIT")
        total += len(chunk)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return total


async def fill_sqlite(url: str, args: argparse.Namespace, now: datetime) -> dict:
    """Schema by migration, then every table in bulk; the seconds each part took and its rows."""
    out: dict = {}
    started = time.perf_counter()
    await migrate(url)
    path = make_url(url).database
    measured = set(measured_ids(args.learners, args.measured))
    steps = step_ids()
    columns, users, accounts = with_accounts(USER_COLUMNS, user_rows(args.learners, measured, now))
    out["users"] = sqlite_insert(path, "users", columns, users)
    sqlite_insert(path, "accounts", ACCOUNT_COLUMNS, accounts)
    t = time.perf_counter()
    keys = log_keys(args.learners, measured)
    out["logs_generated_s"] = time.perf_counter() - t
    out["study_logs"] = sqlite_insert(path, "study_logs", LOG_COLUMNS, log_rows(keys, now))
    out["logs_s"] = time.perf_counter() - t
    del keys
    out["step_progress"] = sqlite_insert(
        path, "step_progress", STEP_COLUMNS, step_rows(args.learners, measured, steps, now)
    )
    out["practice_reviews"] = sqlite_insert(
        path, "practice_reviews", REVIEW_COLUMNS, review_rows(sorted(measured), steps, now)
    )
    out["quiz_answers"] = sqlite_insert(
        path, "quiz_answers", QUIZ_COLUMNS, quiz_rows(sorted(measured), steps, now)
    )
    out["reminders"] = sqlite_insert(
        path, "reminders", REMINDER_COLUMNS, digest_rows(args.learners, args.digests, now)
    )
    out["seconds"] = time.perf_counter() - started
    out["bytes"] = os.path.getsize(path)
    return out


# ---- 1. /week ---------------------------------------------------------------------------------------


def load_repo_content():  # noqa: ANN201
    from bot.settings import REPO_CONTENT  # noqa: PLC0415
    from handlers.content import load_content  # noqa: PLC0415

    return load_content(REPO_CONTENT)[0]


async def week_calls(url: str, ids: list[int], now: datetime, calls: int) -> dict:
    """gather + text, each gather in its own session and transaction, learners and zones in turn; a
    warm-up round first (not counted)."""
    from handlers.core.i18n import Strings  # noqa: PLC0415
    from handlers.week.review import gather, text  # noqa: PLC0415

    content = load_repo_content()
    strings = Strings(content.strings, "en")
    zones = [ZoneInfo(z) for z in WEEK_ZONES]
    engine = make_engine(url)
    sessions = make_sessions(engine)
    total: list[float] = []
    gathered: list[float] = []
    written: list[float] = []
    seen: dict[int, object] = {}
    warm = 2 * len(ids)
    try:
        for i in range(warm + calls):
            uid, zone = ids[i % len(ids)], zones[(i // len(ids) + i) % len(zones)]
            t0 = time.perf_counter()
            async with sessions() as s, s.begin():
                review = await gather(s, content, uid, zone, now)
            t1 = time.perf_counter()
            text(strings, review)
            t2 = time.perf_counter()
            if i >= warm:
                total.append(1000 * (t2 - t0))
                gathered.append(1000 * (t1 - t0))
                written.append(1000 * (t2 - t1))
                seen.setdefault(uid, review)
        async with sessions() as s:
            logs = await s.scalar(select(func.count()).where(StudyLog.user_id == ids[0]))
            horizon = await s.scalar(
                select(func.count()).where(
                    StudyLog.user_id == ids[0], StudyLog.studied_at >= now - timedelta(days=400)
                )
            )
    finally:
        await engine.dispose()
    reviews = list(seen.values())
    return {
        "total": total,
        "gather": gathered,
        "text": written,
        "logs": logs,
        "horizon_logs": horizon,
        "streaks": [(r.streak.current, r.streak.best) for r in reviews],
        "frozen": [len(r.frozen) for r in reviews],
        "cards": [r.cards for r in reviews],
        "answered": [r.answered for r in reviews],
        "moved": [r.moved for r in reviews],
    }


async def renders(path: str, ids: list[int], now: datetime, n: int) -> dict:
    """The child's job: the measured learners' reviews (not timed), then `n` renders in each language."""
    from handlers.core.i18n import Strings  # noqa: PLC0415
    from handlers.week import picture  # noqa: PLC0415
    from handlers.week.review import card, gather  # noqa: PLC0415

    content = load_repo_content()
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    sessions = make_sessions(engine)
    reviews = []
    try:
        for i, uid in enumerate(ids):
            async with sessions() as s, s.begin():
                reviews.append(await gather(s, content, uid, ZoneInfo(WEEK_ZONES[i % len(WEEK_ZONES)]), now))
    finally:
        await engine.dispose()
    out: dict = {"cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0}
    for lang in ("en", "zh"):
        strings = Strings(content.strings, lang)
        cards = [card(strings, r) for r in reviews]
        for c in cards[:5]:  # warm-up: the font's faces are made on first use
            picture.render(c)
        times, sizes = [], []
        for i in range(n):
            c = cards[i % len(cards)]
            t = time.perf_counter()
            png = picture.render(c)
            times.append(1000 * (time.perf_counter() - t))
            sizes.append(len(png))
        out[lang] = {"times": times, "sizes": sizes}
    return out


def bench_renders(path: str, args: argparse.Namespace, now: datetime) -> dict | None:
    cmd = [sys.executable, __file__, "--job", "renders", "--pin", "1", "--db", path, "--now", now.isoformat(),
           "--learners", str(args.learners), "--measured", str(args.measured),
           "--renders", str(args.renders)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"  picture: failed ({(done.stderr.strip().splitlines() or ['?'])[-1]})")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


@asynccontextmanager
async def week_app(path: str, tmp: str, now: datetime):  # noqa: ANN201
    from bot.adapters.fake import FakeAdapter  # noqa: PLC0415
    from bot.app import App  # noqa: PLC0415
    from bot.clock import FakeClock  # noqa: PLC0415
    from bot.settings import load_settings  # noqa: PLC0415

    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        faq_model="off",
        flood_limit="1000000/minute",  # the middleware runs; no learner reaches the limit
        content_watch=False,
        reminders=False,
        cache_dir=Path(tmp) / "cache",
        _env_file=None,
    )
    fake = FakeAdapter()
    async with App(settings, [fake], clock=FakeClock(now)) as app:
        app.fake = fake
        yield app


async def app_week(path: str, tmp: str, ids: list[int], now: datetime, calls: int) -> dict:
    times: list[float] = []
    sizes: list[int] = []
    missing = 0
    async with week_app(path, tmp, now) as app:
        chats = [app.fake.chat(f"u{uid}") for uid in ids]
        warm = 2 * len(chats)
        for i in range(warm + calls):
            chat = chats[i % len(chats)]
            t = time.perf_counter()
            replies = await chat.say("/week")
            elapsed = 1000 * (time.perf_counter() - t)
            app.fake.sent.clear()
            if i < warm:
                continue
            times.append(elapsed)
            found = [r.attachment for r in replies if r.attachment is not None]
            if found:
                sizes.append(len(found[0].data))
            else:
                missing += 1
    return {"times": times, "sizes": sizes, "missing": missing}


# ---- 2. the Sunday digest ---------------------------------------------------------------------------


class RunningClock:
    """The bench's clock: starts at `start` and runs with the real time."""

    def __init__(self, start: datetime) -> None:
        self.start, self.t0 = start, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)


def service(url: str, clock=None, send=None, compose=None, **settings):  # noqa: ANN001, ANN003, ANN201
    from bot.clock import SystemClock  # noqa: PLC0415
    from bot.reminders import ReminderService, ReminderSettings  # noqa: PLC0415
    from bot.settings import REPO_CONTENT  # noqa: PLC0415
    from handlers.content.store import ContentStore  # noqa: PLC0415

    async def nothing(chat, replies) -> None:  # noqa: ANN001
        return None

    engine, content, tuned = make_engine(url), ContentStore(REPO_CONTENT), ReminderSettings(**settings)
    svc = ReminderService(
        make_sessions(engine), clock or SystemClock(), send or nothing, content, tuned, compose
    )
    return svc, engine


async def duplicates(url: str) -> dict:
    """Reminders, deliveries, occurrences written twice, reminders advanced twice or not at all."""
    engine = make_engine(url)
    async with make_sessions(engine)() as s:
        twice = (
            select(Delivery.reminder_id, Delivery.fire_at)
            .group_by(Delivery.reminder_id, Delivery.fire_at)
            .having(func.count() > 1)
            .subquery()
        )
        out = {
            "reminders": await s.scalar(select(func.count()).select_from(Reminder)),
            "deliveries": await s.scalar(select(func.count()).select_from(Delivery)),
            "written_twice": await s.scalar(select(func.count()).select_from(twice)),
            "advanced_twice": await s.scalar(select(func.count()).where(Reminder.fired > 1)),
            "not_advanced": await s.scalar(select(func.count()).where(Reminder.fired == 0)),
            "statuses": dict(
                (await s.execute(select(Delivery.status, func.count()).group_by(Delivery.status))).all()
            ),
        }
    await engine.dispose()
    return out


def dup_line(d: dict, claims: int) -> str:
    return (
        f"{claims:,} claims for {d['reminders']:,} reminders (claimed twice: {claims - d['reminders']}), "
        f"{d['deliveries']:,} deliveries, occurrences written twice {d['written_twice']}, reminders "
        f"advanced twice {d['advanced_twice']}, not advanced {d['not_advanced']}"
    )


async def claim_sqlite(url: str, now: datetime) -> dict:
    svc, engine = service(url)
    started = time.perf_counter()
    claimed = await svc.claim(now)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return {"claimed": claimed, "seconds": elapsed, **await duplicates(url)}


async def sends(url: str, now: datetime, seconds: float) -> dict:
    """The service's delivery for `seconds` with the real composer, then stopped as the bot stops it.
    A composer's time is taken two ways: from its call to its reply (`waited`: it includes the wait for
    SQLite's one connection, which its first query checks out), and from that checkout to its reply
    (`held`: the gather and the picture, the connection and its transaction held throughout)."""
    from bot.app import COMPOSE  # noqa: PLC0415
    from bot.reminders import ReminderSettings  # noqa: PLC0415

    week_compose = COMPOSE["week"]
    sent: list[tuple[str, float, int]] = []
    waited: list[float] = []
    held: list[float] = []
    checked_out: dict[object, float] = {}

    async def record(chat, replies) -> None:  # noqa: ANN001
        size = sum(len(r.attachment.data) for r in replies if r.attachment is not None)
        sent.append((chat.chat_id, time.perf_counter(), size))

    async def timed(session, content, r, d, at):  # noqa: ANN001, ANN202
        t = time.perf_counter()
        reply = await week_compose(session, content, r, d, at)
        end = time.perf_counter()
        waited.append(1000 * (end - t))
        if (out := checked_out.pop(asyncio.current_task(), None)) is not None:
            held.append(1000 * (end - out))
        return reply

    def on_checkout(dbapi_conn, record, proxy) -> None:  # noqa: ANN001
        checked_out[asyncio.current_task()] = time.perf_counter()

    rate = ReminderSettings().global_rate
    batch = max(20, int(2 * rate))  # the App's send batch (bot/app.py)
    clock = RunningClock(now + timedelta(seconds=5))
    svc, engine = service(url, clock=clock, send=record, compose={"week": timed}, send_batch=batch)
    event.listen(engine.sync_engine, "checkout", on_checkout)
    started = time.perf_counter()
    task = asyncio.create_task(svc.deliver(clock.now()))
    await asyncio.sleep(seconds)
    await svc.stop()
    stop_asked = time.perf_counter()
    await task
    stopped = time.perf_counter()
    await engine.dispose()
    times = [t for _, t, _ in sent]
    window = [t for t in times if t - started <= seconds]
    chats = Counter(c for c, _, _ in sent)
    return {
        "rate": rate,
        "send_batch": batch,
        "sent": len(sent),
        "in_window": len(window),
        "window_rate": len(window) / seconds,
        "steady_rate": (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else float("nan"),
        "first_after": times[0] - started if times else float("nan"),
        "stop_s": stopped - stop_asked,
        "chat_twice": sum(1 for n in chats.values() if n > 1),
        "waited": waited,
        "held": held,
        "png_max": max((s for _, _, s in sent), default=0),
        "png_mean": sum(s for _, _, s in sent) / len(sent) if sent else 0,
        **await duplicates(url),
    }


def _claim_worker(url: str, at: str, conn, go) -> None:  # noqa: ANN001
    """A process like the bot's: warmed up (imports, content, one connection), then claims on `go`."""

    async def run() -> tuple[int, float, float]:
        svc, engine = service(url, batch=500)
        async with engine.connect() as c:
            await c.exec_driver_sql("SELECT 1")
        conn.send("ready")
        await asyncio.to_thread(go.wait)
        started = time.time()
        claimed = await svc.claim(datetime.fromisoformat(at))
        ended = time.time()
        await engine.dispose()
        return claimed, started, ended

    conn.send(asyncio.run(run()))


async def claim_postgres(url: str, args: argparse.Namespace, now: datetime, workers: int = 4) -> dict:
    import multiprocessing as mp  # noqa: PLC0415

    started = time.perf_counter()
    await migrate(url)
    measured = set(measured_ids(args.learners, args.measured))
    columns, users, accounts = with_accounts(USER_COLUMNS, user_rows(args.learners, measured, now))
    await pg_copy(url, "users", columns, users)
    await pg_copy(url, "accounts", ACCOUNT_COLUMNS, accounts)
    await pg_copy(url, "reminders", REMINDER_COLUMNS, digest_rows(args.learners, args.digests, now))
    filled = time.perf_counter() - started
    ctx = mp.get_context("spawn")
    go = ctx.Event()
    pipes = [ctx.Pipe(duplex=False) for _ in range(workers)]
    procs = [ctx.Process(target=_claim_worker, args=(url, now.isoformat(), w, go)) for _, w in pipes]
    for p in procs:
        p.start()
    for r, _ in pipes:
        r.recv()
    go.set()
    released = time.time()
    results = [r.recv() for r, _ in pipes]
    for p in procs:
        p.join()
    counts = [c for c, _, _ in results]
    return {
        "workers": workers,
        "filled": filled,
        "seconds": max(e for _, _, e in results) - released,
        "counts": counts,
        "claimed": sum(counts),
        **await duplicates(url),
    }


# ---- main -------------------------------------------------------------------------------------------


def met(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def kib(sizes: list[int]) -> str:
    return f"PNG max {max(sizes) / 1024:.1f} KiB, mean {sum(sizes) / len(sizes) / 1024:.1f} KiB"


async def part_week(
    url: str, path: str, tmp: str, args: argparse.Namespace, now: datetime, out: list
) -> None:
    ids = measured_ids(args.learners, args.measured)
    w = await week_calls(url, ids, now, args.calls)
    p50, p99, top = pct(w["total"], 50), pct(w["total"], 99), max(w["total"])
    ok = met(p99 <= TARGET_WEEK_P99_MS)
    span = lambda key: f"{min(w[key])}-{max(w[key])}"  # noqa: E731
    print(
        f"  measured learners: {len(ids)}; learner {ids[0]} has {w['logs']:,} logs, {w['horizon_logs']} "
        f"of them in the streak's 400-day horizon (what gather reads); (current, best) streaks of the "
        f"first four {w['streaks'][:4]}; frozen days in the 12 weeks {span('frozen')}; this week: cards "
        f"{span('cards')}, quiz answers {span('answered')}, steps moved {span('moved')}"
    )
    print(
        f"  week (no picture): p50 {p50:.2f} ms p99 {p99:.2f} ms max {top:.2f} ms over {len(w['total'])} "
        f"calls (target p99 <= {TARGET_WEEK_P99_MS:.0f} ms: {ok}); gather + text (en), each gather in "
        f"its own session and transaction, zones {', '.join(WEEK_ZONES)} in turn"
    )
    print(f"    gather: {ms(w['gather'])}; text: {ms(w['text'])}")
    out.append(f"/week, no picture: p50 {p50:.2f} ms, p99 {p99:.2f} ms; target p99 <= 30 ms: {ok}")

    r = bench_renders(path, args, now)
    for lang in ("en", "zh") if r is not None else ():
        t, sizes = r[lang]["times"], r[lang]["sizes"]
        print(f"  picture ({lang}) on {r['cores']} core: {ms(t)} over {len(t)} renders; {kib(sizes)}")
        out.append(f"picture {lang}, 1 core: p50 {pct(t, 50):.2f} ms, p99 {pct(t, 99):.2f} ms; {kib(sizes)}")
    if r is None:
        out.append("picture: not measured (the render job failed, above)")

    try:
        a = await app_week(path, tmp, ids, now, args.calls)
    except Exception as exc:  # the handlers are being finished: say what failed, go on with the rest
        print(f"  /week through the App: failed ({exc!r})")
        out.append(f"/week through the App: not measured ({exc!r})")
        return
    t = a["times"]
    print(
        f"  /week through the App (fake adapter, warmed up, 2 cores, the picture drawn in a worker "
        f"thread): {ms(t)} over {len(t)} commands; {len(a['sizes'])} with a picture, {a['missing']} without"
    )
    out.append(f"/week through the App, picture included: p50 {pct(t, 50):.2f} ms, p99 {pct(t, 99):.2f} ms")


async def part_digest(url: str, args: argparse.Namespace, now: datetime, out: list) -> None:
    when = digest_when(now)
    c = await claim_sqlite(url, now)
    dups = c["written_twice"] + c["advanced_twice"] + (c["claimed"] - c["reminders"])
    secs = c["seconds"]
    print(
        f"  digest claim on SQLite: {c['reminders']:,} digests due at {when:%H:%M} UTC (Sunday 18:00 in "
        f"UTC+8) claimed by ReminderService.claim in {secs:.2f} s ({c['claimed'] / secs:,.0f}/s; target "
        f"<= {TARGET_CLAIM_S:.0f} s: {met(secs <= TARGET_CLAIM_S)}); {dup_line(c, c['claimed'])}"
    )
    ok = met(secs <= TARGET_CLAIM_S and dups == 0)
    out.append(
        f"digest claim, SQLite: {secs:.2f} s for {c['claimed']:,}, duplicates {dups}; target <= 10 s, 0: {ok}"
    )

    report_sends("SQLite", await sends(url, now, args.send_seconds), args, out)


def report_sends(label: str, s: dict, args: argparse.Namespace, out: list) -> None:
    held, rate = s["held"], s["rate"]
    twice = s["chat_twice"] + s["written_twice"]
    print(
        f"  digest sends on {label} (2 cores, real composer, global rate {rate:g}/s, send batch "
        f"{s['send_batch']}): {s['in_window']} messages in {args.send_seconds:g} s = "
        f"{s['window_rate']:.1f}/s; "
        f"{s['steady_rate']:.1f}/s from the first send (after {s['first_after']:.2f} s) to the last (target "
        f"{rate:g}/s); {s['sent']} sent in all, {s['statuses'].get('sent', 0)} marked sent; stopped in "
        f"{s['stop_s']:.2f} s; deliveries now {s['statuses']}"
    )
    print(
        f"    duplicates: chats sent twice {s['chat_twice']}, occurrences written twice "
        f"{s['written_twice']}, reminders advanced twice {s['advanced_twice']}"
    )
    where = "the one connection" if label == "SQLite" else "a connection"
    if held:
        print(f"    compose, connection held (gather + picture, one at a time): {ms(held)} over {len(held)}")
        print(f"    compose, call to reply (the wait for the connection included): {ms(s['waited'])}")
        print(
            f"    at {pct(held, 50):.1f} ms a message on {where}: {1000 / pct(held, 50):.1f} "
            f"messages/s at most; PNG max {s['png_max'] / 1024:.1f} KiB, mean {s['png_mean'] / 1024:.1f} KiB"
        )
    ok = met(s["steady_rate"] >= 0.95 * rate and twice == 0)
    out.append(
        f"digest sends, {label}: {s['steady_rate']:.1f} msg/s ({s['in_window']} in {args.send_seconds:g} s), "
        f"duplicates {twice}, compose p50 {pct(held, 50):.1f} ms p99 {pct(held, 99):.1f} ms; "
        f"target {rate:g}/s, 0: {ok}"
    )


def _aware(row: tuple) -> tuple:
    """A study_logs row of SQLite text made PostgreSQL's: its two instants as aware datetimes."""
    uid, minutes, note, logged, studied, delivery = row
    at = datetime.fromisoformat(studied).replace(tzinfo=UTC)
    return (
        uid,
        minutes,
        note,
        at if logged == studied else datetime.fromisoformat(logged).replace(tzinfo=UTC),
        at,
        delivery,
    )


async def part_postgres(args: argparse.Namespace, now: datetime, out: list) -> None:
    async with postgres() as url:
        if url is None:
            print("  digest claim on PostgreSQL: skipped (no TEST_POSTGRES_URL and no PostgreSQL installed)")
            out.append("digest claim, PostgreSQL: skipped (no PostgreSQL)")
            return
        p = await claim_postgres(url, args, now)
        measured = set(measured_ids(args.learners, args.measured))
        logs = log_rows(log_keys(args.learners, measured), now)
        await pg_copy(url, "study_logs", LOG_COLUMNS, (_aware(row) for row in logs))
        pg_sends = await sends(url, now, args.send_seconds)  # the deliveries the 4 processes wrote
    dups = p["written_twice"] + p["advanced_twice"] + (p["claimed"] - p["reminders"])
    ok = met(p["seconds"] <= TARGET_CLAIM_S and dups == 0)
    print(
        f"  digest claim on PostgreSQL, {p['workers']} processes at once (filled in {p['filled']:.1f} s): "
        f"{p['reminders']:,} due claimed in {p['seconds']:.2f} s (start signal to the last process done; "
        f"per process {p['counts']}); {dup_line(p, p['claimed'])}"
    )
    out.append(
        f"digest claim, PostgreSQL x{p['workers']}: {p['seconds']:.2f} s for {p['claimed']:,}, "
        f"duplicates {dups}; target <= 10 s, 0: {ok}"
    )
    report_sends("PostgreSQL", pg_sends, args, out)


async def run_all(args: argparse.Namespace, out: list[str]) -> None:
    now = bench_now()
    print(
        f"  clock: {now:%a %Y-%m-%d %H:%M:%S} UTC ({now.astimezone(ZoneInfo(HOME_ZONES[0])):%H:%M} in UTC+8)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/momentum.db"
        url = f"sqlite+aiosqlite:///{path}"
        f = await fill_sqlite(url, args, now)
        tables = ("users", "study_logs", "step_progress", "practice_reviews", "quiz_answers", "reminders")
        print(
            f"  SQLite filled in {f['seconds']:.1f} s ({f['bytes'] / 2**20:,.0f} MB, "
            f"{sum(f[k] for k in tables):,} rows; study logs generated and written in {f['logs_s']:.1f} s): "
            + ", ".join(f"{k} {f[k]:,}" for k in tables)
        )
        if "week" in args.parts:
            await part_week(url, path, tmp, args, now, out)
        if "digest" in args.parts:
            await part_digest(url, args, now, out)
    if "postgres" in args.parts:
        await part_postgres(args, now, out)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--learners", type=int, default=100_000)
    p.add_argument("--measured", type=int, default=20, help="learners with two years of daily logs, timed")
    p.add_argument("--calls", type=int, default=500, help="timed /week calls (gather + text, and the App's)")
    p.add_argument("--renders", type=int, default=200, help="timed renders of the picture, per language")
    p.add_argument("--digests", type=int, default=100_000, help="Sunday digests due in the same minute")
    p.add_argument("--send-seconds", type=float, default=20.0, help="how long the digest is sent for")
    p.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    p.add_argument(
        "--parts",
        type=lambda v: set(v.split(",")),
        default={"week", "digest", "postgres"},
        help="what to run, comma-separated: week (/week and the picture), digest (claim and sends on "
        "SQLite), postgres (claim and sends on PostgreSQL); default all",
    )
    p.add_argument("--job", help=argparse.SUPPRESS)
    p.add_argument("--pin", type=int, help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.add_argument("--now", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.quick:
        for k, v in QUICK.items():
            setattr(args, k, v)
    if args.job == "renders":
        ids = measured_ids(args.learners, args.measured)
        print(json.dumps(asyncio.run(renders(args.db, ids, datetime.fromisoformat(args.now), args.renders))))
        return
    if unknown := args.parts - {"week", "digest", "postgres"}:
        p.error(f"--parts: unknown {', '.join(sorted(unknown))} (week, digest, postgres)")
    if args.digests > args.learners:
        p.error("--digests cannot exceed --learners (one digest per learner)")
    if not 0 < args.measured <= args.learners:
        p.error("--measured must be between 1 and --learners")
    print(
        f"momentum benchmarks (python {sys.version.split()[0]}, {os.cpu_count()} cores): {args.learners:,} "
        f"learners, {args.measured} measured with {DAYS_BACK} days of logs, {args.digests:,} Sunday digests"
    )
    started = time.perf_counter()
    summary: list[str] = []
    asyncio.run(run_all(args, summary))
    print(f"  whole run: {time.perf_counter() - started:.0f} s")
    print("summary (figure; target: met / NOT MET, or reported without a target):")
    for line in summary:
        print(f"  {line}")


if __name__ == "__main__":
    main()
