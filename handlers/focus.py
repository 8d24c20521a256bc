"""/focus [minutes] [what]: a focus session (default 25 minutes, 1-180). The answer shows the end time with
Stop now (logs the minutes so far), +5 min and Cancel (logs nothing). At the end a message says what was
logged and offers a 5-minute break or another round.

The end (and a break's end) is a reminder of its own kind ("focus", "break"), so the reminder service
sends it once, after a restart too; the minutes are logged when the end message is written, once per
message (the log's delivery id). One session runs per learner at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db import reminders as store
from db.models import Delivery, Reminder
from handlers.content import Content
from handlers.core.context import Context
from handlers.core.i18n import Strings
from handlers.core.payloads import Owner, Payload
from handlers.core.router import Router
from handlers.core.types import Button, Option, Reply
from handlers.own_reminders import add_own_reminder
from handlers.schedule import Rule
from handlers.study_time import MAX_NOTE, log_minutes, log_time, parse_minutes

router = Router("focus")

DEFAULT_MINUTES, MAX_MINUTES, MORE, BREAK = 25, 180, 5, 5
KINDS = ("focus", "break")


@dataclass(frozen=True)
class FocusPress(Payload, prefix="fc"):
    """A focus session's buttons: stop, +5 min, cancel (while it runs), another round or a break (at
    its end). `minutes`: the length of another round."""

    action: Literal["stop", "more", "cancel", "again", "break"]
    reminder: int
    minutes: int = DEFAULT_MINUTES

    refusal = "focus.not_yours"

    async def owner(self, ctx: Context) -> Owner | None:
        r = await store.get_reminder(ctx.session, self.reminder)
        if r is None or r.kind not in KINDS:
            return None
        return Owner(user_id=r.owner_id, chat=(r.platform, r.chat_id), obj=r)


def _end(r: Reminder) -> datetime:
    return Rule.from_json(r.rule).at_utc


def _length(r: Reminder) -> int:
    """A focus session's minutes, from its start to its end (with any +5 min)."""
    return max(1, round((_end(r) - r.created_at).total_seconds() / 60))


def _at(ctx: Context, t: datetime) -> str:
    return t.astimezone(ctx.zone()).strftime("%H:%M")


def _what(strings: Strings, r: Reminder) -> str:
    return r.text or strings.raw("focus.default_what")


def _running_buttons(ctx: Context, r: Reminder) -> tuple:
    return (
        (
            Button(ctx.label("button.focus_stop"), FocusPress("stop", r.id).pack()),
            Button(ctx.label("button.focus_more", minutes=MORE), FocusPress("more", r.id).pack()),
            Button(ctx.label("button.focus_cancel"), FocusPress("cancel", r.id).pack()),
        ),
    )


async def running(session: AsyncSession, user_id: int) -> Reminder | None:
    """The learner's focus session still running (its end not reached yet), if any."""
    return await store.latest_of(session, user_id, "focus", running=True)


async def start(ctx: Context, minutes: int, what: str) -> Reply:
    now = ctx.now()
    end = now + timedelta(minutes=minutes)
    once = Rule(kind="once", time=None, at_utc=end)
    r = await add_own_reminder(ctx, "focus", once, end, what[:MAX_NOTE])
    ctx.outcome = "focus:start"
    body = ctx.t("focus.started", minutes=minutes, what=_what(ctx.strings, r), end=_at(ctx, end))
    return Reply(body, _running_buttons(ctx, r))


@router.command(
    "focus",
    options=(Option("minutes", "option.focus_minutes", kind=int, min=1), Option("what", "option.focus_what")),
    personal=True,
    phrase=True,
)
async def focus(ctx: Context) -> Reply:
    if not ctx.event.chat.is_direct:
        return ctx.reply("focus.private")
    first, _, rest = ctx.line.strip().partition(" ")
    minutes = parse_minutes(first) if first else DEFAULT_MINUTES
    what = rest if minutes is not None and first else ctx.line.strip()
    if minutes is None:  # "/focus linear algebra": the default length
        minutes, what = DEFAULT_MINUTES, ctx.line.strip()
    if not 1 <= minutes <= MAX_MINUTES:
        return ctx.reply("focus.range", max=MAX_MINUTES)
    busy = await running(ctx.session, ctx.user.id)
    if busy is not None:
        body = ctx.t("focus.busy", end=_at(ctx, _end(busy)), what=_what(ctx.strings, busy))
        return Reply(body, _running_buttons(ctx, busy))
    return await start(ctx, minutes, " ".join(what.split()))


@router.press(FocusPress)
async def pressed(ctx: Context) -> Reply:
    p: FocusPress = ctx.payload
    r: Reminder = ctx.target
    if p.action in ("again", "break"):
        if await running(ctx.session, ctx.user.id) is not None:
            return ctx.reply("focus.already_running")
        if p.action == "again":
            return await start(ctx, max(1, min(p.minutes, MAX_MINUTES)), r.text)
        return await _start_break(ctx, r)
    if r.kind != "focus" or r.next_fire_at is None:
        ctx.outcome = "focus:over"
        return ctx.reply("focus.over")
    now = ctx.now()
    what = _what(ctx.strings, r)
    if p.action == "cancel":
        await store.delete_reminder(ctx.session, r.id)
        ctx.reminders_changed()
        ctx.outcome = "focus:cancel"
        return Reply(ctx.t("focus.cancelled", what=what), replace=True)
    if p.action == "more":
        end = _end(r) + timedelta(minutes=MORE)
        if end - r.created_at > timedelta(minutes=MAX_MINUTES + 60):
            return ctx.reply("focus.too_long")
        r.rule, r.next_fire_at = Rule(kind="once", time=None, at_utc=end).to_json(), end
        ctx.reminders_changed()
        body = ctx.t("focus.extended", minutes=MORE, end=_at(ctx, end), what=what)
        return Reply(body, _running_buttons(ctx, r), replace=True)
    minutes = int((now - r.created_at).total_seconds() // 60)
    await store.delete_reminder(ctx.session, r.id)
    ctx.reminders_changed()
    if minutes < 1:
        return Reply(ctx.t("focus.stopped_early", what=what), replace=True)
    logged = await log_time(ctx, minutes, r.text)
    ctx.outcome = "focus:stop"
    key = "focus.stopped" if logged.refused != "day_full" else "focus.day_full"
    return Reply(ctx.t(key, minutes=minutes, what=what), replace=True)


async def _start_break(ctx: Context, r: Reminder) -> Reply:
    end = ctx.now() + timedelta(minutes=BREAK)
    await add_own_reminder(ctx, "break", Rule(kind="once", time=None, at_utc=end), end, r.text)
    return Reply(ctx.t("focus.break_started", minutes=BREAK, end=_at(ctx, end)), replace=True)


# ---- the end, written by the reminder service ---------------------------------------------------------


async def compose(session: AsyncSession, content: Content, r: Reminder, d: Delivery, now: datetime) -> Reply:
    strings = Strings(content.strings, r.lang)
    what = _what(strings, r)
    if r.kind == "break":  # another round as long as the last one
        last = await store.latest_of(session, r.owner_id, "focus", before=r.created_at)
        minutes = _length(last) if last is not None else DEFAULT_MINUTES
        again = Button(
            strings.raw("button.focus_again", minutes=minutes), FocusPress("again", r.id, minutes).pack()
        )
        return Reply(strings.doc("focus.break_over", what=what), ((again,),))
    end = d.fire_at
    minutes = _length(r)
    logged = await log_minutes(
        session, r.owner_id, ZoneInfo(r.timezone), end, minutes, r.text[:MAX_NOTE], delivery_id=d.id
    )
    key = "focus.done_day_full" if logged.refused == "day_full" else "focus.done"
    buttons = (
        (
            Button(
                strings.raw("button.focus_break", minutes=BREAK), FocusPress("break", r.id, minutes).pack()
            ),
            Button(
                strings.raw("button.focus_again", minutes=minutes), FocusPress("again", r.id, minutes).pack()
            ),
        ),
    )
    return Reply(strings.doc(key, minutes=minutes, what=what), buttons)
