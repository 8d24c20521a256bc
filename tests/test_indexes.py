"""What a learner's commands cost must not grow with everyone else's data: the statements the reminder
commands, /export and /forget run find the learner's rows through an index, on SQLite and PostgreSQL.
Checked on the database's own plan for the statements the real query functions send (tests/query_plans.py),
over a few thousand learners so that PostgreSQL's planner prefers an index where one exists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, inspect, select

from db import reminders as store
from db.engine import make_engine, make_sessions
from db.migrate import upgrade
from db.models import Account, Delivery, Reminder, User
from db.privacy import export_user, forget_user
from db.users import find_user
from tests.query_plans import caught_statements, full_scans, plan

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LEARNERS = 3000
REMINDER_TABLES = {"reminders", "deliveries"}


@pytest.fixture
async def engine(db_url: str):  # noqa: ANN201
    """A migrated database holding LEARNERS learners, each with one reminder in their own chat and one
    message it sent; statistics gathered as a live database has them."""
    engine = make_engine(db_url)
    await upgrade(engine)
    async with make_sessions(engine)() as s, s.begin():
        await s.execute(
            insert(User),
            [
                {"id": i + 1, "display_name": f"U{i}", "lang": None, "timezone": "UTC", "timezone_set": True,
                 "reminders_notice": False, "created_at": NOW}
                for i in range(LEARNERS)
            ],
        )  # fmt: skip
        await s.execute(
            insert(Account),
            [
                {"platform": "fake", "platform_user_id": f"u{i}", "user_id": i + 1, "since": NOW}
                for i in range(LEARNERS)
            ],
        )
        owners = {f"u{i}": i + 1 for i in range(LEARNERS)}
        await s.execute(
            insert(Reminder),
            [
                {"owner_id": owners[f"u{i}"], "platform": "fake", "chat_id": f"u{i}", "is_group": False,
                 "text": "study", "lang": "en", "rule": '{"kind": "daily"}', "timezone": "UTC",
                 "next_fire_at": NOW + timedelta(hours=9), "fired": 1, "missed_unreported": 0,
                 "paused": False, "created_at": NOW}
                for i in range(LEARNERS)
            ],
        )  # fmt: skip
        await s.execute(
            insert(Delivery),
            [
                {"reminder_id": rid, "fire_at": NOW, "seq": 0, "due_at": NOW, "status": "sent",
                 "delayed": False, "missed_before": 0, "attempts": 1, "error": ""}
                for rid in (await s.scalars(select(Reminder.id))).all()
            ],
        )  # fmt: skip
    if engine.dialect.name == "postgresql":  # what autovacuum does on a live database
        async with engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")
            await conn.commit()
    yield engine
    await engine.dispose()


async def _learner_statements(engine) -> list[tuple[str, object]]:  # noqa: ANN001
    """What the handlers send for one learner: /remind's count of owned reminders, /reminders' (and
    /pause, /resume's) reminders in the chat, /export, /forget; and a blocked chat's pause. Rolled back."""
    async with make_sessions(engine)() as s, s.begin():
        uid = (await find_user(s, "fake", "u1234")).id
        with caught_statements(engine) as caught:
            await store.count_owned(s, uid)
            await store.reminders_in(s, "fake", "u1234")
            await export_user(s, uid)
            await store.block_chat(s, "fake", "u1234", NOW)
            await forget_user(s, uid)
        await s.rollback()
    return caught


async def _reminder_scans(engine) -> list[str]:  # noqa: ANN001
    caught = await _learner_statements(engine)
    touching = [(st, p) for st, p in caught if "reminders" in st]
    assert len(touching) >= 6, f"expected the reminder statements to be caught, got {touching}"
    found = []
    async with engine.connect() as conn:
        for statement, params in touching:
            scanned = await full_scans(conn, statement, params) & REMINDER_TABLES
            if scanned:
                lines = "\n    ".join(await plan(conn, statement, params))
                found.append(f"{sorted(scanned)} scanned by: {' '.join(statement.split())}\n    {lines}")
    return found


async def test_learner_reminder_statements_search_an_index_not_the_reminders_table(engine) -> None:  # noqa: ANN001
    scans = await _reminder_scans(engine)
    assert not scans, "\n".join(scans)


async def test_without_the_reminder_indexes_the_same_check_finds_scans(engine) -> None:  # noqa: ANN001
    """The check above can fail: take the two indexes away and it sees the whole table read."""
    async with engine.begin() as conn:
        await conn.exec_driver_sql("DROP INDEX ix_reminders_owner")
        await conn.exec_driver_sql("DROP INDEX ix_reminders_chat")
        if conn.dialect.name == "postgresql":
            await conn.exec_driver_sql("ANALYZE reminders")
    scans = await _reminder_scans(engine)
    assert len(scans) >= 4, "\n".join(scans)  # count owned, in the chat, export's, forget's (and more)
    assert all("'reminders'" in s for s in scans)


async def test_every_foreign_key_has_an_index_starting_with_its_columns(engine) -> None:  # noqa: ANN001
    """Deleting a parent row (a learner, a reminder's messages) looks up its children by the foreign
    key; without an index that leads with the key's columns, that is a read of the whole child table."""

    def unindexed(sync_conn) -> list[str]:  # noqa: ANN001
        insp = inspect(sync_conn)
        missing = []
        for table in insp.get_table_names():
            leads = [insp.get_pk_constraint(table)["constrained_columns"]]
            leads += [ix["column_names"] for ix in insp.get_indexes(table)]
            leads += [uq["column_names"] for uq in insp.get_unique_constraints(table)]
            for fk in insp.get_foreign_keys(table):
                cols = fk["constrained_columns"]
                if not any(lead[: len(cols)] == cols for lead in leads):
                    missing.append(f"{table}({', '.join(cols)}) -> {fk['referred_table']}")
        return missing

    async with engine.connect() as conn:
        missing = await conn.run_sync(unindexed)
    assert not missing, f"foreign keys with no index leading with their columns: {missing}"
