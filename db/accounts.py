"""One learner across platforms: link codes, wrong tries, joining two learners into one and splitting an
account off again (`/link`, `/unlink`, handlers/accounts.py).

Joining is derived from the tables' declarations (db/personal_data.py), like /export and /forget: every
Owned table's rows move to the learner kept, and where both learners have a row with the same key (the
same step, the same card) the table's `merge` rule says which stays. Nothing here names a feature's
table. The caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, UniqueConstraint, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import boards
from db.models import Account, Base, LinkCode, LinkEvent, LinkTry, Reminder, StepProgress, User
from db.personal_data import PERSON, Owned, declaration, points_at
from db.reminders import delete_reminder

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 characters, none that reads as another (0/O, 1/I)
CODE_LENGTH = 8  # 32**8: about 10**12 codes, 5 wrong tries an hour
CODE_VALID = timedelta(minutes=10)
TRIES_PER_HOUR = 5
MAX_ACCOUNTS = 8  # accounts one learner may join


def digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normal(code: str) -> str:
    """A code as typed, the way it is stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch not in " -\u00a0`")


async def new_code(session: AsyncSession, user_id: int, platform: str, now: datetime) -> str:
    """A fresh code for the learner; any older one of theirs stops working."""
    await session.execute(delete(LinkCode).where(LinkCode.user_id == user_id))
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    session.add(
        LinkCode(digest=digest(code), user_id=user_id, platform=platform, expires_at=now + CODE_VALID)
    )
    await session.flush()
    return code


@dataclass(frozen=True)
class Redeemed:
    user_id: int  # the learner who asked for the code
    platform: str  # where they asked for it


async def redeem(session: AsyncSession, code: str, now: datetime) -> Redeemed | None:
    """The code's learner, once: a valid code is used up here (deleted in the same statement that reads
    it, so two redeemers can't both have it); None for an unknown or expired code."""
    key = digest(normal(code))
    row = (
        await session.execute(
            delete(LinkCode)
            .where(LinkCode.digest == key)
            .returning(LinkCode.user_id, LinkCode.platform, LinkCode.expires_at)
        )
    ).first()
    if row is None or row.expires_at <= now:
        return None
    return Redeemed(row.user_id, row.platform)


async def prune(session: AsyncSession, user_id: int, now: datetime) -> None:
    """The learner's expired code and their wrong tries older than an hour (by the user indexes: a
    learner has at most one code and a few tries, whatever the number of learners)."""
    await session.execute(delete(LinkCode).where(LinkCode.user_id == user_id, LinkCode.expires_at <= now))
    await session.execute(
        delete(LinkTry).where(LinkTry.user_id == user_id, LinkTry.tried_at <= now - timedelta(hours=1))
    )


async def wrong_tries(session: AsyncSession, user_id: int, now: datetime) -> int:
    """Wrong codes the learner tried in the last hour."""
    since = now - timedelta(hours=1)
    return int(
        await session.scalar(select(func.count()).where(LinkTry.user_id == user_id, LinkTry.tried_at > since))
        or 0
    )


async def record_wrong_try(session: AsyncSession, user_id: int, now: datetime) -> None:
    session.add(LinkTry(user_id=user_id, tried_at=now))
    await session.flush()


async def accounts_of(session: AsyncSession, user_id: int) -> list[Account]:
    rows = await session.scalars(
        select(Account).where(Account.user_id == user_id).order_by(Account.since, Account.platform)
    )
    return list(rows)


def _owned_tables() -> list[tuple[Table, Owned]]:
    """Every Owned table whose `by` column holds users.id itself (the rest follow their parent rows)."""
    out = []
    for table in Base.metadata.sorted_tables:
        found = declaration(table)
        if not isinstance(found, Owned) or table.name == User.__tablename__:
            continue
        target = points_at(table.c[found.by])
        if target is not None and str(target) == PERSON:
            out.append((table, found))
    return out


def _keys(table: Table, by: str) -> list[tuple[str, ...]]:
    """The table's unique keys that hold `by`, without it: rows of two learners that would collide."""
    keys = []
    candidates = [list(table.primary_key.columns)]
    candidates += [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    candidates += [list(i.columns) for i in table.indexes if i.unique]
    for columns in candidates:
        names = [c.name for c in columns]
        if by in names and len(names) > 1:
            keys.append(tuple(n for n in names if n != by))
    return keys


async def _merge_table(session: AsyncSession, table: Table, owned: Owned, keep: int, gone: int) -> None:
    by = table.c[owned.by]
    how, column = owned.merge_rule
    for key in _keys(table, owned.by):
        cols = [table.c[n] for n in key]
        extra = [table.c[column]] if column else []

        async def rows(user_id: int, cols=cols, extra=extra) -> dict[tuple, object]:  # noqa: ANN001
            found = await session.execute(select(*cols, *extra).where(by == user_id))
            return {tuple(r[: len(cols)]): (r[len(cols)] if extra else None) for r in found}

        mine, theirs = await rows(keep), await rows(gone)
        for k in mine.keys() & theirs.keys():
            if any(v is None for v in k):  # NULLs never collide in a unique key
                continue
            where = [c == v for c, v in zip(cols, k, strict=True)]
            ours, other = mine[k], theirs[k]
            if how == "add":
                await session.execute(
                    update(table).where(by == keep, *where).values({column: table.c[column] + (other or 0)})
                )
                loser = gone
            elif (
                how in ("newest", "oldest")
                and other is not None
                and (ours is None or (other > ours if how == "newest" else other < ours))
            ):
                loser = keep
            else:
                loser = gone
            await session.execute(delete(table).where(by == loser, *where))
    await session.execute(update(table).where(by == gone).values({owned.by: keep}))


async def join(
    session: AsyncSession, keep: int, gone: int, one_per_learner: Iterable[str], now: datetime
) -> None:
    """Make learner `gone` part of learner `keep`: its accounts, and every row of every Owned table,
    move to `keep` (collisions settled by each table's merge rule: a step's latest change wins); `keep`'s
    unset settings take `gone`'s; where both had a reminder of a kind a learner has one of
    (`one_per_learner`: the streak nudge, the weekly digest), `keep`'s stays. Then `gone` is deleted."""
    for kind in one_per_learner:
        if await session.scalar(
            select(Reminder.id).where(Reminder.owner_id == keep, Reminder.kind == kind).limit(1)
        ):
            theirs = await session.scalars(
                select(Reminder.id).where(
                    Reminder.owner_id == gone, Reminder.kind == kind, Reminder.is_group.is_(False)
                )
            )
            for reminder_id in list(theirs):
                await delete_reminder(session, reminder_id)
    joined = [(a.platform, a.platform_user_id) for a in await accounts_of(session, gone)]
    kept, other = await session.get(User, keep), await session.get(User, gone)
    if kept.lang is None:
        kept.lang = other.lang
    if not kept.timezone_set and other.timezone_set:
        kept.timezone, kept.timezone_set = other.timezone, True
    if kept.weekly_goal_minutes is None:
        kept.weekly_goal_minutes = other.weekly_goal_minutes
    kept.weekly_digest_off = kept.weekly_digest_off and other.weekly_digest_off
    kept.reminders_notice = kept.reminders_notice or other.reminders_notice
    kept.display_name = kept.display_name or other.display_name
    kept.created_at = min(kept.created_at, other.created_at)
    await session.flush()
    for table, owned in _owned_tables():
        if table.name == LinkCode.__tablename__:
            await session.execute(delete(table).where(table.c.user_id == gone))
            continue
        await _merge_table(session, table, owned, keep, gone)
    session.expire_all()
    await session.execute(delete(User).where(User.id == gone))
    await boards.rebuild(session, keep)  # the boards' copies follow the logs and memberships moved
    for platform, account_id in joined:
        session.add(
            LinkEvent(user_id=keep, action="link", platform=platform, platform_user_id=account_id, at=now)
        )
    await session.flush()


async def split(session: AsyncSession, keep: int, platform: str, platform_user_id: str, now: datetime) -> int:
    """`/unlink` from this account: it becomes a learner of its own from now on, starting with a copy
    of the settings and of the roadmap's step states; what was learnt before stays with the other
    accounts (going forward, not back in time), except what belongs to this platform's chats (the
    reminders and group rows made on this platform), which goes with it when no other account of the
    learner is on this platform. Returns the new learner's id."""
    old = await session.get(User, keep)
    new = User(
        display_name=old.display_name,
        lang=old.lang,
        timezone=old.timezone,
        timezone_set=old.timezone_set,
        weekly_goal_minutes=old.weekly_goal_minutes,
        weekly_digest_off=old.weekly_digest_off,
        created_at=now,
    )
    session.add(new)
    await session.flush()
    new_id = new.id
    await session.execute(
        update(Account)
        .where(Account.platform == platform, Account.platform_user_id == platform_user_id)
        .values(user_id=new_id, since=now)
    )
    steps = await session.execute(
        select(StepProgress.step_id, StepProgress.state, StepProgress.updated_at).where(
            StepProgress.user_id == keep
        )
    )
    for step_id, state, updated_at in steps:
        session.add(StepProgress(user_id=new_id, step_id=step_id, state=state, updated_at=updated_at))
    others_here = await session.scalar(
        select(func.count()).where(Account.user_id == keep, Account.platform == platform)
    )
    if not others_here:
        for table, owned in _owned_tables():
            if "platform" in table.c and table.name != Account.__tablename__:
                await session.execute(
                    update(table)
                    .where(table.c[owned.by] == keep, table.c.platform == platform)
                    .values({owned.by: new_id})
                )
    await boards.rebuild(session, keep, new_id)  # the logs stayed, the memberships may have gone
    for user_id in (keep, new_id):
        session.add(
            LinkEvent(
                user_id=user_id, action="unlink", platform=platform, platform_user_id=platform_user_id, at=now
            )
        )
    await session.flush()
    session.expire_all()
    return new_id
