"""/roadmap, /step and the step-state commands /done, /doing, /skip, /undo.

Progress is stored by step id, so reordering or inserting steps in roadmap.yaml never scrambles it.
"""

from __future__ import annotations

import dataclasses

from db.progress import set_step_state, step_states
from db.resources import done_urls, set_done
from handlers.content import Step
from handlers.core.context import Context
from handlers.core.markup import Bullets, Code, Para, Text
from handlers.core.router import Router
from handlers.core.types import Option, Reply
from handlers.deck import add_step_cards
from handlers.replies import (
    ICONS,
    STATE_OF,
    StepPress,
    next_step,
    open_step_button,
    progress_bar,
    resource_key,
    step_not_found,
    step_reply,
    step_title,
)

router = Router("roadmap")


async def roadmap_reply(ctx: Context) -> Reply:
    steps = ctx.content.steps
    states = await step_states(ctx.session, ctx.user.id)
    done = sum(1 for s in steps if states.get(s.id) == "done")
    items = tuple((Text(f"{ICONS[states.get(s.id)]} {s.number}. "), Text(step_title(ctx, s))) for s in steps)
    body = (
        ctx.t("roadmap.intro")
        + (Bullets(items),)
        + ctx.t("roadmap.summary", done=done, total=len(steps), bar=progress_bar(done, len(steps)))
    )
    nxt = next_step(ctx, states)
    buttons = ((open_step_button(ctx, nxt),),) if nxt else ()
    return Reply(body, buttons)


def _usage(ctx: Context, command: str) -> Reply:
    return ctx.reply("step.which", command=command, total=len(ctx.content.steps))


STEP = Option("step", "option.step", suggest="steps")


@router.command("roadmap")
async def roadmap(ctx: Context) -> Reply:
    return await roadmap_reply(ctx)


@router.command("step", options=(STEP,), personal=True)
async def step(ctx: Context) -> Reply:
    ref = ctx.options["step"]
    if not ref:
        states = await step_states(ctx.session, ctx.user.id)
        nxt = next_step(ctx, states)
        return await step_reply(ctx, nxt) if nxt else ctx.reply("roadmap.all_done")
    found = ctx.content.find_step(ref)
    if found is None:
        return step_not_found(ctx, ref)
    return await step_reply(ctx, found)


async def change_state(ctx: Context, action: str, ref: str) -> Reply:
    if not ref:
        if action == "done":  # /done with no number finishes the one step in progress, if there is one
            states = await step_states(ctx.session, ctx.user.id)
            doing = [s for s in ctx.content.steps if states.get(s.id) == "doing"]
            if len(doing) == 1:
                return await change_state(ctx, action, doing[0].id)
        return _usage(ctx, action)
    found = ctx.content.find_step(ref)
    if found is None:
        return step_not_found(ctx, ref)
    await set_step_state(ctx.session, ctx.user.id, found.id, STATE_OF[action], ctx.now())
    joined = await add_step_cards(ctx, found) if action in ("done", "doing") else 0
    states = await step_states(ctx.session, ctx.user.id)
    done = sum(1 for s in ctx.content.steps if states.get(s.id) == "done")
    total = len(ctx.content.steps)
    body = ctx.t(f"step.marked_{action}", n=found.number, title=step_title(ctx, found)) + (
        Para((Code(progress_bar(done, total)), Text(f" {done}/{total}"))),
    )
    if joined:
        body += ctx.t("practice.cards_joined", count=joined)
    nxt = next_step(ctx, states)
    buttons = ()
    if action in ("done", "skip") and nxt is not None:
        buttons = ((open_step_button(ctx, nxt),),)
    elif nxt is None and done == total:
        body += ctx.t("roadmap.all_done")
    return Reply(body, buttons)


def _state_command(action: str):  # noqa: ANN202
    async def handle(ctx: Context) -> Reply:
        return await change_state(ctx, action, ctx.options["step"] or "")

    handle.__name__ = action
    return handle


for _action in ("done", "doing", "skip", "undo"):
    router.command(_action, options=(STEP,), personal=True)(_state_command(_action))


@router.press(StepPress)
async def pressed(ctx: Context) -> Reply:
    """Roadmap buttons browse in place: the message with the buttons becomes the next view."""
    return dataclasses.replace(await _pressed(ctx, ctx.payload), replace=True)


async def _pressed(ctx: Context, p: StepPress) -> Reply:
    if p.action == "roadmap":
        return await roadmap_reply(ctx)
    if p.action == "show":
        return await step_reply(ctx, ctx.target)
    if p.action == "tick":
        return await _tick(ctx, ctx.target, p.res)
    return await change_state(ctx, p.action, ctx.target.id)


async def _tick(ctx: Context, step: Step, key: str) -> Reply:
    """Mark one of the step's resources done, or not done again, for the presser; the step is shown
    again with the change."""
    found = next((r for r in step.resources if resource_key(r.url) == key), None)
    if found is None:  # the resource left the step since the button was made
        ctx.outcome = "stale"
        return ctx.reply("error.stale_button")
    done = {url for _, url in await done_urls(ctx.session, ctx.user.id, step.id)}
    await set_done(ctx.session, ctx.user.id, step.id, found.url, found.url not in done, ctx.now())
    ctx.outcome = "step:tick"
    return await step_reply(ctx, step)
