"""Pipeline benchmark: messages per second through the full path, on one core, next to a handler that
does nothing; start-up time to ready; peak RSS. Prints figures; asserts nothing.

    .venv/bin/python bench/pipeline.py [--messages 4000] [--users 200] [--concurrency 16]

Full path:  fake adapter -> router + middleware (error guard, input guard, flood control, DB session,
            user load) -> FAQ match -> DB write (answer or unanswered counter) -> reply rendered as text.
Null path:  the same adapter, middleware and user load, but a handler that returns nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.adapters.console import render  # noqa: E402
from bot.adapters.fake import FakeAdapter  # noqa: E402
from bot.app import ROUTERS, App  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from handlers.router import Router  # noqa: E402

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


class RenderingAdapter(FakeAdapter):
    """The fake adapter, plus the cost of rendering every reply as a real adapter would."""

    async def send(self, chat, replies):  # noqa: ANN001, ANN201
        for reply in replies:
            self.rendered_chars += len(render(reply))

    rendered_chars = 0


def null_router() -> Router:
    r = Router("null")

    @r.text()
    async def nothing(ctx):  # noqa: ANN001, ANN202
        return None

    return r


async def throughput(  # noqa: ANN201
    routers,  # noqa: ANN001
    messages: int,
    users: int,
    concurrency: int,
    model: str = "off",
) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            flood_limit="30/minute",
            faq_model=model,
            content_watch=False,
            _env_file=None,
        )
        adapter = RenderingAdapter()
        async with App(settings, [adapter], routers=routers) as app:
            if model != "off" and not await asyncio.to_thread(app.store.wait_for_model, 300):
                raise SystemExit("the FAQ model is not installed or failed to load")
            chats = [adapter.chat(f"user{i}") for i in range(users)]
            for c in chats:  # first contact creates the user row; measure steady state
                await c.say("hi")
            queue = [(chats[i % users], QUESTIONS[i % len(QUESTIONS)]) for i in range(messages)]
            sem = asyncio.Semaphore(concurrency)

            async def one(chat, text):  # noqa: ANN001, ANN202
                async with sem:
                    await chat.say(text)

            started = time.perf_counter()
            await asyncio.gather(*(one(c, t) for c, t in queue))
            elapsed = time.perf_counter() - started
    return messages / elapsed, adapter.rendered_chars


async def startup_in_process() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/s.db", content_watch=False, _env_file=None
        )
        started = time.perf_counter()
        async with App(settings, [FakeAdapter()]):
            ready = time.perf_counter() - started
    return ready


def startup_process(runs: int = 5) -> list[float]:
    """Cold start of `python -m bot` to its first reply (interpreter, imports, migrations, content)."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CONTENT_DIR")}
            env["PYTHONPATH"] = str(ROOT)
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=tmp, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
            proc.stdin.write(b"/help\n")
            proc.stdin.flush()
            proc.stdout.readline()
            times.append(time.perf_counter() - started)
            proc.stdin.close()
            proc.wait(timeout=30)
    return times


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--messages", type=int, default=4000)
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 16], help="messages in flight")
    p.add_argument("--model-messages", type=int, default=400, help="messages for the run with the model")
    args = p.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, threads included
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"

    cold = startup_process()
    warm = asyncio.run(startup_in_process())
    runs = []
    for conc in args.concurrency:
        full, chars = asyncio.run(throughput(ROUTERS, args.messages, args.users, conc))
        null, _ = asyncio.run(throughput((null_router(),), args.messages, args.users, conc))
        runs.append((conc, full, null, chars))
    try:
        with_model = asyncio.run(throughput(ROUTERS, args.model_messages, args.users, 16, model="auto"))[0]
    except SystemExit as exc:
        with_model = str(exc)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(
        f"pipeline benchmark: {args.messages} messages from {args.users} users, cores {cores}, "
        f"python {sys.version.split()[0]}"
    )
    print("  FAQ matcher: lexical (FAQ_MODEL=off)")
    for conc, full, null, chars in runs:
        print(
            f"  {conc:>2} in flight: full path (match + DB write + render) {full:6.0f} msg/s, "
            f"null handler {null:6.0f} msg/s, full/null cost {null / full:.2f}x "
            f"({chars // args.messages} chars/reply)"
        )
    if isinstance(with_model, str):
        print(f"  FAQ matcher: hybrid: not measured ({with_model})")
    else:
        print(
            f"  FAQ matcher: hybrid (model + lexical), 16 in flight: full path {with_model:6.0f} msg/s "
            f"({args.model_messages} messages; the model runs in a worker thread)"
        )
    print(
        f"  start-up, `python -m bot` to first reply: median {statistics.median(cold):.2f} s "
        f"(min {min(cold):.2f}, max {max(cold):.2f}, {len(cold)} runs)"
    )
    print(f"  start-up, App ready in-process (migrations + content + matcher): {warm * 1000:.0f} ms")
    print(f"  peak RSS: bench process {rss_mb:.0f} MB, bot process {child_rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
