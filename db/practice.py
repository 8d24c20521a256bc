"""A learner's practice: the cards of their deck with their memory state, the review history, quiz
answers, the review or quiz in progress, and the daily review nudge and quiz-of-the-day reminders. The
scheduling itself (FSRS) is the caller's; this stores what it needs. The caller owns the transaction."""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, and_, bindparam, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Delivery, PracticeCard, PracticeReview, PracticeSession, QuizAnswer, Reminder
from db.reminders import SENT
from db.sql import dialect_insert, execute, is_id

ACTIVE, REMOVED, RETIRED = "active", "removed", "retired"

# A review's presses (the hot path: issue 14 asks for 500 a second on one core) run statements built
# once, as Core on the session's connection: no statement building, no ORM loading or flush per press.
# Their cards are Rows with the columns of practice_cards, read like a PracticeCard.
_cards = PracticeCard.__table__
_other = _cards.alias("due_too")
_DUE_NOW = (
    select(
        _cards.c.id,
        _cards.c.step_id,
        _cards.c.card_id,
        select(func.count())
        .select_from(_other)
        .where(
            _other.c.user_id == bindparam("uid"), _other.c.status == ACTIVE, _other.c.due <= bindparam("now")
        )
        .scalar_subquery()
        .label("due_now"),
    )
    .where(_cards.c.user_id == bindparam("uid"), _cards.c.status == ACTIVE, _cards.c.due <= bindparam("now"))
    .order_by(_cards.c.due, _cards.c.id)
    .limit(bindparam("n"))
)
_RATED = (
    update(_cards)
    .where(_cards.c.id == bindparam("pk"))
    .values(
        {
            name: bindparam(f"new_{name}")
            for name in ("state", "learning_step", "stability", "difficulty", "due", "last_review")
        }
    )
)
_REVIEWED = insert(PracticeReview.__table__)
_sessions = PracticeSession.__table__
# A review press names a session and a card: both in one read (the card only if it is the session
# owner's; the press guard then checks the owner is the presser).
_PRESS = (
    select(
        _sessions.c.id.label("session_id"),
        _sessions.c.user_id.label("session_user_id"),
        _sessions.c.kind,
        _sessions.c.position,
        _sessions.c.ended,
        *_cards.c,
    )
    .select_from(
        _sessions.outerjoin(
            _cards, and_(_cards.c.id == bindparam("pk"), _cards.c.user_id == _sessions.c.user_id)
        )
    )
    .where(_sessions.c.id == bindparam("sid"))
)
_CardRow = namedtuple("_CardRow", [c.name for c in _cards.c])  # a card read with its session
_END = update(_sessions).where(_sessions.c.id == bindparam("sid")).values(ended=True)
_NEXT = (
    update(_sessions)
    .where(_sessions.c.id == bindparam("sid"), _sessions.c.position == bindparam("at"))
    .values(position=_sessions.c.position + 1)
)


async def add_cards(
    session: AsyncSession, user_id: int, step_id: str, card_ids: Iterable[str], now: datetime
) -> int:
    """Put these cards of a step in the learner's deck, new cards due now; cards taken out earlier come
    back with their history. Returns how many joined the deck (0 when all were there already)."""
    ids = list(dict.fromkeys(card_ids))
    if not ids:
        return 0
    rows = await session.execute(
        select(PracticeCard.card_id, PracticeCard.status).where(
            PracticeCard.user_id == user_id, PracticeCard.step_id == step_id, PracticeCard.card_id.in_(ids)
        )
    )
    have = dict(rows.all())
    back = [cid for cid in ids if have.get(cid) in (REMOVED, RETIRED)]
    if back:
        await session.execute(
            update(PracticeCard)
            .where(
                PracticeCard.user_id == user_id,
                PracticeCard.step_id == step_id,
                PracticeCard.card_id.in_(back),
            )
            .values(status=ACTIVE)
        )
    new = [cid for cid in ids if cid not in have]
    if new:
        stmt = dialect_insert(session, PracticeCard).values(
            [
                {
                    "user_id": user_id,
                    "step_id": step_id,
                    "card_id": cid,
                    "status": ACTIVE,
                    "state": 1,
                    "learning_step": 0,
                    "due": now,
                    "added_at": now,
                }
                for cid in new
            ]
        )
        await session.execute(stmt.on_conflict_do_nothing(index_elements=["user_id", "step_id", "card_id"]))
    return len(back) + len(new)


async def remove_step(session: AsyncSession, user_id: int, step_id: str) -> int:
    """Take a step's cards out of the deck (their history is kept: adding them again brings it back)."""
    result = await session.execute(
        update(PracticeCard)
        .where(
            PracticeCard.user_id == user_id, PracticeCard.step_id == step_id, PracticeCard.status == ACTIVE
        )
        .values(status=REMOVED)
    )
    return result.rowcount or 0


async def retire(session: AsyncSession, card_pks: Iterable[int]) -> None:
    """Cards whose content is gone: never shown again (their history stays until /forget)."""
    pks = list(card_pks)
    if pks:
        await session.execute(update(PracticeCard).where(PracticeCard.id.in_(pks)).values(status=RETIRED))


async def due_now(
    session: AsyncSession, user_id: int, now: datetime, limit: int = 5
) -> tuple[list[Row], int]:
    """The learner's first `limit` cards due at `now`, the longest overdue first (their id, step_id and
    card_id), and how many are due in all: one statement (ix_practice_cards_due for both)."""
    if session.new or session.dirty:  # Core reads do not flush the ORM's pending changes by themselves
        await session.flush()
    rows = (await execute(session, _DUE_NOW, {"uid": user_id, "now": now, "n": limit})).all()
    return rows, (rows[0].due_now if rows else 0)


async def find_card(session: AsyncSession, user_id: int, step_id: str, card_id: str) -> PracticeCard | None:
    return await session.scalar(
        select(PracticeCard).where(
            PracticeCard.user_id == user_id, PracticeCard.step_id == step_id, PracticeCard.card_id == card_id
        )
    )


async def next_due(session: AsyncSession, user_id: int) -> datetime | None:
    return await session.scalar(
        select(func.min(PracticeCard.due)).where(
            PracticeCard.user_id == user_id, PracticeCard.status == ACTIVE
        )
    )


async def count_due(
    session: AsyncSession,
    user_id: int,
    *,
    by: datetime | None = None,
    before: datetime | None = None,
    since: datetime | None = None,
) -> int:
    """Active cards due `by` an instant (at or before it: due now), or `before` one (a day's end), and
    at or after `since` if given."""
    stmt = select(func.count()).where(PracticeCard.user_id == user_id, PracticeCard.status == ACTIVE)
    if by is not None:
        stmt = stmt.where(PracticeCard.due <= by)
    if before is not None:
        stmt = stmt.where(PracticeCard.due < before)
    if since is not None:
        stmt = stmt.where(PracticeCard.due >= since)
    return await session.scalar(stmt) or 0


async def deck(session: AsyncSession, user_id: int) -> list[PracticeCard]:
    """Every active card (for /progress: its size and the estimated recall)."""
    return list(
        await session.scalars(
            select(PracticeCard).where(PracticeCard.user_id == user_id, PracticeCard.status == ACTIVE)
        )
    )


async def save_review(session: AsyncSession, card: Row, rating: int, now: datetime, **state: object) -> None:
    """A rating and the card's new memory state (fsrs.Card's fields: state, learning_step, stability,
    difficulty, due, last_review)."""
    await execute(session, _RATED, {"pk": card.id, **{f"new_{k}": v for k, v in state.items()}})
    await execute(
        session,
        _REVIEWED,
        {
            "user_id": card.user_id,
            "step_id": card.step_id,
            "card_id": card.card_id,
            "rating": rating,
            "reviewed_at": now,
        },
    )


async def advance(session: AsyncSession, s: Review) -> bool:
    """The review moves on from its current card, in the database and in `s`; False when another
    press moved it first (two presses of one button at once: only one rates the card)."""
    if not (await execute(session, _NEXT, {"sid": s.id, "at": s.position})).rowcount:
        return False
    s.position += 1
    return True


async def reviews_since(session: AsyncSession, user_id: int, since: datetime) -> int:
    return (
        await session.scalar(
            select(func.count()).where(PracticeReview.user_id == user_id, PracticeReview.reviewed_at >= since)
        )
        or 0
    )


async def practice_since(session: AsyncSession, user_id: int, since: datetime) -> tuple[int, int, int]:
    """(cards reviewed, quiz answers, right answers) since `since`, the learner's own quizzes and groups'
    alike: one statement."""
    quiz = select(QuizAnswer.right).where(QuizAnswer.user_id == user_id, QuizAnswer.answered_at >= since)
    reviewed = (
        select(func.count())
        .where(PracticeReview.user_id == user_id, PracticeReview.reviewed_at >= since)
        .scalar_subquery()
    )
    answered = select(func.count()).select_from(quiz.subquery()).scalar_subquery()
    right_ones = quiz.where(QuizAnswer.right.is_(True)).subquery()
    right = select(func.count()).select_from(right_ones).scalar_subquery()
    cards, n, ok = (await session.execute(select(reviewed, answered, right))).one()
    return int(cards), int(n), int(ok)


async def record_answer(
    session: AsyncSession,
    user_id: int,
    step_id: str,
    question_id: str,
    right: bool,
    now: datetime,
    delivery_id: int | None = None,
) -> bool:
    """Store an answer. A group's quiz post takes one answer per member (`delivery_id`): False when
    this member had answered it already (nothing stored)."""
    values = {
        "user_id": user_id,
        "step_id": step_id,
        "question_id": question_id,
        "right": right,
        "answered_at": now,
        "delivery_id": delivery_id,
    }
    if delivery_id is None:
        session.add(QuizAnswer(**values))
        return True
    done = await session.execute(
        dialect_insert(session, QuizAnswer)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["delivery_id", "user_id"])
    )
    return bool(done.rowcount)


async def group_answer(session: AsyncSession, delivery_id: int, user_id: int) -> QuizAnswer | None:
    return await session.scalar(
        select(QuizAnswer).where(QuizAnswer.delivery_id == delivery_id, QuizAnswer.user_id == user_id)
    )


async def tally(session: AsyncSession, delivery_id: int) -> tuple[int, int]:
    """A quiz post's answers: how many, how many right (no names)."""
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(case((QuizAnswer.right, 1), else_=0)), 0)).where(
                QuizAnswer.delivery_id == delivery_id
            )
        )
    ).one()
    return int(row[0]), int(row[1])


# The daily review nudge and the group quiz of the day are reminders of their own kind (one per learner,
# one per group), so the reminder service claims and sends them with its guarantees.


async def daily_reminder(
    session: AsyncSession, kind: str, *, owner_id: int | None = None, chat: tuple[str, str] | None = None
) -> Reminder | None:
    """A learner's review nudge (`owner_id`), or a group's quiz of the day (`chat`)."""
    stmt = select(Reminder).where(Reminder.kind == kind)
    if owner_id is not None:
        stmt = stmt.where(Reminder.owner_id == owner_id)
    if chat is not None:
        stmt = stmt.where(Reminder.platform == chat[0], Reminder.chat_id == chat[1])
    return await session.scalar(stmt.order_by(Reminder.id).limit(1))


async def nudge_answered_since(session: AsyncSession, user_id: int, since: datetime) -> bool:
    """Whether the learner pressed a review nudge's button at or after `since`."""
    found = await session.scalar(
        select(Delivery.id)
        .join(Reminder, Delivery.reminder_id == Reminder.id)
        .where(Reminder.owner_id == user_id, Reminder.kind == "review", Delivery.answered_at >= since)
        .limit(1)
    )
    return found is not None


async def previous_post(session: AsyncSession, reminder_id: int, before: datetime) -> Delivery | None:
    """The last quiz post that went out before the occurrence at `before`."""
    return await session.scalar(
        select(Delivery)
        .where(Delivery.reminder_id == reminder_id, Delivery.fire_at < before, Delivery.status == SENT)
        .order_by(Delivery.fire_at.desc(), Delivery.id.desc())
        .limit(1)
    )


async def start_session(
    session: AsyncSession, user_id: int, kind: str, lang: str, now: datetime, plan: list | None = None
) -> PracticeSession:
    """A new review or quiz; the learner's earlier one of that kind ends (its buttons go stale)."""
    await session.execute(
        update(PracticeSession)
        .where(
            PracticeSession.user_id == user_id, PracticeSession.kind == kind, PracticeSession.ended.is_(False)
        )
        .values(ended=True)
    )
    row = PracticeSession(
        user_id=user_id,
        kind=kind,
        lang=lang,
        plan=json.dumps(plan or []),
        position=0,
        right=0,
        started_at=now,
    )
    session.add(row)
    await session.flush()
    return row


@dataclass
class Review:
    """A review session as its presses need it (the row's columns, without the ORM)."""

    id: int
    user_id: int
    kind: str
    position: int
    ended: bool

    @classmethod
    def of(cls, row: PracticeSession) -> Review:
        return cls(row.id, row.user_id, row.kind, row.position, row.ended)


async def review_press(
    session: AsyncSession, session_id: int, card_pk: int
) -> tuple[Review, Row | None] | None:
    """The session a review button names and its card (None when the card is not the session owner's,
    or is gone), in one statement; None when there is no such session."""
    if not is_id(session_id):
        return None
    row = (
        await execute(session, _PRESS, {"sid": session_id, "pk": card_pk if is_id(card_pk) else 0})
    ).first()
    if row is None:
        return None
    review = Review(row.session_id, row.session_user_id, row.kind, row.position, row.ended)
    card = _CardRow(*row[5:]) if row.id is not None else None
    return review, card


async def end_review(session: AsyncSession, s: Review) -> None:
    """The review is over: its buttons go stale."""
    await execute(session, _END, {"sid": s.id})
    s.ended = True


async def get_session(session: AsyncSession, session_id: int) -> PracticeSession | None:
    return await session.get(PracticeSession, session_id) if is_id(session_id) else None
