"""/roadmap, /step and the step-state commands /done, /doing, /skip, /undo.

Progress is stored by step id, so reordering or inserting steps in roadmap.yaml never scrambles it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from db.progress import set_step_state, step_states
from handlers.content import Step
from handlers.context import Context
from handlers.markup import Bold, Bullets, Code, Link, Para, Text, parse
from handlers.payloads import ANYONE, Owner, Payload
from handlers.router import Router
from handlers.types import Button, Option, Reply

router = Router("roadmap")

ICONS = {"done": "✅", "doing": "▶️", "skipped": "⏭️", None: "⬜"}
STATE_OF = {"done": "done", "doing": "doing", "skip": "skipped", "undo": None}


@dataclass(frozen=True)
class StepPress(Payload, prefix="step"):
    """Roadmap buttons: open the roadmap or a step, or change the presser's own state on a step. Steps
    are content anyone may open; a state change is always the presser's own."""

    action: Literal["roadmap", "show", "done", "doing", "skip", "undo"]
    step: str = ""

    async def owner(self, ctx: Context) -> Owner | None:
        if self.action == "roadmap":
            return ANYONE
        found = ctx.content.step_by_id.get(self.step)
        return Owner(anyone=True, obj=found) if found is not None else None


def open_step_button(ctx: Context, step: Step, key: str = "button.open_step") -> Button:
    return Button(ctx.label(key, n=step.number), StepPress("show", step.id).pack())


def progress_bar(done: int, total: int, width: int = 12) -> str:
    filled = round(width * done / total) if total else 0
    pct = round(100 * done / total) if total else 0
    return f"{'█' * filled}{'░' * (width - filled)} {pct}%"


def _title(ctx: Context, step: Step) -> str:
    return step.titles.get(ctx.lang) or step.titles["en"]


def _next_step(ctx: Context, states: dict[str, str]) -> Step | None:
    for step in ctx.content.steps:
        if states.get(step.id) == "doing":
            return step
    for step in ctx.content.steps:
        if step.id not in states:
            return step
    return None


async def roadmap_reply(ctx: Context) -> Reply:
    steps = ctx.content.steps
    states = await step_states(ctx.session, ctx.user.id)
    done = sum(1 for s in steps if states.get(s.id) == "done")
    items = tuple((Text(f"{ICONS[states.get(s.id)]} {s.number}. "), Text(_title(ctx, s))) for s in steps)
    body = (
        ctx.t("roadmap.intro")
        + (Bullets(items),)
        + ctx.t("roadmap.summary", done=done, total=len(steps), bar=progress_bar(done, len(steps)))
    )
    nxt = _next_step(ctx, states)
    buttons = ((open_step_button(ctx, nxt),),) if nxt else ()
    return Reply(body, buttons)


async def step_reply(ctx: Context, step: Step) -> Reply:
    states = await step_states(ctx.session, ctx.user.id)
    state = states.get(step.id)
    body: list = [
        Para((Bold((Text(f"{step.number}. {_title(ctx, step)}"),)),)),
        *parse(step.summaries.get(ctx.lang) or step.summaries["en"]),
    ]
    if step.hours:
        body.extend(ctx.t("step.hours", hours=step.hours))
    body.extend(ctx.t("step.state", state=ctx.label(f"state.{state or 'todo'}")))
    # the learner's own language's resources first (Chinese ones are shown to Chinese learners only)
    resources = sorted((r for r in step.resources if r.shown_in(ctx.lang)), key=lambda r: r.lang != ctx.lang)
    if resources:
        body.extend(ctx.t("step.resources"))
        items = tuple((Link(r.title, r.url), Text(f" ({ctx.label('kind.' + r.kind)})")) for r in resources)
        body.append(Bullets(items))
    posts = [ctx.content.posts[p] for p in step.posts if p in ctx.content.posts]
    if posts:
        body.extend(ctx.t("step.posts"))
        body.append(Bullets(tuple((Link(p.titles.get(ctx.lang) or p.titles["en"], p.url),) for p in posts)))
    actions = [("doing", "button.doing"), ("done", "button.done"), ("skip", "button.skip")]
    row = tuple(
        Button(ctx.label(label), StepPress(action, step.id).pack())
        for action, label in actions
        if STATE_OF[action] != state
    )
    if state is not None:
        row += (Button(ctx.label("button.undo"), StepPress("undo", step.id).pack()),)
    nav = []
    if step.number > 1:
        nav.append(open_step_button(ctx, ctx.content.steps[step.number - 2], "button.prev"))
    if step.number < len(ctx.content.steps):
        nav.append(open_step_button(ctx, ctx.content.steps[step.number], "button.next"))
    return Reply(tuple(body), (row, tuple(nav)) if nav else (row,))


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
        nxt = _next_step(ctx, states)
        return await step_reply(ctx, nxt) if nxt else ctx.reply("roadmap.all_done")
    found = ctx.content.find_step(ref)
    if found is None:
        return ctx.reply("step.not_found", ref=ref[:40], total=len(ctx.content.steps))
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
        return ctx.reply("step.not_found", ref=ref[:40], total=len(ctx.content.steps))
    await set_step_state(ctx.session, ctx.user.id, found.id, STATE_OF[action], ctx.now())
    states = await step_states(ctx.session, ctx.user.id)
    done = sum(1 for s in ctx.content.steps if states.get(s.id) == "done")
    total = len(ctx.content.steps)
    body = ctx.t(f"step.marked_{action}", n=found.number, title=_title(ctx, found)) + (
        Para((Code(progress_bar(done, total)), Text(f" {done}/{total}"))),
    )
    nxt = _next_step(ctx, states)
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
    return await change_state(ctx, p.action, ctx.target.id)
