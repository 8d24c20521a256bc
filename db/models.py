"""The tables. Times are stored in UTC; a learner's zone is an IANA name, never an offset.

Each table declares whose data it holds (`declare(...)`, last in `__table_args__`; see db/personal_data.py):
/export and /forget are derived from those declarations. /export's sections follow the order of the
classes below.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from db.personal_data import Anonymous, Export, Owned, SharedCount, declare


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (naive storage) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ANN201
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ANN201
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    """A learner: one person, above the platform accounts they write from (`accounts`: one row per
    Telegram or Discord or console account, several once they `/link` them). Their settings live here."""

    __tablename__ = "users"
    __table_args__ = (
        declare(
            Owned(
                by="id",
                export=Export(
                    "user",
                    {
                        "display_name": "display_name",
                        "language": "lang",
                        "timezone": "timezone",
                        "weekly_goal_minutes": "weekly_goal_minutes",
                        "weekly_digest_off": "weekly_digest_off",
                        "created_at": "created_at",
                    },
                    single=True,
                ),
                kept_back=("id", "timezone_set", "reminders_notice"),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    lang: Mapped[str | None] = mapped_column(String(8), default=None)  # None: follow the platform locale
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    timezone_set: Mapped[bool] = mapped_column(Boolean, default=False)  # chosen with /timezone
    # reminders could not reach this learner (bot blocked, DMs closed): say so when they next write
    reminders_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    weekly_goal_minutes: Mapped[int | None] = mapped_column(Integer, default=None)  # /goal; None: no goal
    # /week off: setting a goal no longer starts the Sunday digest by itself
    weekly_digest_off: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Account(Base):
    """One platform account of a learner: how an event's (platform, user id) finds its learner. A learner
    has one per platform account they use, joined by `/link` (db/accounts.py)."""

    __tablename__ = "accounts"
    __table_args__ = (
        Index("ix_accounts_user", "user_id"),  # a learner's accounts: /export, /unlink, /forget
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "accounts",
                    {"platform": "platform", "user_id": "platform_user_id", "since": "since"},
                    order_by=("since", "platform", "platform_user_id"),
                ),
                kept_back=("user_id",),
            )
        ),
    )

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    platform_user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    since: Mapped[datetime] = mapped_column(UtcDateTime)  # first seen, or linked to this learner


class LinkCode(Base):
    """A learner's one-time `/link` code, stored as its SHA-256 digest (the code itself is only shown to
    them): valid until `expires_at`, gone when used or replaced by a newer one."""

    __tablename__ = "link_codes"
    __table_args__ = (
        Index("ix_link_codes_user", "user_id"),
        declare(Owned(by="user_id", why="a digest of a 10-minute code, never readable back")),
    )

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))  # where it was asked for: used on another platform
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LinkTry(Base):
    """A wrong `/link <code>` try, kept an hour: 5 an hour per learner, then refused until they age out."""

    __tablename__ = "link_tries"
    __table_args__ = (
        Index("ix_link_tries_user_time", "user_id", "tried_at"),
        declare(Owned(by="user_id", why="when a wrong code was tried, for the rate limit only")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    tried_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LinkEvent(Base):
    """The learner's link history: each account joined (`/link`) or split off (`/unlink`), and when."""

    __tablename__ = "link_events"
    __table_args__ = (
        Index("ix_link_events_user", "user_id"),
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "account_links",
                    {"action": "action", "platform": "platform", "user_id": "platform_user_id", "at": "at"},
                    order_by=("at", "id"),
                ),
                kept_back=("id", "user_id"),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(8))  # "link" | "unlink"
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class StepProgress(Base):
    """A learner's state on one roadmap step, keyed by the step's stable id (never its position)."""

    __tablename__ = "step_progress"
    __table_args__ = declare(
        Owned(
            by="user_id",
            export=Export(
                "roadmap_progress",
                {"step": "step_id", "state": "state", "updated_at": "updated_at"},
                order_by=("step_id",),
            ),
            merge="newest:updated_at",
            kept_back=("user_id",),
        )
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    step_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(8))  # doing | done | skipped
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StudyLog(Base):
    """A stretch of study. Only instants are stored: the day it counts for is derived from `studied_at`
    in the learner's current zone, so changing zones never splits or doubles a day."""

    __tablename__ = "study_logs"
    __table_args__ = (
        Index("ix_study_logs_user_time", "user_id", "studied_at", "minutes"),  # sums read the index only
        # one Done per (reminder message, learner): a second press finds this row
        Index("uq_study_logs_delivery", "user_id", "delivery_id", unique=True),
        Index("ix_study_logs_delivery", "delivery_id"),  # deleting a delivery sets its logs' delivery_id NULL
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "study_log",
                    {
                        "minutes": "minutes",
                        "note": "note",
                        "logged_at": "logged_at",
                        "studied_at": "studied_at",
                    },
                    order_by=("logged_at", "id"),
                ),
                kept_back=("id", "user_id", "delivery_id"),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    logged_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when it was written
    studied_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when the study happened (back-dated logs)
    # the reminder message whose Done button logged it; None for /log
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL", name="fk_study_logs_delivery"), default=None
    )


class ProcessedEvent(Base):
    """Platform updates already handled (a Telegram update_id, a Discord interaction or message id), so
    a repeat, after a restart or in another process on the same database, is dropped. Pruned by age."""

    __tablename__ = "processed_events"
    __table_args__ = (
        Index("ix_processed_events_seen", "seen_at"),
        declare(Anonymous(why="platform update ids, with no link to who sent them")),
    )

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FaqStat(Base):
    """How often each FAQ entry was answered, per language. No user ids."""

    __tablename__ = "faq_stats"
    __table_args__ = declare(Anonymous(why="answer counts per FAQ entry and language"))

    faq_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    asked: Mapped[int] = mapped_column(Integer, default=0)
    helpful: Mapped[int] = mapped_column(Integer, default=0)  # "that answered it" presses
    unhelpful: Mapped[int] = mapped_column(Integer, default=0)  # "not what I asked" presses


class QuestionTally(Base):
    """Anonymous counts of free-text questions per UTC day and language, answered or not: what admins
    keep seeing after the askers are forgotten. No text, no user ids."""

    __tablename__ = "question_tallies"
    __table_args__ = declare(Anonymous(why="question counts per UTC day and language: no text, no user ids"))

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    answered: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Chat(Base):
    """Per-chat state: a group's time zone (set by its admins), and whether the bot can still post there."""

    __tablename__ = "chats"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id", name="uq_chats_platform_chat"),
        # keyed by chat, not by person; a private chat's row (its id, whether it blocked the bot) is not
        # taken by /forget today: declaring it Owned would need a way from the person to their DM chat
        declare(Anonymous(why="a chat's zone and whether the bot may post there, keyed by the chat")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    blocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)  # bot blocked / DMs closed


class Reminder(Base):
    """The source of truth for a reminder: its rule, its IANA zone and its next fire time in UTC."""

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_due", "next_fire_at"),
        Index("ix_reminders_owner", "owner_id"),
        Index("ix_reminders_chat", "platform", "chat_id"),
        declare(
            Owned(
                by="owner_id",
                export=Export(
                    "reminders",
                    {
                        "id": "id",
                        "chat": "chat_id",
                        "rule": ("rule", json.loads),
                        "text": "text",
                        "kind": "kind",
                        "timezone": "timezone",
                        "next": "next_fire_at",
                        "paused": "paused",
                    },
                    order_by=("id",),
                ),
                kept_back=(
                    "owner_id",
                    "platform",
                    "is_group",
                    "lang",
                    "fired",
                    "missed_unreported",
                    "created_at",
                ),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))  # where it is sent: the learner's DM, or a group
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(String(300), default="")
    # "text": a reminder with its text; "review": a learner's daily review nudge (sent only when cards
    # are due); "quiz": a group's quiz question of the day. The service sends all three the same way.
    # "challenge": the summary posted once the day after a group challenge's last day (handlers/challenges.py)
    kind: Mapped[str] = mapped_column(String(16), default="text", server_default="text")
    lang: Mapped[str] = mapped_column(String(8), default="en")  # the language its messages are written in
    rule: Mapped[str] = mapped_column(Text)  # handlers.schedule.Rule.to_json()
    timezone: Mapped[str] = mapped_column(String(64))
    next_fire_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)  # None: finished
    fired: Mapped[int] = mapped_column(Integer, default=0)
    missed_unreported: Mapped[int] = mapped_column(Integer, default=0)  # mentioned in the next message
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Delivery(Base):
    """One message for one occurrence of a reminder. UNIQUE (reminder, fire time, seq) makes claiming
    idempotent: an occurrence is written once, so it is sent at most once (bar the one in flight)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("reminder_id", "fire_at", "seq", name="uq_deliveries_occurrence"),
        Index("ix_deliveries_pending", "status", "due_at"),
        declare(Owned(by="reminder_id", why="the send state of the person's reminders: deleted with them")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"))
    fire_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the occurrence
    seq: Mapped[int] = mapped_column(Integer, default=0)  # 0: the occurrence itself; 1, 2...: snoozes
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when to send it
    status: Mapped[str] = mapped_column(
        String(10)
    )  # pending, sending, sent, missed, failed, blocked, skipped
    delayed: Mapped[bool] = mapped_column(Boolean, default=False)
    missed_before: Mapped[int] = mapped_column(Integer, default=0)  # missed occurrences to mention
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    error: Mapped[str] = mapped_column(String(200), default="")
    # what the message carried when it is not the reminder's own text ("step/question" for a quiz of
    # the day), so a press reads the same question whatever the content says since
    item: Mapped[str] = mapped_column(String(140), default="", server_default="")
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)  # a nudge's button


class UnansweredQuestion(Base):
    """Questions the bot could not answer: text and language only, counted, for content admins."""

    __tablename__ = "unanswered_questions"
    __table_args__ = (
        UniqueConstraint("text", "lang", name="uq_unanswered_text_lang"),
        Index("ix_unanswered_top", "count", "last_seen"),  # /gaps: the most asked first
        # a learner's words: exported with their asks, and gone once nobody who asked them is left
        declare(
            SharedCount(through="unanswered_askers", kept_back=("id", "count", "first_seen", "last_seen"))
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(500))
    lang: Mapped[str] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)


class UnansweredAsker(Base):
    """Who asked an unanswered question, so /forget can take a learner's words out of
    `unanswered_questions` (the row goes when nobody else asked it; the count drops by theirs)."""

    __tablename__ = "unanswered_askers"
    __table_args__ = (
        Index("ix_unanswered_askers_user", "user_id"),  # /forget and /export find theirs
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "unanswered_questions",
                    {
                        "text": "unanswered_questions.text",
                        "language": "unanswered_questions.lang",
                        "times_asked": "count",
                    },
                    order_by=("unanswered_questions.first_seen", "unanswered_questions.id"),
                ),
                merge="add:count",
                kept_back=("question_id", "user_id"),
            )
        ),
    )

    question_id: Mapped[int] = mapped_column(
        ForeignKey("unanswered_questions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=1)


class FaqAsk(Base):
    """A question the bot answered with an FAQ entry, kept for a week so that the learner's "that answered
    it" / "not what I asked" buttons under the answer can say which question and which entry."""

    __tablename__ = "faq_asks"
    __table_args__ = (
        Index("ix_faq_asks_user_time", "user_id", "asked_at"),  # the week's window, /forget and /export
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "answered_questions",
                    {
                        "text": "text",
                        "language": "lang",
                        "topic": "faq_id",
                        "asked_at": "asked_at",
                        "feedback": "feedback",
                    },
                    order_by=("asked_at", "id"),
                ),
                kept_back=("id", "user_id"),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    lang: Mapped[str] = mapped_column(String(8))
    faq_id: Mapped[str] = mapped_column(String(64))
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    feedback: Mapped[str | None] = mapped_column(String(8), default=None)  # "yes" | "no" once pressed


class Misfire(Base):
    """Questions answered with an entry the learner said was not what they asked: the question's text,
    the entry given and how often, for content admins (`/gaps`, `content gaps`)."""

    __tablename__ = "misfires"
    __table_args__ = (
        UniqueConstraint("text", "lang", "faq_id", name="uq_misfires_text_lang_faq"),
        Index("ix_misfires_top", "count", "last_seen"),
        declare(
            SharedCount(through="misfire_reporters", kept_back=("id", "count", "first_seen", "last_seen"))
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(500))
    lang: Mapped[str] = mapped_column(String(8))
    faq_id: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)


class MisfireReporter(Base):
    """Who said an answer missed their question, so /forget can take their words out of `misfires`."""

    __tablename__ = "misfire_reporters"
    __table_args__ = (
        Index("ix_misfire_reporters_user", "user_id"),
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "answers_that_missed",
                    {
                        "text": "misfires.text",
                        "language": "misfires.lang",
                        "topic_given": "misfires.faq_id",
                        "times": "count",
                    },
                    order_by=("misfires.first_seen", "misfires.id"),
                ),
                merge="add:count",
                kept_back=("misfire_id", "user_id"),
            )
        ),
    )

    misfire_id: Mapped[int] = mapped_column(ForeignKey("misfires.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=1)


class PracticeCard(Base):
    """One card of a learner's practice deck and its FSRS memory state. A card is known by the step and
    the card id of its deck file, so rewording it keeps the history; `status`: "active", "removed" (the
    learner took the step's cards out with /review remove) or "retired" (the card left the content)."""

    __tablename__ = "practice_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "step_id", "card_id", name="uq_practice_cards_card"),
        Index("ix_practice_cards_due", "user_id", "status", "due"),  # the due cards, in order
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "practice_cards",
                    {
                        "step": "step_id",
                        "card": "card_id",
                        "status": "status",
                        "due": "due",
                        "last_review": "last_review",
                        "stability": "stability",
                        "difficulty": "difficulty",
                        "added_at": "added_at",
                    },
                    order_by=("step_id", "card_id"),
                ),
                merge="newest:last_review",
                kept_back=("id", "user_id", "state", "learning_step"),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(64))
    card_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="active")
    # fsrs.Card: state (1 learning, 2 review, 3 relearning), step, stability, difficulty, due, last_review
    state: Mapped[int] = mapped_column(Integer, default=1)
    learning_step: Mapped[int | None] = mapped_column(Integer, default=0)
    stability: Mapped[float | None] = mapped_column(Float, default=None)
    difficulty: Mapped[float | None] = mapped_column(Float, default=None)
    due: Mapped[datetime] = mapped_column(UtcDateTime)
    last_review: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PracticeReview(Base):
    """One rating of a card (the review history FSRS's log keeps): Again 1, Hard 2, Good 3, Easy 4."""

    __tablename__ = "practice_reviews"
    __table_args__ = (
        Index("ix_practice_reviews_user_time", "user_id", "reviewed_at"),
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "card_reviews",
                    {"step": "step_id", "card": "card_id", "rating": "rating", "reviewed_at": "reviewed_at"},
                    order_by=("reviewed_at", "id"),
                ),
                kept_back=("id", "user_id"),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(64))
    card_id: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int] = mapped_column(Integer)
    reviewed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class QuizAnswer(Base):
    """One answer to a quiz question: which question, whether it was right."""

    __tablename__ = "quiz_answers"
    __table_args__ = (
        Index("ix_quiz_answers_user_time", "user_id", "answered_at"),
        Index("uq_quiz_answers_delivery", "delivery_id", "user_id", unique=True),
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "quiz_answers",
                    {
                        "step": "step_id",
                        "question": "question_id",
                        "right": "right",
                        "answered_at": "answered_at",
                        "group_quiz": ("delivery_id", lambda d: d is not None),
                    },
                    order_by=("answered_at", "id"),
                ),
                kept_back=("id", "user_id"),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str] = mapped_column(String(64))
    right: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # a group's quiz of the day: the post answered (one answer per member and post); None for /quiz
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL", name="fk_quiz_answers_delivery"), default=None
    )


class PracticeSession(Base):
    """A review or quiz in progress: its buttons name it, so a press is checked against its owner and its
    position (a press on an earlier card, or after the end, is stale). `plan`: the quiz's questions, as
    JSON [[step, question id, option order], ...]; `position`: presses taken so far."""

    __tablename__ = "practice_sessions"
    __table_args__ = (
        Index("ix_practice_sessions_user", "user_id", "started_at"),
        declare(
            Owned(by="user_id", why="the position of a review or quiz in progress: deleted with the person")
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # review | quiz
    lang: Mapped[str] = mapped_column(String(8))
    plan: Mapped[str] = mapped_column(Text, default="[]")
    position: Mapped[int] = mapped_column(Integer, default=0)
    right: Mapped[int] = mapped_column(Integer, default=0)
    ended: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StepNote(Base):
    """A learner's note on a roadmap step, in their own words (`/note 3 ...`)."""

    __tablename__ = "step_notes"
    __table_args__ = (
        Index("ix_step_notes_user_step", "user_id", "step_id", "created_at"),
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "step_notes",
                    {"id": "id", "step": "step_id", "text": "text", "written_at": "created_at"},
                    order_by=("step_id", "created_at", "id"),
                ),
                kept_back=("user_id",),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ResourceMark(Base):
    """A resource of a step the learner marked done (its URL: stable when the step's text changes)."""

    __tablename__ = "resource_marks"
    __table_args__ = (
        UniqueConstraint("user_id", "step_id", "url", name="uq_resource_marks"),
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "resources_done",
                    {"step": "step_id", "url": "url", "done_at": "done_at"},
                    order_by=("step_id", "done_at", "id"),
                ),
                kept_back=("id", "user_id"),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(500))
    done_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BoardMember(Base):
    """A learner who joined a group's weekly leaderboard (`/leaderboard join` in that group). Only the
    minutes they log from `joined_at` on count on that board; leaving deletes the row at once."""

    __tablename__ = "board_members"
    __table_args__ = (
        Index("ix_board_members_user", "user_id"),  # /forget, /export and a learner's boards
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "leaderboards_joined",
                    {"platform": "platform", "chat": "chat_id", "joined_at": "joined_at"},
                    order_by=("platform", "chat_id"),
                ),
                merge="oldest:joined_at",
                kept_back=("user_id",),
            )
        ),
    )

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BoardLog(Base):
    """A board member's study log as that group's board counts it: one row per (board, log) for each
    log studied since the member joined the board, kept by db/boards.py as logs are written and
    deleted, boards joined and left, and learners linked or unlinked. It is the join of `board_members`
    and `study_logs` written down, so that a board of 5,000 members reads one range of its own rows
    (this week's) instead of looking up each member's logs."""

    __tablename__ = "board_logs"
    __table_args__ = (
        # a board's window, summed from the index alone: (board, studied_at) then what the sum needs
        Index("ix_board_logs_window", "platform", "chat_id", "studied_at", "user_id", "joined_at", "minutes"),
        Index("ix_board_logs_user", "user_id", "platform", "chat_id"),  # leaving a board, /forget, /link
        declare(
            Owned(
                by="user_id",
                why="copies of the learner's own study logs (exported as study_log) for the boards joined",
            )
        ),
    )

    log_id: Mapped[int] = mapped_column(ForeignKey("study_logs.id", ondelete="CASCADE"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    studied_at: Mapped[datetime] = mapped_column(UtcDateTime)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)
    minutes: Mapped[int] = mapped_column(Integer)


class Challenge(Base):
    """A group's N-day challenge (`/challenge new`): day 1 is `starts_on` in the group's zone, the last
    `ends_on` (`starts_on + days - 1`, or the day an admin ended it early). `number`: how it is named in
    its group (/challenge join 2). The summary is posted by the one-shot reminder `reminder_id`. Its
    title is the admin's words: it is theirs, and goes with them on /forget (as the group reminders an
    admin set up do), its members' rows with it."""

    __tablename__ = "challenges"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id", "number", name="uq_challenges_chat_number"),
        Index("ix_challenges_creator", "created_by"),
        Index("ix_challenges_reminder", "reminder_id"),
        declare(
            Owned(
                by="created_by",
                export=Export(
                    "challenges_started",
                    {
                        "platform": "platform",
                        "chat": "chat_id",
                        "title": "title",
                        "days": "days",
                        "starts_on": ("starts_on", date.isoformat),
                        "ends_on": ("ends_on", date.isoformat),
                        "ended_early_at": "ended_at",
                        "created_at": "created_at",
                    },
                    order_by=("created_at", "id"),
                ),
                kept_back=("id", "number", "created_by", "reminder_id"),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(80))
    days: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # its last day, in the group's zone
    # an admin ended it early (/challenge end): its summary is posted then and `ends_on` is that day
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reminder_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminders.id", ondelete="SET NULL", name="fk_challenges_reminder"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChallengeMember(Base):
    """A learner who joined a challenge; only days from the day they joined on count for them."""

    __tablename__ = "challenge_members"
    __table_args__ = (
        Index("ix_challenge_members_user", "user_id"),
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "challenges_joined",
                    {
                        "platform": "challenges.platform",
                        "chat": "challenges.chat_id",
                        "title": "challenges.title",
                        "starts_on": ("challenges.starts_on", date.isoformat),
                        "days": "challenges.days",
                        "joined_at": "joined_at",
                    },
                    order_by=("joined_at", "challenge_id"),
                ),
                merge="oldest:joined_at",
                kept_back=("challenge_id", "user_id"),
            )
        ),
    )

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChallengeCheckin(Base):
    """An explicit check-in (`/challenge checkin`) for one day of a challenge, in the group's zone. Days
    with study time logged count too, read from study_logs, not copied here."""

    __tablename__ = "challenge_checkins"
    __table_args__ = (
        Index("ix_challenge_checkins_user", "user_id"),
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "challenge_checkins",
                    {
                        "challenge": "challenges.title",
                        "chat": "challenges.chat_id",
                        "day": ("day", date.isoformat),
                    },
                    order_by=("day", "challenge_id"),
                ),
                kept_back=("challenge_id", "user_id"),
            )
        ),
    )

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class ChatActivity(Base):
    """Who used the bot in which group on which local day (the group's zone): one row per (group,
    learner, day), written once (handlers.core.middleware.group_activity), for a group's /stats."""

    __tablename__ = "chat_activity"
    __table_args__ = (
        Index("ix_chat_activity_user", "user_id"),  # /forget and /export find theirs
        declare(
            Owned(
                by="user_id",
                export=Export(
                    "group_activity",
                    {"platform": "platform", "chat": "chat_id", "day": ("day", date.isoformat)},
                    order_by=("day", "platform", "chat_id"),
                ),
                kept_back=("user_id",),
            )
        ),
    )

    # the primary key's order serves "this week's distinct members of a chat": a range of days
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class ChatQuestionTally(Base):
    """Questions asked in a group per local day (the group's zone), answered or not: counts only, like
    `QuestionTally`, keyed by the group."""

    __tablename__ = "chat_question_tallies"
    __table_args__ = declare(
        Anonymous(why="question counts per group, local day and outcome: no text, no user ids")
    )

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    answered: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ChatUnanswered(Base):
    """How often a group asked a question the bot could not answer. The words live in
    `unanswered_questions` (and go when its askers `/forget`, taking this row with them); here only
    the group and a count."""

    __tablename__ = "chat_unanswered"
    __table_args__ = (
        Index("ix_chat_unanswered_question", "question_id"),  # the question's row going takes these
        declare(
            Anonymous(why="counts per group of questions nobody answered: the words and askers are elsewhere")
        ),
    )

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("unanswered_questions.id", ondelete="CASCADE"), primary_key=True
    )
    count: Mapped[int] = mapped_column(Integer, default=1)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)
