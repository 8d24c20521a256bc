"""A learner's practice deck, shared by the features that touch it: practice (/review, /quiz), the
roadmap (a step marked doing or done brings its cards in) and /progress (the practice line).

Scheduling is py-fsrs's `Scheduler` (learning steps 1 and 10 minutes, relearning 10 minutes, desired
retention 0.9, intervals fuzzed so that cards learnt together spread out); db/practice.py stores each
card's fsrs state. Due times are UTC instants; "today" and "tomorrow" are the learner's own days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from db import practice as store
from db.models import PracticeCard
from handlers.content import Card, Step
from handlers.core.context import Context
from handlers.study_time import day_start

SCHEDULER = Scheduler()
RATINGS = (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)
SECONDS_PER_CARD = 30  # "6 cards due, about 3 minutes"


def to_fsrs(row: PracticeCard) -> FsrsCard:
    return FsrsCard(
        card_id=row.id,
        state=State(row.state),
        step=row.learning_step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=row.due,
        last_review=row.last_review,
    )


def review(row: PracticeCard, rating: Rating, now: datetime) -> dict[str, object]:
    """The card's new fsrs state after `rating` at `now`, as db/practice.save_review takes it."""
    card, _ = SCHEDULER.review_card(to_fsrs(row), rating, now)
    return {
        "state": int(card.state),
        "learning_step": card.step,
        "stability": card.stability,
        "difficulty": card.difficulty,
        "due": card.due,
        "last_review": card.last_review,
    }


def content_card(ctx: Context, row: PracticeCard) -> Card | None:
    """The content of a stored card, or None when it has left the content (then it is retired)."""
    deck = ctx.content.decks.get(row.step_id)
    return deck.card(row.card_id) if deck is not None else None


async def add_step_cards(ctx: Context, step: Step) -> int:
    """Put a step's cards in the learner's deck; how many joined it."""
    deck = ctx.content.decks.get(step.id)
    if deck is None:
        return 0
    return await store.add_cards(ctx.session, ctx.user.id, step.id, [c.id for c in deck.cards], ctx.now())


SECONDS_PER_CARD = 30  # "about M minutes" for N due cards: half a minute a card


def review_minutes(due: int) -> int:
    """About how long reviewing `due` cards takes, in whole minutes (at least 1)."""
    return max(1, math.ceil(due * SECONDS_PER_CARD / 60))


def local_day_bounds(ctx: Context, days_ahead: int = 0) -> tuple[datetime, datetime]:
    """The UTC instants a local day of the learner begins and ends (today, or `days_ahead` later)."""
    zone = ctx.zone()
    day = ctx.now().astimezone(zone).date() + timedelta(days=days_ahead)
    return day_start(day, zone), day_start(day + timedelta(days=1), zone)


@dataclass(frozen=True)
class Summary:
    cards: int
    due_today: int
    reviewed_week: int
    recall: float | None  # mean fsrs retrievability over the cards reviewed at least once


async def summary(ctx: Context) -> Summary:
    now = ctx.now()
    rows = [r for r in await store.deck(ctx.session, ctx.user.id) if content_card(ctx, r) is not None]
    _, end_today = local_day_bounds(ctx)
    zone = ctx.zone()
    today = now.astimezone(zone).date()
    monday = day_start(today - timedelta(days=today.weekday()), zone)
    seen = [r for r in rows if r.last_review is not None]
    recall = (
        sum(SCHEDULER.get_card_retrievability(to_fsrs(r), now) for r in seen) / len(seen) if seen else None
    )
    return Summary(
        cards=len(rows),
        due_today=sum(1 for r in rows if r.due < end_today),
        reviewed_week=await store.reviews_since(ctx.session, ctx.user.id, monday),
        recall=recall,
    )
