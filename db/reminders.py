"""Reads and writes for reminders, their deliveries, and per-chat state. Rule maths lives elsewhere
(handlers.schedule); callers pass in the computed times. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Row, and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Chat, Delivery, Reminder, User
from db.sql import dialect_insert, is_id

PENDING, SENDING, SENT, MISSED, FAILED, BLOCKED = "pending", "sending", "sent", "missed", "failed", "blocked"
SKIPPED = "skipped"  # a review nudge with nothing due, or answered already that day: not sent


# A paused reminder holds its pending messages too (a snooze, a retry): they go out only after /resume.
_NOT_PAUSED = ~exists().where(Reminder.id == Delivery.reminder_id, Reminder.paused)
# A snooze waiting to be sent: the reminder still has something to say, even when its rule is over.
_SNOOZED = exists().where(Delivery.reminder_id == Reminder.id, Delivery.status == PENDING, Delivery.seq > 0)


def _locked(session: AsyncSession, query):  # noqa: ANN001, ANN202
    """Several processes on PostgreSQL each take different rows; SQLite has one claiming process."""
    if session.bind.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


# Reminders


async def add_reminder(session: AsyncSession, **values: object) -> Reminder:
    reminder = Reminder(**{"fired": 0, "missed_unreported": 0, "paused": False, **values})
    session.add(reminder)
    await session.flush()
    return reminder


async def reminders_in(session: AsyncSession, platform: str, chat_id: str) -> list[Reminder]:
    rows = await session.execute(
        select(Reminder)
        .where(Reminder.platform == platform, Reminder.chat_id == chat_id)
        .order_by(Reminder.id)
    )
    return list(rows.scalars())


async def reminders_of(session: AsyncSession, owner_id: int, kind: str) -> list[Reminder]:
    """A learner's reminders of one kind (one streak nudge...), oldest first."""
    rows = await session.scalars(
        select(Reminder)
        .where(Reminder.owner_id == owner_id, Reminder.kind == kind)
        .order_by(Reminder.created_at, Reminder.id)
    )
    return list(rows)


async def private_reminders(session: AsyncSession, owner_id: int) -> list[Reminder]:
    """A learner's own reminders sent to them (not the ones they set in groups), oldest first."""
    rows = await session.scalars(
        select(Reminder).where(Reminder.owner_id == owner_id, ~Reminder.is_group).order_by(Reminder.id)
    )
    return list(rows)


async def latest_of(
    session: AsyncSession, owner_id: int, kind: str, *, before: datetime | None = None, running: bool = False
) -> Reminder | None:
    """A learner's newest reminder of one kind (created before `before`; with `running`, only one
    still to fire): the focus session in progress, or the last one before a break."""
    stmt = select(Reminder).where(Reminder.owner_id == owner_id, Reminder.kind == kind)
    if before is not None:
        stmt = stmt.where(Reminder.created_at < before)
    if running:
        stmt = stmt.where(Reminder.next_fire_at.is_not(None))
    return await session.scalar(stmt.order_by(Reminder.created_at.desc(), Reminder.id.desc()).limit(1))


async def count_owned(session: AsyncSession, owner_id: int) -> int:
    active = or_(Reminder.next_fire_at.is_not(None), Reminder.paused, _SNOOZED)
    return int(await session.scalar(select(func.count()).where(Reminder.owner_id == owner_id, active)) or 0)


async def get_reminder(session: AsyncSession, reminder_id: int) -> Reminder | None:
    return await session.get(Reminder, reminder_id) if is_id(reminder_id) else None


async def delete_reminder(session: AsyncSession, reminder_id: int) -> None:
    """The reminder and all its messages, pending snoozes included. A message already claimed by the
    reminder service may still go out (it is in flight); marking it afterwards finds no row."""
    await session.execute(delete(Delivery).where(Delivery.reminder_id == reminder_id))
    await session.execute(delete(Reminder).where(Reminder.id == reminder_id))


async def pending_snoozes(session: AsyncSession, reminder_ids: Sequence[int]) -> dict[int, list[datetime]]:
    """Reminder id -> when its snoozed messages are due, earliest first (reminders without: left out)."""
    if not reminder_ids:
        return {}
    rows = await session.execute(
        select(Delivery.reminder_id, Delivery.due_at)
        .where(Delivery.reminder_id.in_(list(reminder_ids)), Delivery.status == PENDING, Delivery.seq > 0)
        .order_by(Delivery.due_at)
    )
    out: dict[int, list[datetime]] = {}
    for reminder_id, due_at in rows:
        out.setdefault(reminder_id, []).append(due_at)
    return out


async def drop_passed(session: AsyncSession, reminder_ids: Sequence[int], now: datetime) -> None:
    """On /resume: messages that fell due while paused are recorded as missed, not sent late."""
    if reminder_ids:
        await session.execute(
            update(Delivery)
            .where(
                Delivery.reminder_id.in_(list(reminder_ids)),
                Delivery.status == PENDING,
                Delivery.due_at <= now,
            )
            .values(status=MISSED)
        )


async def set_private_lang(session: AsyncSession, owner_id: int, lang: str) -> None:
    """A private reminder speaks its owner's current language; a group's keeps the one it was set in."""
    await session.execute(
        update(Reminder).where(Reminder.owner_id == owner_id, ~Reminder.is_group).values(lang=lang)
    )


async def earliest_due(session: AsyncSession) -> datetime | None:
    """The next time anything is due: a reminder's next fire, or a pending delivery (snooze, retry)."""
    reminder = await session.scalar(
        select(func.min(Reminder.next_fire_at)).where(Reminder.next_fire_at.is_not(None), ~Reminder.paused)
    )
    delivery = await session.scalar(
        select(func.min(Delivery.due_at)).where(Delivery.status == PENDING, _NOT_PAUSED)
    )
    times = [t for t in (reminder, delivery) if t is not None]
    return min(times) if times else None


async def queue_depth(session: AsyncSession, now: datetime) -> int:
    """Reminder messages due by `now` and not sent yet (waiting, or in flight)."""
    waiting = (Delivery.status == PENDING) & (Delivery.due_at <= now) & _NOT_PAUSED
    return await session.scalar(select(func.count()).where(waiting | (Delivery.status == SENDING))) or 0


_R = Reminder.__table__.c
# What claiming reads of a due reminder: plain rows, not ORM objects (a claim of 100,000 spent most of
# its time building and then syncing objects it never kept)
_DUE_COLUMNS = (_R.id, _R.rule, _R.timezone, _R.next_fire_at, _R.fired, _R.missed_unreported)
_ADVANCE = (
    update(Reminder.__table__)
    .where(_R.id == bindparam("b_id"))
    .values(
        next_fire_at=bindparam("b_next"), fired=bindparam("b_fired"), missed_unreported=bindparam("b_missed")
    )
)


async def due_reminders(session: AsyncSession, now: datetime, limit: int) -> Sequence[Row]:
    """Due, unpaused reminders (id, rule, timezone, next_fire_at, fired, missed_unreported), the earliest
    first; locked for this claim on PostgreSQL."""
    query = (
        select(*_DUE_COLUMNS).where(_R.next_fire_at <= now, ~_R.paused).order_by(_R.next_fire_at).limit(limit)
    )
    return (await session.execute(_locked(session, query))).all()


async def advance_reminders(session: AsyncSession, changes: Sequence[dict]) -> None:
    """Store each claimed reminder's new state: dicts with its `id` and the columns that change
    (`next_fire_at`, `fired`, `missed_unreported`), written as one executemany UPDATE."""
    if changes:
        rows = [
            {
                "b_id": c["id"],
                "b_next": c["next_fire_at"],
                "b_fired": c["fired"],
                "b_missed": c["missed_unreported"],
            }
            for c in changes
        ]
        await session.execute(_ADVANCE, rows)


async def write_deliveries(session: AsyncSession, rows: Sequence[dict]) -> None:
    """Insert occurrences; one already written (by an earlier claim) is left as it is."""
    if rows:  # the table, not the ORM entity: a plain executemany
        await session.execute(
            dialect_insert(session, Delivery.__table__).on_conflict_do_nothing(), list(rows)
        )


# Deliveries


async def claim_deliveries(
    session: AsyncSession, now: datetime, limit: int
) -> list[tuple[Delivery, Reminder]]:
    """Pending deliveries that are due, marked as being sent (by this process, now)."""
    query = (
        select(Delivery)
        .where(Delivery.status == PENDING, Delivery.due_at <= now, _NOT_PAUSED)
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
    )
    deliveries = list((await session.execute(_locked(session, query))).scalars())
    if not deliveries:
        return []
    ids = [d.id for d in deliveries]
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(status=SENDING, claimed_at=now, attempts=Delivery.attempts + 1)
    )
    rows = await session.execute(
        select(Delivery, Reminder)
        .join(Reminder, Delivery.reminder_id == Reminder.id)
        .where(Delivery.id.in_(ids))
        .order_by(Delivery.due_at, Delivery.id)
        .execution_options(populate_existing=True)
    )
    return [(d, r) for d, r in rows]


async def finish_delivery(
    session: AsyncSession, delivery_id: int, status: str, now: datetime, error: str = ""
) -> None:
    values: dict[str, object] = {"status": status, "error": error[:200]}
    if status == SENT:
        values["sent_at"] = now
    await session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))


async def retry_delivery(session: AsyncSession, delivery_id: int, at: datetime, error: str) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status=PENDING, due_at=at, error=error[:200])
    )


async def release_stale(session: AsyncSession, claimed_before: datetime) -> int:
    """Deliveries left 'sending' by a process that died go back to pending (at most one repeated)."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.status == SENDING, Delivery.claimed_at < claimed_before)
        .values(status=PENDING)
    )
    return result.rowcount or 0


async def set_item(session: AsyncSession, delivery_id: int, item: str) -> None:
    """What a message carries (a quiz post's question), kept for its presses and its retries."""
    await session.execute(update(Delivery).where(Delivery.id == delivery_id).values(item=item[:140]))


async def get_delivery(session: AsyncSession, delivery_id: int) -> Delivery | None:
    return await session.get(Delivery, delivery_id) if is_id(delivery_id) else None


async def next_seq(session: AsyncSession, reminder_id: int, fire_at: datetime) -> int:
    top = await session.scalar(
        select(func.max(Delivery.seq)).where(Delivery.reminder_id == reminder_id, Delivery.fire_at == fire_at)
    )
    return int(top or 0) + 1


# Chats


async def chat_zone(session: AsyncSession, platform: str, chat_id: str) -> ZoneInfo | None:
    """The zone a group's admins set with /timezone; None when none is set (or the name is one this
    machine's tz database lacks). Boards, challenges and /stats follow it, UTC without one."""
    name = await session.scalar(
        select(Chat.timezone).where(Chat.platform == platform, Chat.chat_id == chat_id)
    )
    try:
        return ZoneInfo(name) if name else None
    except (KeyError, ValueError):
        return None


async def chat_state(session: AsyncSession, platform: str, chat_id: str) -> Chat | None:
    return (
        await session.execute(select(Chat).where(Chat.platform == platform, Chat.chat_id == chat_id))
    ).scalar_one_or_none()


async def _ensure_chat(session: AsyncSession, platform: str, chat_id: str) -> None:
    await session.execute(
        dialect_insert(session, Chat)
        .values(platform=platform, chat_id=chat_id)
        .on_conflict_do_nothing(index_elements=["platform", "chat_id"])
    )


async def set_chat_timezone(session: AsyncSession, platform: str, chat_id: str, tz: str) -> None:
    await _ensure_chat(session, platform, chat_id)
    await session.execute(
        update(Chat).where(Chat.platform == platform, Chat.chat_id == chat_id).values(timezone=tz)
    )


async def block_chat(session: AsyncSession, platform: str, chat_id: str, now: datetime) -> None:
    """The platform refuses to deliver here: pause every reminder of the chat, and have their owners
    told when they next write."""
    await _ensure_chat(session, platform, chat_id)
    await session.execute(
        update(Chat).where(Chat.platform == platform, Chat.chat_id == chat_id).values(blocked_at=now)
    )
    in_chat = and_(Reminder.platform == platform, Reminder.chat_id == chat_id)
    await session.execute(
        update(User)
        .where(User.id.in_(select(Reminder.owner_id).where(in_chat)))
        .values(reminders_notice=True)
    )
    await session.execute(update(Reminder).where(in_chat).values(paused=True))
    await session.execute(
        update(Delivery)
        .where(
            Delivery.status.in_((PENDING, SENDING)),
            Delivery.reminder_id.in_(select(Reminder.id).where(in_chat)),
        )
        .values(status=BLOCKED)
    )


async def unblock_chat(session: AsyncSession, platform: str, chat_id: str) -> None:
    await session.execute(
        update(Chat).where(Chat.platform == platform, Chat.chat_id == chat_id).values(blocked_at=None)
    )
