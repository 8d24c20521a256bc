"""/challenge: a group's N-day challenge with daily check-ins, for the members who join it.

An admin starts one: `/challenge new 30 30 days of ML math` (from today) or `/challenge new 30 2026-12-07
30 days of ML math` (from that day): 1 to 366 days, a title of 1 to 80 characters, at most three running
or still to start per group; days follow the group's zone when it starts, so it needs one (`/timezone`;
a later change moves neither its days nor its summary). Members
`/challenge join` and `/challenge leave` (with several challenges, by the number the board shows:
`/challenge join 2`). A member is checked in for a day when they log study time that day (any /log or
finished focus session since they joined: derived from study_logs, nothing copied) or send
`/challenge checkin`. `/challenge` shows the board: days checked in of the days so far, the current run,
who completed it (checked in on every day). The day after the last day, at 09:00 group time, a one-shot
reminder of kind "challenge" posts the summary (who completed it, how many joined, the days checked in);
`/challenge end <n>` ends one early with its summary at once (one not started yet is cancelled), and
`/challenge cancel <n>` drops one without a summary. Names are display names, escaped by each platform's
renderer and never a mention."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from sqlalchemy.ext.asyncio import AsyncSession

from db import challenges as store
from db import reminders as reminder_store
from db.models import Challenge, Delivery, Reminder
from handlers.content import Content
from handlers.core.context import Context
from handlers.core.i18n import Strings
from handlers.core.markup import Bold, Doc, Para, Text
from handlers.core.numbers import parse_int
from handlers.core.router import Router
from handlers.core.types import Option, Reply
from handlers.schedule import Rule, next_fire
from handlers.study_time import day_start, streak

router = Router("challenges")

SHOWN = 20  # members on a board, names in a summary
MAX_ACTIVE = 3  # running or still to start, per group
MAX_DAYS = 366
MAX_TITLE = 80
MAX_AHEAD = 366  # days: how far ahead a challenge may start
ECHO = 40  # characters of a user's input echoed in an error
SUMMARY_AT = time(9, 0)  # the day after the last day, group time
ACTIONS = (
    ("new", "new"),
    ("join", "join"),
    ("leave", "leave"),
    ("checkin", "checkin"),
    ("end", "end"),
    ("cancel", "cancel"),
)
WORDS = {
    "新建": "new",
    "加入": "join",
    "退出": "leave",
    "打卡": "checkin",
    "签到": "checkin",
    "check-in": "checkin",
    "结束": "end",
    "取消": "cancel",
}
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


# Days, runs and offsets


def offsets(zone: ZoneInfo, start: datetime, end: datetime) -> store.Offsets:
    """The zone's UTC offsets over [start, end): one span per offset, each change found to the second
    (zones change offset at most a few times a year, never twice in 12 hours)."""

    def offset(at: datetime) -> int:
        return int(at.astimezone(zone).utcoffset().total_seconds())

    spans: list[tuple[datetime | None, int]] = []
    point, current = start, offset(start)
    while point < end:
        step = min(point + timedelta(hours=12), end)
        if offset(step) != current:
            lo, hi = point, step  # offset(lo) == current != offset(hi)
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if offset(mid) == current else (lo, mid)
            spans.append((hi.replace(microsecond=0), current))
            current = offset(hi)
        point = step
    spans.append((None, current))
    return store.Offsets(tuple(spans))


@dataclass(frozen=True)
class Standing:
    name: str
    checked: int  # days checked in
    run: int  # consecutive days up to today (or yesterday: today is not over) or the last day
    completed: bool  # every day of the challenge


def _dates(c: Challenge, today: date) -> tuple[int, int]:
    """(the challenge's days, its days so far by `today`)."""
    total = (c.ends_on - c.starts_on).days + 1
    so_far = max(0, min((today - c.starts_on).days + 1, total))
    return total, so_far


async def standings(session: AsyncSession, c: Challenge, zone: ZoneInfo, now: datetime) -> list[Standing]:
    """Every member, most days checked in first (then the longer run, then the earlier to join)."""
    today = now.astimezone(zone).date()
    total, _ = _dates(c, today)
    start, end = day_start(c.starts_on, zone), day_start(c.ends_on + timedelta(days=1), zone)
    found = await store.members(session, c, start, end, offsets(zone, start, end))
    out = []
    for m in found:
        days = sorted(m.days, reverse=True)
        run = streak(days, min(today, c.ends_on))
        out.append(
            (-len(days), -run, m.joined_at, m.user_id, Standing(m.name, len(days), run, len(days) == total))
        )
    return [s for *_, s in sorted(out, key=lambda row: row[:4])]


# The board and the summary


def _day(strings: Strings, day: date) -> str:
    return format_skeleton("MMMd", day, locale=strings.lang)


def _name(name: str) -> Bold:
    return Bold((Text(name or "?"),))


def _names(strings: Strings, names: list[str]) -> str:
    """The first SHOWN names, comma-separated: a placeholder's value, so plain text (never markup, never
    a mention)."""
    shown = strings.raw("challenge.comma").join(name or "?" for name in names[:SHOWN])
    if len(names) > SHOWN:
        shown += strings.raw("challenge.and_more", rest=len(names) - SHOWN)
    return shown


def _head(strings: Strings, c: Challenge, today: date) -> Doc:
    total, so_far = _dates(c, today)
    span = {
        "number": c.number,
        "title": c.title,
        "start": _day(strings, c.starts_on),
        "end": _day(strings, c.ends_on),
    }
    if today < c.starts_on:
        return strings.doc("challenge.head_soon", days=total, **span)
    return strings.doc("challenge.head", day=so_far, days=total, **span)


async def board(session: AsyncSession, strings: Strings, c: Challenge, zone: ZoneInfo, now: datetime) -> Doc:
    today = now.astimezone(zone).date()
    body = _head(strings, c, today)
    rows = await standings(session, c, zone, now)
    if not rows:
        return body + strings.doc("challenge.nobody_yet", number=c.number)
    _, so_far = _dates(c, today)
    lines = []
    for place, row in enumerate(rows[:SHOWN], start=1):
        key = "challenge.line_done" if row.completed else "challenge.line"
        line = strings.raw(key, checked=row.checked, so_far=so_far, run=row.run)
        lines.append(Para((Text(f"{place}. "), _name(row.name), Text(f" — {line}"))))
    more = strings.doc("challenge.more", rest=len(rows) - SHOWN) if len(rows) > SHOWN else ()
    return body + tuple(lines) + more + strings.doc("challenge.foot", members=len(rows), number=c.number)


async def summary(
    session: AsyncSession, strings: Strings, c: Challenge, zone: ZoneInfo, now: datetime
) -> Doc:
    """Who completed it, how many joined, the days checked in altogether."""
    total, _ = _dates(c, c.ends_on)
    values = {"number": c.number, "title": c.title, "start": _day(strings, c.starts_on)}
    head = "challenge.summary_early" if c.ended_at is not None else "challenge.summary_head"
    body = strings.doc(head, end=_day(strings, c.ends_on), days=total, **values)
    rows = await standings(session, c, zone, now)
    if not rows:
        return body + strings.doc("challenge.summary_nobody")
    done = [r.name for r in rows if r.completed]
    if done:
        body += strings.doc("challenge.summary_done", count=len(done), names=_names(strings, done))
    else:
        body += strings.doc("challenge.summary_none_done")
    return body + strings.doc(
        "challenge.summary_counts", members=len(rows), checkins=sum(r.checked for r in rows)
    )


# The command


@router.command(
    "challenge",
    options=(
        Option("action", "option.challenge", choices=ACTIONS),
        Option("details", "option.challenge_details"),
    ),
    phrase=True,
)
async def challenge(ctx: Context) -> Reply:
    chat = ctx.event.chat
    if chat.is_direct:
        return ctx.reply("challenge.groups_only")
    head, rest = (ctx.line.split(maxsplit=1) + ["", ""])[:2]
    action = WORDS.get(head.lower(), head.lower())
    rest = rest.strip()
    zone, zone_set = await ctx.group_zone()
    now = ctx.now()
    today = now.astimezone(zone).date()
    # each challenge's days follow the zone it was started in (its summary is set for 09:00 there): a
    # later /timezone moves neither its days nor its summary, so the summary never comes before its
    # last day is over, nor while it still shows here (where `/challenge end` would post a second one)
    if action == "new" and zone_set:  # two admins at once: each sees the other's, and its number
        await store.lock_chat(ctx.session, chat.platform, chat.chat_id)
    found = await store.of_chat(ctx.session, chat.platform, chat.chat_id, today - timedelta(days=2))
    zones = {c.id: ZoneInfo(tz) if tz else zone for c, tz in found}
    days = {c.id: now.astimezone(zones[c.id]).date() for c, _ in found}
    active = [c for c, _ in found if c.ends_on >= days[c.id]]
    if not action:
        return await _boards(ctx, active, zones)
    if action == "new":
        return await _new(ctx, rest, active, zone, zone_set, today)
    if action == "join":
        return await _join(ctx, rest, active, days)
    if action == "leave":
        return await _leave(ctx, rest, active)
    if action == "checkin":
        return await _checkin(ctx, rest, active, zones, days)
    if action in ("end", "cancel"):
        return await _end(ctx, rest, active, zones, days, cancel=action == "cancel")
    return ctx.reply("challenge.usage")


async def _boards(ctx: Context, active: list[Challenge], zones: dict[int, ZoneInfo]) -> Reply:
    if not active:
        return ctx.reply("challenge.none")
    body: Doc = ()
    for c in active:
        body += await board(ctx.session, ctx.strings, c, zones[c.id], ctx.now())
    return Reply(body)


def _start_date(text: str) -> date | None:
    m = _DATE.match(text)
    try:
        return date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None


async def _new(
    ctx: Context, rest: str, active: list[Challenge], zone: ZoneInfo, zone_set: bool, today: date
) -> Reply:
    chat = ctx.event.chat
    if not ctx.can_manage_chat:
        return ctx.reply("challenge.admins")
    if not zone_set:
        return ctx.reply("challenge.needs_zone")
    first, rest = (rest.split(maxsplit=1) + ["", ""])[:2]
    if not first:
        return ctx.reply("challenge.new_usage")
    days = parse_int(first, lo=1, hi=MAX_DAYS, hash_ok=False)
    if days is None:
        return ctx.reply("challenge.bad_days", given=_clip(first))
    starts_on = today
    word, after = (rest.split(maxsplit=1) + ["", ""])[:2]
    if _DATE.match(word) or re.match(r"^\d{4}-", word):
        starts_on = _start_date(word)
        if starts_on is None:
            return ctx.reply("challenge.bad_date", given=_clip(word))
        if starts_on < today:
            return ctx.reply("challenge.past_date", today=today.isoformat())
        if starts_on > today + timedelta(days=MAX_AHEAD):
            return ctx.reply("challenge.far_date")
        rest = after
    title = " ".join(rest.split())
    if not title:
        return ctx.reply("challenge.no_title")
    if len(title) > MAX_TITLE:
        return ctx.reply("challenge.long_title", length=len(title), most=MAX_TITLE)
    if len(active) >= MAX_ACTIVE:
        return ctx.reply("challenge.too_many", most=MAX_ACTIVE, numbers=_numbers(active))
    ends_on = starts_on + timedelta(days=days - 1)
    rule = Rule("once", SUMMARY_AT, start=ends_on + timedelta(days=1))
    reminder = await reminder_store.add_reminder(
        ctx.session,
        owner_id=ctx.user.id,
        kind="challenge",
        platform=chat.platform,
        chat_id=chat.chat_id,
        is_group=True,
        text="",
        rule=rule.to_json(),
        timezone=str(zone),
        next_fire_at=next_fire(rule, zone, ctx.now()),
        lang=ctx.lang,
        created_at=ctx.now(),
    )
    c = await store.add(
        ctx.session,
        platform=chat.platform,
        chat_id=chat.chat_id,
        number=await store.next_number(ctx.session, chat.platform, chat.chat_id),
        title=title,
        days=days,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=ctx.user.id,
        reminder_id=reminder.id,
        created_at=ctx.now(),
    )
    ctx.reminders_changed()
    return ctx.reply(
        "challenge.created",
        number=c.number,
        title=title,
        days=days,
        start=_day(ctx.strings, starts_on),
        end=_day(ctx.strings, ends_on),
        summary=_day(ctx.strings, ends_on + timedelta(days=1)),
        zone=str(zone),
    )


def _clip(given: str) -> str:
    """What the user typed, as echoed in an error: at most ECHO characters."""
    return given if len(given) <= ECHO else given[: ECHO - 1] + "…"


def _numbers(found: list[Challenge]) -> str:
    return ", ".join(f"#{c.number}" for c in found)


def _pick(ctx: Context, action: str, given: str, found: list[Challenge], none: str) -> Challenge | Reply:
    """The challenge `given` names among `found` (by its number), or the only one when none is given."""
    if given:
        number = parse_int(given.split()[0])
        match = next((c for c in found if c.number == number), None)
        if match is not None:
            return match
        if not found:
            return ctx.reply(none)
        return ctx.reply("challenge.no_such", given=_clip(given), numbers=_numbers(found))
    if not found:
        return ctx.reply(none)
    if len(found) > 1:
        example = f"/challenge {action} {found[0].number}"
        return ctx.reply("challenge.which", numbers=_numbers(found), example=example)
    return found[0]


async def _join(ctx: Context, given: str, active: list[Challenge], days: dict[int, date]) -> Reply:
    c = _pick(ctx, "join", given, active, "challenge.none")
    if isinstance(c, Reply):
        return c
    today = days[c.id]
    values = {"number": c.number, "title": c.title}
    if not await store.join(ctx.session, c.id, ctx.user.id, ctx.now()):
        return ctx.reply("challenge.already_in", **values)
    if today < c.starts_on:
        return ctx.reply("challenge.joined_soon", start=_day(ctx.strings, c.starts_on), **values)
    _, so_far = _dates(c, today)
    if so_far > 1:
        return ctx.reply("challenge.joined_late", day=so_far, **values)
    return ctx.reply("challenge.joined", **values)


async def _leave(ctx: Context, given: str, active: list[Challenge]) -> Reply:
    mine = await store.joined(ctx.session, [c.id for c in active], ctx.user.id)
    c = _pick(
        ctx, "leave", given, active if given else [c for c in active if c.id in mine], "challenge.not_in"
    )
    if isinstance(c, Reply):
        return c
    if c.id not in mine:
        return ctx.reply("challenge.not_in")
    await store.leave(ctx.session, c.id, ctx.user.id)
    return ctx.reply("challenge.left", number=c.number, title=c.title)


async def _checkin(
    ctx: Context, given: str, active: list[Challenge], zones: dict[int, ZoneInfo], days: dict[int, date]
) -> Reply:
    mine = await store.joined(ctx.session, [c.id for c in active], ctx.user.id)
    joined = [c for c in active if c.id in mine]
    running = [c for c in joined if c.starts_on <= days[c.id]]
    if given:
        picked = _pick(ctx, "checkin", given, running, "challenge.join_first")
        if isinstance(picked, Reply):
            return picked
        running = [picked]
    elif not running:
        if joined:
            return ctx.reply(
                "challenge.not_started", start=_day(ctx.strings, min(c.starts_on for c in joined))
            )
        return ctx.reply("challenge.join_first")
    body: Doc = ()
    for c in running:
        zone, today = zones[c.id], days[c.id]
        end = day_start(today + timedelta(days=1), zone)
        total, so_far = _dates(c, today)
        values = {"number": c.number, "title": c.title, "day": so_far, "days": total}
        since = max(mine[c.id], day_start(today, zone))
        if await store.studied_between(ctx.session, ctx.user.id, since, end):
            body += ctx.t("challenge.already_logged", **values)
        elif await store.check_in(ctx.session, c.id, ctx.user.id, today):
            body += ctx.t("challenge.checked_in", **values)
        else:
            body += ctx.t("challenge.already_checked", **values)
    return Reply(body)


async def _end(
    ctx: Context,
    given: str,
    active: list[Challenge],
    zones: dict[int, ZoneInfo],
    days: dict[int, date],
    cancel: bool,
) -> Reply:
    if not ctx.can_manage_chat:
        return ctx.reply("challenge.admins_end")
    c = _pick(ctx, "cancel" if cancel else "end", given, active, "challenge.none")
    if isinstance(c, Reply):
        return c
    zone, today = zones[c.id], days[c.id]
    values = {"number": c.number, "title": c.title}
    if c.reminder_id is not None:  # the summary is posted here and now, or never: not again at the end
        await reminder_store.delete_reminder(ctx.session, c.reminder_id)
        c.reminder_id = None
    ctx.reminders_changed()
    if cancel or today < c.starts_on:
        await store.remove(ctx.session, c.id)
        return ctx.reply("challenge.cancelled", **values)
    c.ends_on, c.ended_at = today, ctx.now()
    await ctx.session.flush()
    return Reply(await summary(ctx.session, ctx.strings, c, zone, ctx.now()))


async def compose(
    session: AsyncSession, content: Content, r: Reminder, d: Delivery, now: datetime
) -> Reply | None:
    """The summary posted the day after a challenge's last day (a reminder of kind "challenge"), its days
    in the zone the challenge was started in (the reminder's); nothing when the challenge is gone
    (cancelled, or its admin's data was forgotten)."""
    c = await store.by_reminder(session, r.id)
    if c is None:
        return None
    zone = ZoneInfo(r.timezone)
    return Reply(await summary(session, Strings(content.strings, r.lang), c, zone, now.astimezone(UTC)))
