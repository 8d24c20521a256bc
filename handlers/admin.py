"""Commands for bot admins (BOT_ADMINS): /reload content, /gaps (questions the bot could not answer)."""

from __future__ import annotations

from db import queries
from handlers.context import Context
from handlers.markup import Bullets, Code, Text
from handlers.router import Router
from handlers.types import Reply

router = Router("admin")


@router.command("reload", admin=True)
async def reload(ctx: Context) -> Reply:
    problems = ctx.store.reload()
    if problems:
        items = tuple((Code(str(p)),) for p in problems[:15])
        return Reply(ctx.t("reload.failed", count=len(problems)) + (Bullets(items),))
    c = ctx.store.content
    return ctx.reply("reload.done", faq=len(c.faq), steps=len(c.steps))


@router.command("gaps", admin=True)
async def gaps(ctx: Context) -> Reply:
    rows = await queries.top_unanswered(ctx.session, limit=20)
    if not rows:
        return ctx.reply("gaps.none")
    items = tuple((Text(f"{r.count}× [{r.lang}] "), Text(r.text)) for r in rows)
    return Reply(ctx.t("gaps.title") + (Bullets(items),))
