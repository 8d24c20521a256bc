"""/start, /help, /lang and the reply to commands nobody knows."""

from __future__ import annotations

import difflib

from handlers.core.context import Context
from handlers.core.markup import Bullets, Code, Doc, Para, Text
from handlers.core.router import Router
from handlers.core.types import Button, Option, Reply, Route
from handlers.replies import FaqPress, StepPress, entry_reply, step_reply

router = Router("general")


def _shown(ctx: Context) -> list[Route]:
    return [r for r in ctx.hooks.commands if not r.hidden and (ctx.is_bot_admin or not r.admin)]


def help_doc(ctx: Context) -> Doc:
    """Every command the sender may use, one short line each (the whole list fits one Discord message,
    2000 characters, in both languages); `/help <command>` gives one command's usage and options."""
    items = tuple((Code(f"/{r.name}"), Text(" — " + ctx.label(f"help.{r.name}"))) for r in _shown(ctx))
    return ctx.t("help.intro") + (Bullets(items),) + ctx.t("help.outro")


def command_doc(ctx: Context, route: Route) -> Doc:
    """One command: what it does, how to write it, and each of its options."""
    usage = Code(ctx.label(f"usage.{route.name}"))
    body: Doc = (Para((usage, Text(" — " + ctx.label(f"help.{route.name}")))),)
    options = tuple((Code(o.name), Text(" — " + ctx.label(o.help))) for o in route.options)
    return body + ((Bullets(options),) if options else ())


async def _deep_link(ctx: Context, payload: str) -> Reply | None:
    """What a start link opens: `step-3` or `step-<id>` a roadmap step, `faq-<topic id>` an answer
    (Telegram's t.me/<bot>?start=<payload>; the payload allows letters, digits, `_` and `-`)."""
    kind, _, ref = payload.partition("-")
    if kind == "step" and ref:
        found = ctx.content.find_step(ref)
        return await step_reply(ctx, found) if found else None
    if kind == "faq" and ref in ctx.content.faq_by_id:
        return entry_reply(ctx.content, ctx.content.faq_by_id[ref], ctx.lang)
    return None


@router.command("start", personal=True)
async def start(ctx: Context) -> list[Reply]:
    name = ctx.event.user.display_name or ctx.event.user.user_id
    buttons = (
        (
            Button(ctx.label("button.roadmap"), StepPress("roadmap").pack()),
            Button(ctx.label("button.faq"), FaqPress("list").pack()),
        ),
    )
    welcome = Reply(ctx.t("start.welcome", name=name), buttons)
    opened = await _deep_link(ctx, ctx.line) if ctx.line else None  # Telegram's /start <payload>
    if opened is not None:  # a link to one place: open it instead of the whole menu
        return [welcome, opened]
    return [welcome, Reply(help_doc(ctx))]


@router.command("help", personal=True, options=(Option("command", "option.help"),))
async def help_(ctx: Context) -> Reply:
    asked = str(ctx.options.get("command") or "").strip().lstrip("/").split(maxsplit=1)
    if not asked:
        return Reply(help_doc(ctx))
    name = asked[0].lower()
    route = next((r for r in _shown(ctx) if name == r.name or name in r.aliases), None)
    if route is None:
        return ctx.reply("help.unknown", given=asked[0])
    return Reply(command_doc(ctx, route))


@router.unknown_command()
async def unknown(ctx: Context) -> Reply:
    name = ctx.event.what.name
    known = [r.name for r in ctx.hooks.commands if not r.hidden]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return ctx.reply("error.unknown_command_close", name=name[:32], close=close[0])
    return ctx.reply("error.unknown_command", name=name[:32])
