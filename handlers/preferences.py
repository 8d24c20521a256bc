"""/lang and /timezone: the learner's language and time zone.

A zone change carries the reminders that keep a local time with it: a learner's own repeating
reminders (their /remind ones, the review nudge, the weekly digest, the streak nudge) when they set
theirs, a group's channel reminders and posts when its admins set the group's. 19:00 stays 19:00 where
they now are. A one-off set for a date keeps its zone (and so its instant); one set for "in 2h" keeps
its instant, shown in the new zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from db import reminders
from db.models import Reminder
from db.users import set_user_lang, set_user_timezone
from handlers.core.context import Context
from handlers.core.markup import Bullets, Code, Doc, Text
from handlers.core.router import Router
from handlers.core.types import Option, Reply
from handlers.core.zones import ZoneMatch, lookup, zone_label
from handlers.schedule import Rule, next_fire

router = Router("preferences")

LANG_NAMES = {
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
    "zh": "zh",
    "cn": "zh",
    "chinese": "zh",
    "中文": "zh",
    "汉语": "zh",
    "zh-cn": "zh",
    "zh-hans": "zh",
}


LANGUAGE = Option(
    "language", "option.language", required=True, choices=(("en", "English"), ("zh", "简体中文"))
)


@router.command("lang", "language", options=(LANGUAGE,), personal=True)
async def lang(ctx: Context) -> Reply:
    arg = (ctx.options["language"] or "").lower()
    if not arg:
        return ctx.reply("lang.current", lang=ctx.lang)
    chosen = LANG_NAMES.get(arg)
    if chosen is None:
        return ctx.reply("lang.unknown", given=arg[:40])
    await set_user_lang(ctx.session, ctx.user.id, chosen)
    await reminders.set_private_lang(ctx.session, ctx.user.id, chosen)  # they speak as their owner does
    ctx.lang = chosen
    return ctx.reply("lang.set")


@router.command("timezone", "tz", options=(Option("zone", "option.zone", suggest="zones"),), manage=True)
async def timezone(ctx: Context) -> Reply:
    arg = ctx.options["zone"] or ""
    if not ctx.event.chat.is_direct:
        return await _group_timezone(ctx, arg)
    if not arg:
        local = ctx.now().astimezone(ctx.zone())
        return ctx.reply("tz.current", zone=ctx.user.timezone, time=local.strftime("%H:%M"))
    match = _lookup(ctx, arg)
    if match.zone is None:
        return _not_set(ctx, arg, match)
    await set_user_timezone(ctx.session, ctx.user.id, match.zone)
    own = await reminders.private_reminders(ctx.session, ctx.user.id)
    moved = follow_zone(own, match.zone, ctx.now())
    local = ctx.now().astimezone(ZoneInfo(match.zone))
    body = ctx.t("tz.set", zone=match.zone, time=local.strftime("%H:%M"))
    if moved:
        body += ctx.t("tz.reminders_follow", count=moved)
    return Reply(body + _also(ctx, match))


def follow_zone(owned: Sequence[Reminder], zone: str, now: datetime) -> int:
    """Move the repeating reminders (and relative one-offs) to `zone`, their next time recomputed there
    (one already due keeps it, to be sent and then advanced in the new zone). How many moved."""
    moved, tz = 0, ZoneInfo(zone)
    for r in owned:
        rule = Rule.from_json(r.rule)
        if r.timezone == zone or (rule.kind == "once" and rule.at_utc is None):
            continue  # a dated one-off keeps its zone; "in 2h" keeps its instant, shown in the new zone
        r.timezone = zone
        if r.next_fire_at is not None and r.next_fire_at > now:
            r.next_fire_at = next_fire(rule, tz, now, r.fired)
        moved += 1
    return moved


async def _group_timezone(ctx: Context, arg: str) -> Reply:
    """In a group, /timezone is the group's zone (for channel reminders), set by its admins."""
    chat = ctx.event.chat
    if not arg:
        state = await reminders.chat_state(ctx.session, chat.platform, chat.chat_id)
        if state is None or state.timezone is None:
            return ctx.reply("tz.group_unset")
        local = ctx.now().astimezone(ZoneInfo(state.timezone))
        return ctx.reply("tz.group_current", zone=state.timezone, time=local.strftime("%H:%M"))
    if not ctx.can_manage_chat:
        return ctx.reply("tz.group_admins_only")
    match = _lookup(ctx, arg)
    if match.zone is None:
        return _not_set(ctx, arg, match)
    await reminders.set_chat_timezone(ctx.session, chat.platform, chat.chat_id, match.zone)
    posts = [r for r in await reminders.reminders_in(ctx.session, chat.platform, chat.chat_id) if r.is_group]
    follow_zone(posts, match.zone, ctx.now())  # "Channel reminders follow it"
    local = ctx.now().astimezone(ZoneInfo(match.zone))
    return Reply(ctx.t("tz.group_set", zone=match.zone, time=local.strftime("%H:%M")) + _also(ctx, match))


def _lookup(ctx: Context, arg: str) -> ZoneMatch:
    """The learner's locale (else the language they chose) says which country they are likely in."""
    return lookup(arg, ctx.event.user.locale or ctx.lang, ctx.now())


def _not_set(ctx: Context, arg: str, match: ZoneMatch) -> Reply:
    if match.ambiguous:
        return Reply(ctx.t("tz.choose", given=arg[:60]) + _choices(ctx, match.others))
    return ctx.reply("tz.unknown", given=arg[:60])


def _also(ctx: Context, match: ZoneMatch) -> Doc:
    return ctx.t("tz.also") + _choices(ctx, match.others) if match.others else ()


def _choices(ctx: Context, zones: tuple[str, ...]) -> Doc:
    """One line per zone: the command that sets it, the zone's everyday name and its time now."""
    now = ctx.now()
    items = []
    for zone in zones:
        local = now.astimezone(ZoneInfo(zone)).strftime("%H:%M")
        label = ctx.label("tz.choice", name=zone_label(zone, ctx.lang), time=local)
        items.append((Code(f"/timezone {zone}"), Text(f" — {label}")))
    return (Bullets(tuple(items)),)
