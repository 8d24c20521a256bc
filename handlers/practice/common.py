"""What every practice button carries, and the reply pieces reviews, quizzes and the daily posts share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from db import practice as store
from db import reminders as reminder_store
from db.models import PracticeSession
from handlers.content import Content, Question
from handlers.core.context import Context
from handlers.core.i18n import Strings
from handlers.core.markup import Link, Para, Text
from handlers.core.payloads import ANYONE, Owner, Payload
from handlers.core.types import Button

MAX_REVIEWS = 50  # a session stops after this many ratings (the rest stay due)
QUIZ_LENGTH = 5


class SessionPress(Payload):
    refusal = "practice.ended"

    async def owner(self, ctx: Context) -> Owner | None:
        found = await store.get_session(ctx.session, self.session)
        return Owner(user_id=found.user_id, obj=found) if found is not None else None

    def stale(self, s: PracticeSession | store.Review) -> bool:
        return s.ended or s.position != self.n


@dataclass(frozen=True)
class ReviewPress(SessionPress, prefix="rv"):
    """A review's buttons: show the back of card `card`, or rate it (1 Again .. 4 Easy); `n`: the
    session's position when the button was made."""

    action: Literal["show", "rate"]
    session: int
    n: int
    card: int
    rating: int = 0

    async def owner(self, ctx: Context) -> Owner | None:
        """The session and its card, read together (ctx.target: (store.Review, the card row or None))."""
        found = await store.review_press(ctx.session, self.session, self.card)
        return Owner(user_id=found[0].user_id, obj=found) if found is not None else None


@dataclass(frozen=True)
class QuizPress(SessionPress, prefix="qz"):
    """A quiz's option buttons: option `choice` (as shown) of the question at position `n`."""

    session: int
    n: int
    choice: int


@dataclass(frozen=True)
class PracticePress(Payload, prefix="pr"):
    """Start a review or a quiz for the presser: from a summary or the "nothing due" reply (anyone's),
    or from the learner's own review nudge (`delivery`: that message, which the session then fills)."""

    action: Literal["review", "quiz"]
    delivery: int = 0

    refusal = "practice.ended"

    async def owner(self, ctx: Context) -> Owner | None:
        if not self.delivery:
            return ANYONE
        d = await reminder_store.get_delivery(ctx.session, self.delivery)
        r = await reminder_store.get_reminder(ctx.session, d.reminder_id) if d is not None else None
        if r is None or r.kind != "review":
            return None
        return Owner(user_id=r.owner_id, chat=(r.platform, r.chat_id), obj=d)


def reread(content: Content, strings: Strings, step_id: str, url: str) -> tuple:
    """ "Reread: <the step's resource>" for a card or question that names one."""
    if not url:
        return ()
    step = content.step_by_id[step_id]
    title = next((r.title for r in step.resources if r.url == url), url)
    return (Para((Text(strings.raw("practice.reread") + " "), Link(title, url))),)


def question_resource(content: Content, q: Question) -> str:
    """The resource a question sends the learner back to: its own, else its card's."""
    return q.resource or (content.decks[q.step].card(q.card).resource if q.card else "")


def quiz_button(ctx: Context) -> tuple[Button, ...]:
    return (Button(ctx.label("button.quiz"), PracticePress("quiz").pack()),)


def when(ctx: Context, instant: datetime) -> str:
    local = instant.astimezone(ctx.zone())
    today = ctx.now().astimezone(ctx.zone()).date()
    if local.date() == today:
        return ctx.label("practice.at_today", time=local.strftime("%H:%M"))
    return ctx.label("practice.at_day", day=local.strftime("%Y-%m-%d"), time=local.strftime("%H:%M"))
