"""/quiz [step]: five questions, options shuffled, feedback at once, a score at the end;
`/quiz daily <time>|off` in a group sets or stops its quiz question of the day (daily.py)."""

from __future__ import annotations

import json
import random

from db import practice as store
from db.models import PracticeSession
from db.progress import step_states
from handlers.content import Question, Step
from handlers.core.context import Context
from handlers.core.markup import Bold, Para, Text
from handlers.core.types import Button, Option, Reply
from handlers.practice import daily, router
from handlers.practice.common import QUIZ_LENGTH, PracticePress, QuizPress, question_resource, reread
from handlers.replies import step_not_found, step_title


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
            return step_not_found(ctx, ref)
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


QUIZ_OPTIONS = (
    Option("step", "option.quiz_step", suggest="steps"),
    Option("time", "option.quiz_time"),
)


@router.command("quiz", options=QUIZ_OPTIONS, personal=True)
async def quiz_command(ctx: Context) -> Reply:
    first = (ctx.options["step"] or "").lower()
    if first in daily.DAILY:
        return await daily.set_group_quiz(ctx, ctx.options["time"] or "")
    if first in daily.OFF:
        return await daily.stop_group_quiz(ctx)
    return await start_quiz(ctx, ctx.options["step"] or "")


def feedback(ctx: Context, q: Question, right: bool) -> tuple:
    """What an answer gets: right or not, the right option, the explanation, the resource to reread."""
    text = q.text(ctx.lang)
    body = ctx.t("practice.right" if right else "practice.wrong", answer=text.right)
    body += (Para((Text(text.explanation),)),)
    return body + reread(ctx.content, ctx.strings, q.step, question_resource(ctx.content, q))


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
    if not right:
        await daily.card_due_now(ctx, q, add=True)
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
