"""Practice every day (handlers/practice/daily.py) through the fake adapter and the reminder service: the
review nudge (/review daily, /review off) and a group's quiz question of the day (/quiz daily, /quiz off),
in English and Chinese."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.adapters.base import ChatBlocked
from bot.adapters.fake import FakeAdapter
from bot.app import App
from db.models import Delivery, PracticeCard, QuizAnswer, Reminder
from handlers.core.i18n import Strings
from handlers.practice.daily import MAX_ALERT, alert_text
from tests.conftest import DATABASES, buttons, make_settings, texts

# Monday 2 March 2026: 10:00 UTC is 15:30 in Kolkata.
MORNING = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
EVENING = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)  # 19:00 in Kolkata


async def _deliveries(app) -> list[tuple[str, str]]:  # noqa: ANN001
    async with app.sessions() as s:
        rows = await s.execute(
            select(Reminder.kind, Delivery.status).join(Reminder).order_by(Delivery.fire_at, Delivery.id)
        )
        return [tuple(r) for r in rows]


def _sent(app, since: int = 0) -> list:  # noqa: ANN001
    return [reply for _, reply in app.fake.sent[since:]]


async def _fire(app, clock, at: datetime) -> list:  # noqa: ANN001
    before = len(app.fake.sent)
    clock.set(at)
    await app.reminders.tick()
    return _sent(app, before)


async def _learner(app, lang: str = "en"):  # noqa: ANN001, ANN202
    chat = app.fake.chat("alice")
    if lang == "zh":
        await chat.say("/lang zh")
    await chat.say("/timezone Asia/Kolkata")
    return chat


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_a_nudge_goes_out_when_cards_are_due_and_its_button_starts_the_review_in_it(db_app, clock):
    app = db_app
    chat = await _learner(app)
    await chat.say("/doing 2")
    n = len(app.store.content.decks["python-basics"].cards)
    text = texts(await chat.say("/review daily 19:00"))
    assert "every day at 19:00 (Asia/Kolkata)" in text and f"{n} cards are due right now" in text

    (nudge,) = await _fire(app, clock, EVENING)
    assert nudge.plain() == f"📚 {n} cards are due, about {(n + 1) // 2} minutes."
    chat.last = [nudge]
    (first,) = await chat.click("Start review")
    assert first.replace and "Card 1 ·" in first.plain()  # the session fills the nudge's message
    assert [lbl for lbl, _ in buttons([first])] == ["Show answer"]
    await chat.click("Show answer")
    await chat.click("Good")
    assert await _deliveries(app) == [("review", "sent")]

    # the next day's nudge still goes: cards are due again
    (again,) = await _fire(app, clock, datetime(2026, 3, 3, 13, 30, tzinfo=UTC))
    assert again.plain().startswith("📚")


async def test_no_nudge_without_due_cards_and_none_after_one_was_answered_that_day(app, clock):
    chat = await _learner(app)
    await chat.say("/review daily 19:00")
    assert await _fire(app, clock, EVENING) == []  # an empty deck: nothing to say
    assert await _deliveries(app) == [("review", "skipped")]

    await chat.say("/review add 1")
    await chat.say("/review daily 19:30")  # the same nudge, moved later
    (nudge,) = await _fire(app, clock, datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    chat.last = [nudge]
    await chat.click("Start review")
    await chat.say("/review daily 21:00")  # moved again, the same evening: answered already today
    assert await _fire(app, clock, datetime(2026, 3, 2, 15, 30, tzinfo=UTC)) == []
    assert [s for _, s in await _deliveries(app)] == ["skipped", "sent", "skipped"]
    async with app.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Reminder)) == 1  # one nudge per learner


async def test_a_nudge_is_sent_once_and_a_late_one_says_so(app, clock):
    chat = await _learner(app)
    await chat.say("/review add 1")
    await chat.say("/review daily 19:00")
    clock.set(EVENING)
    await app.reminders.tick()
    await app.reminders.tick()
    assert len([r for r in _sent(app) if r.plain().startswith("📚")]) == 1
    # the bot was down over the next day's 19:00 and comes back an hour later
    (late,) = await _fire(app, clock, datetime(2026, 3, 3, 14, 30, tzinfo=UTC))
    assert "(Sent late: it was due at 19:00.)" in late.plain()


async def test_review_off_and_friendly_refusals(app, clock):
    chat = app.fake.chat("alice")
    first = texts(await chat.say("/review daily 7:30pm"))
    assert "tell me your time zone" in first
    assert "Then send /review daily 19:30 again" in first  # the time they asked for, not an example
    assert "Then send /review daily 19:00 again" in texts(await chat.say("/review daily soon"))
    await chat.say("/timezone Asia/Kolkata")
    assert "Give the time of your daily review nudge" in texts(await chat.say("/review daily"))
    bad = texts(await chat.say("/review daily 25:61"))
    assert "Give the time of your daily review nudge" in bad
    assert "You have no daily review nudge" in texts(await chat.say("/review off"))
    await chat.say("/review daily 7pm")
    listed = texts(await chat.say("/reminders"))
    assert "review nudge (sent when cards are due)" in listed
    assert "Your daily review nudge is off" in texts(await chat.say("/review off"))
    async with app.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Reminder)) == 0
    group = app.fake.chat("alice", chat_id="g1", group=True)
    in_group = texts(await group.say("/review daily 06:45"))
    assert "comes to our private chat" in in_group and "/review daily 06:45" in in_group


async def test_a_nudge_in_chinese(app, clock):
    chat = await _learner(app, "zh")
    await chat.say("/review add 1")
    assert "每天 19:00（Asia/Kolkata）" in texts(await chat.say("/review daily 19:00"))
    (nudge,) = await _fire(app, clock, EVENING)
    n = len(app.store.content.decks["understand-the-role"].cards)
    assert nudge.plain() == f"📚 有 {n} 张卡片到期，大约需要 {(n + 1) // 2} 分钟。"
    assert [lbl for lbl, _ in buttons([nudge])] == ["开始复习"]


async def test_a_nudge_button_is_its_owners_only(app, clock):
    chat = await _learner(app)
    await chat.say("/review add 1")
    await chat.say("/review daily 19:00")
    (nudge,) = await _fire(app, clock, EVENING)
    mallory = app.fake.chat("mallory")
    mallory.last = [nudge]
    (refused,) = await mallory.click("Start review")
    assert "That session has ended" in refused.plain()
    async with app.sessions() as s:
        assert await s.scalar(select(Delivery.answered_at)) is None


# ---- the group's quiz of the day ---------------------------------------------------------------------


async def _group(app, lang: str = "en"):  # noqa: ANN001, ANN202
    admin = app.fake.chat("gina", chat_id="study-group", group=True, chat_admin=True)
    if lang == "zh":
        await admin.say("/lang zh")
    await admin.say("/timezone UTC")
    return admin


def _question_of(app, post) -> tuple:  # noqa: ANN001
    """The question a post asks, found by its text in the decks."""
    for deck in app.store.content.decks.values():
        for q in deck.questions:
            for lang, text in q.texts.items():
                if text.question in post.plain():
                    return q, lang
    raise AssertionError("no question found in the post")


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_group_quiz_of_the_day_private_feedback_and_an_anonymous_tally_the_next_day(db_app, clock):
    app = db_app
    admin = await _group(app)
    text = texts(await admin.say("/quiz daily 12:00"))
    assert "every day at 12:00 (UTC)" in text

    (post,) = await _fire(app, clock, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert "Quiz of the day" in post.plain() and "Yesterday" not in post.plain()
    q, _ = _question_of(app, post)
    right, wrong = q.texts["en"].right, q.texts["en"].wrong[0]
    assert sorted(lbl for lbl, _ in buttons([post])) == sorted([right, *q.texts["en"].wrong])

    answers = [("m1", right), ("m2", right), ("m3", wrong)]
    for name, label in answers:
        member = app.fake.chat(name, chat_id="study-group", group=True)
        member.last = [post]
        (feedback,) = await member.click(label)
        assert feedback.alert and not feedback.replace
        assert feedback.plain().startswith("✅ Right" if label == right else "❌ Not quite")
    member = app.fake.chat("m1", chat_id="study-group", group=True)
    member.last = [post]
    (again,) = await member.click(wrong)  # a second answer changes nothing
    assert again.plain().startswith("You answered this one already. ✅ Right")
    async with app.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(QuizAnswer)) == 3

    (nxt,) = await _fire(app, clock, datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    assert nxt.plain().startswith("Yesterday's question: 3 answered, 2 right.")
    assert "m1" not in nxt.plain() and "m3" not in nxt.plain()
    assert _question_of(app, nxt)[0].key != q.key  # another question each day
    member.last = [post]
    (closed,) = await member.click(right)
    assert "That question is closed" in closed.plain()


async def test_a_wrong_group_answer_makes_the_members_card_due(app, clock):
    admin = await _group(app)
    await admin.say("/quiz daily 12:00")
    (post,) = await _fire(app, clock, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    q, _ = _question_of(app, post)
    direct = app.fake.chat("m1")
    await direct.say(f"/review add {app.store.content.step_by_id[q.step].number}")
    async with app.sessions() as s:
        card = await s.scalar(select(PracticeCard).where(PracticeCard.card_id == q.card))
        card.due = datetime(2026, 4, 1, tzinfo=UTC)
        await s.commit()
    member = app.fake.chat("m1", chat_id="study-group", group=True)
    member.last = [post]
    await member.click(q.texts["en"].wrong[0])
    async with app.sessions() as s:
        card = await s.scalar(select(PracticeCard).where(PracticeCard.card_id == q.card))
    assert card.due == clock.now()


async def test_quiz_daily_is_for_group_admins_and_off_stops_it(app, clock):
    admin = app.fake.chat("gina", chat_id="study-group", group=True, chat_admin=True)
    member = app.fake.chat("max", chat_id="study-group", group=True)
    assert "This group has no time zone yet" in texts(await admin.say("/quiz daily 12:00"))
    await admin.say("/timezone UTC")
    assert "Only the group's admins" in texts(await member.say("/quiz daily 12:00"))
    assert "Give the time of the group's quiz" in texts(await admin.say("/quiz daily"))
    assert "This group has no quiz question of the day" in texts(await admin.say("/quiz off"))
    await admin.say("/quiz daily 12:00")
    assert "Only the group's admins" in texts(await member.say("/quiz off"))
    assert "is off for this group" in texts(await admin.say("/quiz off"))
    assert await _fire(app, clock, datetime(2026, 3, 2, 12, 0, tzinfo=UTC)) == []
    direct = app.fake.chat("alice")
    assert "is for groups" in texts(await direct.say("/quiz daily 12:00"))


async def test_a_quiz_post_is_pressed_in_its_group_only(app, clock):
    admin = await _group(app)
    await admin.say("/quiz daily 12:00")
    (post,) = await _fire(app, clock, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    outsider = app.fake.chat("eve", chat_id="other-group", group=True)
    outsider.last = [post]
    label = buttons([post])[0][0]
    (refused,) = await outsider.click(label)
    assert not refused.plain().startswith(("✅", "❌"))
    async with app.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(QuizAnswer)) == 0


async def test_a_chinese_group_gets_the_question_and_the_tally_in_chinese(app, clock):
    admin = await _group(app, "zh")
    assert "每天 12:00（UTC）" in texts(await admin.say("/quiz daily 12:00"))
    (post,) = await _fire(app, clock, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    q, lang = _question_of(app, post)
    assert lang == "zh" and "每日一题" in post.plain()
    member = app.fake.chat("m1", chat_id="study-group", group=True)
    await member.say("/lang zh")
    member.last = [post]
    (feedback,) = await member.click(q.texts["zh"].right)
    assert feedback.plain().startswith("✅ 答对了")
    (nxt,) = await _fire(app, clock, datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    assert nxt.plain().startswith("昨天的题目：1 人作答，1 人答对。")


def test_every_questions_feedback_fits_a_telegram_alert(app) -> None:  # noqa: ANN001
    content = app.store.content
    for lang in ("en", "zh"):
        strings = Strings(content.strings, lang)
        for deck in content.decks.values():
            for q in deck.questions:
                for right in (True, False):
                    for again in (True, False):
                        text = alert_text(strings, q, lang, right, again)
                        assert len(text.encode("utf-16-le")) // 2 <= MAX_ALERT, (q.key, lang)
                        assert q.text(lang).right in text


class Blocking(FakeAdapter):
    """A learner who blocked the bot: every nudge to them is refused."""

    async def send(self, chat, replies):  # noqa: ANN001, ANN201
        if replies and replies[0].plain().startswith("📚"):
            raise ChatBlocked("Forbidden: bot was blocked by the user")
        await super().send(chat, replies)


async def test_a_blocked_chat_pauses_the_nudge_and_a_long_downtime_misses_it(tmp_path, clock):
    adapter = Blocking()
    async with App(make_settings(tmp_path), [adapter], clock=clock) as app:
        chat = adapter.chat("alice")
        await chat.say("/timezone Asia/Kolkata")
        await chat.say("/review add 1")
        await chat.say("/review daily 19:00")
        clock.set(EVENING)
        await app.reminders.tick()
        async with app.sessions() as s:
            r = await s.scalar(select(Reminder))
            assert r.paused and r.kind == "review"
        assert [s for _, s in await _deliveries(app)] == ["blocked"]
        clock.set(datetime(2026, 3, 3, 13, 30, tzinfo=UTC))
        await app.reminders.tick()  # paused: nothing claimed, nothing tried
        assert [s for _, s in await _deliveries(app)] == ["blocked"]


async def test_a_nudge_missed_during_a_long_downtime_is_not_sent_late(app, clock):
    chat = await _learner(app)
    await chat.say("/review add 1")
    await chat.say("/review daily 19:00")
    # down from before 19:00 until the next morning: more than the grace window after 19:00
    assert await _fire(app, clock, datetime(2026, 3, 3, 4, 0, tzinfo=UTC)) == []
    assert [s for _, s in await _deliveries(app)] == ["missed"]
    (nudge,) = await _fire(app, clock, datetime(2026, 3, 3, 13, 30, tzinfo=UTC))
    assert nudge.plain().startswith("📚") and "late" not in nudge.plain()
