"""/log and /progress: parsing study time, what gets stored, week minutes and streaks (learner's zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.models import Account, StudyLog
from handlers.replies import progress_bar
from handlers.study_time import MAX_NOTE, parse_minutes, split_log_args, streak
from tests.conftest import DATABASES, texts

MONDAY = date(2026, 3, 2)


async def study_logs(app, user_id: str = "alice") -> list[StudyLog]:  # noqa: ANN001
    async with app.sessions() as session:
        rows = await session.execute(
            select(StudyLog)
            .join(Account, Account.user_id == StudyLog.user_id)
            .where(Account.platform_user_id == user_id)
            .order_by(StudyLog.id)
        )
        return list(rows.scalars().all())


def day_in(log: StudyLog, zone: str = "UTC") -> date:
    """The local day a log counts for: derived from its instant in the learner's zone, never stored."""
    return log.studied_at.astimezone(ZoneInfo(zone)).date()


async def all_logs(app) -> list[tuple]:  # noqa: ANN001
    async with app.sessions() as session:
        rows = await session.execute(
            select(StudyLog.user_id, StudyLog.minutes, StudyLog.note, StudyLog.studied_at).order_by(
                StudyLog.id
            )
        )
        return [tuple(row) for row in rows.all()]


# parse_minutes and split_log_args


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45", 45),
        ("45m", 45),
        ("45 min", 45),
        ("45 minutes", 45),
        ("1h", 60),
        ("1H", 60),
        ("1h30", 90),
        ("1h 30m", 90),
        ("1.5h", 90),
        ("1,5h", 90),
        ("2 hours", 120),
        ("1 hour 30 minutes", 90),
        ("90分钟", 90),
        ("2小时", 120),
        ("  45  ", 45),
    ],
)
def test_parse_minutes_understands_durations(text: str, minutes: int) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "   ", "abc", "h", "m", "1.5", "forty", "45 pandas", "-5", "1h30x"])
def test_parse_minutes_rejects_non_durations(text: str) -> None:
    assert parse_minutes(text) is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("45", (45, "")),
        ("45 pandas", (45, "pandas")),
        ("45m pandas basics", (45, "pandas basics")),
        ("1h30 linear algebra", (90, "linear algebra")),
        ("1h 30m linear algebra", (90, "linear algebra")),
        ("2 hours linear algebra", (120, "linear algebra")),
        ("1.5h", (90, "")),
        ("90分钟 线性代数", (90, "线性代数")),
        ("abc", (None, "abc")),
        ("pandas 45", (None, "pandas 45")),
    ],
)
def test_split_log_args_takes_the_longest_leading_duration(args: str, expected: tuple) -> None:
    assert split_log_args(args) == expected


# /log stores what it understood


@pytest.mark.parametrize(
    ("args", "minutes"),
    [
        ("45", 45),
        ("45m", 45),
        ("1h", 60),
        ("1h30", 90),
        ("1.5h", 90),
        ("2 hours", 120),
        ("90分钟", 90),
    ],
)
async def test_log_stores_the_parsed_minutes(chat, app, args: str, minutes: int) -> None:  # noqa: ANN001
    replies = await chat.say(f"/log {args}")
    assert f"Logged {minutes} min." in texts(replies)
    logs = await study_logs(app)
    assert [(log.minutes, log.note, day_in(log)) for log in logs] == [(minutes, "", MONDAY)]


async def test_log_with_a_note_stores_the_note(chat, app) -> None:  # noqa: ANN001
    replies = await chat.say("/log 2 hours linear algebra")
    assert "Logged 120 min of linear algebra" in texts(replies)
    assert "Today: 120 min" in texts(replies)
    logs = await study_logs(app)
    assert [(log.minutes, log.note) for log in logs] == [(120, "linear algebra")]
    assert logs[0].logged_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def test_log_adds_up_today(chat, app) -> None:  # noqa: ANN001
    await chat.say("/log 45 pandas")
    replies = await chat.say("/log 1h30 numpy")
    assert "Today: 135 min" in texts(replies)
    assert [(log.minutes, log.note) for log in await study_logs(app)] == [(45, "pandas"), (90, "numpy")]


async def test_log_without_arguments_explains_usage(chat, app) -> None:  # noqa: ANN001
    replies = await chat.say("/log")
    assert "Tell me how long you studied" in texts(replies)
    assert await all_logs(app) == []


async def test_log_with_words_only_is_not_understood(chat, app) -> None:  # noqa: ANN001
    replies = await chat.say("/log abc")
    assert '"abc" is not a study time I understand' in texts(replies)
    assert "/log 1h30" in texts(replies)
    assert await all_logs(app) == []


@pytest.mark.parametrize("args", ["0", "2000", "0 pandas", "25h"])
async def test_log_out_of_range_is_refused(chat, app, args: str) -> None:  # noqa: ANN001
    replies = await chat.say(f"/log {args}")
    assert "between 1 minute and 1440 minutes" in texts(replies)
    assert await all_logs(app) == []


def test_parse_minutes_survives_absurdly_large_hours() -> None:
    """A 400-digit hour count overflows float -> int; it must be rejected, not crash."""
    result = parse_minutes("9" * 400 + "h")
    assert result == 10_000 * 60  # still a duration, just out of range


async def test_log_with_absurdly_large_hours_gets_a_helpful_reply(chat, app) -> None:  # noqa: ANN001
    text = texts(await chat.say("/log " + "9" * 400 + "h"))
    assert "something went wrong" not in text
    assert "A study session must be between 1 minute and 1440 minutes." in text
    assert await all_logs(app) == []


async def test_log_with_a_note_over_200_characters_is_refused(chat, app) -> None:  # noqa: ANN001
    replies = await chat.say("/log 45 " + "n" * (MAX_NOTE + 1))
    assert "That note is too long (max 200 characters)" in texts(replies)
    assert await all_logs(app) == []


async def test_log_with_a_note_of_exactly_200_characters_is_stored(chat, app) -> None:  # noqa: ANN001
    await chat.say("/log 45 " + "n" * MAX_NOTE)
    logs = await study_logs(app)
    assert len(logs) == 1 and logs[0].note == "n" * MAX_NOTE


async def test_log_that_would_pass_24_hours_in_a_day_is_refused(chat, app) -> None:  # noqa: ANN001
    await chat.say("/log 1000 marathon")
    replies = await chat.say("/log 500")
    assert "more than 24 hours today" in texts(replies)
    assert "you already logged 1000 minutes" in texts(replies)
    assert [log.minutes for log in await study_logs(app)] == [1000]


async def test_log_up_to_exactly_24_hours_is_fine(chat, app) -> None:  # noqa: ANN001
    await chat.say("/log 1000")
    replies = await chat.say("/log 440")
    assert "Today: 1440 min" in texts(replies)
    replies = await chat.say("/log 1")
    assert "more than 24 hours today" in texts(replies)
    assert [log.minutes for log in await study_logs(app)] == [1000, 440]


async def test_a_full_day_does_not_block_the_next_day(chat, app, clock) -> None:  # noqa: ANN001
    await chat.say("/log 1440")
    clock.advance(days=1)
    replies = await chat.say("/log 30")
    assert "Today: 30 min" in texts(replies)
    assert [(log.minutes, day_in(log)) for log in await study_logs(app)] == [
        (1440, MONDAY),
        (30, MONDAY + timedelta(days=1)),
    ]


# /progress


async def test_progress_for_a_new_learner(chat, app) -> None:  # noqa: ANN001
    total = len(app.store.content.steps)
    text = texts(await chat.say("/progress"))
    assert "Your progress" in text
    assert f"Roadmap: 0 of {total} steps done" in text
    assert progress_bar(0, total) in text
    assert "Study time this week: 0 h 0 min" in text
    assert "Streak: 0 days in a row" in text
    assert "(UTC)" in text


async def test_progress_shows_steps_bar_week_minutes_and_streak(chat, app, clock) -> None:  # noqa: ANN001
    total = len(app.store.content.steps)
    await chat.say("/done 1")
    await chat.say("/done 2")
    await chat.say("/doing 3")  # in progress does not count as done
    clock.set(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))  # Sunday: last week
    await chat.say("/log 30")
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # Monday
    await chat.say("/log 45 pandas")
    clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))  # Tuesday
    await chat.say("/log 1h")
    text = texts(await chat.say("/progress"))
    assert f"Roadmap: 2 of {total} steps done" in text
    assert progress_bar(2, total) in text
    assert "Study time this week: 1 h 45 min" in text  # Monday + Tuesday, not last Sunday
    assert "Streak: 3 days in a row" in text


async def test_progress_week_starts_on_monday_in_the_learners_zone(chat, app, clock) -> None:  # noqa: ANN001
    await chat.say("/timezone Asia/Kolkata")
    clock.set(datetime(2026, 3, 1, 18, 0, tzinfo=UTC))  # Sunday 23:30 in Kolkata
    await chat.say("/log 20")
    clock.set(datetime(2026, 3, 1, 19, 0, tzinfo=UTC))  # Monday 00:30 in Kolkata (still Sunday in UTC)
    await chat.say("/log 30")
    clock.set(datetime(2026, 3, 4, 10, 0, tzinfo=UTC))  # Wednesday
    text = texts(await chat.say("/progress"))
    assert "Study time this week: 0 h 30 min" in text
    assert "(Asia/Kolkata)" in text


async def test_progress_week_resets_next_monday(chat, app, clock) -> None:  # noqa: ANN001
    await chat.say("/log 2h")
    clock.set(datetime(2026, 3, 8, 23, 0, tzinfo=UTC))  # Sunday night: same week
    assert "Study time this week: 2 h 0 min" in texts(await chat.say("/progress"))
    clock.set(datetime(2026, 3, 9, 1, 0, tzinfo=UTC))  # next Monday
    assert "Study time this week: 0 h 0 min" in texts(await chat.say("/progress"))


# Streaks


def test_streak_unit() -> None:
    today = date(2026, 3, 10)
    d = [today - timedelta(days=i) for i in range(6)]
    assert streak([], today) == 0
    assert streak([today], today) == 1
    assert streak([d[1]], today) == 1  # yesterday still counts: today is not over
    assert streak([d[2]], today) == 0
    assert streak([d[0], d[1], d[2]], today) == 3
    assert streak([d[1], d[2], d[3]], today) == 3
    assert streak([d[0], d[2], d[3]], today) == 1  # a gap resets
    assert streak([d[0], d[1], d[3], d[4], d[5]], today) == 2
    assert streak([d[2], d[3], d[4]], today) == 0


async def test_streak_counts_consecutive_days(chat, clock) -> None:  # noqa: ANN001
    for expected in (1, 2, 3):
        replies = await chat.say("/log 30")
        assert f"Streak: {expected} {'day' if expected == 1 else 'days'}" in texts(replies)
        clock.advance(days=1)


async def test_several_logs_on_one_day_count_once(chat, clock) -> None:  # noqa: ANN001
    await chat.say("/log 30")
    clock.advance(hours=5)
    replies = await chat.say("/log 30")
    assert "Streak: 1 day" in texts(replies)


async def test_streak_gap_resets(chat, clock) -> None:  # noqa: ANN001
    await chat.say("/log 30")  # Monday
    clock.advance(days=1)
    await chat.say("/log 30")  # Tuesday
    clock.advance(days=2)  # skip Wednesday
    replies = await chat.say("/log 30")  # Thursday
    assert "Streak: 1 day" in texts(replies)


async def test_streak_yesterday_still_counts_until_the_day_after(chat, clock) -> None:  # noqa: ANN001
    await chat.say("/log 30")  # Monday
    clock.advance(days=1)
    await chat.say("/log 30")  # Tuesday
    clock.advance(days=1)  # Wednesday, nothing logged yet
    assert "Streak: 2 days in a row" in texts(await chat.say("/progress"))
    clock.advance(days=1)  # Thursday: Wednesday was missed
    assert "Streak: 0 days in a row" in texts(await chat.say("/progress"))


async def test_streak_follows_kolkata_days(chat, app, clock) -> None:  # noqa: ANN001
    await chat.say("/timezone Asia/Kolkata")
    clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))  # 2026-03-03 00:30 in Kolkata
    await chat.say("/log 30")
    clock.set(datetime(2026, 3, 3, 19, 0, tzinfo=UTC))  # 2026-03-04 00:30 in Kolkata
    replies = await chat.say("/log 30")
    assert "Streak: 2 days" in texts(replies)
    kolkata_days = [day_in(log, "Asia/Kolkata") for log in await study_logs(app)]
    assert kolkata_days == [date(2026, 3, 3), date(2026, 3, 4)]


async def test_streak_where_utc_and_kolkata_disagree(app, clock) -> None:  # noqa: ANN001
    """17:00 and 19:00 UTC on 2 March: one UTC day, two Kolkata days (22:30 on the 2nd, 00:30 on the 3rd)."""
    kolkata = app.fake.chat("alice")
    in_utc = app.fake.chat("bob")
    await kolkata.say("/timezone asia/kolkata")

    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    await kolkata.say("/log 30")
    await in_utc.say("/log 30")
    clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    k = texts(await kolkata.say("/log 40"))
    u = texts(await in_utc.say("/log 40"))

    assert "Streak: 2 days" in k
    assert "Today: 40 min" in k  # a new Kolkata day has started
    assert "Streak: 1 day" in u
    assert "Today: 70 min" in u
    alice_days = [day_in(log, "Asia/Kolkata") for log in await study_logs(app, "alice")]
    assert alice_days == [date(2026, 3, 2), date(2026, 3, 3)]
    assert [day_in(log) for log in await study_logs(app, "bob")] == [date(2026, 3, 2), date(2026, 3, 2)]
    assert "Streak: 2 days in a row" in texts(await kolkata.say("/progress"))


async def test_day_limit_uses_the_learners_day(chat, app, clock) -> None:  # noqa: ANN001
    await chat.say("/timezone Asia/Kolkata")
    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))  # 22:30 Kolkata, 2 March
    await chat.say("/log 1440")
    clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))  # 00:30 Kolkata, 3 March: a fresh day
    replies = await chat.say("/log 60")
    assert "Logged 60 min" in texts(replies)
    assert [log.minutes for log in await study_logs(app)] == [1440, 60]


# Days follow the learner's current zone (logs keep instants)


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_changing_the_zone_moves_days_instead_of_inflating_the_streak(db_app, clock) -> None:  # noqa: ANN001
    chat = db_app.fake.chat("alice")
    clock.set(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))  # 2 March in UTC, already 3 March 01:30 in Kolkata
    await chat.say("/log 30")
    await chat.say("/timezone Asia/Kolkata")
    clock.advance(minutes=5)
    text = texts(await chat.say("/log 30"))
    assert "Today: 60 min" in text  # both logs fall on Kolkata's 3 March
    assert "Streak: 1 day" in text
    await chat.say("/timezone UTC")
    assert "Streak: 1 day" in texts(await chat.say("/progress"))


# Back-dated logs and /unlog


async def test_log_yesterday_and_a_date_up_to_a_week_back(chat, app, clock) -> None:  # noqa: ANN001
    text = texts(await chat.say("/log yesterday 30 stats"))
    assert "Logged 30 min for 2026-03-01" in text
    assert "Logged 45 min for 2026-02-24" in texts(await chat.say("/log 2026-02-24 45"))
    assert "Today: 10 min" in texts(await chat.say("/log 10"))
    assert [(log.minutes, log.note, day_in(log)) for log in await study_logs(app)] == [
        (30, "stats", date(2026, 3, 1)),
        (45, "", date(2026, 2, 24)),
        (10, "", MONDAY),
    ]
    assert "Streak: 2 days" in texts(await chat.say("/progress"))  # yesterday and today


async def test_back_dating_in_chinese(app) -> None:  # noqa: ANN001
    chat = app.fake.chat("li", locale="zh-CN")
    assert "已为 2026-03-01 记录 **30 分钟**" not in texts(await chat.say("/log 昨天 30"))  # no raw markup
    assert "已为 2026-03-01 记录 30 分钟" in texts(chat.last)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("2026-02-22 30", "up to 7 days back"),
        ("2026-03-03 30", "has not happened yet"),
        ("2026-02-30 30", "is not a date I can read"),
        ("yesterday", "Tell me how long you studied"),
        ("yesterday lots", '"lots" is not a study time'),
    ],
)
async def test_bad_back_dated_logs_explain_and_store_nothing(chat, app, args: str, expected: str) -> None:  # noqa: ANN001
    assert expected in texts(await chat.say(f"/log {args}"))
    assert await study_logs(app) == []


async def test_the_daily_cap_holds_for_back_dated_days(chat, app) -> None:  # noqa: ANN001
    await chat.say("/log yesterday 1400")
    assert "more than 24 hours" in texts(await chat.say("/log yesterday 60"))
    assert "Today: 60 min" in texts(await chat.say("/log 60"))


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_unlog_takes_back_the_latest_or_a_chosen_log(db_app) -> None:  # noqa: ANN001
    chat = db_app.fake.chat("alice")
    await chat.say("/log 30 pandas")
    await chat.say("/log 45 numpy")
    await chat.say("/log 20 typo")
    text = texts(await chat.say("/unlog"))
    assert "Deleted this study log" in text and "20 min — typo" in text
    assert "45 min — numpy" in text  # the others, with their ids
    first = (await study_logs(db_app))[0]
    assert f"#{first.id}" in text
    assert "30 min — pandas" in texts(await chat.say(f"/unlog #{first.id}"))
    assert [(log.minutes, log.note) for log in await study_logs(db_app)] == [(45, "numpy")]


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_unlog_never_deletes_another_learners_log(db_app) -> None:  # noqa: ANN001
    alice, bob = db_app.fake.chat("alice"), db_app.fake.chat("bob")
    await bob.say("/log 30 bob's")
    (bobs,) = await study_logs(db_app, "bob")
    assert f"no study log #{bobs.id}" in texts(await alice.say(f"/unlog {bobs.id}"))
    assert "no study logs to take back" in texts(await alice.say("/unlog"))
    assert len(await study_logs(db_app, "bob")) == 1


@pytest.mark.parametrize("ref", ["²", "①", "#³", "-1", "abc", "99999999999999999999999999"])
async def test_unlog_with_an_odd_number_changes_nothing(chat, app, ref: str) -> None:  # noqa: ANN001
    await chat.say("/log 30")
    text = texts(await chat.say(f"/unlog {ref}"))
    assert "went wrong" not in text
    assert "Tell me which log, e.g. /unlog #12" in text
    assert len(await study_logs(app)) == 1
