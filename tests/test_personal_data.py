"""db/personal_data.py: every table says whose data it holds, so /export and /forget cannot miss one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import ForeignKey, Integer, MetaData, String, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.engine import make_engine, make_sessions
from db.models import Base, UtcDateTime
from db.personal_data import Anonymous, Export, Owned, declaration, declare, problems
from db.privacy import export_user, forget_user
from db.users import get_or_create_user
from tests.stores import EXPORT_SECTIONS

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def copy_of_the_models() -> MetaData:
    """Base.metadata's tables, declarations included, in a metadata a test may add throwaway tables to."""
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata).info.update(table.info)
    return metadata


def scratch_base(metadata: MetaData) -> type[DeclarativeBase]:
    class Scratch(DeclarativeBase):
        pass

    Scratch.metadata = metadata  # the throwaway tables go here, next to the copies, never into Base
    return Scratch


def test_every_table_declares_whose_data_it_holds() -> None:
    assert problems(Base.metadata) == []


def test_the_declarations_are_the_ones_privacy_relies_on() -> None:
    tables = Base.metadata.tables
    personal = {name for name, t in tables.items() if isinstance(declaration(t), Owned)}
    anonymous = {name for name, t in tables.items() if isinstance(declaration(t), Anonymous)}
    assert personal == {
        "users",
        "accounts",
        "link_codes",
        "link_tries",
        "link_events",
        "step_progress",
        "study_logs",
        "reminders",
        "deliveries",
        "unanswered_askers",
        "faq_asks",
        "misfire_reporters",
        "practice_cards",
        "practice_reviews",
        "quiz_answers",
        "practice_sessions",
        "step_notes",
        "resource_marks",
        "board_members",
        "board_logs",
        "challenges",
        "challenge_members",
        "challenge_checkins",
        "chat_activity",
    }
    assert anonymous == {
        "faq_stats",
        "question_tallies",
        "processed_events",
        "chats",
        "chat_question_tallies",
        "chat_unanswered",
    }
    assert [
        declaration(t).export.key for t in tables.values() if getattr(declaration(t), "export", None)
    ] == EXPORT_SECTIONS


def test_a_new_user_table_left_undeclared_fails() -> None:
    metadata = copy_of_the_models()
    assert problems(metadata) == []

    class Note(scratch_base(metadata)):
        __tablename__ = "notes"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
        text: Mapped[str] = mapped_column(String(200))

    found = problems(metadata)
    assert len(found) == 1
    assert found[0].startswith("notes: declare whose data it holds")


def test_a_user_table_cannot_be_declared_anonymous() -> None:
    metadata = copy_of_the_models()

    class Note(scratch_base(metadata)):
        __tablename__ = "notes"
        __table_args__ = declare(Anonymous(why="just notes"))
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id"))  # reminders are someone's

    assert problems(metadata) == [
        "notes: declared Anonymous but reminder_id leads to users.id: declare Owned"
    ]


@pytest.mark.parametrize(
    ("owned", "problem"),
    [
        (Owned(by="text", why="x"), "notes: Owned(by='text') must hold users.id or be a foreign key"),
        (Owned(by="user_id"), "notes: Owned without an export: say why"),
        (
            Owned(by="user_id", export=Export("notes", {"text": "text"}), kept_back=("id",)),
            "notes: columns user_id are neither exported nor in kept_back",
        ),
        (
            Owned(by="user_id", export=Export("study_log", {"text": "text"}), kept_back=("id", "user_id")),
            "notes: export key 'study_log' is used twice",
        ),
        (
            Owned(by="user_id", export=Export("notes", {"text": "txt"}), kept_back=("id", "user_id", "text")),
            "notes: its Export names 'txt'",
        ),
    ],
)
def test_a_personal_table_must_be_found_from_the_person_and_exported_in_full(
    owned: Owned, problem: str
) -> None:
    metadata = copy_of_the_models()

    class Note(scratch_base(metadata)):
        __tablename__ = "notes"
        __table_args__ = declare(owned)
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
        text: Mapped[str] = mapped_column(String(200))

    found = problems(metadata)
    assert len(found) == 1 and found[0].startswith(problem), found


def test_a_declared_user_table_passes() -> None:
    metadata = copy_of_the_models()

    class Note(scratch_base(metadata)):
        __tablename__ = "notes"
        __table_args__ = declare(
            Owned(
                by="user_id",
                export=Export("notes", {"text": "text"}, order_by=("id",)),
                kept_back=("user_id",),
            )
        )
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
        text: Mapped[str] = mapped_column(String(200))

    assert problems(metadata) == []


async def test_a_declared_table_is_exported_and_forgotten_with_no_other_change(tmp_path) -> None:  # noqa: ANN001
    metadata = copy_of_the_models()

    class Note(scratch_base(metadata)):  # a new feature's table, e.g. a learner's notes on a step
        __tablename__ = "notes"
        __table_args__ = declare(
            Owned(
                by="user_id",
                export=Export("notes", {"text": "text", "at": "written_at"}, order_by=("id",)),
                kept_back=("id", "user_id"),
            )
        )
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
        text: Mapped[str] = mapped_column(String(200))
        written_at: Mapped[datetime] = mapped_column(UtcDateTime)

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = make_sessions(engine)
    try:
        async with sessions() as s, s.begin():
            alice = (await get_or_create_user(s, "fake", "alice", "Alice", NOW)).id
            bob = (await get_or_create_user(s, "fake", "bob", "Bob", NOW)).id
            notes = metadata.tables["notes"]
            await s.execute(
                insert(notes),
                [
                    {"user_id": alice, "text": "eigenvectors, again", "written_at": NOW},
                    {"user_id": bob, "text": "bob's note", "written_at": NOW},
                ],
            )
        async with sessions() as s:
            exported = await export_user(s, alice, metadata)
        assert exported["notes"] == [{"text": "eigenvectors, again", "at": "2026-03-02T10:00:00+00:00"}]
        async with sessions() as s, s.begin():
            await forget_user(s, alice, metadata)
        async with sessions() as s:
            assert (await s.execute(select(notes.c.text))).scalars().all() == ["bob's note"]
    finally:
        await engine.dispose()
