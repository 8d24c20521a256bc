"""Reply pieces more than one feature shows: the progress bar, a roadmap step, an FAQ answer, and the
typed payloads of their buttons. Features import these; features never import each other.

progress_bar(done, total)            "███░░░ 25%"
step_reply(ctx, step)                 a step with its resources, posts, state buttons and prev/next
open_step_button(ctx, step)           a button that opens a step
entry_reply(content, entry, lang)     an FAQ answer: answer first, "More", step buttons, feedback buttons
StepPress, FaqPress, FeedbackPress    the payloads of those buttons (whose object each one names)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from babel.lists import format_list

from db.faq_feedback import NO, YES, get_ask
from db.notes import notes as step_notes
from db.progress import step_states
from db.resources import done_urls
from handlers.content import Content, FaqEntry, Step
from handlers.core.context import Context
from handlers.core.i18n import Strings
from handlers.core.markup import Bold, Bullets, Code, Link, Para, Text, parse
from handlers.core.payloads import ANYONE, Owner, Payload
from handlers.core.types import Button, Reply

ICONS = {"done": "✅", "doing": "▶️", "skipped": "⏭️", None: "⬜"}
STATE_OF = {"done": "done", "doing": "doing", "skip": "skipped", "undo": None}


@dataclass(frozen=True)
class StepPress(Payload, prefix="step"):
    """Roadmap buttons: open the roadmap or a step, or change the presser's own state on a step. Steps
    are content anyone may open; a state change is always the presser's own."""

    action: Literal["roadmap", "show", "done", "doing", "skip", "undo", "tick"]
    step: str = ""
    res: str = ""  # tick: the resource (resource_key of its URL), marked done or not by the presser

    async def owner(self, ctx: Context) -> Owner | None:
        if self.action == "roadmap":
            return ANYONE
        found = ctx.content.step_by_id.get(self.step)
        return Owner(anyone=True, obj=found) if found is not None else None


def next_step(ctx: Context, states: dict[str, str]) -> Step | None:
    """The step in progress, else the first step not done or skipped; None when none is left."""
    return next_of(ctx.content.steps, states)


def next_of(steps: Sequence[Step], states: dict[str, str]) -> Step | None:
    """`next_step` where there is no event (a scheduled message): the roadmap's steps and the states."""
    for step in steps:
        if states.get(step.id) == "doing":
            return step
    for step in steps:
        if step.id not in states:
            return step
    return None


def resource_key(url: str) -> str:
    """A resource's short, stable name in a button: its URL's hash (a position would move when the
    step's list is edited)."""
    return hashlib.sha1(url.encode()).hexdigest()[:8]


def shown_resources(ctx: Context, step: Step) -> list:
    """The step's resources for this learner: their own language's first (Chinese ones for Chinese
    learners only)."""
    return sorted((r for r in step.resources if r.shown_in(ctx.lang)), key=lambda r: r.lang != ctx.lang)


def open_step_button(ctx: Context, step: Step, key: str = "button.open_step") -> Button:
    return Button(ctx.label(key, n=step.number), StepPress("show", step.id).pack())


def hours_minutes(strings: Strings, minutes: int) -> str:
    """'5 h 30 min' / '5 小时 30 分钟' (UI string goal.hm)."""
    return strings.raw("goal.hm", h=minutes // 60, m=minutes % 60)


def progress_bar(done: int, total: int, width: int = 12) -> str:
    filled = round(width * done / total) if total else 0
    pct = round(100 * done / total) if total else 0
    return f"{'█' * filled}{'░' * (width - filled)} {pct}%"


def step_title(ctx: Context, step: Step) -> str:
    return step.titles.get(ctx.lang) or step.titles["en"]


def step_not_found(ctx: Context, ref: str) -> Reply:
    """No step goes by `ref`: the steps whose names share it ("data": 4, 9 and 11), or the range."""
    several = ctx.content.steps_named(ref)
    if len(several) > 1:
        steps = format_list([f"{s.number} {step_title(ctx, s)}" for s in several], locale=ctx.lang)
        return ctx.reply("step.several", ref=ref[:40], steps=steps)
    return ctx.reply("step.not_found", ref=ref[:40], total=len(ctx.content.steps))


def note_items(ctx: Context, rows) -> tuple:  # noqa: ANN001
    """A learner's notes as list items: '#12 (2026-12-01) eigenvectors finally clicked'."""
    zone = ctx.zone()
    return tuple(
        (Bold((Text(f"#{n.id}"),)), Text(f" ({n.created_at.astimezone(zone):%Y-%m-%d}) {n.text}"))
        for n in rows
    )


async def step_reply(ctx: Context, step: Step) -> Reply:
    states = await step_states(ctx.session, ctx.user.id)
    state = states.get(step.id)
    body: list = [
        Para((Bold((Text(f"{step.number}. {step_title(ctx, step)}"),)),)),
        *parse(step.summaries.get(ctx.lang) or step.summaries["en"]),
    ]
    if step.hours:
        body.extend(ctx.t("step.hours", hours=step.hours))
    body.extend(ctx.t("step.state", state=ctx.label(f"state.{state or 'todo'}")))
    resources = shown_resources(ctx, step)
    ticked = {url for _, url in await done_urls(ctx.session, ctx.user.id, step.id)}
    ticks: list[Button] = []
    if resources:
        body.extend(ctx.t("step.resources"))
        items = []
        for i, r in enumerate(resources, 1):
            mark = "✅ " if r.url in ticked else ""
            items.append(
                (Text(f"{i}. {mark}"), Link(r.title, r.url), Text(f" ({ctx.label('kind.' + r.kind)})"))
            )
            label = ctx.label("button.resource_done" if r.url in ticked else "button.resource_todo", n=i)
            ticks.append(Button(label, StepPress("tick", step.id, resource_key(r.url)).pack()))
        body.append(Bullets(tuple(items)))
        body.extend(ctx.t("step.ticks_hint"))
    posts = [ctx.content.posts[p] for p in step.posts if p in ctx.content.posts]
    if posts:
        body.extend(ctx.t("step.posts"))
        body.append(Bullets(tuple((Link(p.titles.get(ctx.lang) or p.titles["en"], p.url),) for p in posts)))
    mine = await step_notes(ctx.session, ctx.user.id, step.id)
    if mine:
        body.extend(ctx.t("step.notes", count=len(mine)))
        body.append(Bullets(note_items(ctx, mine)))
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
    # the step's own actions first (the console numbers them 1, 2...), then the ticks, then the way on
    rows = [row] + [tuple(ticks[i : i + 5]) for i in range(0, len(ticks), 5)] + ([tuple(nav)] if nav else [])
    return Reply(tuple(body), tuple(rows))


@dataclass(frozen=True)
class FaqPress(Payload, prefix="faq"):
    """FAQ buttons: the topic list, one answer, or its details (content anyone may open). `ask`: the
    learner's question the answer was given for, so the full answer keeps its feedback buttons."""

    action: Literal["list", "show", "more"]
    topic: str = ""
    ask: int = 0

    async def owner(self, ctx: Context) -> Owner | None:
        if self.action == "list":
            return ANYONE
        entry = ctx.content.faq_by_id.get(self.topic)
        return Owner(anyone=True, obj=entry) if entry is not None else None


@dataclass(frozen=True)
class FeedbackPress(Payload, prefix="fb"):
    """ "That answered it" / "not what I asked" under an answer: only the learner who asked may say."""

    verdict: Literal["yes", "no"]
    ask: int

    async def owner(self, ctx: Context) -> Owner | None:
        ask = await get_ask(ctx.session, self.ask, ctx.now())
        return Owner(user_id=ask.user_id, obj=ask) if ask is not None else None


def faq_text(entry: FaqEntry, lang: str):  # noqa: ANN202
    return entry.texts.get(lang) or next(iter(entry.texts.values()))


def entry_reply(content: Content, entry: FaqEntry, lang: str, full: bool = False, ask: int = 0) -> Reply:
    """One FAQ answer in `lang` (falling back to the other language if a translation is missing): the
    answer first, with "More" for the details (`full` shows them), the steps it points to, and, for an
    answer given to a learner's question (`ask`), the two feedback buttons."""
    reply = content.memo(
        ("faq-answer", entry.id, lang, full), lambda: _build_entry_reply(content, entry, lang, full)
    )
    if not ask:
        return reply
    strings = Strings(content.strings, lang)
    feedback = (
        Button(strings.raw("button.answered"), FeedbackPress(YES, ask).pack()),
        Button(strings.raw("button.not_asked"), FeedbackPress(NO, ask).pack()),
    )
    rows = tuple(
        tuple(
            Button(b.label, FaqPress("more", entry.id, ask).pack())
            if b.payload == FaqPress("more", entry.id).pack()
            else b
            for b in row
        )
        for row in reply.buttons
    )
    return Reply(reply.body, (*rows, feedback), replace=reply.replace)


def _build_entry_reply(content: Content, entry: FaqEntry, lang: str, full: bool) -> Reply:
    text = faq_text(entry, lang)
    strings = Strings(content.strings, lang)
    body: list = [Para((Bold((Text(text.title),)),)), *parse(text.answer)]
    if full and text.more:
        body.extend(parse(text.more))
    if full or not text.more:
        see: list = []
        for sid in entry.steps:
            step = content.step_by_id.get(sid)
            if step:
                see.append(
                    (Code(f"/step {step.number}"), Text(" " + (step.titles.get(lang) or step.titles["en"])))
                )
        for pid in entry.posts:
            post = content.posts.get(pid)
            if post:
                see.append((Link(post.titles.get(lang) or post.titles["en"], post.url),))
        see.extend((Link(link.title, link.url),) for link in entry.links)
        if see:
            body.extend(strings.doc("faq.see_also"))
            body.append(Bullets(tuple(see)))
    buttons: list[Button] = []
    if text.more and not full:
        buttons.append(Button(strings.raw("button.more"), FaqPress("more", entry.id).pack()))
    buttons.extend(
        Button(strings.raw("button.step", n=content.step_by_id[sid].number), StepPress("show", sid).pack())
        for sid in entry.steps
        if sid in content.step_by_id
    )
    return Reply(tuple(body), (tuple(buttons),) if buttons else (), replace=full)
