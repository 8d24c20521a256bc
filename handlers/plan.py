"""/next, and free text such as "what should I do next?" / "下一步学什么": a personal answer from the
learner's own progress (not a FAQ answer): the step in progress (or the first not done), its first
resource not ticked yet, the cards due, and one concrete suggestion for today."""

from __future__ import annotations

import re

from db import practice as practice_store
from db.progress import step_states
from db.resources import done_urls
from handlers.core.context import Context
from handlers.core.markup import Bold, Link, Para, Text
from handlers.core.router import UNHANDLED, Router
from handlers.core.types import Reply
from handlers.deck import review_minutes
from handlers.replies import next_step, open_step_button, shown_resources, step_title

router = Router("plan")

# Short lines that ask what to do next, in en and zh. Longer questions go to the FAQ ("what should I
# learn first as a beginner" is how-to-start, not this).
_NEXT = re.compile(
    r"^(?:(?:so |ok |okay )?what(?:'s| is)? (?:should i |do i |to )?(?:do|learn|study|work on) "
    r"(?:next|now|today)|what(?:'s| is)? next(?: for me)?|next step\??|my next step|what now)[\s?!.]*$"
    r"|^(?:我)?(?:下一步|接下来|今天|现在)(?:我)?(?:该|应该|要)?(?:学|做|干)(?:什么|啥|点啥)[\s?？!！。]*$",
    re.IGNORECASE,
)


def asks_what_next(text: str) -> bool:
    return len(text) <= 60 and bool(_NEXT.match(" ".join(text.lower().split())))


async def next_reply(ctx: Context) -> Reply:
    states = await step_states(ctx.session, ctx.user.id)
    step = next_step(ctx, states)
    due = await practice_store.count_due(ctx.session, ctx.user.id, by=ctx.now())
    minutes = review_minutes(due)
    ctx.outcome = "next"
    if step is None:
        body = ctx.t("next.finished")
        body += ctx.t("next.today_review" if due else "next.today_finished", count=due, minutes=minutes)
        return Reply(body)
    doing = states.get(step.id) == "doing"
    body = ctx.t("next.step_doing" if doing else "next.step_todo", n=step.number, title=step_title(ctx, step))
    ticked = {url for _, url in await done_urls(ctx.session, ctx.user.id, step.id)}
    resources = shown_resources(ctx, step)
    todo = next((r for r in resources if r.url not in ticked), None)
    if todo is not None:
        body += (Para((Text(ctx.label("next.resource") + " "), Link(todo.title, todo.url))),)
    elif resources:
        body += ctx.t("next.resources_done", count=len(resources))
    if due:
        body += ctx.t("next.cards_due", count=due, minutes=minutes)
    if due:
        today = ctx.t("next.today_review", count=due, minutes=minutes)
    elif not doing:
        key = "next.today_start_with" if todo is not None else "next.today_start"
        today = ctx.t(key, n=step.number, title=todo.title if todo else "")
    elif todo is not None:
        today = ctx.t("next.today_resource", title=todo.title, n=step.number)
    else:
        today = ctx.t("next.today_quiz", n=step.number)
    body += (Para((Bold((Text(ctx.label("next.today")),)),)),) + today
    return Reply(body, ((open_step_button(ctx, step),),))


@router.command("next", personal=True)
async def next_command(ctx: Context) -> Reply:
    return await next_reply(ctx)


@router.text()
async def what_next(ctx: Context):  # noqa: ANN201
    text = ctx.event.what.text
    if not asks_what_next(text):
        return UNHANDLED  # the FAQ's turn
    return await next_reply(ctx)
