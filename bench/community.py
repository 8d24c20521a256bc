"""Community benchmarks: /leaderboard (a group's weekly board) and /stats (its admins' figures) for a
big group with a year of logs. Prints figures; asserts nothing.

    .venv/bin/python bench/community.py [--members 50000] [--joined 5000] [--calls 300]
    .venv/bin/python bench/community.py --quick       # small sizes: a smoke run of about 10 s

The clock is the latest Thursday 12:00:30 UTC (17:30:30 in Asia/Kolkata, the group's zone), so this
week's board has Monday to Thursday in it and last week's is a whole week.

A SQLite file migrated to head, filled with sqlite3 executemany: --members learners with an
account each (platform "fake", id "u<id>"), a year of study logs for them written in time order
(learners interleaved, as the bot writes them): most learners about one a week (30-80 in the year),
one in twenty most days
(200-500); --joined of them on the board of the group "bench-group" (a `chats` row with zone
Asia/Kolkata), joined at times spread over the year; a second group ("bench-small", Europe/Berlin)
with --joined / 10 members, drawn apart from the first, so a board that read another group's members
would show.

- `handlers.boards.board(...)` for the big group, this week and last week (`last=True`), each call in
  its own session and transaction as the bot makes it: p50 / p99 / max over --calls each; its two
  statements (`member_count`, `standings`) timed alone too; the small group's board checked to hold
  only its own members.
- `EXPLAIN QUERY PLAN` of the standings statement as the handler sends it (caught on the engine).
- the whole command: `/leaderboard` said in the group by its members through the App (fake adapter,
  warmed up): p50 / p99 / max over --calls.
- PostgreSQL (TEST_POSTGRES_URL, else a private cluster started like the tests do, tests/pg.py): the
  same data by COPY (then ANALYZE), the same `board(...)` timing and the standings' EXPLAIN ANALYZE;
  without PostgreSQL its part prints a line saying it was skipped.

For /stats the group's records are filled too: chat_activity (every learner of the database used the
bot in the big group on ACTIVE_DAYS days spread over the year before this week, and THIS_WEEK_SHARE of
them on one to four days of this week so far; the small group's members likewise in theirs), a
question tally per local day and outcome for each group, and QUESTIONS unanswered questions with their
per-group counts (a tenth of them asked in the small group too).

- `handlers.stats.report(...)` (the /stats handler's own function: every query it makes) for the big
  group, each call in its own session and transaction: p50 / p99 / max over --calls; its statements
  (active members with their minutes, question counts, top unanswered) timed alone, this week; the plan
  of the active-members statement.
- `/stats` said in the group by its admins through the App (fake adapter, warmed up).
- the same `report(...)` timing on PostgreSQL.

Targets (issue 16): /leaderboard for 50,000 members of whom 5,000 joined, a year of logs: p99 <= 50 ms;
/stats for that group: <= 200 ms.
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
import random  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterable, Iterator  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zoneinfo import ZoneInfo  # noqa: E402

from sqlalchemy import event, func, make_url, select  # noqa: E402

from bench.common import ACCOUNT_COLUMNS, as_sqlite, migrate, ms, pct, pg_copy, postgres, with_accounts  # noqa: E402
from db import boards as store  # noqa: E402
from db import stats as stats_store  # noqa: E402
from db.engine import make_engine, make_sessions  # noqa: E402
from db.models import BoardLog, BoardMember, Chat, ChatActivity, ChatUnanswered, StudyLog, User  # noqa: E402

PLATFORM = "fake"
GROUP, GROUP_ZONE = "bench-group", "Asia/Kolkata"
SMALL, SMALL_ZONE = "bench-small", "Europe/Berlin"
DAYS_BACK = 365  # a year of logs
HEAVY_SHARE = 0.05  # learners who log most days, some days twice
LIGHT_LOGS, HEAVY_LOGS = (30, 80), (200, 500)  # logs over the year: ~1 a week, or ~1 a day
MINUTES = (10, 15, 20, 25, 30, 40, 45, 60, 75, 90, 120)
NOTES = ("", "", "", "", "numpy", "linear algebra", "pandas", "反向传播", "")
UID_BITS, MIN_BITS = 21, 8  # a log packed as one int: (second << 29) | (uid << 8) | minutes index
QUICK = {"members": 2000, "joined": 200, "calls": 60}
USER_COLUMNS = ["id", "platform", "platform_user_id", "display_name", "lang", "timezone", "timezone_set",
                "reminders_notice", "weekly_goal_minutes", "weekly_digest_off", "created_at"]  # fmt: skip
LOG_COLUMNS = ["user_id", "minutes", "note", "logged_at", "studied_at", "delivery_id"]
MEMBER_COLUMNS = ["platform", "chat_id", "user_id", "joined_at"]
CHAT_COLUMNS = ["platform", "chat_id", "timezone", "blocked_at"]
TARGET_P99_MS = 50.0
STATS_TARGET_MS = 200.0  # /stats: p99 within it
ACTIVE_DAYS = 3  # days each learner used the bot in the big group over the year before this week
THIS_WEEK_SHARE = 0.06  # of the learners, used it in the big group this week (3,000 of 50,000)
QUESTIONS = 2000  # unanswered questions asked in the big group (a tenth of them in the small one too)
ACTIVITY_COLUMNS = ["platform", "chat_id", "day", "user_id"]
TALLY_COLUMNS = ["platform", "chat_id", "day", "answered", "count"]
QUESTION_COLUMNS = ["id", "text", "lang", "count", "first_seen", "last_seen"]
CHAT_UNANSWERED_COLUMNS = ["platform", "chat_id", "question_id", "count", "last_seen"]


def timing(label: str, values: list[float], what: str = "calls", target: float = TARGET_P99_MS) -> str:
    """`label: p50 .. ms p99 .. ms max .. ms over N calls (target p99 <= 50 ms: met)`."""
    p99 = pct(values, 99)
    ok = "met" if p99 <= target else "NOT MET"
    figures = f"p50 {pct(values, 50):.2f} ms p99 {p99:.2f} ms max {max(values):.2f} ms"
    return f"{label}: {figures} over {len(values)} {what} (target p99 <= {target:.0f} ms: {ok})"


def bench_now() -> datetime:
    """The latest Thursday 12:00:30 UTC: 17:30:30 in Kolkata, four days into the group's week."""
    real = datetime.now(UTC)
    thursday = real.date() - timedelta(days=(real.weekday() - 3) % 7)
    at = datetime(thursday.year, thursday.month, thursday.day, 12, 0, 30, tzinfo=UTC)
    return at if at <= real else at - timedelta(weeks=1)


def groups(args: argparse.Namespace, seed: int = 7) -> tuple[list[int], list[int]]:
    """The big group's members and the small group's, drawn apart from each other."""
    small = max(1, args.joined // 10)
    drawn = random.Random(seed).sample(range(1, args.members + 1), args.joined + small)
    return drawn[: args.joined], drawn[args.joined :]


# ---- the rows ---------------------------------------------------------------------------------------


def user_rows(members: int, now: datetime) -> Iterator[tuple]:
    created = now - timedelta(days=DAYS_BACK + 30)
    for uid in range(1, members + 1):
        yield (uid, PLATFORM, f"u{uid}", f"Learner {uid}", "en", GROUP_ZONE, True, False, None, False,
               created)  # fmt: skip


def log_keys(members: int, seed: int = 2) -> list[int]:
    """Every log as one int, sorted: the order the bot would have written them in."""
    rng = random.Random(seed)
    keys: list[int] = []
    span = DAYS_BACK * 86400
    shift = UID_BITS + MIN_BITS
    for uid in range(1, members + 1):
        n = rng.randint(*HEAVY_LOGS) if rng.random() < HEAVY_SHARE else rng.randint(*LIGHT_LOGS)
        keys.extend(
            (rng.randrange(span) << shift) | (uid << MIN_BITS) | rng.randrange(len(MINUTES)) for _ in range(n)
        )
    keys.sort()
    return keys


def log_rows(keys: list[int], now: datetime, text: bool) -> Iterator[tuple]:
    """study_logs rows, studied DAYS_BACK days before `now` up to it: as SQLite text (naive UTC) when
    `text`, else with aware datetimes (for COPY)."""
    start = now - timedelta(days=DAYS_BACK)
    if text:
        start = start.astimezone(UTC).replace(tzinfo=None)
    shift, uid_mask, min_mask = UID_BITS + MIN_BITS, (1 << UID_BITS) - 1, (1 << MIN_BITS) - 1
    for k in keys:
        at = start + timedelta(seconds=k >> shift)
        if text:
            at = at.isoformat(" ", "microseconds")
        yield (k >> MIN_BITS) & uid_mask, MINUTES[k & min_mask], NOTES[k % len(NOTES)], at, at, None


def member_rows(chat_id: str, uids: list[int], now: datetime, seed: int) -> Iterator[tuple]:
    """Board members, joined at times spread over the year, in the order they joined."""
    rng = random.Random(seed)
    joined = sorted((now - timedelta(seconds=rng.uniform(0, DAYS_BACK * 86400)), uid) for uid in uids)
    for at, uid in joined:
        yield PLATFORM, chat_id, uid, at


def chat_rows() -> list[tuple]:
    return [(PLATFORM, GROUP, GROUP_ZONE, None), (PLATFORM, SMALL, SMALL_ZONE, None)]


def _today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def activity_rows(chat_id: str, zone: str, uids: list[int], now: datetime, seed: int) -> Iterator[tuple]:
    """chat_activity: each learner on ACTIVE_DAYS local days of the year before this week, and
    THIS_WEEK_SHARE of them on one to four of this week's days so far (the group's zone)."""
    rng = random.Random(seed)
    today = _today(now, zone)
    monday = today - timedelta(days=today.weekday())
    rows: set[tuple] = set()
    for uid in uids:
        for _ in range(ACTIVE_DAYS):
            rows.add((PLATFORM, chat_id, monday - timedelta(days=rng.randrange(1, DAYS_BACK)), uid))
    for uid in rng.sample(uids, max(1, int(len(uids) * THIS_WEEK_SHARE))):
        so_far = (today - monday).days + 1
        for back in rng.sample(range(so_far), rng.randint(1, min(4, so_far))):
            rows.add((PLATFORM, chat_id, today - timedelta(days=back), uid))
    yield from sorted(rows, key=lambda r: (r[2], r[3]))


def tally_rows(chat_id: str, zone: str, now: datetime, seed: int, scale: int) -> Iterator[tuple]:
    """chat_question_tallies: every local day of the year up to today, answered and not."""
    rng = random.Random(seed)
    today = _today(now, zone)
    for back in range(DAYS_BACK, -1, -1):
        day = today - timedelta(days=back)
        yield PLATFORM, chat_id, day, True, rng.randint(1, 4 * scale)
        yield PLATFORM, chat_id, day, False, rng.randint(0, scale)


def question_rows(now: datetime, seed: int = 11) -> list[tuple]:
    rng = random.Random(seed)
    rows = []
    for qid in range(1, QUESTIONS + 1):
        first = now - timedelta(seconds=rng.uniform(0, DAYS_BACK * 86400))
        rows.append((qid, f"unanswered question {qid} about {rng.choice(NOTES) or 'maths'}", "en",
                     rng.randint(1, 40), first, first))  # fmt: skip
    return rows


def chat_unanswered_rows(questions: list[tuple], seed: int = 12) -> Iterator[tuple]:
    rng = random.Random(seed)
    for qid, _, _, count, _, last_seen in questions:
        yield PLATFORM, GROUP, qid, count, last_seen
        if rng.random() < 0.1:
            yield PLATFORM, SMALL, qid, rng.randint(1, count), last_seen


def stats_tables(args: argparse.Namespace, now: datetime) -> list[tuple[str, list[str], list[tuple]]]:
    """The /stats records of both groups: (table, columns, rows), in the order to fill them."""
    _, small = groups(args)
    everyone = list(range(1, args.members + 1))
    questions = question_rows(now)
    return [
        ("chat_activity", ACTIVITY_COLUMNS, [*activity_rows(GROUP, GROUP_ZONE, everyone, now, 21),
                                             *activity_rows(SMALL, SMALL_ZONE, small, now, 22)]),
        ("chat_question_tallies", TALLY_COLUMNS, [*tally_rows(GROUP, GROUP_ZONE, now, 23, 30),
                                                  *tally_rows(SMALL, SMALL_ZONE, now, 24, 3)]),
        ("unanswered_questions", QUESTION_COLUMNS, questions),
        ("chat_unanswered", CHAT_UNANSWERED_COLUMNS, list(chat_unanswered_rows(questions))),
    ]  # fmt: skip


def _sqlite_dates(rows: Iterable[tuple]) -> Iterator[tuple]:
    for row in as_sqlite(rows):
        yield tuple(v.isoformat() if isinstance(v, date) else v for v in row)


# ---- filling ----------------------------------------------------------------------------------------


def sqlite_insert(path: str, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """executemany on a plain sqlite3 connection, 200,000 rows a transaction. No ANALYZE: the bot never
    runs it, so its SQLite planner works without statistics."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")  # 1 GB: the indexes stay in memory while they fill
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    it, total = iter(rows), 0
    while chunk := list(itertools.islice(it, 200_000)):
        con.execute("BEGIN")
        con.executemany(sql, chunk)
        con.execute("COMMIT")
        total += len(chunk)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return total


async def fill(url: str, args: argparse.Namespace, keys: list[int], now: datetime) -> dict:
    """Schema by migration, then every table in bulk; the seconds it took (the logs' apart)."""
    big, small = groups(args)
    started = time.perf_counter()
    await migrate(url)
    out: dict = {}
    if url.startswith("sqlite"):
        path = make_url(url).database
        columns, users, accounts = with_accounts(USER_COLUMNS, user_rows(args.members, now))
        sqlite_insert(path, "users", columns, as_sqlite(users))
        sqlite_insert(path, "accounts", ACCOUNT_COLUMNS, as_sqlite(accounts))
        t = time.perf_counter()
        sqlite_insert(path, "study_logs", LOG_COLUMNS, log_rows(keys, now, text=True))
        out["logs_s"] = time.perf_counter() - t
        sqlite_insert(path, "board_members", MEMBER_COLUMNS, as_sqlite(member_rows(GROUP, big, now, 8)))
        sqlite_insert(path, "board_members", MEMBER_COLUMNS, as_sqlite(member_rows(SMALL, small, now, 9)))
        sqlite_insert(path, "chats", CHAT_COLUMNS, chat_rows())
        for table, columns, rows in stats_tables(args, now):
            sqlite_insert(path, table, columns, _sqlite_dates(rows))
        out["bytes"] = os.path.getsize(path)
    else:
        columns, users, accounts = with_accounts(USER_COLUMNS, user_rows(args.members, now))
        await pg_copy(url, "users", columns, users)
        await pg_copy(url, "accounts", ACCOUNT_COLUMNS, accounts)
        t = time.perf_counter()
        await pg_copy(url, "study_logs", LOG_COLUMNS, log_rows(keys, now, text=False))
        out["logs_s"] = time.perf_counter() - t
        rows = [*member_rows(GROUP, big, now, 8), *member_rows(SMALL, small, now, 9)]
        await pg_copy(url, "board_members", MEMBER_COLUMNS, rows)
        await pg_copy(url, "chats", CHAT_COLUMNS, chat_rows())
        for table, columns, rows in stats_tables(args, now):
            await pg_copy(url, table, columns, rows)
    t = time.perf_counter()
    await copy_board_logs(url)
    out["board_logs_s"] = time.perf_counter() - t
    out["seconds"] = time.perf_counter() - started
    return out


async def copy_board_logs(url: str) -> None:
    """The boards' copies of their members' logs (`board_logs`), which the bot writes as logs come and
    members join: here, for rows filled in bulk, by `db.boards.rebuild_all` in one statement; then
    ANALYZE, as after the other tables."""
    engine = make_engine(url)
    try:
        async with make_sessions(engine)() as s, s.begin():
            await store.rebuild_all(s)
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql(
                "ANALYZE board_logs"
            )
    finally:
        await engine.dispose()


async def counts(sessions, now: datetime) -> dict:  # noqa: ANN001
    """Rows per table, and how many of each group's members logged time this week and last week."""
    from handlers.boards import _week  # noqa: PLC0415

    out: dict = {}
    async with sessions() as s:
        for name, model in (("users", User), ("study_logs", StudyLog), ("board_members", BoardMember),
                            ("board_logs", BoardLog), ("chats", Chat), ("chat_activity", ChatActivity),
                            ("chat_unanswered", ChatUnanswered)):  # fmt: skip
            out[name] = await s.scalar(select(func.count()).select_from(model))
        for chat_id, zone in ((GROUP, GROUP_ZONE), (SMALL, SMALL_ZONE)):
            out[chat_id] = {"members": await store.member_count(s, PLATFORM, chat_id)}
            for key, back in (("this", 0), ("last", 1)):
                _, start, end = _week(now, ZoneInfo(zone), back)
                on = (
                    select(func.count(func.distinct(StudyLog.user_id)), func.count())
                    .join(BoardMember, BoardMember.user_id == StudyLog.user_id)
                    .where(
                        BoardMember.platform == PLATFORM,
                        BoardMember.chat_id == chat_id,
                        StudyLog.studied_at >= start,
                        StudyLog.studied_at < end,
                        StudyLog.studied_at >= BoardMember.joined_at,
                    )
                )
                out[chat_id][key] = tuple((await s.execute(on)).one())
    return out


def count_line(label: str, c: dict, f: dict) -> str:
    tables = (
        "users",
        "study_logs",
        "board_members",
        "board_logs",
        "chats",
        "chat_activity",
        "chat_unanswered",
    )
    size = f" ({f['bytes'] / 2**20:,.0f} MB)" if "bytes" in f else ""
    rows = ", ".join(f"{k} {c[k]:,}" for k in tables)
    return (
        f"  {label} filled in {f['seconds']:.1f} s{size}, study logs generated and written in "
        f"{f['logs_s']:.1f} s, board copies in {f['board_logs_s']:.1f} s: {rows}"
    )


def group_line(c: dict) -> str:
    parts = []
    for chat_id, zone in ((GROUP, GROUP_ZONE), (SMALL, SMALL_ZONE)):
        g = c[chat_id]
        (tm, tl), (lm, ll) = g["this"], g["last"]
        parts.append(
            f"{chat_id} ({zone}): {g['members']:,} on the board; this week {tm:,} of them logged ({tl:,} "
            f"logs since joining), last week {lm:,} ({ll:,} logs)"
        )
    return "    " + "; ".join(parts)


# ---- the board --------------------------------------------------------------------------------------


def load_repo_content():  # noqa: ANN201
    from bot.settings import REPO_CONTENT  # noqa: PLC0415
    from handlers.content import load_content  # noqa: PLC0415

    content, problems = load_content(REPO_CONTENT)
    if content is None:
        raise SystemExit(f"the repository's content does not load: {problems[:3]}")
    return content


async def board_calls(sessions, strings, now: datetime, calls: int, chat_id: str = GROUP) -> dict:  # noqa: ANN001
    """board(...) this week and last week, each call in its own session and transaction; a warm-up
    of 10 calls each first (not counted). Also member_count and standings alone, the same way."""
    from handlers.boards import SHOWN, _week, board  # noqa: PLC0415

    zone = ZoneInfo(GROUP_ZONE if chat_id == GROUP else SMALL_ZONE)
    out: dict = {"this": [], "last": [], "member_count": [], "standings": [], "docs": {}}
    for last in (False, True):
        key = "last" if last else "this"
        for i in range(10 + calls):
            t = time.perf_counter()
            async with sessions() as s, s.begin():
                doc = await board(s, strings, PLATFORM, chat_id, zone, now, last)
            if i >= 10:
                out[key].append(1000 * (time.perf_counter() - t))
            out["docs"][key] = doc
    _, start, end = _week(now, zone)
    for i in range(5 + calls // 2):
        t = time.perf_counter()
        async with sessions() as s, s.begin():
            await store.member_count(s, PLATFORM, chat_id)
        t1 = time.perf_counter()
        async with sessions() as s, s.begin():
            rows = await store.standings(s, PLATFORM, chat_id, start, end, SHOWN)
        t2 = time.perf_counter()
        if i >= 5:
            out["member_count"].append(1000 * (t1 - t))
            out["standings"].append(1000 * (t2 - t1))
        out["rows"] = rows
    return out


async def own_members_only(sessions, now: datetime) -> str:  # noqa: ANN001
    """The small group's standings (every place, this week and last) against its own members."""
    from handlers.boards import _week  # noqa: PLC0415

    async with sessions() as s, s.begin():
        mine = set(
            (
                await s.scalars(
                    select(BoardMember.user_id).where(
                        BoardMember.platform == PLATFORM, BoardMember.chat_id == SMALL
                    )
                )
            ).all()
        )
        seen: list[int] = []
        for back in (0, 1):
            _, start, end = _week(now, ZoneInfo(SMALL_ZONE), back)
            seen += [r.user_id for r in await store.standings(s, PLATFORM, SMALL, start, end, 10**6)]
    strangers = sum(1 for u in seen if u not in mine)
    return (
        f"{SMALL}'s standings (all places, this week and last): {len(seen)} places, "
        f"{strangers} of them not its members ({'only its own' if not strangers else 'LEAKS'})"
    )


async def explain(engine, call, table: str) -> list[str]:  # noqa: ANN001
    """The plan of the standings statement `call(session)` sends, with the parameters it sent."""
    seen: list = []

    def grab(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if table in statement:
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
    if sqlite:  # (id, parent, notused, detail): indent each line under its parent
        depth: dict[int, int] = {0: 0}
        lines = []
        for node, parent, _, detail in rows:
            depth[node] = depth.get(parent, 0) + 1
            lines.append("  " * (depth[node] - 1) + detail)
        return lines
    return [r[0] for r in rows]


def plan_call(strings, now: datetime):  # noqa: ANN001, ANN201
    from handlers.boards import board  # noqa: PLC0415

    return lambda s: board(s, strings, PLATFORM, GROUP, ZoneInfo(GROUP_ZONE), now, False)


async def part_board(label: str, url: str, args: argparse.Namespace, now: datetime, out: list) -> None:
    from handlers.core.i18n import Strings  # noqa: PLC0415

    content = load_repo_content()
    strings = Strings(content.strings, "en")
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        b = await board_calls(sessions, strings, now, args.calls)
        for key, week in (("this", "this week"), ("last", "last week")):
            line = timing(f"leaderboard ({label}, {week})", b[key])
            print(f"  {line}")
            out.append(line)
        shown = b["docs"]["this"]
        places = len(b["rows"])
        top = b["rows"][0] if b["rows"] else None
        print(
            f"    board(...) of {GROUP} in {GROUP_ZONE}, each call in its own session and transaction; "
            f"{places} places shown"
            + (f", first {top.name} with {top.minutes} min" if top else "")
            + ("" if shown is not None else " (board(...) returned None)")
        )
        print(f"    alone, this week: member_count {ms(b['member_count'])}; standings {ms(b['standings'])}")
        print(f"    {await own_members_only(sessions, now)}")
        print(f"    plan of the standings statement ({label}):")
        for line in await explain(engine, plan_call(strings, now), "board_logs"):
            print(f"      {line}")
    finally:
        await engine.dispose()


# ---- the whole command ------------------------------------------------------------------------------


@asynccontextmanager
async def board_app(path: str, tmp: str, now: datetime):  # noqa: ANN201
    from bot.adapters.fake import FakeAdapter  # noqa: PLC0415
    from bot.app import App  # noqa: PLC0415
    from bot.clock import FakeClock  # noqa: PLC0415
    from bot.settings import load_settings  # noqa: PLC0415

    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        faq_model="off",
        flood_limit="1000000/minute",  # the middleware runs; no member reaches the limit
        content_watch=False,
        reminders=False,
        cache_dir=Path(tmp) / "cache",
        _env_file=None,
    )
    fake = FakeAdapter()
    async with App(settings, [fake], clock=FakeClock(now)) as app:
        app.fake = fake
        yield app


async def app_board(path: str, tmp: str, args: argparse.Namespace, now: datetime) -> dict:
    """/leaderboard said in the group by its members in turn (20 of them); 20 warm-up commands first."""
    big, _ = groups(args)
    speakers = big[:: max(1, len(big) // 20)][:20]
    times: list[float] = []
    other = 0
    async with board_app(path, tmp, now) as app:
        chats = [app.fake.chat(f"u{uid}", chat_id=GROUP, group=True) for uid in speakers]
        warm = len(chats)
        for i in range(warm + args.calls):
            chat = chats[i % len(chats)]
            t = time.perf_counter()
            replies = await chat.say("/leaderboard")
            elapsed = 1000 * (time.perf_counter() - t)
            app.fake.sent.clear()
            if i < warm:
                continue
            times.append(elapsed)
            if not any("This week's board" in r.plain() for r in replies):
                other += 1
                last_other = " / ".join(r.plain()[:80] for r in replies)
    return {"times": times, "other": other, "example": last_other if other else ""}


async def part_app(path: str, tmp: str, args: argparse.Namespace, now: datetime, out: list) -> None:
    try:
        a = await app_board(path, tmp, args, now)
    except Exception as exc:  # the handlers are being finished: say what failed, go on with the rest
        print(f"  /leaderboard through the App: failed ({exc!r})")
        out.append(f"/leaderboard through the App: not measured ({exc!r})")
        return
    line = timing("/leaderboard through the App (SQLite)", a["times"], "commands")
    print(f"  {line}")
    print(
        f"    fake adapter, warmed up, 20 members of {GROUP} in turn; replies without the board: {a['other']}"
        + (f" (e.g. {a['example']!r})" if a["other"] else "")
    )
    out.append(line)


# ---- /stats -----------------------------------------------------------------------------------------


async def stats_calls(sessions, strings, now: datetime, calls: int) -> dict:  # noqa: ANN001
    """report(...) for the big group, each call in its own session and transaction (10 warm-up calls
    not counted); then its statements alone, this week, the same way."""
    from handlers.stats import TOP, report, week  # noqa: PLC0415

    out: dict = {"report": [], "active": [], "questions": [], "top": []}
    for i in range(10 + calls):
        t = time.perf_counter()
        async with sessions() as s, s.begin():
            doc = await report(s, strings, PLATFORM, GROUP, now)
        if i >= 10:
            out["report"].append(1000 * (time.perf_counter() - t))
        out["doc"] = doc
    w = week(now, ZoneInfo(GROUP_ZONE))
    for i in range(5 + calls // 2):
        t0 = time.perf_counter()
        async with sessions() as s, s.begin():
            out["members"] = await stats_store.active_members(s, PLATFORM, GROUP, w)
        t1 = time.perf_counter()
        async with sessions() as s, s.begin():
            out["asked"] = await stats_store.question_counts(s, PLATFORM, GROUP, w)
        t2 = time.perf_counter()
        async with sessions() as s, s.begin():
            out["unanswered"] = await stats_store.top_unanswered(s, PLATFORM, GROUP, TOP)
        t3 = time.perf_counter()
        if i >= 5:
            out["active"].append(1000 * (t1 - t0))
            out["questions"].append(1000 * (t2 - t1))
            out["top"].append(1000 * (t3 - t2))
    return out


def active_call(now: datetime):  # noqa: ANN201
    from handlers.stats import week  # noqa: PLC0415

    w = week(now, ZoneInfo(GROUP_ZONE))
    return lambda s: stats_store.active_members(s, PLATFORM, GROUP, w)


async def part_stats(label: str, url: str, args: argparse.Namespace, now: datetime, out: list) -> None:
    from handlers.core.i18n import Strings  # noqa: PLC0415
    from handlers.core.markup import to_plain  # noqa: PLC0415

    content = load_repo_content()
    strings = Strings(content.strings, "en")
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        st = await stats_calls(sessions, strings, now, args.calls)
        line = timing(f"stats report ({label})", st["report"], target=STATS_TARGET_MS)
        print(f"  {line}")
        out.append(line)
        members, minutes = st["members"]
        asked, answered = st["asked"]
        print(
            f"    report(...) of {GROUP}, each call in its own session and transaction: this week "
            f"{members:,} members active with {minutes:,} min, {asked:,} questions ({answered:,} answered), "
            f"top {len(st['unanswered'])} unanswered; {len(to_plain(st['doc'])):,} characters"
        )
        print(
            f"    alone, this week: active members and minutes {ms(st['active'])}; question counts "
            f"{ms(st['questions'])}; top unanswered {ms(st['top'])}"
        )
        print(f"    plan of the active-members statement ({label}):")
        for line in await explain(engine, active_call(now), "study_logs"):
            print(f"      {line}")
    finally:
        await engine.dispose()


async def app_stats(path: str, tmp: str, args: argparse.Namespace, now: datetime) -> dict:
    """/stats said in the group by 20 of its admins in turn; 20 warm-up commands first."""
    speakers = list(range(1, args.members + 1, max(1, args.members // 20)))[:20]
    times: list[float] = []
    other = 0
    async with board_app(path, tmp, now) as app:
        chats = [app.fake.chat(f"u{uid}", chat_id=GROUP, group=True, chat_admin=True) for uid in speakers]
        warm = len(chats)
        for i in range(warm + args.calls):
            chat = chats[i % len(chats)]
            t = time.perf_counter()
            replies = await chat.say("/stats")
            elapsed = 1000 * (time.perf_counter() - t)
            app.fake.sent.clear()
            if i < warm:
                continue
            times.append(elapsed)
            if not any("This group's week" in r.plain() and r.privately for r in replies):
                other += 1
                last_other = " / ".join(r.plain()[:80] for r in replies)
    return {"times": times, "other": other, "example": last_other if other else ""}


async def part_app_stats(path: str, tmp: str, args: argparse.Namespace, now: datetime, out: list) -> None:
    try:
        a = await app_stats(path, tmp, args, now)
    except Exception as exc:  # say what failed, go on with the rest
        print(f"  /stats through the App: failed ({exc!r})")
        out.append(f"/stats through the App: not measured ({exc!r})")
        return
    line = timing("/stats through the App (SQLite)", a["times"], "commands", target=STATS_TARGET_MS)
    print(f"  {line}")
    print(
        f"    fake adapter, warmed up, 20 admins of {GROUP} in turn; replies without the stats: {a['other']}"
        + (f" (e.g. {a['example']!r})" if a["other"] else "")
    )
    out.append(line)


# ---- PostgreSQL -------------------------------------------------------------------------------------


async def part_postgres(args: argparse.Namespace, keys: list[int], now: datetime, out: list) -> None:
    async with postgres() as url:
        if url is None:
            print("  PostgreSQL: skipped (no TEST_POSTGRES_URL and no PostgreSQL installed)")
            out.append("leaderboard and stats (PostgreSQL): skipped (no PostgreSQL)")
            return
        f = await fill(url, args, keys, now)
        engine = make_engine(url)
        try:
            c = await counts(make_sessions(engine), now)
        finally:
            await engine.dispose()
        print(count_line("PostgreSQL (COPY, then ANALYZE)", c, f))
        await part_board("PostgreSQL", url, args, now, out)
        await part_stats("PostgreSQL", url, args, now, out)


# ---- main -------------------------------------------------------------------------------------------


async def run_all(args: argparse.Namespace, out: list[str]) -> None:
    now = bench_now()
    print(
        f"  clock: {now:%a %Y-%m-%d %H:%M:%S} UTC ({now.astimezone(ZoneInfo(GROUP_ZONE)):%a %H:%M} in "
        f"{GROUP_ZONE})"
    )
    t = time.perf_counter()
    keys = log_keys(args.members)
    print(f"  {len(keys):,} study logs generated and sorted in {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/community.db"
        url = f"sqlite+aiosqlite:///{path}"
        f = await fill(url, args, keys, now)
        engine = make_engine(url)
        try:
            c = await counts(make_sessions(engine), now)
        finally:
            await engine.dispose()
        print(count_line("SQLite", c, f))
        print(group_line(c))
        out.append(
            f"fill, SQLite: {f['seconds']:.1f} s for {c['users']:,} users, {c['study_logs']:,} logs, "
            f"{c['board_members']:,} board members"
        )
        await part_board("SQLite", url, args, now, out)
        await part_app(path, tmp, args, now, out)
        await part_stats("SQLite", url, args, now, out)
        await part_app_stats(path, tmp, args, now, out)
    await part_postgres(args, keys, now, out)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--members", type=int, default=50_000, help="learners (users) in the database")
    p.add_argument("--joined", type=int, default=5_000, help="of them on the big group's board")
    p.add_argument("--calls", type=int, default=300, help="timed calls of each kind")
    p.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    p.add_argument("--pin", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.quick:
        for k, v in QUICK.items():
            setattr(args, k, v)
    if not (args.joined > 0 and args.joined + max(1, args.joined // 10) <= args.members):
        p.error("--joined (and a tenth of it for the second group) must fit in --members")
    print(
        f"community benchmarks (python {sys.version.split()[0]}, {os.cpu_count()} cores, sqlite "
        f"{sqlite3.sqlite_version}): {args.members:,} learners with {DAYS_BACK} days of logs, "
        f"{args.joined:,} on {GROUP}'s board, {max(1, args.joined // 10):,} on {SMALL}'s"
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
