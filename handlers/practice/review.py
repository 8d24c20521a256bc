"""/review: the cards that are due, one at a time, rated Again / Hard / Good / Easy (FSRS schedules
them); `/review add|remove <step>` changes the deck, `/review daily <time>|off` the daily nudge."""

from __future__ import annotations

from db import practice as store
from handlers.core.context import Context
from handlers.core.markup import Bold, Para, Text
from handlers.core.types import Button, Option, Reply
from handlers.deck import RATINGS, add_step_cards, content_card, local_day_bounds, review
from handlers.practice import daily, router
from handlers.practice.common import MAX_REVIEWS, ReviewPress, quiz_button, reread, when
from handlers.replies import step_not_found, step_title

ADD = ("add", "添加", "加入")
REMOVE = ("remove", "移除", "删除")


async def _nothing_due(ctx: Context) -> Reply:
    nxt = await store.next_due(ctx.session, ctx.user.id)
    if nxt is None:
        return ctx.reply("practice.empty_deck", (quiz_button(ctx),))
    return ctx.reply("practice.nothing_due", (quiz_button(ctx),), when=when(ctx, nxt))


async def _summary(ctx: Context, s: store.Review) -> Reply:
    await store.end_review(ctx.session, s)
    start, end = local_day_bounds(ctx, 1)
    tomorrow = await store.count_due(ctx.session, ctx.user.id, before=end, since=start)
    nxt = await store.next_due(ctx.session, ctx.user.id)
    body = ctx.t("practice.review_done", n=s.position, tomorrow=tomorrow)
    if nxt is not None:
        body += ctx.t("practice.next_due", when=when(ctx, nxt))
    return Reply(body, (quiz_button(ctx),), replace=True)


async def next_card(ctx: Context, s: store.Review) -> Reply:
    """The next due card's front, or the summary when none is due (or the session is long enough)."""
    if s.position >= MAX_REVIEWS:
        return await _summary(ctx, s)
    while True:
        rows, due = await store.due_now(ctx.session, ctx.user.id, ctx.now())
        gone = [r.id for r in rows if content_card(ctx, r) is None]
        await store.retire(ctx.session, gone)
        live = [r for r in rows if r.id not in gone]
        if live or not rows:
            break
    if not live:
        if s.position == 0:
            await store.end_review(ctx.session, s)
            reply = await _nothing_due(ctx)
            return Reply(reply.body, reply.buttons, replace=True)
        return await _summary(ctx, s)
    row = live[0]
    card = content_card(ctx, row)
    due -= len(gone)  # counted before they were retired
    step = ctx.content.step_by_id[row.step_id]
    body = ctx.t(
        "practice.card_head", n=s.position + 1, due=due, step=step.number, title=step_title(ctx, step)
    )
    body += (Para((Bold((Text(card.text(ctx.lang).front),)),)),)
    show = Button(ctx.label("button.show_answer"), ReviewPress("show", s.id, s.position, row.id).pack())
    return Reply(body, ((show,),), replace=True)


def _back(ctx: Context, s: store.Review, row, card) -> Reply:  # noqa: ANN001
    text = card.text(ctx.lang)
    body: tuple = (Para((Bold((Text(text.front),)),)), Para((Text(text.back),)))
    body += reread(ctx.content, ctx.strings, card.step, card.resource)
    body += ctx.t("practice.rate_prompt")
    labels = ("button.again", "button.hard", "button.good", "button.easy")
    row_buttons = tuple(
        Button(ctx.label(label), ReviewPress("rate", s.id, s.position, row.id, int(r)).pack())
        for label, r in zip(labels, RATINGS, strict=True)
    )
    return Reply(body, (row_buttons,), replace=True)


async def start_review(ctx: Context, in_place: bool = False) -> Reply:
    """A new session's first card. `in_place`: it fills the message whose button was pressed (a
    nudge); otherwise it is a new message."""
    s = store.Review.of(await store.start_session(ctx.session, ctx.user.id, "review", ctx.lang, ctx.now()))
    reply = await next_card(ctx, s)
    ctx.outcome = "practice:review" if not s.ended else "practice:nothing_due"
    return reply if in_place else Reply(reply.body, reply.buttons)


REVIEW_OPTIONS = (
    Option(
        "action",
        "option.review_action",
        choices=(("add", "add"), ("remove", "remove"), ("daily", "daily"), ("off", "off")),
    ),
    Option("what", "option.review_what", suggest="steps"),
)


@router.command("review", options=REVIEW_OPTIONS, personal=True)
async def review_command(ctx: Context) -> Reply:
    action = (ctx.options["action"] or "").lower()
    if not action:
        return await start_review(ctx)
    if action in daily.DAILY:
        return await daily.set_review_nudge(ctx, ctx.options["what"] or "")
    if action in daily.OFF:
        return await daily.stop_review_nudge(ctx)
    if action not in ADD + REMOVE:
        return ctx.reply("practice.review_usage")
    ref = ctx.options["what"] or ""
    if not ref:
        return ctx.reply("practice.which_step", total=len(ctx.content.steps))
    step = ctx.content.find_step(ref)
    if step is None:
        return step_not_found(ctx, ref)
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
    s, row = ctx.target
    card = content_card(ctx, row) if row is not None else None
    if p.stale(s) or s.kind != "review" or card is None or row.status != store.ACTIVE:
        ctx.outcome = "practice:ended"
        return ctx.reply("practice.ended")
    if p.action == "show":
        return _back(ctx, s, row, card)
    if not 1 <= p.rating <= len(RATINGS):
        ctx.outcome = "stale"
        return ctx.reply("error.stale_button")
    if not await store.advance(ctx.session, s):  # the same button, pressed twice at once: rated once
        ctx.outcome = "practice:ended"
        return ctx.reply("practice.ended")
    now = ctx.now()
    await store.save_review(ctx.session, row, p.rating, now, **review(row, RATINGS[p.rating - 1], now))
    ctx.outcome = "practice:rated"
    return await next_card(ctx, s)
