"""Commands for bot admins (BOT_ADMINS): /reload content, /gaps (questions the bot could not answer, and
answers learners said missed their question)."""

from __future__ import annotations

from datetime import UTC, timedelta

from db.faq_feedback import top_misfires
from db.faq_stats import question_counts, top_unanswered
from handlers.content import Content
from handlers.content.store import Reloaded
from handlers.core.context import Context
from handlers.core.i18n import Strings
from handlers.core.markup import Bullets, Code, Text
from handlers.core.router import Router
from handlers.core.types import Reply

router = Router("admin")

GAPS_DAYS = 7  # /gaps counts the questions of today (UTC) and the days before it


def reload_reply(result: Reloaded, content: Content, lang: str) -> Reply:
    """What a reload did, for admins: the problems that refused it, or the new counts and, by id, any
    topic or step that is gone (an emptied or deleted file is never dropped silently). The /reload
    answer and what the file watcher tells the admins. `content` is what is served now."""
    strings = Strings(content.strings, lang)
    if result.problems:
        items = tuple((Code(str(p)),) for p in result.problems[:15])
        return Reply(strings.doc("reload.failed", count=len(result.problems)) + (Bullets(items),))
    body = strings.doc("reload.done", faq=len(content.faq), steps=len(content.steps))
    if result.dropped_topics:
        body += strings.doc("reload.dropped_topics", ids=", ".join(result.dropped_topics))
    if result.dropped_steps:
        body += strings.doc("reload.dropped_steps", ids=", ".join(result.dropped_steps))
    if result.dropped_topics or result.dropped_steps:
        body += strings.doc("reload.dropped_hint")
    return Reply(body)


@router.command("reload", admin=True, personal=True)
async def reload(ctx: Context) -> Reply:
    await ctx.end_transaction()  # parsing takes a while: other events must not wait for the database
    result = await ctx.store.reload()
    return reload_reply(result, ctx.store.content, ctx.lang)


@router.command("gaps", admin=True, personal=True)
async def gaps(ctx: Context) -> Reply:
    """The last 7 days' questions and the share answered (anonymous tallies, which outlive /forget),
    then the questions not answered, most asked first."""
    first_day = ctx.now().astimezone(UTC).date() - timedelta(days=GAPS_DAYS - 1)
    asked, answered = await question_counts(ctx.session, first_day)
    if asked:
        week = ctx.t("gaps.week", days=GAPS_DAYS, asked=asked, share=round(100 * answered / asked))
    else:
        week = ctx.t("gaps.week_none", days=GAPS_DAYS)
    rows = await top_unanswered(ctx.session, limit=20)
    body = week
    if rows:
        items = tuple((Text(f"{r.count}× [{r.lang}] "), Text(r.text)) for r in rows)
        body += ctx.t("gaps.title") + (Bullets(items),)
    else:
        body += ctx.t("gaps.none")
    misfires = await top_misfires(ctx.session, limit=10)
    if misfires:
        items = tuple(
            (Text(f"{m.count}× [{m.lang}] "), Text(m.text), Text(" → "), Code(m.faq_id)) for m in misfires
        )
        body += ctx.t("gaps.misfires_title") + (Bullets(items),)
    else:
        body += ctx.t("gaps.misfires_none")
    return Reply(body)
