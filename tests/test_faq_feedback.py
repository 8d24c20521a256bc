"""What a learner's message gets besides an answer (acknowledgements, refusals, "not a tutor"), and the
two buttons under an answer: who may press them, what they record, and that /forget takes it back."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest
from sqlalchemy import func, select

from bot.cli import _gaps
from db.models import FaqAsk, FaqStat, Misfire, MisfireReporter, QuestionTally, UnansweredQuestion
from handlers.faq import small_talk, teaching_step
from handlers.replies import FaqPress, FeedbackPress
from tests.conftest import buttons, texts


async def _count(app, model) -> int:  # noqa: ANN001
    async with app.sessions() as s:
        return await s.scalar(select(func.count()).select_from(model))


def _feedback_payloads(replies) -> dict[str, str]:  # noqa: ANN001
    return {FeedbackPress.unpack(p).verdict: p for _, p in buttons(replies) if p.startswith("fb:")}


ACKS = [
    "ok",
    "OK!",
    "okay thanks",
    "got it",
    "k",
    "cool 👍",
    "👍",
    "🙏🙏",
    "好的",
    "嗯嗯",
    "收到",
    "好的谢谢",
    "哦哦",
]


@pytest.mark.parametrize("typed", ACKS)
def test_acknowledgements_are_not_questions(typed: str) -> None:
    u = small_talk(typed)
    assert u is not None and u.kind in ("acknowledgement", "thanks"), typed


@pytest.mark.parametrize(
    "typed", ["ok so what math do I need", "好的，那要学多少数学", "salary?", "no degree", "book"]
)
def test_a_question_that_starts_with_ok_is_still_a_question(typed: str) -> None:
    assert small_talk(typed) is None


async def test_an_acknowledgement_gets_a_short_word_and_records_nothing(chat, app):
    for typed in ("ok", "好的", "👍", "thanks!"):
        replies = await chat.say(typed)
        assert not any(p.startswith(("fb:", "faq:more")) for _, p in buttons(replies)), typed
        assert len(texts(replies)) < 120, typed
    assert await _count(app, QuestionTally) == 0
    assert await _count(app, FaqAsk) == 0


def test_a_concept_named_in_a_request_points_to_the_step_that_teaches_it(app):
    content = app.store.content
    found = teaching_step(content, "can you explain backpropagation step by step")
    assert found is not None
    step, concept = found
    assert "backpropagation" in concept.lower()
    assert "backpropagation" in [c.lower() for c in step.concepts["en"]]
    zh = teaching_step(content, "帮我推导一下反向传播")
    assert zh is not None and zh[0] == step
    assert teaching_step(content, "what's the weather tomorrow") is None
    # the short forms people type, hyphens and apostrophes or not
    for typed, where in (
        ("explain backprop step by step", "deep-learning"),
        ("do my cross validation homework", "evaluation"),
        ("prove bayes theorem for me", "math-foundations"),
        ("write k-means from scratch for me", "classic-ml"),
    ):
        found = teaching_step(content, typed)
        assert found is not None and found[0].id == where, typed


async def test_homework_gets_not_a_tutor_and_the_step_that_teaches_it(chat, app):
    replies = await chat.say("explain backpropagation to me step by step with the maths")
    text = texts(replies)
    assert "not a tutor" in text
    step, _ = teaching_step(app.store.content, "backpropagation")
    assert f"step {step.number}" in text.lower()
    assert (f"Open step {step.number}", f"step:show:{step.id}") in buttons(replies)
    assert not _feedback_payloads(replies)
    await chat.say("/lang zh")
    zh = texts(await chat.say("帮我推导一下反向传播的公式"))
    assert "不是家教" in zh and f"第 {step.number} 步" in zh


async def test_an_answer_to_a_question_has_more_and_feedback_and_yes_counts_once(chat, app):
    replies = await chat.say("how much do ml engineers earn")
    payloads = _feedback_payloads(replies)
    assert set(payloads) == {"yes", "no"}
    ask = FeedbackPress.unpack(payloads["yes"]).ask
    more = [p for _, p in buttons(replies) if p.startswith("faq:more:")]
    assert more and FaqPress.unpack(more[0]).ask == ask  # the details keep the buttons
    full = await chat.press(more[0])
    assert full[0].replace and set(_feedback_payloads(full)) == {"yes", "no"}
    assert "Thanks for telling me" in texts(await chat.press(payloads["yes"]))
    assert "already told me" in texts(await chat.press(payloads["yes"]))
    assert "already told me" in texts(await chat.press(payloads["no"]))  # one verdict per answer
    async with app.sessions() as s:
        stat = (await s.execute(select(FaqStat).where(FaqStat.faq_id == "salary"))).scalar_one()
    assert (stat.asked, stat.helpful, stat.unhelpful) == (1, 1, 0)
    assert await _count(app, Misfire) == 0


async def test_not_what_i_asked_offers_other_topics_and_records_the_misfire(chat, app):
    replies = await chat.say("how much do ml engineers earn")
    reply = await chat.press(_feedback_payloads(replies)["no"])
    assert "Sorry about that" in texts(reply)
    offered = [FaqPress.unpack(p).topic for _, p in buttons(reply)]
    assert "salary" not in offered
    again = await chat.say("how much do ml engineers earn")
    await chat.press(_feedback_payloads(again)["no"])
    async with app.sessions() as s:
        misfire = (await s.execute(select(Misfire))).scalar_one()
        reporter = (await s.execute(select(MisfireReporter))).scalar_one()
    assert (misfire.text, misfire.faq_id, misfire.count, reporter.count) == (
        "how much do ml engineers earn",
        "salary",
        2,
        2,
    )


async def test_only_the_asker_may_say_whether_an_answer_helped(app):
    alice = app.fake.chat("alice", chat_id="group", group=True)
    bob = app.fake.chat("bob", chat_id="group", group=True)
    payloads = _feedback_payloads(await alice.say("/ask how much do ml engineers earn"))
    for payload in payloads.values():
        assert "belongs to someone else" in texts(await bob.press(payload))
    assert await _count(app, Misfire) == 0
    async with app.sessions() as s:
        assert await s.scalar(select(FaqStat.unhelpful).where(FaqStat.faq_id == "salary")) == 0
    assert "out of date" in texts(await bob.press(FeedbackPress("no", 99999).pack()))
    assert "out of date" in texts(await bob.press("fb:no:9999999999999"))


async def test_gaps_lists_misfires_next_to_the_unanswered(app):
    admin = app.fake.chat("admin")
    learner = app.fake.chat("lena")
    assert "No learner has said" in texts(await admin.say("/gaps"))
    await learner.say("how do I bake a <b>chocolate</b> cake")
    payloads = _feedback_payloads(await learner.say("how much do ml engineers earn"))
    await learner.press(payloads["no"])
    text = texts(await admin.say("/gaps"))
    assert "chocolate" in text
    assert "missed their question" in text
    assert "how much do ml engineers earn → salary" in text


async def test_content_gaps_prints_misfires(app):
    learner = app.fake.chat("lena")
    await learner.press(_feedback_payloads(await learner.say("how much do ml engineers earn"))["no"])
    out = io.StringIO()
    with redirect_stdout(out):
        assert await _gaps(app.settings, 30) == 0
    assert "salary -> how much do ml engineers earn" in out.getvalue()
    assert "answered it / not what I asked" in out.getvalue()


async def test_export_shows_and_forget_removes_the_questions_and_misfires(app):
    lena = app.fake.chat("lena")
    await lena.press(_feedback_payloads(await lena.say("how much do ml engineers earn"))["no"])
    exported = json.loads((await lena.say("/export"))[0].attachment.data.decode())
    assert exported["answered_questions"][0]["text"] == "how much do ml engineers earn"
    assert exported["answered_questions"][0]["feedback"] == "no"
    assert exported["answers_that_missed"] == [
        {"text": "how much do ml engineers earn", "language": "en", "topic_given": "salary", "times": 1}
    ]
    confirm = await lena.say("/forget")
    yes = [p for _, p in buttons(confirm) if p.startswith("forget:")][0]
    await lena.press(yes)
    for model in (FaqAsk, Misfire, MisfireReporter, UnansweredQuestion):
        assert await _count(app, model) == 0, model
