"""Pipeline benchmark: messages per second through the full path (lexical and hybrid matcher, on 1 and
2 cores), a command's latency while questions load the bot, start-up time, peak RSS. Prints figures;
asserts nothing.

    .venv/bin/python bench/pipeline.py [--messages 4000] [--model-messages 1500] [--load-seconds 20]

Every configuration runs in its own process, pinned to its cores before anything starts a thread
(numpy's BLAS and the model's OpenMP runtime size their thread pools when they start): a "1 core"
figure uses one core, threads included.

Full path:  fake adapter -> router + middleware (error guard, flood control, DB session, repeat check,
            input guard, user load) -> FAQ match -> DB write (question counters, answer or unanswered
            record) -> reply rendered as text.
Null path:  the same adapter, middleware and user load, but a handler that returns nothing.
Questions:  16 learner-style questions (not the evaluation set) times 8 openings ("quick question:",
            "请问"...), 128 different texts, and the answer cache off: every question is matched (the
            model sees each text once per batch at most; nothing is answered from memory).
Load:       questions arrive at random (Poisson) at 80% of the measured hybrid (or lexical) ceiling on 2
            cores, from 300 learners, while 40 other learners send /progress 10 times a second; the
            figure is /progress's latency, from the adapter handing the update over to the replies.
"""

from __future__ import annotations

import os
import sys


def _pin_from_argv() -> None:
    """`--pin N`: this process runs on its first N usable cores, from its first line on."""
    if "--pin" in sys.argv and hasattr(os, "sched_setaffinity"):
        n = int(sys.argv[sys.argv.index("--pin") + 1])
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:n])


_pin_from_argv()  # before numpy, the model and asyncio's threads exist

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Learner-style questions written for the benchmark (not the evaluation set), in and out of scope.
QUESTIONS = [
    "how much do ml engineers make in india",
    "do i really need a phd for machine learning",
    "which python libraries should i learn first",
    "is kaggle worth my time",
    "what laptop do i need for deep learning",
    "how long until i can get a job in ml",
    "can i switch from web development to machine learning",
    "how do i prepare for an ml interview",
    "机器学习工程师工资多少",
    "转行做机器学习难吗",
    "需要买显卡吗",
    "what's the best pizza topping",
    "hello",
    "怎么准备面试",
    "what projects should i put on github",
    "tell me about mlops",
]
OPENINGS_EN = ["", "quick question: ", "hi, ", "sorry if this is basic but ", "honestly, ",
               "one more thing: ", "i'm a student, ", "asking for a friend: "]  # fmt: skip
OPENINGS_ZH = ["", "请问", "想问一下，", "小白求问：", "说实话，", "再问一个：", "我是学生，", "帮朋友问："]


def varied_questions() -> list[str]:
    """128 different texts; the same text comes back only every 128 messages."""
    out = []
    for en, zh in zip(OPENINGS_EN, OPENINGS_ZH, strict=True):
        for q in QUESTIONS:
            out.append((zh if q[0] > "\u2e80" else en) + q)
    return out


def null_router():  # noqa: ANN201
    from handlers.core.router import Router  # noqa: PLC0415

    r = Router("null")

    @r.text()
    async def nothing(ctx):  # noqa: ANN001, ANN202
        return None

    return r


def rendering_adapter():  # noqa: ANN201
    from bot.adapters.console import render  # noqa: PLC0415
    from bot.adapters.fake import FakeAdapter  # noqa: PLC0415

    class RenderingAdapter(FakeAdapter):
        """The fake adapter, plus the cost of rendering every reply as a real adapter would."""

        rendered_chars = 0

        async def send(self, chat, replies):  # noqa: ANN001, ANN202
            for reply in replies:
                self.rendered_chars += len(render(reply))

    return RenderingAdapter()


# for comparing (hidden options)
TUNING: dict = {"threads": None, "engines": None, "niceness": None, "before": False}


def as_before() -> None:
    """The path as it was before the match left the transaction (for comparison, `--before`): each
    question matched alone, inside its event's transaction."""
    from handlers.content.store import ContentStore  # noqa: PLC0415
    from handlers.core.context import Context  # noqa: PLC0415

    async def match(self, question):  # noqa: ANN001, ANN202
        return await self.store.match(question)

    Context.match = match
    ContentStore.max_batch, ContentStore.batch_window = 1, 0.0


class Bot:
    """An App on a fresh SQLite file, with the model or not, its answer cache off."""

    def __init__(self, model: str, null: bool = False) -> None:
        self.model, self.null = model, null

    async def __aenter__(self):  # noqa: ANN204
        from bot.app import ROUTERS, App, settle_heap  # noqa: PLC0415
        from bot.embedder import load_embedder  # noqa: PLC0415
        from bot.settings import load_settings  # noqa: PLC0415

        self._tmp = tempfile.TemporaryDirectory()
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{self._tmp.name}/bench.db",
            flood_limit="30/minute",
            faq_model=self.model,
            content_watch=False,
            reminders=False,
            _env_file=None,
        )
        self.adapter = rendering_adapter()
        embedder = load_embedder(settings.faq_model, settings.cache_dir, TUNING["threads"], TUNING["engines"])
        if embedder is not None and TUNING["niceness"] is not None:
            embedder.niceness = TUNING["niceness"]
        routers = (null_router(),) if self.null else ROUTERS
        self._app = App(settings, [self.adapter], routers=routers, embedder=embedder)
        self.app = await self._app.__aenter__()
        if self.model != "off" and not await asyncio.to_thread(self.app.store.wait_for_model, 300):
            raise SystemExit("the FAQ model is not installed or failed to load")
        self.app.store.cache_size = 0
        settle_heap()  # as the bot's process does once it is ready (bot.cli)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._app.__aexit__(*exc)
        self._tmp.cleanup()

    async def chats(self, prefix: str, n: int) -> list:
        chats = [self.adapter.chat(f"{prefix}{i}") for i in range(n)]
        for c in chats:  # first contact creates the user row; measure steady state
            await c.say("/start")
        return chats


async def throughput(model: str, messages: int, users: int, concurrency: int, null: bool = False) -> dict:
    async with Bot(model, null) as bot:
        chats = await bot.chats("user", users)
        texts = varied_questions()
        queue = [(chats[i % users], texts[i % len(texts)]) for i in range(messages)]
        sem = asyncio.Semaphore(concurrency)

        async def one(chat, text):  # noqa: ANN001, ANN202
            async with sem:
                await chat.say(text)

        bot.adapter.rendered_chars = 0
        store = bot.app.store
        calls, asked = store.model_calls, store.model_questions
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(c, t) for c, t in queue))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        calls, asked = store.model_calls - calls, store.model_questions - asked
        return {
            "per_s": messages / elapsed,
            "chars": bot.adapter.rendered_chars // messages,
            "cpu": cpu / elapsed,
            "batch": asked / calls if calls else 0,
        }


def model_alone(seconds: float = 3.0, batch: int = 16) -> dict:
    """The engine by itself, as the bot calls it (same threads and engines): questions per second one
    by one (one call at a time), and in batches with every engine busy."""
    import threading  # noqa: PLC0415

    from bot.embedder import load_embedder  # noqa: PLC0415

    embedder = load_embedder("auto", None, TUNING["threads"], TUNING["engines"])
    if embedder is None:
        return {}
    texts = varied_questions()
    out = {"threads": embedder.threads, "engines": embedder.engines}
    for size, callers in ((1, 1), (batch, embedder.engines)):
        embedder.embed(texts[:size])
        counts = [0] * callers
        stop = time.perf_counter() + seconds

        def call(k: int, size: int = size, counts: list = counts, stop: float = stop) -> None:
            n = 0
            while time.perf_counter() < stop:
                i = (n // size + 3 * k) % (len(texts) // size)
                embedder.embed(texts[i * size : (i + 1) * size])
                n += size
            counts[k] = n

        started = time.perf_counter()
        threads = [threading.Thread(target=call, args=(k,)) for k in range(callers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        out[f"b{size}"] = sum(counts) / (time.perf_counter() - started)
    return out


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))] if s else float("nan")


async def under_load(model: str, rate: float, seconds: float, command_rate: float = 10.0) -> dict:
    """Questions arrive at `rate` per second (Poisson); /progress from other learners meanwhile."""
    async with Bot(model) as bot:
        askers = await bot.chats("asker", 300)
        checkers = await bot.chats("checker", 40)
        texts = varied_questions()
        asked: list[float] = []
        checked: list[float] = []
        tasks: list[asyncio.Task] = []

        async def timed(chat, text, out):  # noqa: ANN001, ANN202
            t = time.perf_counter()
            await chat.say(text)
            out.append(1000 * (time.perf_counter() - t))

        async def arrivals(per_s: float, who: list, what, out: list, seed: int) -> None:  # noqa: ANN001
            rnd, t, i = random.Random(seed), time.perf_counter(), 0
            end = t + seconds
            while True:
                t += rnd.expovariate(per_s)
                if t >= end:
                    return
                delay = t - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(timed(who[i % len(who)], what(i), out)))
                i += 1

        started = time.perf_counter()
        await asyncio.gather(
            arrivals(rate, askers, lambda i: texts[i % len(texts)], asked, 1),
            arrivals(command_rate, checkers, lambda i: "/progress", checked, 2),
        )
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
        return {
            "rate": rate,
            "achieved": len(asked) / elapsed,
            "cmd_n": len(checked),
            "cmd_p50": pct(checked, 50),
            "cmd_p99": pct(checked, 99),
            "q_p50": pct(asked, 50),
            "q_p99": pct(asked, 99),
        }


async def startup_in_process() -> float:
    from bot.adapters.fake import FakeAdapter  # noqa: PLC0415
    from bot.app import App  # noqa: PLC0415
    from bot.settings import load_settings  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/s.db", content_watch=False, _env_file=None
        )
        started = time.perf_counter()
        async with App(settings, [FakeAdapter()]):
            ready = time.perf_counter() - started
    return ready


def startup_process(runs: int = 5) -> list[float]:
    """Cold start of `python -m bot` (on one core) to its first reply (interpreter, imports,
    migrations, content)."""
    times = []
    first = sorted(os.sched_getaffinity(0))[:1] if hasattr(os, "sched_getaffinity") else None
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CONTENT_DIR")}
            env["PYTHONPATH"] = str(ROOT)
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=tmp,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                preexec_fn=(lambda: os.sched_setaffinity(0, first)) if first else None,  # noqa: PLW1509
            )
            proc.stdin.write(b"/help\n")
            proc.stdin.flush()
            proc.stdout.readline()
            times.append(time.perf_counter() - started)
            proc.stdin.close()
            proc.wait(timeout=30)
    return times


def job(name: str, args: argparse.Namespace) -> dict:
    """One configuration, in this (pinned) process."""
    out: dict = {"cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0}
    TUNING.update(threads=args.threads, engines=args.engines, niceness=args.niceness, before=args.before)
    if args.before:
        as_before()
    if name == "lexical":
        out["runs"] = [
            (c, asyncio.run(throughput("off", args.messages, args.users, c)),
             asyncio.run(throughput("off", args.messages, args.users, c, null=True)))
            for c in args.concurrency
        ]  # fmt: skip
        out["warm"] = asyncio.run(startup_in_process())
    elif name == "lexical-ceiling":
        out.update(asyncio.run(throughput("off", args.messages, args.users, 16)))
    elif name == "hybrid":
        out["model"] = model_alone()
        if not out["model"]:
            return {"error": "the FAQ model is not installed or failed to load"}
        out.update(asyncio.run(throughput("auto", args.model_messages, args.users, args.model_concurrency)))
    elif name == "load":
        out.update(asyncio.run(under_load(args.model, args.rate, args.load_seconds)))
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run(name: str, cores: int, args: argparse.Namespace, **extra: object) -> dict:
    cmd = [sys.executable, __file__, "--job", name, "--pin", str(cores)]
    for flag in ("messages", "users", "model_messages", "model_concurrency", "load_seconds"):
        cmd += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    cmd += ["--concurrency", *map(str, args.concurrency)]
    for k, v in extra.items():
        cmd += [f"--{k.replace('_', '-')}"] if v is True else [f"--{k.replace('_', '-')}", str(v)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--messages", type=int, default=4000)
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 16], help="messages in flight")
    p.add_argument("--model-messages", type=int, default=1500, help="messages for the runs with the model")
    p.add_argument("--model-concurrency", type=int, default=32, help="messages in flight, with the model")
    p.add_argument("--load-seconds", type=float, default=20.0)
    p.add_argument("--job", help=argparse.SUPPRESS)
    p.add_argument("--pin", type=int, help=argparse.SUPPRESS)
    p.add_argument("--model", default="auto", help=argparse.SUPPRESS)
    p.add_argument("--rate", type=float, default=0.0, help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, help=argparse.SUPPRESS)
    p.add_argument("--engines", type=int, help=argparse.SUPPRESS)
    p.add_argument("--niceness", type=int, help=argparse.SUPPRESS)
    p.add_argument("--before", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.job:
        print(json.dumps(job(args.job, args)))
        return

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cold = startup_process()
    child_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lexical = run("lexical", 1, args)
    lexical2 = run("lexical-ceiling", 2, args)
    hybrid = {n: run("hybrid", n, args) for n in (1, 2)}
    loads = {}
    if "per_s" in hybrid[2]:
        loads["hybrid"] = run("load", 2, args, model="auto", rate=round(0.8 * hybrid[2]["per_s"], 1))
        rate = round(0.8 * hybrid[2]["per_s"], 1)
        loads["hybrid, old path (each question alone, inside its transaction)"] = run(
            "load", 2, args, model="auto", rate=rate, before=True
        )
    if "per_s" in lexical2:
        loads["lexical"] = run("load", 2, args, model="off", rate=round(0.8 * lexical2["per_s"], 1))

    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"pipeline benchmark: python {sys.version.split()[0]}, {os.cpu_count()} cores in the machine "
        f"(load average {load_before:.1f} before, {load_after:.1f} after), each configuration in its own "
        f"process pinned to its cores from the start; answer cache off"
    )
    if "error" in lexical:
        print(f"  lexical: failed ({lexical['error']})")
    else:
        print(
            f"  FAQ matcher: lexical (FAQ_MODEL=off), 1 core, {args.messages} messages "
            f"from {args.users} users"
        )
        for conc, full, null in lexical["runs"]:
            print(
                f"    {conc:>2} in flight: full path {full['per_s']:6.0f} msg/s, null handler "
                f"{null['per_s']:6.0f} msg/s, full/null cost {null['per_s'] / full['per_s']:.2f}x "
                f"({full['chars']} chars/reply)"
            )
    if "per_s" in lexical2:
        print(
            f"    2 cores, 16 in flight: full path {lexical2['per_s']:6.0f} msg/s "
            f"(CPU {lexical2['cpu']:.2f} cores)"
        )
    for n, h in hybrid.items():
        if "error" in h:
            print(f"  FAQ matcher: hybrid, {n} core(s): not measured ({h['error']})")
            continue
        m = h["model"]
        print(
            f"  FAQ matcher: hybrid (model + lexical), {n} core{'s' if n > 1 else ''}, "
            f"{args.model_concurrency} in flight: full path {h['per_s']:6.0f} msg/s "
            f"(CPU {h['cpu']:.2f} cores, {h['batch']:.1f} questions per model call; "
            f"model alone, {m['engines']} engine(s) sharing {m['threads']} thread(s): "
            f"{m['b16']:.0f}/s in batches of 16, {m['b1']:.0f}/s one by one)"
        )
    for kind, r in loads.items():
        if "error" in r:
            print(f"  under load ({kind}): failed ({r['error']})")
            continue
        print(
            f"  under load, 2 cores, {kind}: questions at {r['rate']:.0f}/s (80% of the ceiling; "
            f"{r['achieved']:.0f}/s arrived) and /progress at 10/s: /progress p50 {r['cmd_p50']:.1f} ms, "
            f"p99 {r['cmd_p99']:.1f} ms ({r['cmd_n']} commands); questions p50 {r['q_p50']:.1f} ms, "
            f"p99 {r['q_p99']:.1f} ms"
        )
    print(
        f"  start-up, `python -m bot` to first reply (1 core): median {statistics.median(cold):.2f} s "
        f"(min {min(cold):.2f}, max {max(cold):.2f}, {len(cold)} runs)"
    )
    if "warm" in lexical:
        print(
            "  start-up, App ready in-process (migrations + content + matcher): "
            f"{lexical['warm'] * 1000:.0f} ms"
        )
    rss = hybrid[2].get("rss_mb") or hybrid[1].get("rss_mb") or 0
    print(f"  peak RSS: bench process with the model {rss:.0f} MB, bot process {child_rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
