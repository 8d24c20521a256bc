"""Scale benchmark: every chat command's latency at 1,000 and at 100,000 learners, side by side, and the
ratio between them. A learner's command should cost the same however many other learners there are: the
goal is a ratio of at most 1.2 for every command. Prints figures; asserts nothing.

    .venv/bin/python bench/scale.py [--sizes 1000 100000] [--samples 200] [--database sqlite|postgresql]
                                    [--only WORD ...] [--no-explain]

Each database is seeded in one transaction with bulk inserts (not through the chat): every learner has a
zone, one reminder in their own chat and one message it sent, 3 study logs and 3 roadmap steps; a quarter
of them asked a question the bot could not answer; one processed platform update each. Both apps then run
at once and take turns, sample by sample, so both sizes see the same machine. A sample is one event
through the full path (fake adapter with event ids, as Telegram sends them -> middleware -> handler ->
database -> reply rendered as text), from a different learner each time; what a sample needs first (a
/forget to confirm, a reminder message to press) is done before the clock starts.

Commands come from the app's own declarations: one with no scenario below is still measured, bare.
Then, at the largest size, each sample's statements are explained and full scans of a table are listed:
the statement, the table and its rows, so a ratio above 1.2 points at the index that is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.pipeline import QUESTIONS, rendering_adapter  # noqa: E402
from bench.reminders import RULES, ZONES  # noqa: E402
from bot.adapters.fake import FakeAdapter, FakeChat  # noqa: E402
from bot.app import App  # noqa: E402
from bot.settings import REPO_CONTENT, load_settings  # noqa: E402
from db import reminders as store  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Base  # noqa: E402
from handlers.content.store import ContentStore  # noqa: E402
from handlers.core.router import parse_line  # noqa: E402
from handlers.core.types import Event, Press  # noqa: E402
from handlers.reminders import reminder_reply  # noqa: E402
from handlers.schedule import parse, upcoming  # noqa: E402
from tests.query_plans import caught_statements, full_scans  # noqa: E402

T = Base.metadata.tables
CHUNK = 20_000
ADMIN = "admin"
GOAL = 1.2
SHOWN = ("users", "reminders", "deliveries", "study_logs", "step_progress", "unanswered_questions")


# Seeding


def _chunks(rows: list[dict]) -> list[list[dict]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


async def seed(url: str, n: int, now: datetime) -> dict[str, int]:
    """n learners and what they keep, in one transaction; returns rows per table."""
    content = ContentStore(REPO_CONTENT).content
    steps = [s.id for s in content.steps]
    engine = make_engine(url)
    await upgrade(engine)
    rng = random.Random(n)
    next_fire = {}
    for z in ZONES:
        for r in RULES:
            rule = parse(r, now, ZoneInfo(z))[0]
            next_fire[z, r] = (rule.to_json(), upcoming(rule, ZoneInfo(z), now, 1)[0])
    async with engine.begin() as conn:

        async def put(table: str, rows: list[dict]) -> None:
            for chunk in _chunks(rows):
                await conn.execute(insert(T[table]), chunk)

        await put(
            "users",
            [
                {"id": i + 1, "display_name": f"Learner {i}",
                 "lang": "zh" if i % 5 == 0 else None, "timezone": ZONES[i % len(ZONES)],
                 "timezone_set": True, "reminders_notice": False, "created_at": now - timedelta(days=30)}
                for i in range(n)
            ],
        )  # fmt: skip
        await put(
            "accounts",
            [
                {"platform": "fake", "platform_user_id": f"u{i}", "user_id": i + 1, "since": now}
                for i in range(n)
            ],  # fmt: skip
        )
        ids = {f"u{i}": i + 1 for i in range(n)}
        reminders = []
        for i in range(n):
            zone, rule = ZONES[i % len(ZONES)], RULES[i % len(RULES)]
            rule_json, first = next_fire[zone, rule]
            reminders.append(
                {"owner_id": ids[f"u{i}"], "platform": "fake", "chat_id": f"u{i}", "is_group": False,
                 "text": f"study block {i}", "lang": "en", "rule": rule_json, "timezone": zone,
                 "next_fire_at": first, "fired": 3, "missed_unreported": 0, "paused": False,
                 "created_at": now - timedelta(days=3)}
            )  # fmt: skip
        await put("reminders", reminders)
        fired = now - timedelta(hours=20)
        reminder_ids = (await conn.execute(select(T["reminders"].c.id))).scalars().all()
        await put(
            "deliveries",
            [
                {"reminder_id": rid, "fire_at": fired, "seq": 0, "due_at": fired, "status": "sent",
                 "delayed": False, "missed_before": 0, "attempts": 1, "claimed_at": fired, "sent_at": fired,
                 "error": ""}
                for rid in reminder_ids
            ],
        )  # fmt: skip
        logs, progress = [], []
        for uid in ids.values():
            for k in range(3):
                at = now - timedelta(days=k + 1, minutes=rng.randrange(600))
                logs.append(
                    {"user_id": uid, "minutes": 20 + 10 * k, "note": "", "logged_at": at, "studied_at": at}
                )
            for k, state in enumerate(("done", "done", "doing")):
                progress.append({"user_id": uid, "step_id": steps[k], "state": state, "updated_at": now})
        await put("study_logs", logs)
        await put("step_progress", progress)
        await put(
            "faq_stats",
            [{"faq_id": e.id, "lang": lang, "asked": n // 10} for e in content.faq for lang in ("en", "zh")],
        )
        askers = list(ids.values())[: max(1, n // 4)]
        await put(
            "unanswered_questions",
            [
                {"text": f"question {k} nobody wrote an answer for", "lang": "en", "count": 1,
                 "first_seen": now - timedelta(days=2), "last_seen": now - timedelta(days=1)}
                for k in range(len(askers))
            ],
        )  # fmt: skip
        if "unanswered_askers" in T:
            qids = (await conn.execute(select(T["unanswered_questions"].c.id))).scalars().all()
            await put(
                "unanswered_askers",
                [{"question_id": q, "user_id": u, "count": 1} for q, u in zip(qids, askers, strict=True)],
            )
        if "question_tallies" in T:
            days = [(now - timedelta(days=d)).date() for d in range(60)]
            await put(
                "question_tallies",
                [
                    {"day": d, "lang": lang, "answered": ok, "count": n // 20}
                    for d in days for lang in ("en", "zh") for ok in (True, False)
                ],
            )  # fmt: skip
        if "processed_events" in T:  # about one update per learner within the last hour, not yet pruned
            await put(
                "processed_events",
                [{"platform": "fake", "event_id": f"seed{k}", "seen_at": now - timedelta(seconds=k % 3600)}
                 for k in range(n)],
            )  # fmt: skip
        counts = {}
        for name in T:
            counts[name] = await conn.scalar(select(func.count()).select_from(T[name]))
    if engine.dialect.name == "postgresql":  # statistics, as autovacuum keeps them on a live database
        async with engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")
            await conn.commit()
    await engine.dispose()
    return counts


# One database and its app


@dataclass
class Learner:
    uid: str  # platform user id
    reminder: int  # their reminder's id
    delivery: int  # the message it sent


@dataclass
class Size:
    n: int
    app: App
    adapter: FakeAdapter  # bench.pipeline.rendering_adapter(): renders each reply as a platform would
    learners: list[Learner]
    rows: dict[str, int]
    seeded_s: float
    outcomes: list[str] = field(default_factory=list)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def chat(self, who: Learner | str) -> FakeChat:
        return self.adapter.chat(who if isinstance(who, str) else who.uid)

    async def send(self, chat: FakeChat, what: str | Press) -> list:
        """One event as a platform sends it (with an update id), through the app; its replies."""
        parsed = what if isinstance(what, Press) else parse_line(what)
        event = Event(chat.user, chat.chat, parsed, event_id=f"bench{next(self.ids)}")
        chat.last = await self.adapter.deliver(event)
        return chat.last


@asynccontextmanager
async def size(n: int, database: str, server: str | None, now: datetime) -> AsyncIterator[Size]:
    async with AsyncExitStack() as stack:
        if database == "postgresql":
            from tests import pg

            url = await stack.enter_async_context(pg.fresh_database(server))
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite+aiosqlite:///{tmp}/scale-{n}.db"
        started = time.perf_counter()
        rows = await seed(url, n, now)
        seeded = time.perf_counter() - started
        settings = load_settings(
            database_url=url,
            bot_admins=f"fake:{ADMIN}",
            flood_limit="100000/minute",  # the middleware runs; it never refuses a sample
            faq_model="off",
            content_watch=False,
            reminders=False,  # the commands are measured here; bench/reminders.py measures sending
            _env_file=None,
        )
        adapter = rendering_adapter()
        app = await stack.enter_async_context(App(settings, [adapter]))
        r, d, a = T["reminders"], T["deliveries"], T["accounts"]
        async with app.engine.connect() as conn:
            found = await conn.execute(
                select(a.c.platform_user_id, r.c.id, d.c.id)
                .select_from(a)
                .join(r, r.c.owner_id == a.c.user_id)
                .join(d, d.c.reminder_id == r.c.id)
                .order_by(a.c.user_id)
            )
            learners = [Learner(*row) for row in found]
        s = Size(n, app, adapter, learners, rows, seeded)
        observed = app.metrics.event

        def observe(event: dict) -> None:  # the outcome of every event, to tell errors apart
            s.outcomes.append(event["outcome"])
            observed(event)

        app.metrics.event = observe
        yield s


# What each command is sent, for one learner


Prepare = Callable[[Size, Learner, int], Awaitable[tuple[FakeChat, str | Press]]]


def line(text: str | Callable[[Learner, int], str]) -> Prepare:
    async def prepare(s: Size, who: Learner, k: int) -> tuple[FakeChat, str]:
        return s.chat(who), text(who, k) if callable(text) else text

    return prepare


def as_admin(text: str) -> Prepare:
    async def prepare(s: Size, who: Learner, k: int) -> tuple[FakeChat, str]:
        return s.chat(ADMIN), text

    return prepare


def button(first: str, index: int) -> Prepare:
    """Send `first` (not timed), then press its reply's button number `index` (flattened)."""

    async def prepare(s: Size, who: Learner, k: int) -> tuple[FakeChat, Press]:
        chat = s.chat(who)
        replies = await s.send(chat, first)
        buttons = [b for r in replies for row in r.buttons for b in row]
        return chat, Press(buttons[index].payload)

    return prepare


def reminder_button(index: int) -> Prepare:
    """A button on the message the learner's reminder sent (0 done, 1 snooze 15 min, 3 skip today)."""

    async def prepare(s: Size, who: Learner, k: int) -> tuple[FakeChat, Press]:
        async with s.app.sessions() as session:
            r = await store.get_reminder(session, who.reminder)
            d = await store.get_delivery(session, who.delivery)
        buttons = [b for row in reminder_reply(s.app.store.content, r, d).buttons for b in row]
        return s.chat(who), Press(buttons[index].payload)

    return prepare


def after(first: str | Callable[[Learner, int], str], then: str) -> Prepare:
    async def prepare(s: Size, who: Learner, k: int) -> tuple[FakeChat, str]:
        chat = s.chat(who)
        await s.send(chat, first(who, k) if callable(first) else first)
        return chat, then

    return prepare


@dataclass(frozen=True)
class Scenario:
    label: str
    command: str | None  # the declared command it measures (None: a press or free text)
    prepare: Prepare
    destructive: bool = False  # takes learners nobody else uses (their reminder or account goes)
    max_samples: int | None = None


def scenarios(topic: str) -> list[Scenario]:
    return [
        Scenario("/start", "start", line("/start")),
        Scenario("/help", "help", line("/help")),
        Scenario("/faq", "faq", line("/faq")),
        Scenario(f"/faq {topic}", None, line(f"/faq {topic}")),
        Scenario("/ask", "ask", line(lambda w, k: "/ask " + QUESTIONS[k % len(QUESTIONS)])),
        Scenario("question (free text)", None, line(lambda w, k: QUESTIONS[k % len(QUESTIONS)])),
        Scenario("question nobody answers", None, line(lambda w, k: f"where can i buy a pizza oven no {k}")),
        Scenario("/roadmap", "roadmap", line("/roadmap")),
        Scenario("/step", "step", line("/step")),
        Scenario("/step 5", None, line("/step 5")),
        Scenario("press: step button", None, button("/step 5", -1)),
        Scenario("press: faq button", None, button("/start", 1)),
        Scenario("/done 4", "done", line("/done 4")),
        Scenario("/doing 5", "doing", line("/doing 5")),
        Scenario("/skip 6", "skip", line("/skip 6")),
        Scenario("/undo 6", "undo", line("/undo 6")),
        Scenario("/log", "log", line("/log 30 linear algebra")),
        Scenario("/unlog", "unlog", after("/log 15 notes", "/unlog")),
        Scenario("/progress", "progress", line("/progress")),
        Scenario("/remind", "remind", line("/remind daily 20:00 read one paper")),
        Scenario("/reminders", "reminders", line("/reminders")),
        Scenario("/pause", "pause", line("/pause")),
        Scenario("/resume", "resume", line("/resume")),
        Scenario("press: reminder done", None, reminder_button(0)),
        Scenario("press: reminder snooze", None, reminder_button(1)),
        Scenario("press: reminder skip", None, reminder_button(3)),
        Scenario("/lang", "lang", line("/lang en")),
        Scenario("/timezone", "timezone", line("/timezone Asia/Kolkata")),
        Scenario("/export", "export", line("/export")),
        Scenario("/forget", "forget", line("/forget")),
        Scenario("/gaps (admin)", "gaps", as_admin("/gaps")),
        Scenario("/reload (admin)", "reload", as_admin("/reload"), max_samples=15),
        Scenario("/unremind", "unremind", line(lambda w, k: f"/unremind {w.reminder}"), destructive=True),
        Scenario("press: forget yes", None, button("/forget", 0), destructive=True),
    ]


def with_every_command(listed: list[Scenario], declared: list[str]) -> list[Scenario]:
    """Declared commands without a scenario are measured bare, before the destructive ones."""
    covered = {s.command for s in listed}
    bare = [Scenario(f"/{name} (bare)", name, line(f"/{name}")) for name in declared if name not in covered]
    keep = [s for s in listed if not s.destructive]
    return keep + bare + [s for s in listed if s.destructive]


# Measuring


@dataclass
class Result:
    times: dict[int, list[float]] = field(default_factory=dict)  # ms, per size
    cpu: dict[int, list[float]] = field(default_factory=dict)  # ms of this process's CPU (all threads)
    bad: dict[int, Counter] = field(default_factory=dict)  # outcomes that are not a normal answer


BAD = ("error", "stale", "rejected", "refused", "flood", "dropped")


class Pools:
    """Learners for each sample: the same positions at every size (a fixed shuffle), each destructive
    scenario its own slice, the rest shared in turn."""

    def __init__(self, sizes: list[Size], per_scenario: int, destructive: int) -> None:
        self.order = {s.n: random.Random(7).sample(range(len(s.learners)), len(s.learners)) for s in sizes}
        smallest = min(len(s.learners) for s in sizes)
        self.reserved = destructive * per_scenario
        if smallest - self.reserved < per_scenario:
            raise SystemExit(f"{smallest} learners are too few for {per_scenario} samples per command")
        self.shared, self.smallest = smallest - self.reserved, smallest
        self.per, self.cursor, self.next_slice = per_scenario, 0, 0

    def unused(self, s: Size, count: int) -> list[Learner]:
        """Learners of the larger size that no sample used (positions past the smaller size's)."""
        return [s.learners[i] for i in self.order[s.n][self.smallest : self.smallest + count]]

    def take(self, destructive: bool) -> list[int]:
        if destructive:
            start = self.shared + self.next_slice * self.per
            self.next_slice += 1
            return list(range(start, start + self.per))
        picks = [(self.cursor + k) % self.shared for k in range(self.per)]
        self.cursor = (self.cursor + self.per) % self.shared
        return picks


async def measure(
    sizes: list[Size], plan: list[Scenario], pools: Pools, samples: int, warmup: int
) -> dict[str, Result]:
    results: dict[str, Result] = {}
    for sc in plan:
        picks = pools.take(sc.destructive)
        count = min(len(picks), (sc.max_samples or samples) + warmup)
        res = results[sc.label] = Result(
            {s.n: [] for s in sizes}, {s.n: [] for s in sizes}, {s.n: Counter() for s in sizes}
        )
        for k, pos in enumerate(picks[:count]):
            turn = sizes if k % 2 == 0 else sizes[::-1]  # take turns: neither size always goes first
            for s in turn:
                who = s.learners[pools.order[s.n][pos]]
                try:
                    chat, what = await sc.prepare(s, who, k)
                    started, cpu = time.perf_counter(), time.process_time()
                    await s.send(chat, what)
                    elapsed = 1000 * (time.perf_counter() - started)
                    used = 1000 * (time.process_time() - cpu)
                except Exception as exc:  # a command broken elsewhere: note it and carry on
                    res.bad[s.n][f"bench failed: {type(exc).__name__}: {exc}"[:120]] += 1
                    continue
                outcome = s.outcomes[-1] if s.outcomes else "?"
                if outcome in BAD:
                    res.bad[s.n][outcome] += 1
                if k >= warmup:
                    res.times[s.n].append(elapsed)
                    res.cpu[s.n].append(used)
    return results


async def scans(s: Size, plan: list[Scenario], fresh: list[Learner]) -> dict[str, list[tuple[str, str]]]:
    """For one more sample of each scenario (each from a learner no sample used), the tables its
    statements read in full, and by which statement."""
    found: dict[str, list[tuple[str, str]]] = {}
    for k, (sc, who) in enumerate(zip(plan, fresh, strict=False)):
        try:
            chat, what = await sc.prepare(s, who, k)
            with caught_statements(s.app.engine) as caught:
                await s.send(chat, what)
        except Exception:
            continue
        first: dict[str, object] = {}
        for statement, params in caught:
            first.setdefault(statement, params)
        async with s.app.engine.connect() as conn:
            for statement, params in first.items():
                try:
                    tables = await full_scans(conn, statement, params)
                except Exception as exc:
                    tables = {f"? (not explained: {type(exc).__name__})"}
                for table in sorted(tables):
                    found.setdefault(sc.label, []).append((table, " ".join(statement.split())))
    return found


# Report


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def report(sizes: list[Size], results: dict[str, Result], found: dict, database: str, seconds: float) -> None:
    small, large = sizes[0], sizes[-1]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(
        f"scale benchmark: every command at {small.n:,} and {large.n:,} learners ({database}, "
        f"python {sys.version.split()[0]}, {cores} cores, {seconds:.0f} s)"
    )
    for s in sizes:
        shown = ", ".join(f"{s.rows.get(t, 0):,} {t}" for t in SHOWN)
        print(f"  {s.n:>7,} learners: {shown}; seeded in {s.seeded_s:.1f} s")
    w = max(len(label) for label in results) + 1
    print(f"  {'':{w}} {small.n:>9,} learners {large.n:>10,} learners   {_k(large.n)}/{_k(small.n)}")
    print(f"  {'command':{w}}   median     p95     median     p95    median   p95   cpu  (ms)")
    over = []
    for label, res in results.items():
        a, b = res.times[small.n], res.times[large.n]
        if not a or not b:
            print(f"  {label:{w}} not measured{_notes(res)}")
            continue
        ma, mb, pa, pb = statistics.median(a), statistics.median(b), pct(a, 95), pct(b, 95)
        cpu = statistics.median(res.cpu[large.n]) / max(statistics.median(res.cpu[small.n]), 1e-6)
        flag = "  <- over 1.2" if mb / ma > GOAL else ""
        if flag:
            over.append(label)
        print(
            f"  {label:{w}} {ma:8.2f} {pa:7.2f}   {mb:8.2f} {pb:7.2f}"
            f"    {mb / ma:5.2f} {pb / pa:5.2f} {cpu:5.2f}{flag}{_notes(res)}"
        )
    samples = max(len(r.times[small.n]) for r in results.values())
    print(
        f"  {samples} samples per command and size (/reload fewer), each from another learner; "
        "cpu: the ratio of the median CPU time of this process"
        + (" (the database's own work is in its server process)" if database == "postgresql" else "")
    )
    print(f"  median over {GOAL}: {', '.join(over) if over else 'none'}")
    print(f"  full table scans at {large.n:,} learners, of tables with {small.n:,} rows or more:")
    shown = 0
    for label, items in found.items():
        for table, statement in dict.fromkeys(items):
            rows = large.rows.get(table)
            if rows is not None and rows < small.n:
                continue
            shown += 1
            size_note = f" ({rows:,} rows)" if rows is not None else ""
            print(f"    {label}: {table}{size_note}: {statement[:160]}")
    if not shown:
        print("    none")


def _k(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else f"{n:,}"


def _notes(res: Result) -> str:
    notes = [f"{n:,}: " + ", ".join(f"{k} x{v}" for k, v in c.items()) for n, c in res.bad.items() if c]
    return f"   [{'; '.join(notes)}]" if notes else ""


async def run(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    now = datetime.now(UTC)
    server, cluster = None, None
    if args.database == "postgresql":
        from tests import pg

        server = os.environ.get("TEST_POSTGRES_URL")
        if not server:
            if not pg.available():
                raise SystemExit("no TEST_POSTGRES_URL and no PostgreSQL installed")
            cluster = pg.Cluster.start()
            server = cluster.url
    try:
        async with AsyncExitStack() as stack:
            sizes = [await stack.enter_async_context(size(n, args.database, server, now)) for n in args.sizes]
            topic = sizes[0].app.store.content.faq[0].id
            declared = [r.name for r in sizes[0].app.dispatcher.command_routes()]
            plan = with_every_command(scenarios(topic), declared)
            if args.only:
                plan = [sc for sc in plan if any(word in sc.label for word in args.only)]
            pools = Pools(sizes, args.samples + args.warmup, sum(sc.destructive for sc in plan))
            results = await measure(sizes, plan, pools, args.samples, args.warmup)
            found = await scans(sizes[-1], plan, pools.unused(sizes[-1], len(plan))) if args.explain else {}
            report(sizes, results, found, args.database, time.perf_counter() - started)
    finally:
        if cluster is not None:
            cluster.stop()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs=2, default=[1000, 100_000], metavar=("SMALL", "LARGE"))
    p.add_argument("--samples", type=int, default=200, help="timed samples per command and size")
    p.add_argument("--warmup", type=int, default=10, help="untimed samples first, per command and size")
    p.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--only", nargs="+", metavar="WORD", help="just the scenarios whose label has a WORD")
    p.add_argument("--no-explain", dest="explain", action="store_false", help="skip the scan report")
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
