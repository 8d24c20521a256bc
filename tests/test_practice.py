"""/review and /quiz (handlers/practice.py, handlers/deck.py, db/practice.py) through the fake adapter:
cards joining the deck, a review session card by card with FSRS, quizzes with feedback, stale and foreign
presses, /progress's practice line, and /export and /forget."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select

from db.models import PracticeCard, PracticeReview, PracticeSession, QuizAnswer
from tests.conftest import DATABASES, buttons, texts


async def _count(app, model, **where) -> int:  # noqa: ANN001
    async with app.sessions() as s:
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return await s.scalar(stmt)


async def _cards(app) -> list[PracticeCard]:  # noqa: ANN001
    async with app.sessions() as s:
        return list(await s.scalars(select(PracticeCard).order_by(PracticeCard.id)))


def _payload(replies, label: str) -> str:  # noqa: ANN001
    return next(p for lbl, p in buttons(replies) if lbl == label)


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_a_step_in_progress_brings_its_cards_and_a_review_walks_through_them(db_app, clock):
    chat = db_app.fake.chat("alice")
    deck = db_app.store.content.decks["python-basics"]
    text = texts(await chat.say("/doing 2"))
    assert f"{len(deck.cards)} practice cards of this step joined your deck" in text
    assert await _count(db_app, PracticeCard) == len(deck.cards)

    replies = await chat.say("/review")
    first = deck.cards[0].texts["en"]
    assert first.front in texts(replies) and first.back not in texts(replies)
    assert f"{len(deck.cards)} cards due" in texts(replies)
    assert [lbl for lbl, _ in buttons(replies)] == ["Show answer"]

    back = await chat.click("Show answer")
    assert first.back in texts(back) and back[0].replace
    assert [lbl for lbl, _ in buttons(back)] == ["Again", "Hard", "Good", "Easy"]

    after = await chat.click("Good")
    assert after[0].replace and deck.cards[1].texts["en"].front in texts(after)
    rated = (await _cards(db_app))[0]
    assert rated.last_review == clock.now() and rated.due > clock.now()  # FSRS's learning step
    assert rated.stability is not None and rated.difficulty is not None
    assert await _count(db_app, PracticeReview, rating=3) == 1


async def test_a_session_ends_with_a_summary_and_then_nothing_is_due(chat, app, clock):
    await chat.say("/review add 1")
    n = len(app.store.content.decks["understand-the-role"].cards)
    await chat.say("/review")
    for _ in range(n):
        await chat.click("Show answer")
        await chat.click("Easy")
    text = chat.text()
    assert f"Review done: {n} cards reviewed." in text and "The next card is due" in text
    assert await _count(app, PracticeReview) == n
    assert await _count(app, PracticeSession, ended=True) == 1
    text = texts(await chat.say("/review"))
    assert "No cards are due right now. The next one is due on " in text
    assert ("Take a quiz", "pr:quiz") in buttons(chat.last)
    clock.advance(days=40)  # Easy cards come back after days, not minutes
    assert "Card 1 ·" in texts(await chat.say("/review"))


async def test_again_brings_the_card_back_after_its_learning_step(chat, app, clock):
    await chat.say("/review add 1")
    cards = app.store.content.decks["understand-the-role"].cards
    await chat.say("/review")
    await chat.click("Show answer")
    await chat.click("Again")
    for _ in cards[1:]:
        await chat.click("Show answer")
        await chat.click("Easy")
    assert "The next card is due today at 10:01" in chat.text()  # Again: FSRS's 1-minute learning step
    clock.advance(minutes=2)
    assert cards[0].texts["en"].front in texts(await chat.say("/review"))


async def test_a_press_twice_or_on_an_earlier_card_changes_nothing(chat, app):
    await chat.say("/review add 2")
    replies = await chat.say("/review")
    show = _payload(replies, "Show answer")
    back = await chat.press(show)
    good = _payload(back, "Good")
    await chat.press(good)
    assert "That session has ended" in texts(await chat.press(good))
    assert "That session has ended" in texts(await chat.press(show))
    assert await _count(app, PracticeReview) == 1
    await chat.say("/review")  # a new session: the old one's buttons are stale
    assert "That session has ended" in texts(await chat.press(_payload(back, "Easy")))
    assert await _count(app, PracticeReview) == 1


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_one_rating_pressed_twice_at_once_rates_the_card_once(db_app):
    chat = db_app.fake.chat("alice")
    await chat.say("/review add 2")
    back = await chat.press(_payload(await chat.say("/review"), "Show answer"))
    good = _payload(back, "Good")
    first, second = await asyncio.gather(chat.press(good), chat.press(good))
    replies = texts(first) + texts(second)
    assert replies.count("That session has ended") == 1 and "Show answer" in str(buttons(first + second))
    assert await _count(db_app, PracticeReview) == 1
    async with db_app.sessions() as s:
        assert (await s.scalar(select(PracticeSession.position))) == 1
    sid = int(good.split(":")[2])
    for forged in (f"rv:rate:{sid}:1:{2**40}:3", f"rv:show:{2**40}:1:1"):  # ids no row can have
        text = texts(await chat.press(forged))
        assert "That session has ended" in text or "out of date" in text
    assert await _count(db_app, PracticeReview) == 1


async def test_someone_elses_session_is_refused_and_untouched(app):
    alice, bob = app.fake.chat("alice"), app.fake.chat("bob")
    await alice.say("/review add 2")
    back = await alice.press(_payload(await alice.say("/review"), "Show answer"))
    before = await _cards(app)
    for label in ("Again", "Easy"):
        assert "That session has ended" in texts(await bob.press(_payload(back, label)))
    assert await _count(app, PracticeReview) == 0
    assert [(c.due, c.stability) for c in await _cards(app)] == [(c.due, c.stability) for c in before]
    await alice.press(_payload(back, "Good"))  # the owner's press still works
    assert await _count(app, PracticeReview) == 1


async def test_forged_review_payloads_are_out_of_date(chat, app):
    await chat.say("/review add 2")
    replies = await chat.say("/review")
    sid = int(_payload(replies, "Show answer").split(":")[2])  # rv:show:<session>:<position>:<card>
    for forged in (
        f"rv:rate:{sid}:0:999999:3",
        f"rv:rate:{sid}:0:1:9",
        "rv:rate:x",
        f"rv:show:{sid + 99}:0:1",
    ):
        text = texts(await chat.press(forged))
        assert "That session has ended" in text or "out of date" in text
    assert await _count(app, PracticeReview) == 0


async def test_review_add_and_remove_keep_the_history(chat, app):
    deck = app.store.content.decks["math-foundations"]
    assert f"{len(deck.cards)} cards of step 3" in texts(await chat.say("/review add 3"))
    assert "were already in your deck" in texts(await chat.say("/review add 3"))
    await chat.say("/review")
    await chat.click("Show answer")
    await chat.click("Good")
    assert f"Took {len(deck.cards)} cards of step 3" in texts(await chat.say("/review remove 3"))
    assert "Your practice deck is empty" in texts(await chat.say("/review"))
    await chat.say("/review add math-foundations")
    rated = [c for c in await _cards(app) if c.last_review is not None]
    assert len(rated) == 1 and rated[0].status == "active"


async def test_review_arguments_that_make_no_sense_get_a_usage_and_change_nothing(chat, app):
    assert "Send /review to review" in texts(await chat.say("/review dance 3"))
    assert 'There is no step "99". Steps are numbered 1 to 12' in texts(await chat.say("/review add 99"))
    assert "Which step?" in texts(await chat.say("/review add"))
    assert await _count(app, PracticeCard) == 0


async def test_a_card_gone_from_the_content_is_retired_not_shown(chat, app):
    await chat.say("/review add 2")
    async with app.sessions() as s, s.begin():
        first = await s.scalar(select(PracticeCard).order_by(PracticeCard.id))
        first.card_id = "no-such-card"
    text = texts(await chat.say("/review"))
    assert app.store.content.decks["python-basics"].cards[1].texts["en"].front in text
    assert [c.status for c in await _cards(app)][0] == "retired"


async def _answer(chat, app, right: bool) -> None:  # noqa: ANN001
    """Press the right (or a wrong) option of the question shown."""
    async with app.sessions() as s:
        session = await s.scalar(select(PracticeSession).where(PracticeSession.kind == "quiz"))
    step, qid, _ = json.loads(session.plan)[session.position]
    q = app.store.content.decks[step].question(qid).texts["en"]
    for label, payload in buttons(chat.last):
        if (label == q.right) == right and payload.startswith("qz:"):
            await chat.press(payload)
            return
    raise AssertionError("no option to press")


async def test_a_quiz_asks_five_gives_feedback_and_a_score(chat, app):
    await chat.say("/quiz 2")
    assert "Question 1 of 5" in chat.text()
    assert len(buttons(chat.last)) in (3, 4)
    await _answer(chat, app, right=True)
    assert "✅ Right:" in chat.text() and "Question 2 of 5" in chat.text()
    await _answer(chat, app, right=False)
    assert "❌ Not quite. The answer is:" in chat.text()
    for right in (True, True, True):
        await _answer(chat, app, right)
    assert "Quiz done: 4 of 5 right" in chat.text()
    assert await _count(app, QuizAnswer) == 5 and await _count(app, QuizAnswer, right=True) == 4
    assert ("Another quiz", "pr:quiz") in buttons(chat.last)


async def test_a_wrong_answer_makes_its_card_due_now(chat, app, clock):
    await chat.say("/quiz 2")
    await _answer(chat, app, right=False)
    cards = await _cards(app)
    assert len(cards) == 1 and cards[0].due <= clock.now() and cards[0].step_id == "python-basics"


async def test_quiz_without_a_step_uses_the_step_in_progress_or_asks(chat, app):
    assert "Which step should I quiz you on?" in texts(await chat.say("/quiz"))
    await chat.say("/doing 4")
    await chat.say("/quiz")
    async with app.sessions() as s:
        plan = json.loads(await s.scalar(select(PracticeSession.plan)))
    assert {step for step, _, _ in plan} == {"data-handling"}
    assert 'There is no step "99"' in texts(await chat.say("/quiz 99"))
    assert await _count(app, PracticeSession) == 1


async def test_an_old_quiz_button_is_stale(chat, app):
    await chat.say("/quiz 2")
    old = chat.last
    await _answer(chat, app, right=True)
    payload = next(p for _, p in buttons(old) if p.startswith("qz:"))
    assert "That session has ended" in texts(await chat.press(payload))
    assert await _count(app, QuizAnswer) == 1


async def test_review_and_quiz_in_chinese(app):
    chat = app.fake.chat("li")
    await chat.say("/lang zh")
    await chat.say("/doing 2")
    replies = await chat.say("/review")
    card = app.store.content.decks["python-basics"].cards[0].texts["zh"]
    assert card.front in texts(replies) and "到期 18 张" in texts(replies)
    back = await chat.click("显示答案")
    assert card.back in texts(back)
    assert [lbl for lbl, _ in buttons(back)] == ["忘了", "困难", "记得", "简单"]
    await chat.say("/quiz 2")
    assert "第 1 题（共 5 题）" in chat.text()


async def test_progress_shows_the_practice_line(chat, clock):
    assert "Practice:" not in texts(await chat.say("/progress"))
    await chat.say("/review add 2")
    await chat.say("/review")
    await chat.click("Show answer")
    await chat.click("Good")
    text = texts(await chat.say("/progress"))
    assert (
        "Practice: 18 cards in your deck, 18 due today, 1 reviewed this week, estimated recall 100%" in text
    )
    clock.advance(days=3)
    text = texts(await chat.say("/progress"))
    assert "estimated recall" in text and "estimated recall 100%" not in text  # memory fades


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_export_has_the_cards_and_history_and_forget_removes_them(db_app):
    chat = db_app.fake.chat("alice")
    await chat.say("/review add 2")
    await chat.say("/review")
    await chat.click("Show answer")
    await chat.click("Hard")
    await chat.say("/quiz 2")
    await _answer(chat, db_app, right=False)
    exported = json.loads((await chat.say("/export"))[-1].attachment.data)
    assert len(exported["practice_cards"]) == 18
    assert exported["card_reviews"][0]["rating"] == 2
    assert exported["quiz_answers"][0]["right"] is False
    await chat.say("/forget")
    await chat.click("Yes")
    for model in (PracticeCard, PracticeReview, QuizAnswer, PracticeSession):
        assert await _count(db_app, model) == 0
