"""/remind, /reminders, /unremind, /pause, /resume, and the buttons on a reminder message.

Times are in the learner's zone (or, for a channel reminder, the group's). The reminder is stored with
its rule, its IANA zone and its first fire time in UTC; the reminder service (bot/reminders.py) does
the rest. A learner who has not chosen a zone is asked to first, so no reminder fires at a surprise hour;
a delay ("in 30m") is an instant and needs no zone (until one is chosen, its times show in UTC).

Language: a reminder's message (its text, buttons and notes) is written in `Reminder.lang`. A private
reminder speaks its owner's current language: set from the /remind, and kept in step with /lang
(db.reminders.set_private_lang). A group reminder keeps the language of the /remind that set it: its
readers are the whole group, and one admin switching their own /lang should not change what everyone
sees. A reminder set without text stores "" and shows the default ("Time to study!") in the reader's
language: the message in its `lang`, /reminders in the language of whoever lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from db import reminders as store
from db.models import Delivery, Reminder
from db.users import lock_user
from handlers.content import Content
from handlers.core.context import Context
from handlers.core.i18n import Strings
from handlers.core.markup import Bold, Bullets, Doc, Para, Text
from handlers.core.payloads import Owner, Payload
from handlers.core.router import Router
from handlers.core.types import Button, Option, Reply
from handlers.core.zones import locale_zone
from handlers.schedule import Rule, ScheduleError, is_relative, parse, upcoming
from handlers.study_time import MAX_NOTE, log_time

router = Router("reminders")

MAX_PER_LEARNER = 25
MAX_TEXT = 300
DONE_MINUTES = 30  # the study session a "done" press logs
EXAMPLE_ZONE = "Asia/Kolkata"  # in "tell me your zone, e.g. ...", when the locale suggests none
# Reminders set without text used to store the default in the language of the day. These exact texts
# count as "no text", so they follow the reader's language like the ones stored since.
LEGACY_DEFAULT_TEXTS = frozenset({"Time to study!", "该学习啦！"})


def when(t: datetime, zone: ZoneInfo) -> str:
    """'2026-12-01 09:00 CET', or with the UTC offset where the zone has no abbreviation."""
    local = t.astimezone(zone)
    abbr = local.strftime("%Z")
    if not abbr or abbr[0] in "+-":
        offset = local.strftime("%z")
        abbr = f"UTC{offset[:3]}:{offset[3:]}" if offset not in ("+0000", "") else "UTC"
    return f"{local:%Y-%m-%d %H:%M} {abbr}"


def _zone_example(ctx: Context) -> str:
    return locale_zone(ctx.event.user.locale or ctx.lang) or EXAMPLE_ZONE


async def _zone_for(ctx: Context) -> tuple[str | None, Reply | None]:
    """The zone new reminders here use, or the reply asking for one."""
    chat = ctx.event.chat
    if not chat.is_direct:
        state = await store.chat_state(ctx.session, chat.platform, chat.chat_id)
        if state is None or state.timezone is None:
            return None, ctx.reply("remind.group_needs_zone")
        return state.timezone, None
    if not ctx.user.timezone_set:
        return None, ctx.reply("remind.needs_zone", example=_zone_example(ctx))
    return ctx.user.timezone, None


def _examples(ctx: Context, key: str, zone: ZoneInfo) -> Doc:
    """Usage and examples whose dates are still ahead: the 1st of next month, the end of the month after."""
    today = ctx.now().astimezone(zone).date()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    until = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return ctx.t(key, date=first.isoformat(), until=until.isoformat())


def _can_manage(ctx: Context, r: Reminder) -> bool:
    chat = ctx.event.chat
    if r.platform != chat.platform or r.chat_id != chat.chat_id:
        return False
    if r.is_group:
        return ctx.can_manage_chat
    return r.owner_id == ctx.user.id


def _live(rows: list[Reminder], snoozes: dict[int, list[datetime]]) -> list[Reminder]:
    """Reminders that still have something to send: a next time, a pause to come back from, a snooze."""
    return [r for r in rows if r.next_fire_at is not None or r.paused or r.id in snoozes]


def _describe(ctx: Context, r: Reminder, now: datetime, snoozed: list[datetime] | None = None) -> tuple:
    zone = ZoneInfo(r.timezone)
    rule = Rule.from_json(r.rule)
    nxt = upcoming(rule, zone, now - timedelta(microseconds=1), 3, r.fired) if r.next_fire_at else []
    nxt = [t for t in nxt if r.next_fire_at is None or t >= r.next_fire_at][:3]
    text = reminder_text(ctx.strings, r)
    line: list = [Bold((Text(f"#{r.id}"),)), Text(f" {rule.describe(ctx.lang, zone)} — {text}")]
    if r.paused:
        line.append(Text(f" ({ctx.label('remind.paused_tag')})"))
    elif nxt or not snoozed:
        times = ", ".join(when(t, zone) for t in nxt) if nxt else ctx.label("remind.none_next")
        line.append(Text("\n" + ctx.label("remind.next", times=times)))
    if snoozed:
        times = ", ".join(when(t, zone) for t in snoozed[:3])
        line.append(Text("\n" + ctx.label("remind.snoozed_until", times=times)))
    return tuple(line)


WHEN = Option("when", "option.when", required=True)


@router.command("remind", options=(WHEN, Option("text", "option.text")), manage=True, phrase=True)
async def remind(ctx: Context) -> Reply:
    args = ctx.line
    chat = ctx.event.chat
    if not args:
        return Reply(_examples(ctx, "remind.usage", ctx.zone()))
    if not ctx.can_manage_chat:
        return ctx.reply("remind.group_admins_only")
    tz, ask = await _zone_for(ctx)
    if ask is not None:
        if not is_relative(args):
            return ask
        tz = "UTC"  # a delay is an instant: any zone gives the same time, UTC shows it plainly
    await lock_user(ctx.session, ctx.user.id)  # count, then add: one at a time per learner
    if await store.count_owned(ctx.session, ctx.user.id) >= MAX_PER_LEARNER:
        return ctx.reply("remind.too_many", max=MAX_PER_LEARNER)
    zone = ZoneInfo(tz)
    now = ctx.now()
    try:
        rule, text = parse(args, now, zone)
    except ScheduleError as exc:
        error = ctx.t(f"remind.error.{exc.code}", **exc.params)
        return Reply(error + _examples(ctx, "remind.examples", zone))
    text = " ".join(text.split())[:MAX_TEXT]  # "": no text, the default is shown in the reader's language
    first = upcoming(rule, zone, now, 1)
    if not first:
        return Reply(ctx.t("remind.error.over") + _examples(ctx, "remind.examples", zone))
    r = await store.add_reminder(
        ctx.session,
        owner_id=ctx.user.id,
        platform=chat.platform,
        chat_id=chat.chat_id,
        is_group=not chat.is_direct,
        text=text,
        lang=ctx.lang,
        rule=rule.to_json(),
        timezone=tz,
        next_fire_at=first[0],
        created_at=now,
    )
    ctx.reminders_changed()
    body = ctx.t("remind.saved") + (Para(_describe(ctx, r, now)),)
    if ask is not None:
        body += ctx.t("remind.times_in_utc", example=_zone_example(ctx))
    return Reply(body)


@router.command("reminders", personal=True)
async def list_reminders(ctx: Context) -> Reply:
    chat = ctx.event.chat
    rows = await store.reminders_in(ctx.session, chat.platform, chat.chat_id)
    mine = [r for r in rows if r.is_group or r.owner_id == ctx.user.id]
    snoozes = await store.pending_snoozes(ctx.session, [r.id for r in mine])
    live = _live(mine, snoozes)
    if not live:
        return ctx.reply("remind.none")
    now = ctx.now()
    items = tuple(_describe(ctx, r, now, snoozes.get(r.id)) for r in live)
    return Reply(ctx.t("remind.list_title") + (Bullets(items),))


async def _one(ctx: Context, command: str) -> tuple[Reminder | None, Reply | None]:
    ref = ctx.options["id"]
    if ref is None:
        digits = ctx.line.removeprefix("#")
        if digits.isdecimal():  # too large to be an id: no such reminder
            return None, ctx.reply("remind.not_found", id=digits[:12])
        return None, ctx.reply("remind.which", command=command)
    r = await store.get_reminder(ctx.session, ref)
    if r is None or not _can_manage(ctx, r):
        return None, ctx.reply("remind.not_found", id=ref)
    return r, None


REMINDER = Option("id", "option.id", kind=int, required=True, min=1)


@router.command("unremind", options=(REMINDER,), personal=True, manage=True)
async def unremind(ctx: Context) -> Reply:
    r, err = await _one(ctx, "unremind")
    if err:
        return err
    await store.delete_reminder(ctx.session, r.id)  # its pending snoozes go with it
    ctx.reminders_changed()
    return ctx.reply("remind.deleted", id=r.id)


async def _set_paused(ctx: Context, paused: bool, command: str) -> Reply:
    """Pause or resume one reminder, or all of them here; only those that change are acted on and named."""
    chat = ctx.event.chat
    if ctx.line:
        r, err = await _one(ctx, command)
        if err:
            return err
        if r.paused == paused:
            return ctx.reply("remind.already_paused" if paused else "remind.not_paused", id=r.id)
        targets = [r]
    else:
        here = await store.reminders_in(ctx.session, chat.platform, chat.chat_id)
        rows = [r for r in here if _can_manage(ctx, r)]
        live = _live(rows, await store.pending_snoozes(ctx.session, [r.id for r in rows]))
        if not live:
            return ctx.reply("remind.none")
        targets = [r for r in live if r.paused != paused]
        if not targets:
            return ctx.reply("remind.all_paused" if paused else "remind.none_paused")
    now = ctx.now()
    for r in targets:
        r.paused = paused
        if not paused:  # pick up from now: what fell in the pause is not sent late
            nxt = upcoming(Rule.from_json(r.rule), ZoneInfo(r.timezone), now, 1, r.fired)
            r.next_fire_at = nxt[0] if nxt else None
    if not paused:
        await store.drop_passed(ctx.session, [r.id for r in targets], now)  # snoozes due while paused
        await store.unblock_chat(ctx.session, chat.platform, chat.chat_id)
    ctx.reminders_changed()
    ids = ", ".join(f"#{r.id}" for r in targets)
    return ctx.reply("remind.paused" if paused else "remind.resumed", ids=ids, count=len(targets))


ONE_OR_ALL = Option("id", "option.id_or_all", kind=int, min=1)


@router.command("pause", options=(ONE_OR_ALL,), personal=True, manage=True)
async def pause(ctx: Context) -> Reply:
    return await _set_paused(ctx, True, "pause")


@router.command("resume", options=(ONE_OR_ALL,), personal=True, manage=True)
async def resume(ctx: Context) -> Reply:
    return await _set_paused(ctx, False, "resume")


# The message a reminder sends, and its buttons


def reminder_text(strings: Strings, r: Reminder) -> str:
    """What the reminder says: the learner's words, or the default in the language of `strings`; a
    review nudge or a quiz of the day (handlers/practice/daily.py) says what it is."""
    if r.kind != "text":
        return strings.raw(f"remind.kind.{r.kind}")
    return r.text if r.text and r.text not in LEGACY_DEFAULT_TEXTS else strings.raw("remind.default_text")


def reminder_message(strings: Strings, r: Reminder) -> Doc:
    """'⏰ revise notes': the first line of a reminder message, in the language of `strings`."""
    return strings.doc("remind.message", text=reminder_text(strings, r))


def reminder_reply(content: Content, r: Reminder, d: Delivery) -> Reply:
    strings = Strings(content.strings, r.lang)
    body = reminder_message(strings, r)
    if d.delayed:
        body += strings.doc("remind.delayed", at=when(d.fire_at, ZoneInfo(r.timezone)))
    if d.missed_before:
        body += strings.doc("remind.missed", count=d.missed_before)
    buttons = (
        (
            Button(strings.raw("button.remind_done"), RemPress("done", d.id).pack()),
            Button(strings.raw("button.snooze", minutes=15), RemPress("snooze", d.id, 15).pack()),
            Button(strings.raw("button.snooze_hour"), RemPress("snooze", d.id, 60).pack()),
            Button(strings.raw("button.skip_today"), RemPress("skip", d.id).pack()),
        ),
    )
    return Reply(body, buttons)


@dataclass(frozen=True)
class RemPress(Payload, prefix="rem"):
    """The buttons on a reminder message. They name one delivery: a private reminder's belongs to its
    owner in the chat it was sent to, a group reminder's to that group (any member may press Done; the
    group's admins may snooze or skip it)."""

    action: Literal["done", "snooze", "skip"]
    delivery: int
    minutes: Literal[15, 60] = 15

    async def owner(self, ctx: Context) -> Owner | None:
        d = await store.get_delivery(ctx.session, self.delivery)
        r = await store.get_reminder(ctx.session, d.reminder_id) if d is not None else None
        if r is None:
            return None
        chat = (r.platform, r.chat_id)
        owner_id = None if r.is_group else r.owner_id
        return Owner(user_id=owner_id, chat=chat, obj=(r, d))


@router.press(RemPress)
async def pressed(ctx: Context) -> Reply:
    """Done / snooze / skip. In a direct chat the reminder message itself shows the outcome (and loses
    its buttons, so it can't be pressed twice); in a group the buttons stay for the other members."""
    reply, r = await _pressed(ctx, ctx.payload, *ctx.target)
    if r is None or not ctx.event.chat.is_direct:
        return reply
    return Reply(reminder_message(ctx.strings, r) + reply.body, replace=True)


async def _pressed(ctx: Context, p: RemPress, r: Reminder, d: Delivery) -> tuple[Reply, Reminder | None]:
    now = ctx.now()
    if p.action == "done":  # whoever presses it studied: log it for them, once per message
        note = reminder_text(ctx.strings, r)[:MAX_NOTE]
        logged = await log_time(ctx, DONE_MINUTES, note, delivery_id=d.id)
        if logged.refused == "already":
            return ctx.reply("remind.already_logged"), r
        if logged.refused:
            return ctx.reply("log.day_full", already=logged.day_total), None
        return ctx.reply("remind.done_logged", minutes=DONE_MINUTES), r
    if not _can_manage(ctx, r):
        return ctx.reply("remind.not_yours"), None
    if p.action == "snooze":
        seq = await store.next_seq(ctx.session, r.id, d.fire_at)
        await store.write_deliveries(
            ctx.session,
            [
                {
                    "reminder_id": r.id,
                    "fire_at": d.fire_at,
                    "seq": seq,
                    "due_at": now + timedelta(minutes=p.minutes),
                    "status": store.PENDING,
                    "attempts": 0,
                    "error": "",
                    "delayed": False,
                    "missed_before": 0,
                }
            ],
        )
        ctx.reminders_changed()
        at = when(now + timedelta(minutes=p.minutes), _zone_of(r))
        return ctx.reply("remind.snoozed", minutes=p.minutes, at=at), r
    # skip today: the rest of today's occurrences are dropped; the rule carries on tomorrow
    zone = _zone_of(r)
    end_of_day = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(0), tzinfo=zone)
    if r.next_fire_at is not None and r.next_fire_at < end_of_day:
        nxt = upcoming(Rule.from_json(r.rule), zone, end_of_day - timedelta(microseconds=1), 1, r.fired)
        r.next_fire_at = nxt[0] if nxt else None
    ctx.reminders_changed()
    return ctx.reply("remind.skipped"), r


def _zone_of(r: Reminder) -> ZoneInfo:
    return ZoneInfo(r.timezone)
