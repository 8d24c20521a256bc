"""/review and /quiz: spaced-repetition cards and multiple-choice questions, answered with buttons.

A review shows a due card's front with "Show answer", then its back with Again / Hard / Good / Easy, and
then the next due card, all in one message where the platform can edit it; it ends with a summary. A
quiz asks up to 5 questions of one step (or of the steps in progress or done), options shuffled; each
answer gets its feedback at once, and a wrong one makes the card that teaches it due now.

Both are a `PracticeSession` row: every button names the session and the position it was made at, so a
press on an earlier card, on a finished session or on someone else's session changes nothing ("that
session has ended").
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Literal

from db import practice as store
from db.models import PracticeSession
from db.progress import step_states
from handlers.content import Question, Step
from handlers.core.context import Context
from handlers.core.markup import Bold, Link, Para, Text
from handlers.core.payloads import ANYONE, Owner, Payload
from handlers.core.router import Router
from handlers.core.types import Button, Option, Reply
from handlers.deck import RATINGS, add_step_cards, content_card, local_day_bounds, review
from handlers.replies import step_title

router = Router("practice")

MAX_REVIEWS = 50  # a session stops after this many ratings (the rest stay due)
QUIZ_LENGTH = 5
ADD = ("add", "添加", "加入")
REMOVE = ("remove", "移除", "删除")


class _SessionPress(Payload):
    refusal = "practice.ended"

    async def owner(self, ctx: Context) -> Owner | None:
        found = await store.get_session(ctx.session, self.session)
        return Owner(user_id=found.user_id, obj=found) if found is not None else None

    def stale(self, s: PracticeSession) -> bool:
        return s.ended or s.position != self.n


@dataclass(frozen=True)
class ReviewPress(_SessionPress, prefix="rv"):
    """A review's buttons: show the back of card `card`, or rate it (1 Again .. 4 Easy); `n`: the
    session's position when the button was made."""

    action: Literal["show", "rate"]
    session: int
    n: int
    card: int
    rating: int = 0


@dataclass(frozen=True)
class QuizPress(_SessionPress, prefix="qz"):
    """A quiz's option buttons: option `choice` (as shown) of the question at position `n`."""

    session: int
    n: int
    choice: int


@dataclass(frozen=True)
class PracticePress(Payload, prefix="pr"):
    """Start a review or a quiz for the presser (from a summary or the "nothing due" reply)."""

    action: Literal["review", "quiz"]

    async def owner(self, ctx: Context) -> Owner | None:
        return ANYONE


# ---- review ------------------------------------------------------------------------------------------


def _reread(ctx: Context, step_id: str, url: str) -> tuple:
    """ "Reread: <the step's resource>" for a card or question that names one."""
    if not url:
        return ()
    step = ctx.content.step_by_id[step_id]
    title = next((r.title for r in step.resources if r.url == url), url)
    return (Para((Text(ctx.label("practice.reread") + " "), Link(title, url))),)


def _quiz_button(ctx: Context) -> tuple[Button, ...]:
    return (Button(ctx.label("button.quiz"), PracticePress("quiz").pack()),)


def _when(ctx: Context, instant) -> str:  # noqa: ANN001
    local = instant.astimezone(ctx.zone())
    today = ctx.now().astimezone(ctx.zone()).date()
    if local.date() == today:
        return ctx.label("practice.at_today", time=local.strftime("%H:%M"))
    return ctx.label("practice.at_day", day=local.strftime("%Y-%m-%d"), time=local.strftime("%H:%M"))


async def _nothing_due(ctx: Context) -> Reply:
    nxt = await store.next_due(ctx.session, ctx.user.id)
    if nxt is None:
        return ctx.reply("practice.empty_deck", (_quiz_button(ctx),))
    return ctx.reply("practice.nothing_due", (_quiz_button(ctx),), when=_when(ctx, nxt))


async def _summary(ctx: Context, s: PracticeSession) -> Reply:
    s.ended = True
    start, end = local_day_bounds(ctx, 1)
    tomorrow = await store.count_due(ctx.session, ctx.user.id, before=end, since=start)
    nxt = await store.next_due(ctx.session, ctx.user.id)
    body = ctx.t("practice.review_done", n=s.position, tomorrow=tomorrow)
    if nxt is not None:
        body += ctx.t("practice.next_due", when=_when(ctx, nxt))
    return Reply(body, (_quiz_button(ctx),), replace=True)


async def _next_card(ctx: Context, s: PracticeSession) -> Reply:
    """The next due card's front, or the summary when none is due (or the session is long enough)."""
    if s.position >= MAX_REVIEWS:
        return await _summary(ctx, s)
    while True:
        rows = await store.due_cards(ctx.session, ctx.user.id, ctx.now(), limit=20)
        gone = [r.id for r in rows if content_card(ctx, r) is None]
        await store.retire(ctx.session, gone)
        live = [r for r in rows if r.id not in gone]
        if live or not rows:
            break
    if not live:
        if s.position == 0:
            s.ended = True
            return await _nothing_due(ctx)
        return await _summary(ctx, s)
    row = live[0]
    card = content_card(ctx, row)
    due = await store.count_due(ctx.session, ctx.user.id, by=ctx.now())
    step = ctx.content.step_by_id[row.step_id]
    body = ctx.t(
        "practice.card_head", n=s.position + 1, due=due, step=step.number, title=step_title(ctx, step)
    )
    body += (Para((Bold((Text(card.text(ctx.lang).front),)),)),)
    show = Button(ctx.label("button.show_answer"), ReviewPress("show", s.id, s.position, row.id).pack())
    return Reply(body, ((show,),), replace=True)


def _back(ctx: Context, s: PracticeSession, row, card) -> Reply:  # noqa: ANN001
    text = card.text(ctx.lang)
    body: tuple = (Para((Bold((Text(text.front),)),)), Para((Text(text.back),)))
    body += _reread(ctx, card.step, card.resource)
    body += ctx.t("practice.rate_prompt")
    labels = ("button.again", "button.hard", "button.good", "button.easy")
    row_buttons = tuple(
        Button(ctx.label(label), ReviewPress("rate", s.id, s.position, row.id, int(r)).pack())
        for label, r in zip(labels, RATINGS, strict=True)
    )
    return Reply(body, (row_buttons,), replace=True)


async def start_review(ctx: Context) -> Reply:
    s = await store.start_session(ctx.session, ctx.user.id, "review", ctx.lang, ctx.now())
    reply = await _next_card(ctx, s)
    ctx.outcome = "practice:review" if not s.ended else "practice:nothing_due"
    return Reply(reply.body, reply.buttons)  # a command's reply is a new message


REVIEW_OPTIONS = (
    Option("action", "option.review_action", choices=(("add", "add"), ("remove", "remove"))),
    Option("step", "option.step", suggest="steps"),
)


@router.command("review", options=REVIEW_OPTIONS, personal=True)
async def review_command(ctx: Context) -> Reply:
    action = (ctx.options["action"] or "").lower()
    if not action:
        return await start_review(ctx)
    if action not in ADD + REMOVE:
        return ctx.reply("practice.review_usage")
    ref = ctx.options["step"] or ""
    step = ctx.content.find_step(ref) if ref else None
    if step is None:
        return ctx.reply("practice.which_step", total=len(ctx.content.steps))
    if step.id not in ctx.content.decks:
        return ctx.reply("practice.no_deck", n=step.number, title=step_title(ctx, step))
    if action in ADD:
        added = await add_step_cards(ctx, step)
        return ctx.reply("practice.added", count=added, n=step.number, title=step_title(ctx, step))
    removed = await store.remove_step(ctx.session, ctx.user.id, step.id)
    return ctx.reply("practice.removed", count=removed, n=step.number, title=step_title(ctx, step))


@router.press(ReviewPress)
async def review_pressed(ctx: Context) -> Reply:
    p: ReviewPress = ctx.payload
    s: PracticeSession = ctx.target
    row = await store.get_card(ctx.session, ctx.user.id, p.card)
    card = content_card(ctx, row) if row is not None else None
    if p.stale(s) or s.kind != "review" or card is None or row.status != store.ACTIVE:
        ctx.outcome = "practice:ended"
        return ctx.reply("practice.ended")
    if p.action == "show":
        return _back(ctx, s, row, card)
    if not 1 <= p.rating <= len(RATINGS):
        ctx.outcome = "stale"
        return ctx.reply("error.stale_button")
    now = ctx.now()
    await store.save_review(ctx.session, row, p.rating, now, **review(row, RATINGS[p.rating - 1], now))
    s.position += 1
    ctx.outcome = "practice:rated"
    return await _next_card(ctx, s)


# ---- quiz --------------------------------------------------------------------------------------------


async def _quiz_steps(ctx: Context) -> list[Step]:
    states = await step_states(ctx.session, ctx.user.id)
    with_deck = [s for s in ctx.content.steps if s.id in ctx.content.decks]
    doing = [s for s in with_deck if states.get(s.id) == "doing"]
    return doing or [s for s in with_deck if states.get(s.id) == "done"]


def _question_reply(ctx: Context, s: PracticeSession, plan: list, head: tuple = ()) -> Reply:
    step_id, qid, order = plan[s.position]
    q: Question = ctx.content.decks[step_id].question(qid)
    text = q.text(ctx.lang)
    options = [text.right, *text.wrong]
    body = head + ctx.t("practice.question_head", n=s.position + 1, total=len(plan))
    body += (Para((Bold((Text(text.question),)),)),)
    buttons = tuple(
        (Button(options[int(k)], QuizPress(s.id, s.position, i).pack()),) for i, k in enumerate(order)
    )
    return Reply(body, buttons, replace=True)


async def start_quiz(ctx: Context, ref: str = "") -> Reply:
    if ref:
        step = ctx.content.find_step(ref)
        if step is None:
            return ctx.reply("step.not_found", ref=ref[:40], total=len(ctx.content.steps))
        if step.id not in ctx.content.decks:
            return ctx.reply("practice.no_deck", n=step.number, title=step_title(ctx, step))
        steps = [step]
    else:
        steps = await _quiz_steps(ctx)
        if not steps:
            return ctx.reply("practice.quiz_which")
    pool = [q for step in steps for q in ctx.content.decks[step.id].questions]
    chosen = random.sample(pool, min(QUIZ_LENGTH, len(pool)))
    plan = []
    for q in chosen:
        order = list(range(1 + len(q.text(ctx.lang).wrong)))
        random.shuffle(order)
        plan.append([q.step, q.id, "".join(map(str, order))])
    s = await store.start_session(ctx.session, ctx.user.id, "quiz", ctx.lang, ctx.now(), plan)
    ctx.outcome = "practice:quiz"
    reply = _question_reply(ctx, s, plan)
    return Reply(reply.body, reply.buttons)


@router.command("quiz", options=(Option("step", "option.step", suggest="steps"),), personal=True)
async def quiz_command(ctx: Context) -> Reply:
    return await start_quiz(ctx, ctx.options["step"] or "")


def feedback(ctx: Context, q: Question, right: bool) -> tuple:
    """What an answer gets: right or not, the right option, the explanation, the resource to reread."""
    text = q.text(ctx.lang)
    body = ctx.t("practice.right" if right else "practice.wrong", answer=text.right)
    body += (Para((Text(text.explanation),)),)
    url = q.resource or (ctx.content.decks[q.step].card(q.card).resource if q.card else "")
    return body + _reread(ctx, q.step, url)


@router.press(QuizPress)
async def quiz_pressed(ctx: Context) -> Reply:
    p: QuizPress = ctx.payload
    s: PracticeSession = ctx.target
    plan = json.loads(s.plan)
    if p.stale(s) or s.kind != "quiz" or s.position >= len(plan):
        ctx.outcome = "practice:ended"
        return ctx.reply("practice.ended")
    step_id, qid, order = plan[s.position]
    deck = ctx.content.decks.get(step_id)
    q = deck.question(qid) if deck is not None else None
    if q is None or not 0 <= p.choice < len(order):
        s.ended = True
        ctx.outcome = "practice:ended"
        return ctx.reply("practice.ended")
    right = order[p.choice] == "0"
    now = ctx.now()
    await store.record_answer(ctx.session, ctx.user.id, step_id, qid, right, now)
    if not right and q.card:
        await store.add_cards(ctx.session, ctx.user.id, step_id, [q.card], now)
        row = await store.find_card(ctx.session, ctx.user.id, step_id, q.card)
        if row is not None and row.due > now:
            row.due = now  # the card that teaches it comes up at the next /review
    s.position += 1
    s.right += int(right)
    ctx.outcome = f"practice:{'right' if right else 'wrong'}"
    head = feedback(ctx, q, right)
    if s.position < len(plan):
        return _question_reply(ctx, s, plan, head)
    s.ended = True
    body = head + ctx.t("practice.score", right=s.right, total=len(plan))
    buttons = (
        (
            Button(ctx.label("button.review"), PracticePress("review").pack()),
            Button(ctx.label("button.quiz_again"), PracticePress("quiz").pack()),
        ),
    )
    return Reply(body, buttons, replace=True)


@router.press(PracticePress)
async def practice_pressed(ctx: Context) -> Reply:
    # a new message: the summary with this button stays as it is
    return await (start_review(ctx) if ctx.payload.action == "review" else start_quiz(ctx))
