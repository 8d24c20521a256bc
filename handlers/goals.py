"""/goal: a weekly study goal (hours a week), this week against it, and when the roadmap would be done
at the learner's real pace (the last 4 weeks' study) or, before there is one, at the goal's.

Weeks run Monday to Sunday in the learner's current zone, computed from stored instants when shown."""

from __future__ import annotations

import re
from datetime import date, timedelta

from db.progress import step_states
from db.study_logs import minutes_between
from db.users import set_weekly_goal, weekly_digest_off, weekly_goal
from handlers.core.context import Context
from handlers.core.markup import Code, Para
from handlers.core.router import Router
from handlers.core.types import Option, Reply
from handlers.own_reminders import has_week_digest, set_week_digest
from handlers.replies import hours_minutes, progress_bar
from handlers.study_time import day_start, parse_minutes

router = Router("goals")

MIN_GOAL, MAX_GOAL = 30, 100 * 60  # minutes a week: half an hour to 100 hours
PACE_WEEKS = 4
MIN_PACE = 30  # minutes a week: below this there is no pace to speak of
OFF = ("off", "关闭", "取消")
_HOURS = re.compile(r"^\d+(?:[.,]\d+)?$")


def parse_goal(text: str) -> int | None:
    """'6h', '6', '1.5h', '90m', '6小时' -> minutes a week ('6' alone means hours); None if not a duration."""
    text = text.strip().lower().removesuffix("/week").removesuffix("/周").removesuffix("每周").strip()
    if _HOURS.match(text):
        return round(float(text.replace(",", ".")) * 60)
    return parse_minutes(text)


def hm(ctx: Context, minutes: int) -> str:
    return hours_minutes(ctx.strings, minutes)


def _monday(ctx: Context) -> date:
    today = ctx.now().astimezone(ctx.zone()).date()
    return today - timedelta(days=today.weekday())


async def pace(ctx: Context) -> int:
    """Minutes a week over the last PACE_WEEKS full weeks (before this one)."""
    monday, zone = _monday(ctx), ctx.zone()
    start = day_start(monday - timedelta(weeks=PACE_WEEKS), zone)
    return await minutes_between(ctx.session, ctx.user.id, start, day_start(monday, zone)) // PACE_WEEKS


async def finish_estimate(ctx: Context, goal: int) -> tuple:
    """'At your pace of 5.5 h a week, the roadmap's remaining 420 h take until around 2027-05.'"""
    states = await step_states(ctx.session, ctx.user.id)
    left = sum(s.hours or 0 for s in ctx.content.steps if states.get(s.id) not in ("done", "skipped"))
    if not left:
        return ctx.t("goal.roadmap_done")
    mine = await pace(ctx)
    rate, key = (mine, "goal.finish_pace") if mine >= MIN_PACE else (goal, "goal.finish_goal")
    weeks = left * 60 / rate
    when = ctx.now().astimezone(ctx.zone()).date() + timedelta(days=round(weeks * 7))
    return ctx.t(key, rate=f"{rate / 60:.1f}".removesuffix(".0"), left=left, when=f"{when:%Y-%m}")


async def week_against_goal(ctx: Context, goal: int) -> tuple:
    zone, monday = ctx.zone(), _monday(ctx)
    done = await minutes_between(ctx.session, ctx.user.id, day_start(monday, zone))
    days_left = 6 - ctx.now().astimezone(zone).date().weekday()
    key = "goal.week_met" if done >= goal else "goal.week"
    body = ctx.t(
        key, done=hm(ctx, done), goal=hm(ctx, goal), left=hm(ctx, max(goal - done, 0)), days=days_left
    )
    return (Para((Code(progress_bar(min(done, goal), goal)),)),) + body


@router.command("goal", options=(Option("hours", "option.goal"),), personal=True)
async def goal(ctx: Context) -> Reply:
    given = (ctx.options["hours"] or "").strip()
    current = await weekly_goal(ctx.session, ctx.user.id)
    if not given:
        if current is None:
            return ctx.reply("goal.none")
        return Reply(await week_against_goal(ctx, current) + await finish_estimate(ctx, current))
    if given.lower() in OFF:
        await set_weekly_goal(ctx.session, ctx.user.id, None)
        return ctx.reply("goal.off" if current is not None else "goal.none")
    minutes = parse_goal(given)
    if minutes is None:
        return ctx.reply("goal.usage", given=given[:20])
    if not MIN_GOAL <= minutes <= MAX_GOAL:
        return ctx.reply("goal.range", given=given[:20])
    await set_weekly_goal(ctx.session, ctx.user.id, minutes)
    ctx.outcome = "goal:set"
    body = ctx.t("goal.set", goal=hm(ctx, minutes)) + await week_against_goal(ctx, minutes)
    body += await finish_estimate(ctx, minutes)
    if current is None:
        body += await _start_digest(ctx)
    return Reply(body)


async def _start_digest(ctx: Context) -> tuple:
    """A first goal brings the weekly digest (Sundays at 18:00), unless the learner turned it off; it
    comes to a private chat only."""
    if not ctx.event.chat.is_direct or await weekly_digest_off(ctx.session, ctx.user.id):
        return ()
    if await has_week_digest(ctx) or await set_week_digest(ctx) is None:
        return ()
    return ctx.t("goal.digest_added", zone=ctx.user.timezone)
