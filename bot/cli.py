"""The command line: `python -m bot [console|ask|content check]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import logging
import os
import sys

from bot.adapters.base import StartFailed
from bot.backoff import Backoff
from bot.logs import Mask, log_stream, mask_loop_errors, setup_logging
from bot.settings import Settings, SettingsError, load_settings
from handlers.content import load_content
from handlers.content.store import ContentError, ContentStore
from handlers.core.router import declared_commands
from handlers.faq import understand, understood_reply

log = logging.getLogger("bot")

# A platform not reached at start-up is tried again after 1 s, 2 s, 4 s, ... then every minute.
START_RETRY = Backoff(first=1.0, cap=60.0, total=None)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bot",
        description="Study Buddy: a study companion for future machine-learning engineers.",
    )
    sub = p.add_subparsers(dest="command")
    c = sub.add_parser("console", help="chat in the terminal (the default)")
    c.add_argument("--user", default=None, help="who you are in the chat (default: your login name)")
    a = sub.add_parser("ask", help="answer questions from the FAQ (one per line on stdin if none given)")
    a.add_argument("--json", action="store_true", help="one JSON object per question")
    a.add_argument("question", nargs="*", help="the question (words are joined)")
    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the migrations (the bot also does it on start, under a lock)")
    dc = sub.add_parser("discord", help="Discord tools")
    dc_sub = dc.add_subparsers(dest="discord_command", required=True)
    dc_sub.add_parser("sync", help="register the slash commands with Discord (needs DISCORD_BOT_TOKEN)")
    ct = sub.add_parser("content", help="content tools for admins")
    ct_sub = ct.add_subparsers(dest="content_command", required=True)
    check = ct_sub.add_parser("check", help="validate the content files; exit 1 with file:line problems")
    check.add_argument("--dir", default=None, help="content folder (default: CONTENT_DIR)")
    gaps = ct_sub.add_parser("gaps", help="questions the bot could not answer, most frequent first")
    gaps.add_argument("--limit", type=int, default=30, help="how many to list (default 30)")
    return p


def _setup_logging(settings: Settings, quiet: bool) -> Mask:
    level = settings.log_level_number
    if quiet and "log_level" not in settings.model_fields_set and "LOG_LEVEL" not in os.environ:
        level = logging.WARNING  # keep the chat or the output readable; LOG_LEVEL=INFO brings the logs back
    return setup_logging(level, settings.secrets(), settings.log_format)


async def _masked(work):  # noqa: ANN001, ANN202
    """Run `work` with the event loop's own error reports going through the logs' mask."""
    mask_loop_errors()
    return await work


def _locale() -> str | None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value and value not in ("C", "POSIX"):
            return value.split(".")[0]
    return None


async def _console(settings: Settings, user: str | None) -> int:
    from bot.adapters.console import ConsoleAdapter
    from bot.app import App, settle_heap

    user_id = (user or getpass.getuser() or "learner").strip()[:64]
    console = ConsoleAdapter(user_id, user_id, _locale())
    if console.interactive:  # log lines (e.g. a refused content change) above the prompt, not on it
        log_stream(console.log_stream(sys.stderr))
    # One local learner at the keyboard (or a script): no flood control, and they administer their own
    # machine (/reload, /gaps), as BOT_ADMINS would say.
    admins = settings.bot_admins | {f"console:{user_id}"}
    local = settings.model_copy(update={"flood_limit": None, "bot_admins": admins})
    try:
        async with App(local, [console]):
            settle_heap()
            await console.wait_closed()
    finally:
        log_stream(sys.stderr)
    return 0


def _adapters(settings: Settings) -> list:
    """One adapter per platform whose token is set."""
    adapters: list = []
    if settings.telegram_bot_token is not None:
        from bot.adapters.telegram import TelegramAdapter, WebhookConfig
        from bot.adapters.telegram_rate import SendLimits

        webhook = None
        if settings.telegram_webhook_url:
            secret = settings.telegram_webhook_secret.get_secret_value()
            webhook = WebhookConfig(
                settings.telegram_webhook_url,
                settings.telegram_webhook_listen,
                settings.telegram_webhook_port,
                secret,
            )
        token = settings.telegram_bot_token.get_secret_value()
        limits = SendLimits(overall=settings.send_rate)
        adapters.append(TelegramAdapter(token, settings.telegram_api_base_url, webhook, limits=limits))
    if settings.discord_bot_token is not None:
        adapters.append(_discord(settings))
    return adapters


def _discord(settings: Settings):  # noqa: ANN202
    from bot.adapters.discord import DiscordAdapter

    return DiscordAdapter(
        settings.discord_bot_token.get_secret_value(),
        settings.discord_api_base_url,
        settings.discord_gateway_url,
        shard_count=settings.discord_shard_count,
        shard_ids=list(settings.discord_shard_ids) if settings.discord_shard_ids else None,
        sync_commands=settings.discord_sync_commands,
    )


async def _serve(settings: Settings, mask: Mask) -> int:
    """Run the platform adapters whose tokens are set (one process, one scheduler), until SIGINT or
    SIGTERM. A platform that cannot be reached at start-up is tried again with backoff (one log line
    per try: what failed, which settings to check); a token the platform rejects stops the process
    with exit status 2, since trying again cannot help."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    pauses = START_RETRY.pauses()
    while not stop.is_set():
        try:
            await _run_until(stop, settings)
        except StartFailed as exc:
            if exc.permanent:
                print(mask(f"Could not start: {exc}"), file=sys.stderr)
                return 2
            pause = next(pauses)
            log.error("%s Trying again in %.0f s.", exc, pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
    return 0


async def _run_until(stop: asyncio.Event, settings: Settings) -> None:
    """Start the app (a stop while it connects abandons the start cleanly) and run it until `stop`."""
    from bot.app import App, settle_heap

    app = App(settings, _adapters(settings))
    starting = asyncio.ensure_future(app.__aenter__())
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():  # stopped while connecting: App cleans up after itself
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, StartFailed):
                await starting
            return
        starting.result()  # StartFailed, or any other start-up error, is raised here
        settle_heap()
        try:
            await stopping
        finally:
            await app.__aexit__(None, None, None)
    finally:
        starting.cancel()  # nothing happens to a task that is done
        stopping.cancel()


async def _db_upgrade(settings: Settings) -> int:
    from db.engine import make_engine
    from db.migrate import current, upgrade

    engine = make_engine(settings.database_url)
    try:
        before = await current(engine)
        await upgrade(engine)
        after = await current(engine)
    finally:
        await engine.dispose()
    print(f"Database at revision {after}" + (f" (was {before or 'empty'})." if before != after else "."))
    return 0


async def _discord_sync(settings: Settings) -> int:
    """Register the slash commands with Discord (globally), without connecting to the gateway."""
    if settings.discord_bot_token is None:
        print("Set DISCORD_BOT_TOKEN first.", file=sys.stderr)
        return 2
    adapter = _discord(settings)
    adapter.use_content(ContentStore(settings.content_dir, None))
    from bot.app import ROUTERS

    adapter.use_commands(declared_commands(ROUTERS))
    count = await adapter.sync_only()
    print(f"Synced {count} slash commands with Discord.")
    return 0


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.embedder import load_embedder
    from handlers.core.markup import to_plain

    store = ContentStore(settings.content_dir, load_embedder(settings.faq_model, settings.cache_dir))
    store.wait_for_model(timeout=120)
    questions = [" ".join(args.question)] if args.question else (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        if not question.strip():
            continue
        u = understand(question.strip()[:4000], store.matcher, store.content)
        answer = to_plain(understood_reply(store.content, u).body)
        if args.json:
            print(
                json.dumps(
                    {
                        "question": question,
                        "faq_id": u.entry_id,
                        "score": round(u.score, 4),
                        "lang": u.lang,
                        "answer": answer,
                        "kind": u.kind,
                    },
                    ensure_ascii=False,
                ),
                flush=True,
            )
        else:
            print(answer + "\n", flush=True)
    return 0


def _check(settings_dir: str) -> int:
    content, problems = load_content(settings_dir)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{len(problems)} problem(s) found; nothing is served until they are fixed.", file=sys.stderr)
        return 1
    print(
        f"OK: {len(content.faq)} FAQ topics in {len(content.strings)} languages, {len(content.steps)} "
        f"roadmap steps, {len(content.posts)} related posts, {len(content.decks)} practice decks "
        f"({sum(len(d.cards) for d in content.decks.values())} cards, "
        f"{sum(len(d.questions) for d in content.decks.values())} quiz questions)."
    )
    return 0


async def _gaps(settings: Settings, limit: int) -> int:
    from db.engine import make_engine, make_sessions
    from db.faq_feedback import feedback_counts, top_misfires
    from db.faq_stats import top_unanswered
    from db.migrate import upgrade

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with make_sessions(engine)() as session:
            rows = await top_unanswered(session, limit=limit)
            misfires = await top_misfires(session, limit=limit)
            votes = await feedback_counts(session)
    finally:
        await engine.dispose()
    if not rows:
        print("No unanswered questions recorded yet.")
    else:
        print(f"{'count':>5}  lang  last seen         question")
        for r in rows:
            print(f"{r.count:>5}  {r.lang:<4}  {r.last_seen:%Y-%m-%d %H:%M}  {r.text}")
    if not misfires:
        print("\nNo learner has said an answer missed their question.")
    else:
        print("\nAnswers learners said missed their question ('not what I asked'), most frequent first:")
        print(f"{'count':>5}  lang  last seen         topic given -> question")
        for m in misfires:
            print(f"{m.count:>5}  {m.lang:<4}  {m.last_seen:%Y-%m-%d %H:%M}  {m.faq_id} -> {m.text}")
    rated = sorted(((no, yes, fid) for fid, (yes, no) in votes.items() if yes or no), reverse=True)
    if rated:
        print("\nFeedback per topic (answered it / not what I asked):")
        for no, yes, fid in rated[:limit]:
            print(f"  {fid}: {yes} / {no}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "console"
    if command == "content" and getattr(args, "dir", None):
        return _check(args.dir)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    tokens = (settings.telegram_bot_token, settings.discord_bot_token)
    serving = command == "console" and args.command is None and any(t is not None for t in tokens)
    # a server logs at LOG_LEVEL; the chat and the tools print their own output, and only warnings
    mask = _setup_logging(settings, quiet=not serving)
    try:
        if command == "db":
            return asyncio.run(_masked(_db_upgrade(settings)))
        if command == "discord":
            return asyncio.run(_masked(_discord_sync(settings)))
        if command == "content" and args.content_command == "gaps":
            return asyncio.run(_masked(_gaps(settings, args.limit)))
        if command == "content":
            return _check(str(settings.content_dir))
        if command == "ask":
            return _ask(settings, args)
        if serving:  # a platform token is set: run the bot, not the console
            return asyncio.run(_masked(_serve(settings, mask)))
        return asyncio.run(_masked(_console(settings, getattr(args, "user", None))))
    except StartFailed as exc:  # e.g. `discord sync` with a token Discord rejects
        print(mask(f"Could not start: {exc}"), file=sys.stderr)
        return 2
    except ContentError as exc:
        print("The content files have problems; fix them and start again:", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
