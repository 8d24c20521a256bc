"""Practice benchmarks: the due-cards queries at scale, claiming a minute's review nudges, and answering
cards on one core. Prints figures; asserts nothing.

    .venv/bin/python bench/practice.py [--learners 100000] [--cards 2000] [--pg-rows 20000000]
        [--sqlite-rows 2000000] [--nudges 100000] [--presses 2000] [--measured 10] [--calls 600]
    .venv/bin/python bench/practice.py --quick       # small sizes: a smoke run of a few seconds

1. due cards: `db.practice.due_now` (a review's next cards, 5, and how many are due: the statement
   each press runs) and `count_due(by=now)` for learners with --cards cards
   each (--measured of them) among --learners learners, --pg-rows card rows on PostgreSQL and
   --sqlite-rows on SQLite (the other learners share the rest). Cards join in blocks of one step's 30,
   in random order across learners; a tenth of the blocks were removed, 3% of the cards retired; due
   times spread from two weeks ago to two months ahead (5% never reviewed, due since they joined).
   --calls calls of each, every call in its own session (checkout, BEGIN, query, COMMIT) as the bot
   makes it: p50 / p99 / max in ms; fill time and row counts; EXPLAIN of both queries.
2. nudges: --nudges learners' daily review nudges (kind "review", in five zones, the rule's local time
   being the same UTC minute everywhere) all due in the same minute. SQLite: time for
   `ReminderService.claim(now)` to claim them all. PostgreSQL: 4 processes claim at once; claim time,
   claims vs reminders, deliveries vs reminders, occurrences written twice, reminders advanced twice.
3. presses, one core: the App on a SQLite file with the fake adapter (lexical matcher, flood control on
   with a limit no learner reaches), a learner with every step's cards, /review, then "Show answer" and
   a rating (Good, Easy, Hard, Again in turn) through the full dispatcher path, each reply rendered
   as plain text and as Telegram HTML. Rating presses/s (FSRS update, next card rendered) and all
   presses/s over --presses ratings; between sessions (50 ratings each) every card is made due again.
   Runs in a child process pinned to one core before anything starts a thread.

PostgreSQL comes from TEST_POSTGRES_URL, else a private cluster started like the tests do (tests/pg.py);
without either, its parts print a line saying they were skipped.
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
from collections.abc import Iterable, Iterator  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zoneinfo import ZoneInfo  # noqa: E402

from sqlalchemy import event, func, make_url, select, update  # noqa: E402

from bench.common import ACCOUNT_COLUMNS, as_sqlite, migrate, ms, pct, pg_copy, postgres, with_accounts  # noqa: E402
from db import practice  # noqa: E402
from db.engine import make_engine, make_sessions  # noqa: E402
from db.models import Delivery, PracticeCard, Reminder, User  # noqa: E402

ZONES = ["Asia/Kolkata", "Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"]
BLOCK = 30  # cards of one step, added to a deck together
REMOVED_SHARE, RETIRED_SHARE, NEW_SHARE = 0.10, 0.03, 0.05
PAST, AHEAD = timedelta(days=14).total_seconds(), timedelta(days=60).total_seconds()
QUICK = {"learners": 2000, "cards": 500, "pg_rows": 200_000, "sqlite_rows": 50_000, "nudges": 2000,
         "presses": 100, "measured": 4, "calls": 100}  # fmt: skip
USER_COLUMNS = ["id", "platform", "platform_user_id", "display_name", "lang", "timezone", "timezone_set",
                "reminders_notice", "created_at"]  # fmt: skip
CARD_COLUMNS = ["user_id", "step_id", "card_id", "status", "state", "learning_step", "stability",
                "difficulty", "due", "last_review", "added_at"]  # fmt: skip
REMINDER_COLUMNS = ["owner_id", "platform", "chat_id", "is_group", "text", "kind", "lang", "rule", "timezone",
                    "next_fire_at", "fired", "missed_unreported", "paused", "created_at"]  # fmt: skip
RATING_ORDER = ("Good", "Easy", "Hard", "Again")


# ---- the rows ---------------------------------------------------------------------------------------


def card_blocks(learners: int, measured: int, cards: int, rows: int, seed: int = 1) -> list[tuple]:
    """(user id, block number, cards in it) for every block of every deck, shuffled: decks grow a step
    at a time, learners interleaved. Users 1..measured have `cards` cards; the others share the rest."""
    others = learners - measured
    rest = max(0, rows - measured * cards)
    per, extra = divmod(rest, others) if others else (0, 0)
    blocks = []
    for uid in range(1, learners + 1):
        n = cards if uid <= measured else per + (1 if uid - measured <= extra else 0)
        blocks += [(uid, b, min(BLOCK, n - b * BLOCK)) for b in range((n + BLOCK - 1) // BLOCK)]
    random.Random(seed).shuffle(blocks)
    return blocks


def card_rows(blocks: Iterable[tuple], now: datetime, seed: int = 2) -> Iterator[tuple]:
    """practice_cards rows (CARD_COLUMNS) with aware datetimes."""
    rng = random.Random(seed)
    for uid, block, size in blocks:
        removed = rng.random() < REMOVED_SHARE
        added = now - timedelta(days=rng.uniform(20, 400))
        step = f"step-{block:02d}"
        for j in range(size):
            status = "removed" if removed else "retired" if rng.random() < RETIRED_SHARE else "active"
            if rng.random() < NEW_SHARE:  # never reviewed: due since it joined
                yield uid, step, f"card-{j:02d}", status, 1, 0, None, None, added, None, added
                continue
            due = now + timedelta(seconds=rng.uniform(-PAST, AHEAD))
            last = due - timedelta(days=rng.uniform(1, 30))
            stability, difficulty = rng.uniform(1, 120), rng.uniform(1, 10)
            yield uid, step, f"card-{j:02d}", status, 2, None, stability, difficulty, due, last, added


def user_rows(learners: int, now: datetime) -> Iterator[tuple]:
    for uid in range(1, learners + 1):
        yield uid, "bench", f"u{uid}", "", "en", ZONES[uid % len(ZONES)], True, False, now


def nudge_rows(n: int, when: datetime, now: datetime) -> Iterator[tuple]:
    """A daily review nudge per learner 1..n, all due at `when`: in each zone the rule says the local
    time of that UTC minute ("daily 00:30" in Kolkata, "daily 03:00" in Shanghai...)."""
    from handlers.schedule import parse  # noqa: PLC0415

    rules = {}
    for z in ZONES:
        local = when.astimezone(ZoneInfo(z))
        rules[z] = parse(f"daily {local:%H:%M}", now, ZoneInfo(z))[0].to_json()
    for uid in range(1, n + 1):
        z = ZONES[uid % len(ZONES)]
        yield (uid, "bench", f"u{uid}", False, "", "review", "en", rules[z], z, when, 0, 0, False, now)


# ---- filling ----------------------------------------------------------------------------------------


def sqlite_insert(path: str, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """executemany on a plain sqlite3 connection, 200,000 rows a transaction. No ANALYZE: the bot never
    runs it, so its SQLite planner works without statistics."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    it, total = iter(as_sqlite(rows)), 0
    while chunk := list(itertools.islice(it, 200_000)):
        con.execute("BEGIN")
        con.executemany(sql, chunk)
        con.execute("COMMIT")
        total += len(chunk)
    con.close()
    return total


async def fill(url: str, args: argparse.Namespace, rows: int, now: datetime) -> float:
    """Schema by migration, then learners and cards in bulk; returns the seconds it took."""
    started = time.perf_counter()
    await migrate(url)
    blocks = card_blocks(args.learners, args.measured, args.cards, rows)
    if url.startswith("sqlite"):
        path = make_url(url).database
        columns, users, accounts = with_accounts(USER_COLUMNS, user_rows(args.learners, now))
        sqlite_insert(path, "users", columns, users)
        sqlite_insert(path, "accounts", ACCOUNT_COLUMNS, accounts)
        sqlite_insert(path, "practice_cards", CARD_COLUMNS, card_rows(blocks, now))
    else:
        columns, users, accounts = with_accounts(USER_COLUMNS, user_rows(args.learners, now))
        await pg_copy(url, "users", columns, users)
        await pg_copy(url, "accounts", ACCOUNT_COLUMNS, accounts)
        await pg_copy(url, "practice_cards", CARD_COLUMNS, card_rows(blocks, now))
    return time.perf_counter() - started


# ---- 1. the due-cards queries -----------------------------------------------------------------------


async def timed_calls(sessions, learners: list[int], now: datetime, calls: int) -> dict:  # noqa: ANN001
    """Each call in its own session and transaction, learners in turn; a warm-up round first."""
    fns = {
        "due_now": lambda s, uid: practice.due_now(s, uid, now),
        "count_due": lambda s, uid: practice.count_due(s, uid, by=now),
    }
    out: dict = {name: [] for name in fns}
    for i in range(len(learners) * 5 + calls):
        uid = learners[i % len(learners)]
        for name, fn in fns.items():
            t = time.perf_counter()
            async with sessions() as s, s.begin():
                result = await fn(s, uid)
            if i >= len(learners) * 5:
                out[name].append(1000 * (time.perf_counter() - t))
                out.setdefault(f"{name}_seen", []).append(len(result[0]) if name == "due_now" else result)
    return out


async def explain(engine, call) -> list[str]:  # noqa: ANN001
    """The plan of the statement `call(session)` runs, with the parameters it ran with."""
    seen: list = []

    def grab(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "practice_cards" in statement:
            seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", grab)
    try:
        async with make_sessions(engine)() as s, s.begin():
            await call(s)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", grab)
    statement, params = seen[-1]
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql(prefix + statement, params)).all()
    return [r[-1] for r in rows] if sqlite else [r[0] for r in rows]


async def table_counts(sessions) -> str:  # noqa: ANN001
    async with sessions() as s:
        users = await s.scalar(select(func.count()).select_from(User))
        cards = await s.scalar(select(func.count()).select_from(PracticeCard))
        by_status = dict(
            (await s.execute(select(PracticeCard.status, func.count()).group_by(PracticeCard.status))).all()
        )
    statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(by_status.items()))
    return f"{users:,} users, {cards:,} cards ({statuses})"


async def bench_queries(label: str, url: str, args: argparse.Namespace, rows: int, now: datetime) -> None:
    seconds = await fill(url, args, rows, now)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        print(f"  {label}: filled in {seconds:.1f} s: {await table_counts(sessions)}")
        learners = list(range(1, args.measured + 1))
        got = await timed_calls(sessions, learners, now, args.calls)
        due = got["count_due_seen"]
        print(
            f"    measured learners: {args.measured} with {args.cards:,} cards each, "
            f"{min(due)}-{max(due)} of them active and due now; {args.calls} calls of each, each call "
            "in its own session (checkout, BEGIN, query, COMMIT)"
        )
        print(
            f"    due_now (5 cards + the count due): {ms(got['due_now'])} "
            f"({min(got['due_now_seen'])} rows each)"
        )
        print(f"    count_due(by=now):                 {ms(got['count_due'])}")
        for name, call in (
            ("due_now", lambda s: practice.due_now(s, 1, now)),
            ("count_due", lambda s: practice.count_due(s, 1, by=now)),
        ):
            print(f"    plan of {name}:")
            for line in await explain(engine, call):
                print(f"      {line}")
    finally:
        await engine.dispose()


# ---- 2. claiming a minute's nudges ------------------------------------------------------------------


def service(url: str, **settings):  # noqa: ANN003, ANN201
    from bot.clock import SystemClock  # noqa: PLC0415
    from bot.reminders import ReminderService, ReminderSettings  # noqa: PLC0415
    from bot.settings import REPO_CONTENT  # noqa: PLC0415
    from handlers.content.store import ContentStore  # noqa: PLC0415

    async def nothing(chat, replies) -> None:  # noqa: ANN001
        return None

    engine, content, tuned = make_engine(url), ContentStore(REPO_CONTENT), ReminderSettings(**settings)
    svc = ReminderService(make_sessions(engine), SystemClock(), nothing, content, tuned)
    return svc, engine


def due_minute(now: datetime) -> datetime:
    """The minute before `now`'s, on the minute: every nudge's occurrence."""
    return now.replace(second=0, microsecond=0) - timedelta(minutes=1)


async def seed_nudges(url: str, n: int, now: datetime) -> datetime:
    when = due_minute(now)
    if url.startswith("sqlite"):
        sqlite_insert(make_url(url).database, "reminders", REMINDER_COLUMNS, nudge_rows(n, when, now))
    else:
        await pg_copy(url, "reminders", REMINDER_COLUMNS, nudge_rows(n, when, now))
    return when


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
        }
    await engine.dispose()
    return out


def dup_line(d: dict, claims: int) -> str:
    return (
        f"{claims:,} claims for {d['reminders']:,} reminders (claimed twice: {claims - d['reminders']}), "
        f"{d['deliveries']:,} deliveries, occurrences written twice {d['written_twice']}, reminders "
        f"advanced twice {d['advanced_twice']}, not advanced {d['not_advanced']}"
    )


async def bench_nudges_sqlite(url: str, n: int) -> None:
    now = datetime.now(UTC)
    when = await seed_nudges(url, n, now)
    svc, engine = service(url)
    started = time.perf_counter()
    claimed = await svc.claim(now)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    print(
        f"  nudges on SQLite: {n:,} learners' nudges due at {when:%H:%M} UTC claimed by "
        f"ReminderService.claim in {elapsed:.2f} s ({claimed / elapsed:,.0f}/s); "
        f"{dup_line(await duplicates(url), claimed)}"
    )


def _claim_worker(url: str, conn, go) -> None:  # noqa: ANN001
    """A process like the bot's: warmed up (imports, content, one connection), then claims on `go`."""

    async def run() -> tuple[int, float, float]:
        svc, engine = service(url, batch=500)
        async with engine.connect() as c:
            await c.exec_driver_sql("SELECT 1")
        conn.send("ready")
        await asyncio.to_thread(go.wait)
        started = time.time()
        claimed = await svc.claim(datetime.now(UTC))
        ended = time.time()
        await engine.dispose()
        return claimed, started, ended

    conn.send(asyncio.run(run()))


async def bench_nudges_postgres(url: str, n: int, workers: int = 4) -> None:
    import multiprocessing as mp  # noqa: PLC0415

    when = await seed_nudges(url, n, datetime.now(UTC))
    ctx = mp.get_context("spawn")
    go = ctx.Event()
    pipes = [ctx.Pipe(duplex=False) for _ in range(workers)]
    procs = [ctx.Process(target=_claim_worker, args=(url, w, go)) for _, w in pipes]
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
    elapsed = max(e for _, _, e in results) - released
    print(
        f"  nudges on PostgreSQL, {workers} processes at once: {n:,} due at {when:%H:%M} UTC claimed in "
        f"{elapsed:.2f} s (from the start signal to the last process done; per process {counts}); "
        f"{dup_line(await duplicates(url), sum(counts))}"
    )


# ---- 3. answering cards on one core -----------------------------------------------------------------


@asynccontextmanager
async def review_app(tmp: str):  # noqa: ANN201
    from bot.adapters.fake import FakeAdapter  # noqa: PLC0415
    from bot.app import App, settle_heap  # noqa: PLC0415
    from bot.clock import FakeClock  # noqa: PLC0415
    from bot.settings import load_settings  # noqa: PLC0415

    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp}/press.db",
        faq_model="off",
        flood_limit="1000000/minute",  # the middleware runs; no learner reaches the limit
        content_watch=False,
        reminders=False,
        cache_dir=Path(tmp) / "cache",
        _env_file=None,
    )
    clock = FakeClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    fake = FakeAdapter()
    async with App(settings, [fake], clock=clock) as app:
        settle_heap()  # as the bot's process does once it is ready (bot.cli)
        app.fake, app.bench_clock = fake, clock
        yield app


def buttons(replies) -> dict[str, str]:  # noqa: ANN001
    return {b.label: b.payload for r in replies for row in r.buttons for b in row}


def render_all(replies) -> int:  # noqa: ANN001
    from bot.adapters.telegram_render import render  # noqa: PLC0415

    return sum(len(r.plain()) + sum(len(part) for part in render(r)) for r in replies)


async def all_due_again(app) -> None:  # noqa: ANN001
    """Between sessions (not timed): a day later, and every active card due."""
    app.bench_clock.advance(days=1)
    async with app.sessions() as s, s.begin():
        await s.execute(
            update(PracticeCard)
            .where(PracticeCard.status == "active")
            .values(due=app.bench_clock.now() - timedelta(minutes=1))
        )


async def press_loop(chat, app, ratings: int) -> dict:  # noqa: ANN001
    show_t: list[float] = []
    rate_t: list[float] = []
    chars = 0
    while len(rate_t) < ratings:
        await all_due_again(app)
        replies = await chat.say("/review")
        while len(rate_t) < ratings and "Show answer" in (b := buttons(replies)):
            t = time.perf_counter()
            replies = await chat.press(b["Show answer"])
            chars += render_all(replies)
            show_t.append(time.perf_counter() - t)
            label = RATING_ORDER[len(rate_t) % len(RATING_ORDER)]
            t = time.perf_counter()
            replies = await chat.press(buttons(replies)[label])
            chars += render_all(replies)
            rate_t.append(time.perf_counter() - t)
    return {"show": show_t, "rate": rate_t, "chars": chars}


async def presses(ratings: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        async with review_app(tmp) as app:
            chat = app.fake.chat("learner")
            for n in range(1, len(app.store.content.steps) + 1):
                await chat.say(f"/review add {n}")
            async with app.sessions() as s:
                deck = await s.scalar(select(func.count()).select_from(PracticeCard))
            await press_loop(chat, app, min(50, ratings))  # warm-up
            started, cpu = time.perf_counter(), time.process_time()
            got = await press_loop(chat, app, ratings)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    show, rate = got["show"], got["rate"]
    return {
        "deck": deck,
        "cores": cores,
        "ratings": len(rate),
        "shows": len(show),
        "rate_s": sum(rate),
        "show_s": sum(show),
        "rate_p50": 1000 * pct(rate, 50),
        "rate_p99": 1000 * pct(rate, 99),
        "show_p50": 1000 * pct(show, 50),
        "show_p99": 1000 * pct(show, 99),
        "chars": got["chars"] // max(1, len(rate) + len(show)),
        "wall": wall,
        "cpu": cpu / wall,
    }


def bench_presses(ratings: int) -> None:
    cmd = [sys.executable, __file__, "--job", "presses", "--pin", "1", "--presses", str(ratings)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"  presses: failed ({(done.stderr.strip().splitlines() or ['?'])[-1]})")
        return
    r = json.loads(done.stdout.strip().splitlines()[-1])
    n, pressing = r["ratings"] + r["shows"], r["rate_s"] + r["show_s"]
    print(
        f"  presses on {r['cores']} core, SQLite file, a deck of {r['deck']} cards, {r['chars']} chars "
        f"rendered per press: {r['ratings']:,} rating presses (press -> FSRS -> next card rendered) at "
        f"{r['ratings'] / r['rate_s']:,.0f}/s, p50 {r['rate_p50']:.2f} ms, p99 {r['rate_p99']:.2f} ms"
    )
    print(
        f"    Show answer: p50 {r['show_p50']:.2f} ms, p99 {r['show_p99']:.2f} ms; all {n:,} presses at "
        f"{n / pressing:,.0f}/s ({r['ratings'] / pressing:,.0f} cards answered/s); wall clock with the "
        f"/review starting each session and the untimed reset between sessions: {r['wall']:.1f} s, "
        f"CPU {r['cpu']:.2f} cores"
    )


# ---- main -------------------------------------------------------------------------------------------


async def run_all(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/practice.db"
        await bench_queries("SQLite", url, args, args.sqlite_rows, datetime.now(UTC))
        await bench_nudges_sqlite(url, args.nudges)
    async with postgres() as url:
        if url is None:
            print("  PostgreSQL: skipped (no TEST_POSTGRES_URL and no PostgreSQL installed)")
            return
        await bench_queries("PostgreSQL", url, args, args.pg_rows, datetime.now(UTC))
        await bench_nudges_postgres(url, args.nudges)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--learners", type=int, default=100_000)
    p.add_argument("--cards", type=int, default=2000, help="cards of each measured learner")
    p.add_argument("--pg-rows", type=int, default=20_000_000)
    p.add_argument("--sqlite-rows", type=int, default=2_000_000)
    p.add_argument("--nudges", type=int, default=100_000)
    p.add_argument("--presses", type=int, default=2000, help="rating presses")
    p.add_argument("--measured", type=int, default=10, help="learners whose queries are timed")
    p.add_argument("--calls", type=int, default=600, help="timed calls of each query")
    p.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    p.add_argument("--skip", nargs="*", default=[], choices=["queries", "presses"], help=argparse.SUPPRESS)
    p.add_argument("--job", help=argparse.SUPPRESS)
    p.add_argument("--pin", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.quick:
        for k, v in QUICK.items():
            setattr(args, k, v)
    if args.job == "presses":
        print(json.dumps(asyncio.run(presses(args.presses))))
        return
    if args.nudges > args.learners:
        p.error("--nudges cannot exceed --learners (one nudge per learner)")
    print(
        f"practice benchmarks (python {sys.version.split()[0]}, {os.cpu_count()} cores): "
        f"{args.learners:,} learners, {args.cards:,} cards for each of {args.measured} measured, "
        f"{args.sqlite_rows:,} card rows on SQLite, {args.pg_rows:,} on PostgreSQL"
    )
    started = time.perf_counter()
    if "queries" not in args.skip:
        asyncio.run(run_all(args))
    if "presses" not in args.skip:
        bench_presses(args.presses)
    print(f"  whole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
