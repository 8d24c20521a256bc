"""Practice every day: a learner's review nudge and a group's quiz question of the day.

Both are reminders of their own kind (`Reminder.kind` "review" and "quiz"), one per learner and one per
group, so the reminder service claims each occurrence once, never sends it twice, sends a late one
marked late and pauses a blocked chat, as for any reminder. It asks `compose` for the message when it is
time to send:
- a nudge goes out only when the learner has cards due and has not answered a nudge that day ("6 cards
  due, about 3 minutes"); otherwise the occurrence is skipped. Its button starts the review in that
  message;
- a quiz post opens with the tally of the group's last question (how many answered, how many right, no
  names) and asks one question of the roadmap, options shuffled. Each member answers once; the feedback
  is theirs alone (`Reply.alert`: a callback alert on Telegram, an ephemeral reply on Discord).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db import practice as store
from db import reminders as reminder_store
from db.models import Delivery, Reminder
from handlers.content import Content, Question
from handlers.core.context import Context
from handlers.core.i18n import Strings
from handlers.core.markup import Bold, Para, Text, to_plain
from handlers.core.payloads import Owner, Payload
from handlers.core.types import Button, Reply
from handlers.core.zones import locale_zone
from handlers.deck import review_minutes
from handlers.practice import router
from handlers.practice.common import PracticePress
from handlers.schedule import ScheduleError, parse, upcoming
from handlers.study_time import day_start

UTC_ZONE = ZoneInfo("UTC")

DAILY = ("daily", "每天", "每日")
OFF = ("off", "关闭", "停止")
MAX_ALERT = 200  # Telegram's callback alert, in UTF-16 units
EXAMPLE_ZONE = "Asia/Kolkata"


# ---- a wrong answer ----------------------------------------------------------------------------------


async def card_due_now(ctx: Context, q: Question, add: bool) -> None:
    """A wrong answer makes the card that teaches it due now. `add`: the card joins the deck if it is
    not there (the learner's own /quiz); a group's question only moves a card already in the deck."""
    if not q.card:
        return
    now = ctx.now()
    if add:
        await store.add_cards(ctx.session, ctx.user.id, q.step, [q.card], now)
    row = await store.find_card(ctx.session, ctx.user.id, q.step, q.card)
    if row is not None and row.status == store.ACTIVE and row.due > now:
        row.due = now


# ---- setting them ------------------------------------------------------------------------------------


def _daily_rule(ctx: Context, text: str, zone: ZoneInfo, usage: str) -> tuple[object, datetime] | Reply:
    """'19:00', '7pm', '晚上7点' -> (the daily rule, its first fire time), or the reply saying why not."""
    if not text.strip():
        return ctx.reply(usage)
    now = ctx.now()
    try:
        rule, rest = parse(f"daily {text}", now, zone)
    except ScheduleError as exc:
        return Reply(ctx.t(f"remind.error.{exc.code}", **exc.params) + ctx.t(usage))
    if rule.kind != "daily" or rest.strip():
        return ctx.reply(usage)
    first = upcoming(rule, zone, now, 1)
    return rule, first[0]


async def _save(ctx: Context, kind: str, found: Reminder | None, rule, first: datetime, tz: str) -> None:  # noqa: ANN001
    chat = ctx.event.chat
    values = {
        "platform": chat.platform,
        "chat_id": chat.chat_id,
        "is_group": not chat.is_direct,
        "lang": ctx.lang,
        "rule": rule.to_json(),
        "timezone": tz,
        "next_fire_at": first,
        "paused": False,
    }
    if found is None:
        await reminder_store.add_reminder(
            ctx.session, owner_id=ctx.user.id, kind=kind, text="", created_at=ctx.now(), **values
        )
    else:  # the same row: today's answered nudge stays answered
        for key, value in values.items():
            setattr(found, key, value)
    ctx.reminders_changed()


def _at(first: datetime, zone: ZoneInfo) -> str:
    return first.astimezone(zone).strftime("%H:%M")


def _asked_time(ctx: Context, text: str) -> str:
    """The time the learner gave, as HH:MM, for a reply that asks them to send the command again
    (19:00 when they gave none that reads as a time)."""
    ruled = _daily_rule(ctx, text, UTC_ZONE, "practice.nudge_usage")
    return "19:00" if isinstance(ruled, Reply) else _at(ruled[1], UTC_ZONE)


async def set_review_nudge(ctx: Context, text: str) -> Reply:
    if not ctx.event.chat.is_direct:
        return ctx.reply("practice.nudge_private", time=_asked_time(ctx, text))
    if not ctx.user.timezone_set:
        example = locale_zone(ctx.event.user.locale or ctx.lang) or EXAMPLE_ZONE
        return ctx.reply("practice.nudge_needs_zone", example=example, time=_asked_time(ctx, text))
    zone = ctx.zone()
    ruled = _daily_rule(ctx, text, zone, "practice.nudge_usage")
    if isinstance(ruled, Reply):
        return ruled
    rule, first = ruled
    found = await store.daily_reminder(ctx.session, "review", owner_id=ctx.user.id)
    await _save(ctx, "review", found, rule, first, ctx.user.timezone)
    ctx.outcome = "practice:nudge_set"
    due = await store.count_due(ctx.session, ctx.user.id, by=ctx.now())
    return ctx.reply("practice.nudge_set", time=_at(first, zone), zone=ctx.user.timezone, due=due)


async def stop_review_nudge(ctx: Context) -> Reply:
    found = await store.daily_reminder(ctx.session, "review", owner_id=ctx.user.id)
    if found is None:
        return ctx.reply("practice.nudge_none")
    await reminder_store.delete_reminder(ctx.session, found.id)
    ctx.reminders_changed()
    return ctx.reply("practice.nudge_off")


async def _group_zone(ctx: Context) -> str | Reply:
    chat = ctx.event.chat
    if chat.is_direct:
        return ctx.reply("practice.quiz_daily_groups")
    if not ctx.can_manage_chat:
        return ctx.reply("practice.quiz_daily_admins")
    state = await reminder_store.chat_state(ctx.session, chat.platform, chat.chat_id)
    if state is None or state.timezone is None:
        return ctx.reply("remind.group_needs_zone")
    return state.timezone


async def set_group_quiz(ctx: Context, text: str) -> Reply:
    tz = await _group_zone(ctx)
    if isinstance(tz, Reply):
        return tz
    zone = ZoneInfo(tz)
    ruled = _daily_rule(ctx, text, zone, "practice.quiz_daily_usage")
    if isinstance(ruled, Reply):
        return ruled
    rule, first = ruled
    chat = ctx.event.chat
    found = await store.daily_reminder(ctx.session, "quiz", chat=(chat.platform, chat.chat_id))
    await _save(ctx, "quiz", found, rule, first, tz)
    ctx.outcome = "practice:quiz_daily_set"
    return ctx.reply("practice.quiz_daily_set", time=_at(first, zone), zone=tz)


async def stop_group_quiz(ctx: Context) -> Reply:
    tz = await _group_zone(ctx)
    if isinstance(tz, Reply) and ctx.event.chat.is_direct:
        return tz
    if not ctx.can_manage_chat:
        return ctx.reply("practice.quiz_daily_admins")
    chat = ctx.event.chat
    found = await store.daily_reminder(ctx.session, "quiz", chat=(chat.platform, chat.chat_id))
    if found is None:
        return ctx.reply("practice.quiz_daily_none")
    await reminder_store.delete_reminder(ctx.session, found.id)
    ctx.reminders_changed()
    return ctx.reply("practice.quiz_daily_off")


# ---- composing them (called by the reminder service when one is due) ----------------------------------


async def compose(
    session: AsyncSession, content: Content, r: Reminder, d: Delivery, now: datetime
) -> Reply | None:
    """The message for occurrence `d` of a review nudge or a quiz of the day; None: skip it."""
    if r.kind == "review":
        return await _nudge(session, content, r, d, now)
    if r.kind == "quiz":
        return await _quiz_post(session, content, r, d, now)
    raise ValueError(f"no message for reminders of kind {r.kind!r}")


async def _nudge(
    session: AsyncSession, content: Content, r: Reminder, d: Delivery, now: datetime
) -> Reply | None:
    zone = ZoneInfo(r.timezone)
    today = day_start(now.astimezone(zone).date(), zone)
    if await store.nudge_answered_since(session, r.owner_id, today):
        return None
    due = await store.count_due(session, r.owner_id, by=now)
    if due == 0:
        return None
    strings = Strings(content.strings, r.lang)
    minutes = review_minutes(due)
    body = strings.doc("practice.nudge", count=due, minutes=minutes)
    if d.delayed:
        body += strings.doc("practice.nudge_late", at=d.fire_at.astimezone(zone).strftime("%H:%M"))
    button = Button(strings.raw("button.start_review"), PracticePress("review", d.id).pack())
    return Reply(body, ((button,),))


def _pool(content: Content, reminder_id: int) -> list[Question]:
    """Every question of the roadmap in an order of the group's own, so groups don't get the same day."""
    pool = sorted((q for deck in content.decks.values() for q in deck.questions), key=lambda q: q.key)
    random.Random(reminder_id).shuffle(pool)
    return pool


def _order(delivery_id: int, n: int) -> list[int]:
    """The options as shown on post `delivery_id`: the same order for every member and every press."""
    order = list(range(n))
    random.Random(delivery_id).shuffle(order)
    return order


def _question(content: Content, item: str) -> Question | None:
    step_id, _, qid = item.partition("/")
    deck = content.decks.get(step_id)
    return deck.question(qid) if deck is not None else None


async def _quiz_post(
    session: AsyncSession, content: Content, r: Reminder, d: Delivery, now: datetime
) -> Reply | None:
    q = _question(content, d.item) if d.item else None
    if q is None:  # the first time this post is composed (or its question has been deleted since)
        pool = _pool(content, r.id)
        if not pool:
            return None
        q = pool[max(r.fired - 1, 0) % len(pool)]
        await reminder_store.set_item(session, d.id, q.key)
    strings = Strings(content.strings, r.lang)
    zone = ZoneInfo(r.timezone)
    body: tuple = ()
    prev = await store.previous_post(session, r.id, d.fire_at)
    if prev is not None:
        answered, right = await store.tally(session, prev.id)
        day = prev.fire_at.astimezone(zone).date()
        if day == d.fire_at.astimezone(zone).date() - timedelta(days=1):
            body += strings.doc("practice.tally_yesterday", answered=answered, right=right)
        else:
            body += strings.doc("practice.tally_on", day=day.isoformat(), answered=answered, right=right)
    step = content.step_by_id[q.step]
    text = q.text(r.lang)
    body += strings.doc(
        "practice.daily_head", n=step.number, title=step.titles.get(r.lang) or step.titles["en"]
    )
    body += (Para((Bold((Text(text.question),)),)),)
    options = [text.right, *text.wrong]
    buttons = tuple(
        (Button(options[k], GroupQuizPress(d.id, i).pack()),)
        for i, k in enumerate(_order(d.id, len(options)))
    )
    return Reply(body, buttons)


# ---- answering the group's question ------------------------------------------------------------------


@dataclass(frozen=True)
class GroupQuizPress(Payload, prefix="gq"):
    """An option of a group's quiz post: any member of that group may answer, once."""

    delivery: int
    choice: int

    async def owner(self, ctx: Context) -> Owner | None:
        d = await reminder_store.get_delivery(ctx.session, self.delivery)
        r = await reminder_store.get_reminder(ctx.session, d.reminder_id) if d is not None else None
        if r is None or r.kind != "quiz":
            return None
        return Owner(chat=(r.platform, r.chat_id), obj=(r, d))


def _fit(text: str, limit: int = MAX_ALERT) -> str:
    """Cut at a word (or, in Chinese, a character) so it fits in `limit` UTF-16 units."""

    def units(s: str) -> int:
        return len(s.encode("utf-16-le", "surrogatepass")) // 2

    if units(text) <= limit:
        return text
    while units(text) > limit - 1:
        cut = text.rstrip().rsplit(" ", 1)[0] if " " in text.strip() else text[:-1]
        text = cut if units(cut) < units(text) else text[:-1]
    return text.rstrip(" ,;:") + "…"


def alert_text(strings: Strings, q: Question, lang: str, right: bool, again: bool = False) -> str:
    """A member's private feedback on a group question, short enough for a callback alert."""
    text = q.text(lang)
    key = "practice.right" if right else "practice.wrong"
    head = to_plain(strings.doc("practice.group_already")) + " " if again else ""
    return _fit(head + to_plain(strings.doc(key, answer=text.right)) + " " + text.explanation)


@router.press(GroupQuizPress)
async def group_quiz_pressed(ctx: Context) -> Reply:
    p: GroupQuizPress = ctx.payload
    r, d = ctx.target
    q = _question(ctx.content, d.item) if d.item else None
    n = 1 + len(q.text(r.lang).wrong) if q is not None else 0
    if q is None or not 0 <= p.choice < n:
        ctx.outcome = "stale"
        return Reply(ctx.t("error.stale_button"), alert=True)
    latest = await store.previous_post(ctx.session, r.id, ctx.now() + timedelta(days=1))
    if latest is not None and latest.fire_at > d.fire_at:
        ctx.outcome = "practice:group_closed"
        return Reply(ctx.t("practice.group_closed"), alert=True)
    prior = await store.group_answer(ctx.session, d.id, ctx.user.id)
    if prior is None:
        right = _order(d.id, n)[p.choice] == 0
        stored = await store.record_answer(
            ctx.session, ctx.user.id, q.step, q.id, right, ctx.now(), delivery_id=d.id
        )
        if stored:
            if not right:
                await card_due_now(ctx, q, add=False)
            ctx.outcome = f"practice:group_{'right' if right else 'wrong'}"
            return Reply((Para((Text(alert_text(ctx.strings, q, ctx.lang, right)),)),), alert=True)
        prior = await store.group_answer(ctx.session, d.id, ctx.user.id)
    ctx.outcome = "practice:group_again"
    text = alert_text(ctx.strings, q, ctx.lang, prior.right, again=True)
    return Reply((Para((Text(text),)),), alert=True)
