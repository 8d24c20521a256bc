"""db/users.py on both databases (a fresh, migrated SQLite file, then PostgreSQL): finding and
creating learners, and their settings."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from db import users
from db.models import User
from tests.stores import NOW, count_rows


async def test_get_or_create_user_twice_returns_the_same_learner(sessions) -> None:  # noqa: ANN001
    async with sessions() as s, s.begin():
        first = await users.get_or_create_user(s, "fake", "alice", "Alice", NOW)
    async with sessions() as s, s.begin():
        again = await users.get_or_create_user(s, "fake", "alice", "Alice Renamed", NOW + timedelta(days=1))
        other = await users.get_or_create_user(s, "telegram", "alice", "Alice", NOW)
    assert again.id == first.id
    assert again.display_name == "Alice"  # found, not re-created
    assert (first.lang, first.timezone) == (None, "UTC")
    assert other.id != first.id  # same id on another platform is another learner
    assert await count_rows(sessions, User) == 2
    async with sessions() as s:
        user = await users.find_user(s, "fake", "alice")
        assert user is not None and user.id == first.id and user.created_at == NOW
        assert await users.find_user(s, "fake", "nobody") is None


async def test_many_first_messages_at_once_create_one_learner(sessions) -> None:  # noqa: ANN001
    async def first_message() -> int:
        async with sessions() as s, s.begin():
            row = await users.get_or_create_user(s, "fake", "bob", "Bob", NOW)
            await asyncio.sleep(0)  # hold the transaction open while the others insert
            return row.id

    ids = await asyncio.gather(*(first_message() for _ in range(10)))
    assert len(set(ids)) == 1
    assert await count_rows(sessions, User) == 1


async def test_long_display_names_are_cut_and_language_and_zone_are_saved(sessions) -> None:  # noqa: ANN001
    async with sessions() as s, s.begin():
        row = await users.get_or_create_user(s, "fake", "carol", "C" * 300, NOW)
        await users.set_user_lang(s, row.id, "zh")
        await users.set_user_timezone(s, row.id, "Asia/Shanghai")
    async with sessions() as s, s.begin():
        row = await users.get_or_create_user(s, "fake", "carol", "Carol", NOW)
    assert row.display_name == "C" * 128
    assert (row.lang, row.timezone) == ("zh", "Asia/Shanghai")
