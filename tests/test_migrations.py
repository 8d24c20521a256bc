"""The Alembic migrations build exactly the schema that db.models describes, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from db.engine import make_engine
from db.migrate import alembic_config, upgrade
from db.models import Base

# every test here starts from an empty database (not the migrated copy other tests get)
pytestmark = pytest.mark.empty_database

EXPECTED_TABLES = {"users", "step_progress", "study_logs", "faq_stats", "unanswered_questions"}


HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.fixture
async def engine(db_url: str):  # noqa: ANN201
    """An engine on a fresh, empty database: SQLite, then PostgreSQL."""
    eng = make_engine(db_url)
    yield eng
    await eng.dispose()


def _diff(sync_conn) -> list:  # noqa: ANN001
    ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
    return compare_metadata(ctx, Base.metadata)


def _tables(sync_conn) -> set[str]:  # noqa: ANN001
    return set(inspect(sync_conn).get_table_names())


@pytest.mark.slow
async def test_fresh_database_matches_the_models(engine) -> None:  # noqa: ANN001
    await upgrade(engine)
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == [], f"migrations and db/models.py differ: {diff}"


async def test_expected_tables_and_index_exist(engine) -> None:  # noqa: ANN001
    await upgrade(engine)
    async with engine.connect() as conn:
        tables = await conn.run_sync(_tables)
        indexes = await conn.run_sync(lambda c: {ix["name"] for ix in inspect(c).get_indexes("study_logs")})
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    assert tables >= EXPECTED_TABLES
    assert "alembic_version" in tables
    assert "ix_study_logs_user_time" in indexes
    assert version == HEAD


async def test_a_start_at_head_runs_no_migration_and_one_behind_runs_it(engine, monkeypatch) -> None:  # noqa: ANN001
    from alembic import command

    await upgrade(engine)
    ran: list[str] = []
    real = command.upgrade
    monkeypatch.setattr(command, "upgrade", lambda cfg, rev: ran.append(rev) or real(cfg, rev))
    await upgrade(engine)  # at head: looked at, not migrated
    assert ran == []
    async with engine.begin() as conn:  # as if the code had moved on by one revision since
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "-1"))
    await upgrade(engine)
    assert ran == ["head"]
    async with engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_upgrade_twice_is_harmless(engine) -> None:  # noqa: ANN001
    await upgrade(engine)
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO faq_stats (faq_id, lang, asked) VALUES ('salary', 'en', 3)"))
    await upgrade(engine)  # already at head: nothing to do, nothing lost
    async with engine.connect() as conn:
        tables = await conn.run_sync(_tables)
        diff = await conn.run_sync(_diff)
        asked = (await conn.execute(text("SELECT asked FROM faq_stats WHERE faq_id = 'salary'"))).scalar_one()
        versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    assert tables >= EXPECTED_TABLES
    assert diff == []
    assert asked == 3
    assert versions == [HEAD]


async def test_an_older_database_with_data_is_upgraded_keeping_it(engine) -> None:  # noqa: ANN001
    await upgrade(engine, "0001")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (id, platform, platform_user_id, display_name, lang, timezone, created_at)"
                " VALUES (1, 'telegram', '42', 'Priya', 'en', 'Asia/Kolkata', '2026-01-05 10:00:00')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO step_progress (user_id, step_id, state, updated_at)"
                " VALUES (1, 'python-basics', 'done', '2026-01-06 10:00:00')"
            )
        )
    await upgrade(engine)
    async with engine.connect() as conn:
        user = (
            await conn.execute(
                text(
                    "SELECT a.platform_user_id, u.timezone, u.timezone_set FROM users u"
                    " JOIN accounts a ON a.user_id = u.id"
                )
            )
        ).one()
        step = (await conn.execute(text("SELECT step_id, state FROM step_progress"))).one()
        assert await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision()) == HEAD
        assert "reminders" in await conn.run_sync(_tables)
    assert tuple(user) == ("42", "Asia/Kolkata", False) and tuple(step) == ("python-basics", "done")


async def test_0003_keeps_study_logs_as_instants_and_unattributed_questions_as_counts(engine) -> None:  # noqa: ANN001
    """Logs written before 0003 keep their minutes and get `studied_at` = when they were written; questions
    stored before anyone's asks were recorded can never be taken back by /forget, so their text goes and
    their counts stay as anonymous tallies."""
    await upgrade(engine, "0002")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (id, platform, platform_user_id, display_name, lang, timezone,"
                " timezone_set, reminders_notice, created_at) VALUES (1, 'telegram', '42', 'Priya', 'en',"
                " 'Asia/Kolkata', false, false, '2026-01-05 10:00:00')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO study_logs (user_id, minutes, note, logged_at, local_day)"
                " VALUES (1, 45, 'pandas', '2026-01-05 19:00:00', '2026-01-06')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO unanswered_questions (text, lang, count, first_seen, last_seen) VALUES"
                " ('call me on 555-0100', 'en', 3, '2026-01-01 09:00:00', '2026-01-07 09:00:00'),"
                " ('another one', 'en', 2, '2026-01-07 08:00:00', '2026-01-07 10:00:00')"
            )
        )
    await upgrade(engine)
    async with engine.connect() as conn:
        log = (
            await conn.execute(text("SELECT minutes, note, studied_at, delivery_id FROM study_logs"))
        ).one()
        texts_left = (await conn.execute(text("SELECT count(*) FROM unanswered_questions"))).scalar_one()
        tallies = (await conn.execute(text("SELECT day, lang, answered, count FROM question_tallies"))).all()
    assert (log[0], log[1], log[3]) == (45, "pandas", None)
    assert str(log[2]).startswith("2026-01-05 19:00:00")
    assert texts_left == 0
    assert [(str(d), lang, bool(a), n) for d, lang, a, n in tallies] == [("2026-01-07", "en", False, 5)]


async def test_0015_makes_each_user_a_learner_with_one_account_and_back(engine) -> None:  # noqa: ANN001
    await upgrade(engine, "0013")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (id, platform, platform_user_id, display_name, lang, timezone,"
                " timezone_set, reminders_notice, weekly_digest_off, created_at) VALUES"
                " (1, 'telegram', '42', 'Priya', 'en', 'Asia/Kolkata', true, false, false,"
                " '2026-01-05 10:00:00'),"
                " (2, 'discord', '42', 'Priya D', NULL, 'UTC', false, false, false, '2026-01-06 10:00:00')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO study_logs (user_id, minutes, note, logged_at, studied_at) VALUES"
                " (2, 30, 'numpy', '2026-01-06 11:00:00', '2026-01-06 11:00:00')"
            )
        )
    await upgrade(engine)
    async with engine.connect() as conn:
        accounts = (
            await conn.execute(
                text("SELECT platform, platform_user_id, user_id FROM accounts ORDER BY user_id")
            )
        ).all()
        columns = {c["name"] for c in await conn.run_sync(lambda c: inspect(c).get_columns("users"))}
        log_owner = (await conn.execute(text("SELECT user_id FROM study_logs"))).scalar_one()
    assert [tuple(a) for a in accounts] == [("telegram", "42", 1), ("discord", "42", 2)]
    assert "platform" not in columns and "platform_user_id" not in columns and log_owner == 2
    from alembic import command  # noqa: PLC0415

    url = engine.url.render_as_string(hide_password=False)
    back = make_engine(url, foreign_keys=False) if engine.dialect.name == "sqlite" else engine  # as upgrade()
    async with back.begin() as conn:  # and back: each learner keeps its (oldest) account
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0013"))
    if back is not engine:
        await back.dispose()
    async with engine.connect() as conn:
        users = (
            await conn.execute(text("SELECT id, platform, platform_user_id FROM users ORDER BY id"))
        ).all()
    assert [tuple(u) for u in users] == [(1, "telegram", "42"), (2, "discord", "42")]


async def test_0016_copies_each_boards_logs_since_joining(engine) -> None:  # noqa: ANN001
    await upgrade(engine, "0015")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (id, display_name, lang, timezone, timezone_set, reminders_notice,"
                " weekly_digest_off, created_at) VALUES"
                " (1, 'Priya', 'en', 'UTC', true, false, false, '2026-01-05 10:00:00'),"
                " (2, 'Max', 'en', 'UTC', true, false, false, '2026-01-05 10:00:00')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO study_logs (id, user_id, minutes, note, logged_at, studied_at) VALUES"
                " (1, 1, 30, '', '2026-01-06 11:00:00', '2026-01-06 11:00:00'),"  # before joining g1
                " (2, 1, 20, '', '2026-01-08 11:00:00', '2026-01-08 11:00:00'),"
                " (3, 2, 45, '', '2026-01-08 12:00:00', '2026-01-08 12:00:00')"  # Max joined no board
            )
        )
        await conn.execute(
            text(
                "INSERT INTO board_members (platform, chat_id, user_id, joined_at) VALUES"
                " ('telegram', 'g1', 1, '2026-01-07 09:00:00'), ('telegram', 'g2', 1, '2026-01-01 09:00:00')"
            )
        )
    await upgrade(engine)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT chat_id, log_id, minutes FROM board_logs ORDER BY chat_id, log_id")
            )
        ).all()
    assert [tuple(r) for r in rows] == [("g1", 2, 20), ("g2", 1, 30), ("g2", 2, 20)]
    from alembic import command  # noqa: PLC0415

    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0015"))
    async with engine.connect() as conn:
        assert "board_logs" not in await conn.run_sync(_tables)


@pytest.mark.slow
async def test_processes_starting_together_migrate_once(db_url: str) -> None:
    """Three engines (as three bot processes) upgrade the same empty database at the same moment."""
    import asyncio

    engines = [make_engine(db_url) for _ in range(3)]
    try:
        await asyncio.gather(*(upgrade(e) for e in engines))
        async with engines[0].connect() as conn:
            assert await conn.run_sync(_diff) == []
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert [v[0] for v in versions] == [HEAD]
    finally:
        for e in engines:
            await e.dispose()


async def test_a_start_cancelled_while_waiting_for_the_migration_lock_lets_it_go(
    tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    """Left held by nobody, the lock kept every later start in the process waiting (a test run hung)."""
    import asyncio
    import fcntl

    from db import migrate

    database = str(tmp_path / "x.db")
    held = migrate._lock_file(database)  # another process is migrating
    taken = []  # the lock file stays referenced (as it was when the run hung), so only closing it lets go
    lock_file = migrate._lock_file
    monkeypatch.setattr(migrate, "_lock_file", lambda db: taken.append(lock_file(db)) or taken[-1])
    waiting = asyncio.create_task(migrate._take_lock(database))
    await asyncio.sleep(0.05)
    waiting.cancel()  # this start is called off while it waits
    with pytest.raises(asyncio.CancelledError):
        await waiting
    held.close()  # the other process is done: the waiting thread takes the lock, and must let it go
    with open(f"{database}.migrate-lock", "ab") as probe:
        for _ in range(500):
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(0.01)
        else:
            pytest.fail("the cancelled start still holds the migration lock")
