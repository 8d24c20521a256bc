"""Platform updates already handled, so that a repeat is dropped: Telegram re-sends an update after a
slow answer or a restart, and on PostgreSQL several processes may each be handed the same one.

The mark is written in the event's own transaction: it is there for the others once the event's work
is committed, and gone again if that work is rolled back (so a re-send of a failed update is handled).
On PostgreSQL a second insert of the same key waits for the first transaction to end, so two processes
fed the same update at once handle it once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ProcessedEvent
from db.sql import built_once, dialect_insert, execute

_events = ProcessedEvent.__table__


def _mark(session: AsyncSession):  # noqa: ANN202
    return (
        dialect_insert(session, _events)
        .values(platform=bindparam("platform"), event_id=bindparam("event_id"), seen_at=bindparam("now"))
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
        .returning(_events.c.event_id)
    )


async def first_sighting(session: AsyncSession, platform: str, event_id: str, now: datetime) -> bool:
    """Mark (platform, event_id) as handled; False when it already was (the update is a repeat). Every
    platform update runs it: a statement built once, as Core (db.sql.execute)."""
    values = {"platform": platform, "event_id": event_id, "now": now}
    return (await execute(session, built_once(session, "event_mark", _mark), values)).first() is not None


async def forget_sightings(session: AsyncSession, before: datetime) -> int:
    """Delete the marks older than `before` (platforms stop re-sending long before); how many went."""
    result = await session.execute(delete(ProcessedEvent).where(ProcessedEvent.seen_at < before))
    return result.rowcount
