"""/remind, /reminders, /unremind, /pause, /resume, and the buttons on a reminder message.

Times are in the learner's zone (or, for a channel reminder, the group's). The reminder is stored with
its rule, its IANA zone and its first fire time in UTC; the reminder service (bot/reminders.py) does
the rest. A learner who has not chosen a zone is asked to first, so no reminder fires at a surprise hour.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from db import queries
from db import reminders as store
from db.models import Delivery, Reminder
from handlers.content import Content
from handlers.context import Context
from handlers.i18n import Strings
from handlers.markup import Bold, Bullets, Para, Text
from handlers.router import Router
from handlers.schedule import Rule, ScheduleError, parse, upcoming
from handlers.types import Button, Reply

router = Router("reminders")

MAX_PER_LEARNER = 25
MAX_TEXT = 300
DONE_MINUTES = 30  # the study session a "done" press logs
ZONE_HINTS = {"zh": "Asia/Shanghai", "en_in": "Asia/Kolkata", "hi": "Asia/Kolkata"}


def when(t: datetime, zone: ZoneInfo) -> str:
    """'2026-12-01 09:00 CET', or with the UTC offset where the zone has no abbreviation."""
    local = t.astimezone(zone)
    abbr = local.strftime("%Z")
    if not abbr or abbr[0] in "+-":
        offset = local.strftime("%z")
        abbr = f"UTC{offset[:3]}:{offset[3:]}" if offset not in ("+0000", "") else "UTC"
    return f"{local:%Y-%m-%d %H:%M} {abbr}"


def _zone_hint(locale: str | None) -> str:
    key = (locale or "").lower().replace("-", "_")
    return ZONE_HINTS.get(key) or ZONE_HINTS.get(key.split("_")[0]) or "Asia/Kolkata"


async def _zone_for(ctx: Context) -> tuple[str | None, Reply | None]:
    """The zone new reminders here use, or the reply asking for one."""
    chat = ctx.event.chat
    if not chat.is_direct:
        state = await store.chat_state(ctx.session, chat.platform, chat.chat_id)
        if state is None or state.timezone is None:
            return None, ctx.reply("remind.group_needs_zone")
        return state.timezone, None
    if not ctx.user.timezone_set:
        return None, ctx.reply("remind.needs_zone", example=_zone_hint(ctx.event.user.locale))
    return ctx.user.timezone, None


def _can_manage(ctx: Context, r: Reminder) -> bool:
    chat = ctx.event.chat
    if r.platform != chat.platform or r.chat_id != chat.chat_id:
        return False
    if r.is_group:
        return chat.sender_is_admin or ctx.is_bot_admin
    return r.owner_id == ctx.user.id


def _describe(ctx: Context, r: Reminder, now: datetime) -> tuple:
    zone = ZoneInfo(r.timezone)
    rule = Rule.from_json(r.rule)
    nxt = upcoming(rule, zone, now - timedelta(microseconds=1), 3, r.fired) if r.next_fire_at else []
    nxt = [t for t in nxt if r.next_fire_at is None or t >= r.next_fire_at][:3]
    line: list = [Bold((Text(f"#{r.id}"),)), Text(f" {rule.describe(ctx.lang, zone)} — {r.text}")]
    if r.paused:
        return (*line, Text(f" ({ctx.label('remind.paused_tag')})"))
    times = ", ".join(when(t, zone) for t in nxt) if nxt else ctx.label("remind.none_next")
    return (*line, Text("\n" + ctx.label("remind.next", times=times)))


@router.command("remind")
async def remind(ctx: Context) -> Reply:
    args = ctx.event.what.args
    chat = ctx.event.chat
    if not args:
        return ctx.reply("remind.usage")
    if not chat.is_direct and not (chat.sender_is_admin or ctx.is_bot_admin):
        return ctx.reply("remind.group_admins_only")
    tz, ask = await _zone_for(ctx)
    if ask is not None:
        return ask
    await queries.lock_user(ctx.session, ctx.user.id)  # count, then add: one at a time per learner
    if await store.count_owned(ctx.session, ctx.user.id) >= MAX_PER_LEARNER:
        return ctx.reply("remind.too_many", max=MAX_PER_LEARNER)
    zone = ZoneInfo(tz)
    now = ctx.now()
    try:
        rule, text = parse(args, now, zone)
    except ScheduleError as exc:
        return Reply(ctx.t(f"remind.error.{exc.code}", **exc.params) + ctx.t("remind.examples"))
    text = " ".join(text.split())[:MAX_TEXT] or ctx.label("remind.default_text")
    first = upcoming(rule, zone, now, 1)
    if not first:
        return Reply(ctx.t("remind.error.over") + ctx.t("remind.examples"))
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
    return Reply(ctx.t("remind.saved") + (Para(_describe(ctx, r, now)),))


@router.command("reminders")
async def list_reminders(ctx: Context) -> Reply:
    chat = ctx.event.chat
    rows = await store.reminders_in(ctx.session, chat.platform, chat.chat_id)
    mine = [r for r in rows if r.is_group or r.owner_id == ctx.user.id]
    live = [r for r in mine if r.next_fire_at is not None or r.paused]
    if not live:
        return ctx.reply("remind.none")
    now = ctx.now()
    return Reply(ctx.t("remind.list_title") + (Bullets(tuple(_describe(ctx, r, now) for r in live)),))


async def _one(ctx: Context, command: str) -> tuple[Reminder | None, Reply | None]:
    ref = ctx.event.what.args.strip().lstrip("#")
    if not ref.isdigit():
        return None, ctx.reply("remind.which", command=command)
    r = await store.get_reminder(ctx.session, int(ref))
    if r is None or not _can_manage(ctx, r):
        return None, ctx.reply("remind.not_found", id=ref[:12])
    return r, None


@router.command("unremind")
async def unremind(ctx: Context) -> Reply:
    r, err = await _one(ctx, "unremind")
    if err:
        return err
    await store.delete_reminder(ctx.session, r.id)
    ctx.reminders_changed()
    return ctx.reply("remind.deleted", id=r.id)


async def _set_paused(ctx: Context, paused: bool, command: str) -> Reply:
    chat = ctx.event.chat
    if ctx.event.what.args.strip():
        r, err = await _one(ctx, command)
        if err:
            return err
        targets = [r]
    else:
        rows = await store.reminders_in(ctx.session, chat.platform, chat.chat_id)
        targets = [r for r in rows if _can_manage(ctx, r) and (r.next_fire_at is not None or r.paused)]
        if not targets:
            return ctx.reply("remind.none")
    now = ctx.now()
    for r in targets:
        r.paused = paused
        if not paused:  # pick up from now: what fell in the pause is not sent late
            nxt = upcoming(Rule.from_json(r.rule), ZoneInfo(r.timezone), now, 1, r.fired)
            r.next_fire_at = nxt[0] if nxt else None
    if not paused:
        await store.unblock_chat(ctx.session, chat.platform, chat.chat_id)
    ctx.reminders_changed()
    ids = ", ".join(f"#{r.id}" for r in targets)
    return ctx.reply("remind.paused" if paused else "remind.resumed", ids=ids)


@router.command("pause")
async def pause(ctx: Context) -> Reply:
    return await _set_paused(ctx, True, "pause")


@router.command("resume")
async def resume(ctx: Context) -> Reply:
    return await _set_paused(ctx, False, "resume")


# The message a reminder sends, and its buttons


def reminder_reply(content: Content, r: Reminder, d: Delivery) -> Reply:
    strings = Strings(content.strings, r.lang)
    body = strings.doc("remind.message", text=r.text)
    if d.delayed:
        body += strings.doc("remind.delayed", at=when(d.fire_at, ZoneInfo(r.timezone)))
    if d.missed_before:
        body += strings.doc("remind.missed", count=d.missed_before)
    buttons = (
        (
            Button(strings.raw("button.remind_done"), f"rem:done:{d.id}"),
            Button(strings.raw("button.snooze", minutes=15), f"rem:snooze:{d.id}:15"),
            Button(strings.raw("button.snooze_hour"), f"rem:snooze:{d.id}:60"),
            Button(strings.raw("button.skip_today"), f"rem:skip:{d.id}"),
        ),
    )
    return Reply(body, buttons)


@router.press("rem:")
async def pressed(ctx: Context) -> Reply:
    """Done / snooze / skip. In a direct chat the reminder message itself shows the outcome (and loses
    its buttons, so it can't be pressed twice); in a group the buttons stay for the other members."""
    reply, r = await _pressed(ctx)
    if r is None or not ctx.event.chat.is_direct:
        return reply
    return Reply(ctx.t("remind.message", text=r.text) + reply.body, replace=True)


async def _pressed(ctx: Context) -> tuple[Reply, Reminder | None]:
    parts = ctx.event.what.payload.split(":")
    action = parts[1] if len(parts) > 1 else ""
    d = (
        await store.get_delivery(ctx.session, int(parts[2]))
        if len(parts) > 2 and parts[2].isdigit()
        else None
    )
    r = await store.get_reminder(ctx.session, d.reminder_id) if d else None
    if d is None or r is None or action not in ("done", "snooze", "skip"):
        return ctx.reply("error.stale_button"), None
    now = ctx.now()
    if action == "done":  # whoever presses it studied: log it for them
        zone = ctx.zone()
        await queries.add_study_log(
            ctx.session, ctx.user.id, DONE_MINUTES, r.text[:200], now, now.astimezone(zone).date()
        )
        return ctx.reply("remind.done_logged", minutes=DONE_MINUTES), r
    if not _can_manage(ctx, r):
        return ctx.reply("remind.not_yours"), None
    if action == "snooze":
        minutes = int(parts[3]) if len(parts) > 3 and parts[3] in ("15", "60") else 15
        seq = await store.next_seq(ctx.session, r.id, d.fire_at)
        await store.write_deliveries(
            ctx.session,
            [
                {
                    "reminder_id": r.id,
                    "fire_at": d.fire_at,
                    "seq": seq,
                    "due_at": now + timedelta(minutes=minutes),
                    "status": store.PENDING,
                    "attempts": 0,
                    "error": "",
                    "delayed": False,
                    "missed_before": 0,
                }
            ],
        )
        ctx.reminders_changed()
        at = when(now + timedelta(minutes=minutes), _zone_of(r))
        return ctx.reply("remind.snoozed", minutes=minutes, at=at), r
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
