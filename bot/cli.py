"""The command line: `python -m bot [console|ask|content check]`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys

from bot.logs import setup_logging
from bot.settings import Settings, SettingsError, load_settings
from handlers.content import load_content
from handlers.content_store import ContentError, ContentStore
from handlers.faq import understand, understood_reply

log = logging.getLogger("bot")


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


def _setup_logging(settings: Settings, quiet: bool) -> None:
    level = settings.log_level_number
    if quiet and "log_level" not in settings.model_fields_set and "LOG_LEVEL" not in os.environ:
        level = logging.WARNING  # keep the chat readable; LOG_LEVEL=INFO brings the logs back
    setup_logging(level, settings.secrets(), settings.log_format)


def _locale() -> str | None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value and value not in ("C", "POSIX"):
            return value.split(".")[0]
    return None


async def _console(settings: Settings, user: str | None) -> int:
    from bot.adapters.console import ConsoleAdapter
    from bot.app import App

    user_id = (user or getpass.getuser() or "learner").strip()[:64]
    console = ConsoleAdapter(user_id, user_id, _locale())
    # one local learner at the keyboard (or a script): no flood control
    async with App(settings.model_copy(update={"flood_limit": None}), [console]):
        await console.wait_closed()
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


async def _serve(settings: Settings) -> int:
    """Run the platform adapters whose tokens are set (one process, one scheduler), until SIGINT or
    SIGTERM."""
    import signal

    from bot.app import App

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with App(settings, _adapters(settings)):
        await stop.wait()
    return 0


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
    count = await adapter.sync_only()
    print(f"Synced {count} slash commands with Discord.")
    return 0


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.embedder import load_embedder
    from handlers.markup import to_plain

    store = ContentStore(settings.content_dir, load_embedder(settings.faq_model, settings.cache_dir))
    store.wait_for_model(timeout=120)
    questions = [" ".join(args.question)] if args.question else (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        if not question.strip():
            continue
        u = understand(question.strip()[:4000], store.matcher)
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
        f"roadmap steps, {len(content.posts)} related posts."
    )
    return 0


async def _gaps(settings: Settings, limit: int) -> int:
    from db import queries
    from db.engine import make_engine, make_sessions
    from db.migrate import upgrade

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with make_sessions(engine)() as session:
            rows = await queries.top_unanswered(session, limit=limit)
    finally:
        await engine.dispose()
    if not rows:
        print("No unanswered questions recorded yet.")
        return 0
    print(f"{'count':>5}  lang  last seen         question")
    for r in rows:
        print(f"{r.count:>5}  {r.lang:<4}  {r.last_seen:%Y-%m-%d %H:%M}  {r.text}")
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
    _setup_logging(settings, quiet=command in ("console", "ask") and not serving)
    try:
        if command == "db":
            return asyncio.run(_db_upgrade(settings))
        if command == "discord":
            return asyncio.run(_discord_sync(settings))
        if command == "content" and args.content_command == "gaps":
            return asyncio.run(_gaps(settings, args.limit))
        if command == "content":
            return _check(str(settings.content_dir))
        if command == "ask":
            return _ask(settings, args)
        if serving:
            return asyncio.run(_serve(settings))  # a platform token is set: run the bot, not the console
        return asyncio.run(_console(settings, getattr(args, "user", None)))
    except ContentError as exc:
        print("The content files have problems; fix them and start again:", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
