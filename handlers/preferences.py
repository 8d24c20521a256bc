"""/lang and /timezone: the learner's language and time zone."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from db import queries, reminders
from handlers.context import Context
from handlers.router import Router
from handlers.types import Reply

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


@lru_cache(maxsize=1)
def _zones_by_lower() -> dict[str, str]:
    # Region/City names and UTC only: not "localtime" (the server's zone) or legacy names like "Factory"
    zones = {z for z in available_timezones() if "/" in z and not z.startswith(("posix/", "right/"))}
    return {z.lower(): z for z in zones | {"UTC"}}


def find_zone(name: str) -> str | None:
    name = name.strip().replace(" ", "_")
    exact = _zones_by_lower().get(name.lower())
    if exact is None:
        return None
    try:
        ZoneInfo(exact)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return exact


@router.command("lang", "language")
async def lang(ctx: Context) -> Reply:
    arg = ctx.event.what.args.strip().lower()
    if not arg:
        return ctx.reply("lang.current", lang=ctx.lang)
    chosen = LANG_NAMES.get(arg)
    if chosen is None:
        return ctx.reply("lang.unknown", given=arg[:40])
    await queries.set_user_lang(ctx.session, ctx.user.id, chosen)
    ctx.lang = chosen
    return ctx.reply("lang.set")


@router.command("timezone", "tz")
async def timezone(ctx: Context) -> Reply:
    arg = ctx.event.what.args.strip()
    if not ctx.event.chat.is_direct:
        return await _group_timezone(ctx, arg)
    if not arg:
        local = ctx.now().astimezone(ctx.zone())
        return ctx.reply("tz.current", zone=ctx.user.timezone, time=local.strftime("%H:%M"))
    zone = find_zone(arg)
    if zone is None:
        return ctx.reply("tz.unknown", given=arg[:60])
    await queries.set_user_timezone(ctx.session, ctx.user.id, zone)
    local = ctx.now().astimezone(ZoneInfo(zone))
    return ctx.reply("tz.set", zone=zone, time=local.strftime("%H:%M"))


async def _group_timezone(ctx: Context, arg: str) -> Reply:
    """In a group, /timezone is the group's zone (for channel reminders), set by its admins."""
    chat = ctx.event.chat
    if not arg:
        state = await reminders.chat_state(ctx.session, chat.platform, chat.chat_id)
        if state is None or state.timezone is None:
            return ctx.reply("tz.group_unset")
        local = ctx.now().astimezone(ZoneInfo(state.timezone))
        return ctx.reply("tz.group_current", zone=state.timezone, time=local.strftime("%H:%M"))
    if not (chat.sender_is_admin or ctx.is_bot_admin):
        return ctx.reply("tz.group_admins_only")
    zone = find_zone(arg)
    if zone is None:
        return ctx.reply("tz.unknown", given=arg[:60])
    await reminders.set_chat_timezone(ctx.session, chat.platform, chat.chat_id, zone)
    local = ctx.now().astimezone(ZoneInfo(zone))
    return ctx.reply("tz.group_set", zone=zone, time=local.strftime("%H:%M"))
