"""The weekly review: what a learner did this week, read from what is stored and computed in their zone
when it is shown (`gather`), written as text (`text`) and as the picture's card (`card`).

The week runs Monday to Sunday in the learner's current zone. The same review answers /week and is the
Sunday digest (a reminder of kind "week", composed when it is due)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, get_day_names
from sqlalchemy.ext.asyncio import AsyncSession

from db.practice import practice_since
from db.progress import states_and_times
from db.study_logs import minutes_since
from db.users import weekly_goal
from handlers.content import Content, Step
from handlers.core.i18n import Strings
from handlers.core.markup import Code, Doc, Para, Pre
from handlers.replies import hours_minutes, next_of, progress_bar
from handlers.study_time import STREAK_HORIZON, Streaks, day_start, fair_streaks
from handlers.week.picture import WeekCard

WEEKS = 12  # the picture's calendar
DAYS = 7 * WEEKS
BAR = "▇"
BAR_WIDTH = 12


@dataclass(frozen=True)
class WeekReview:
    monday: date  # this week's, in the learner's zone
    today: date
    days: tuple[int | None, ...]  # minutes a day for the last WEEKS weeks, oldest first; None: still to come
    frozen: frozenset[int]  # indexes into `days` a streak freeze covered
    goal: int | None  # minutes a week
    streak: Streaks
    steps_done: int
    steps_total: int
    moved: int  # steps whose state changed this week
    cards: int  # cards reviewed this week
    answered: int  # quiz questions answered this week
    right: int
    next_step: Step | None
    next_number: int  # its number on the roadmap (1-based); 0 without one

    @property
    def this_week(self) -> tuple[int, ...]:
        return tuple(m or 0 for m in self.days[-7:])

    @property
    def last_week(self) -> tuple[int, ...]:
        return tuple(m or 0 for m in self.days[-14:-7])


READ = object()  # gather's `goal` not known yet: read it


async def gather(
    session: AsyncSession,
    content: Content,
    user_id: int,
    zone: ZoneInfo,
    now: datetime,
    goal: int | None | object = READ,
) -> WeekReview:
    """Four indexed reads: the logs of the streak's horizon (which also give the 12 weeks), the goal
    (unless the caller read it already, with the zone), the step states with when they changed, and this
    week's reviews and quiz answers (one statement)."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=WEEKS - 1)
    week_start = day_start(monday, zone)
    horizon = min(today - timedelta(days=STREAK_HORIZON), first)
    per_day: dict[date, int] = {}
    for at, minutes in await minutes_since(session, user_id, day_start(horizon, zone)):
        day = at.astimezone(zone).date()
        per_day[day] = per_day.get(day, 0) + minutes
    streak = fair_streaks(set(per_day), today)
    days = tuple(None if (d := first + timedelta(days=i)) > today else per_day.get(d, 0) for i in range(DAYS))
    frozen = frozenset((d - first).days for d in streak.frozen if d >= first)
    changes = await states_and_times(session, user_id)
    states = {step_id: state for step_id, (state, _) in changes.items()}
    nxt = next_of(content.steps, states)
    cards, answered, right = await practice_since(session, user_id, week_start)
    return WeekReview(
        monday=monday,
        today=today,
        days=days,
        frozen=frozen,
        goal=await weekly_goal(session, user_id) if goal is READ else goal,
        streak=streak,
        steps_done=sum(1 for s in content.steps if states.get(s.id) == "done"),
        steps_total=len(content.steps),
        moved=sum(1 for _, at in changes.values() if at >= week_start),
        cards=cards,
        answered=answered,
        right=right,
        next_step=nxt,
        next_number=content.steps.index(nxt) + 1 if nxt is not None else 0,
    )


def _span(strings: Strings, review: WeekReview) -> tuple[str, str]:
    locale = strings.lang
    end = review.monday + timedelta(days=6)
    return format_skeleton("MMMd", review.monday, locale=locale), format_skeleton("yMMMd", end, locale=locale)


def text(strings: Strings, review: WeekReview) -> Doc:
    """The review in words: a title line, the week's minutes against last week's (a line a day), the goal,
    the streak, the roadmap, practice and the next step."""
    start, end = _span(strings, review)
    this, last = review.this_week, review.last_week
    names = get_day_names("abbreviated", locale=strings.lang)
    top = max((*this, *last, 1))
    lines = []
    for i in range(7):
        ahead = review.monday + timedelta(days=i) > review.today  # a day still to come
        bar = BAR * max(1, round(BAR_WIDTH * this[i] / top)) if this[i] else "" if ahead else "·"
        mine = "" if ahead else this[i]
        lines.append(f"{names[i]:<4} {bar:<{BAR_WIDTH}} {mine:>4}  ({last[i]})")
    body: Doc = strings.doc("week.head", start=start, end=end)
    body += strings.doc(
        "week.minutes", this=hours_minutes(strings, sum(this)), last=hours_minutes(strings, sum(last))
    )
    body += (Pre("\n".join(lines)),)
    body += strings.doc("week.days_legend")
    if review.goal:
        done = sum(this)
        key = "week.goal_met" if done >= review.goal else "week.goal"
        body += (Para((Code(progress_bar(min(done, review.goal), review.goal)),)),)
        body += strings.doc(key, done=hours_minutes(strings, done), goal=hours_minutes(strings, review.goal))
    else:
        body += strings.doc("week.no_goal")
    week_frozen = sum(1 for i in review.frozen if i >= DAYS - 7)
    body += strings.doc(
        "week.streak", current=review.streak.current, best=review.streak.best, frozen=week_frozen
    )
    body += strings.doc("week.steps", done=review.steps_done, total=review.steps_total, moved=review.moved)
    body += strings.doc("week.practice", cards=review.cards, answered=review.answered, right=review.right)
    if review.next_step is not None:
        title = review.next_step.titles.get(strings.lang) or review.next_step.titles["en"]
        body += strings.doc("week.next", n=review.next_number, title=title)
    else:
        body += strings.doc("week.all_done")
    return body


def card(strings: Strings, review: WeekReview) -> WeekCard:
    """The picture's card: only UI strings and numbers are drawn (never a learner's or an editor's own
    words), so the shipped font covers every character (tests/test_week_picture.py)."""
    start, end = _span(strings, review)
    narrow = get_day_names("narrow", locale=strings.lang)
    abbreviated = get_day_names("abbreviated", locale=strings.lang)
    done = sum(review.this_week)
    if review.goal:
        goal_label = strings.raw(
            "week.picture.goal", done=hours_minutes(strings, done), goal=hours_minutes(strings, review.goal)
        )
        goal_progress: float | None = done / review.goal
    else:
        goal_label, goal_progress = (
            strings.raw("week.picture.no_goal", done=hours_minutes(strings, done)),
            None,
        )
    return WeekCard(
        heading=strings.raw("week.picture.heading", start=start, end=end),
        weekday_labels=tuple(narrow[i] for i in range(7)),
        days=review.days,
        frozen=review.frozen,
        heatmap_label=strings.raw("week.picture.heatmap", weeks=WEEKS),
        legend=(strings.raw("week.picture.less"), strings.raw("week.picture.more")),
        frozen_label=strings.raw("week.picture.frozen"),
        progress_label=strings.raw("week.picture.progress", done=review.steps_done, total=review.steps_total),
        progress=review.steps_done / review.steps_total if review.steps_total else 0.0,
        goal_label=goal_label,
        goal_progress=goal_progress,
        week_bars=tuple((abbreviated[i], review.this_week[i], review.last_week[i]) for i in range(7)),
        bars_label=strings.raw("week.picture.bars"),
    )


def filename(review: WeekReview) -> str:
    return f"week-{review.monday.isoformat()}.png"
