"""Helpers for the db stores' own tests (test_users, test_progress, test_study_logs, test_faq_stats,
test_db_privacy), which take the `sessions` fixture: a fresh, migrated SQLite file, then PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from db.models import UnansweredAsker, UnansweredQuestion
from db.users import get_or_create_user

NOW = datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=UTC)  # microseconds: they must survive both databases

# /export's sections, in order (the order of the models); a new section is added here on purpose
EXPORT_SECTIONS = [
    "user",
    "accounts",
    "account_links",
    "roadmap_progress",
    "study_log",
    "reminders",
    "unanswered_questions",
    "answered_questions",
    "answers_that_missed",
    "practice_cards",
    "card_reviews",
    "quiz_answers",
    "step_notes",
    "resources_done",
    "leaderboards_joined",
    "challenges_started",
    "challenges_joined",
    "challenge_checkins",
    "group_activity",
]


async def make_user(sessions, uid: str = "alice", name: str = "Alice") -> int:  # noqa: ANN001
    async with sessions() as s, s.begin():
        return (await get_or_create_user(s, "fake", uid, name, NOW)).id


async def count_rows(sessions, model) -> int:  # noqa: ANN001
    async with sessions() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def askers(sessions) -> dict[tuple[str, str], dict[int, int]]:  # noqa: ANN001
    """{(text, lang): {user id: times they asked}} for every unanswered question."""
    async with sessions() as s:
        questions = {
            (q.id): (q.text, q.lang) for q in (await s.execute(select(UnansweredQuestion))).scalars()
        }
        out: dict[tuple[str, str], dict[int, int]] = {key: {} for key in questions.values()}
        for a in (await s.execute(select(UnansweredAsker))).scalars():
            out[questions[a.question_id]][a.user_id] = a.count
    return out
