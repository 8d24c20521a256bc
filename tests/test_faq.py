import io

import pytest
from sqlalchemy import select

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.settings import REPO_CONTENT
from db.models import Account, FaqStat, QuestionTally, UnansweredAsker, UnansweredQuestion
from handlers.content import load_content
from handlers.content.match import Match
from handlers.core.markup import parse, to_plain
from handlers.faq import from_match, understand
from tests.conftest import buttons, texts


async def test_faq_lists_every_topic(chat, app):
    text = texts(await chat.say("/faq"))
    for entry in app.store.content.faq:
        assert f"/faq {entry.id}" in text
        assert entry.texts["en"].title in text


async def test_faq_by_id_answers_first_and_more_shows_the_details_and_links_in_place(chat, app):
    replies = await chat.say("/faq salary")
    entry = app.store.content.faq_by_id["salary"]
    text = texts(replies)
    assert entry.texts["en"].title in text
    assert entry.texts["en"].answer.split()[0] in text
    assert "See also" not in text
    pressed = buttons(replies)
    assert pressed[0] == ("More ▾", "faq:more:salary")
    assert all(p.startswith("step:show:") for _, p in pressed[1:])
    assert not any(p.startswith("fb:") for _, p in pressed)  # browsing a topic asks for no feedback
    more = await chat.press("faq:more:salary")
    assert more[0].replace  # the same message grows, where the platform can edit it
    text = texts(more)
    assert "See also" in text
    assert to_plain(parse(entry.texts["en"].more))[:40] in text
    for sid in entry.steps:
        assert f"/step {app.store.content.step_by_id[sid].number}" in text
    assert all(p.startswith("step:show:") for _, p in buttons(more))


async def test_faq_by_words_and_ask_and_free_text_answer_from_the_faq(chat, app):
    title = app.store.content.faq_by_id["math-needed"].texts["en"].title
    assert title in texts(await chat.say("/faq how much maths do I need"))
    assert title in texts(await chat.say("/ask how much maths do I need for ML"))
    assert title in texts(await chat.say("how much math do i need"))


async def test_a_chinese_question_gets_the_chinese_answer_even_for_an_english_learner(chat, app):
    entry = app.store.content.faq_by_id["no-degree"]
    text = texts(await chat.say("没有学历可以当机器学习工程师吗"))
    assert entry.texts["zh"].title in text
    assert entry.texts["en"].title not in text


async def test_out_of_scope_is_declined_offers_topics_and_is_recorded_with_its_asker_apart(chat, app):
    replies = await chat.say("how do I bake a chocolate cake")
    assert texts(replies).startswith(("That's outside what I can help with", "I don't know that one"))
    assert "/faq" in texts(replies)
    async with app.sessions() as s:
        rows = (await s.execute(select(UnansweredQuestion))).scalars().all()
    assert [(r.text, r.lang, r.count) for r in rows] == [("how do I bake a chocolate cake", "en", 1)]
    assert not hasattr(rows[0], "user_id")
    await chat.say("how do I   bake a chocolate cake")
    async with app.sessions() as s:
        assert (await s.scalar(select(UnansweredQuestion.count))) == 2
        # who asked is kept apart, only so that /forget can take their words back
        askers = (await s.execute(select(UnansweredAsker.user_id, UnansweredAsker.count))).all()
        alice = await s.scalar(select(Account.user_id).where(Account.platform_user_id == "alice"))
    assert askers == [(alice, 2)]


async def test_answers_are_counted_per_topic_and_language(chat, app):
    await chat.say("/ask how much does an ml engineer earn")
    await chat.say("机器学习工程师工资多少")
    async with app.sessions() as s:
        rows = {(r.faq_id, r.lang): r.asked for r in (await s.execute(select(FaqStat))).scalars()}
    assert rows == {("salary", "en"): 1, ("salary", "zh"): 1}


async def test_suggestion_buttons_open_the_topic(chat, app):
    await chat.press("faq:show:kaggle")
    assert app.store.content.faq_by_id["kaggle"].texts["en"].title in chat.text()


async def test_greetings_and_thanks_get_a_friendly_reply_not_an_answer(chat):
    assert "Ask me anything" in texts(await chat.say("hello!"))
    assert "welcome" in texts(await chat.say("thanks a lot"))
    assert "你好" in texts(await chat.say("你好"))


async def test_ask_without_a_question_explains_itself(chat):
    assert "/ask" in texts(await chat.say("/ask"))


async def test_a_stale_faq_button_is_handled(chat):
    assert "out of date" in texts(await chat.press("faq:show:no-such-topic"))


def test_understand_reports_language_and_score(app):
    u = understand("机器学习工程师工资多少", app.store.matcher, app.store.content)
    assert (u.kind, u.lang, u.entry_id) == ("answer", "zh", "salary")
    assert 0 < u.score <= 1
    nothing = understand("who wrote harry potter", app.store.matcher, app.store.content)
    assert nothing.entry_id is None and nothing.kind in ("refusal", "unsure")


# Numbers with no button, and text with no letters


async def _stored_questions(app) -> tuple[list, list]:  # noqa: ANN001
    async with app.sessions() as s:
        unanswered = (await s.execute(select(UnansweredQuestion.text, UnansweredQuestion.lang))).all()
        tallies = (
            await s.execute(select(QuestionTally.lang, QuestionTally.answered, QuestionTally.count))
        ).all()
    return unanswered, tallies


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "There is no button 5 on my last message"), ("zh", "我上一条消息里没有按钮 5")],
)
async def test_a_number_with_no_button_says_so_in_the_learners_language(chat, app, lang, expected):
    await chat.say(f"/lang {lang}")
    await chat.say("/step 3")
    for typed in ("5", " 5 ", "５"):  # the console sends it on when no button has that number
        text = texts(await chat.say(typed))
        assert expected.replace("5", typed.strip()) in text, typed
        assert "/faq" in text
    assert await _stored_questions(app) == ([], [])  # not a question: nothing recorded


async def test_a_number_with_no_button_in_the_console(settings):  # noqa: ANN001
    # step 3 has 12 buttons in Chinese (3 actions, 7 resource ticks, 2 to move on): 30 is none of them
    stdin = io.StringIO("/lang zh\n/reminders\n2\n/step 3\n30\n/step 3\n1\n")
    stdout = io.StringIO()
    console = ConsoleAdapter("carol", "Carol", "en_GB", stdin=stdin, stdout=stdout)
    async with App(settings, [console]):
        await console.wait_closed()
    out = stdout.getvalue()
    assert "我上一条消息里没有按钮 2" in out and "我上一条消息里没有按钮 30" in out
    assert "没有按钮 1" not in out  # step 3 has a first button: that one is pressed


async def test_an_empty_line_in_the_console_gets_no_reply(settings):  # noqa: ANN001
    outputs = []
    for typed in ("/help\n", "\n/help\n   \n\n"):
        stdout = io.StringIO()
        console = ConsoleAdapter("carol", "Carol", "zh_CN", stdin=io.StringIO(typed), stdout=stdout)
        async with App(settings, [console]):
            await console.wait_closed()
        outputs.append(stdout.getvalue())
    assert outputs[0] and outputs[1] == outputs[0]
    assert "空消息" not in outputs[1] and "empty message" not in outputs[1]


@pytest.mark.parametrize("typed", ["🤔🤔", "？？？", "!!!", "👍"])
async def test_bare_emoji_or_punctuation_is_no_question_and_gets_a_word_in_the_learners_language(
    chat, app, typed
):
    await chat.say("/lang zh")
    zh = texts(await chat.say(typed)) + texts(await chat.say(f"/ask {typed}"))
    assert zh.count("有问题随时问我") == 2  # the message, then /ask with it
    await chat.say("/lang en")
    assert texts(await chat.say(typed)).startswith("👍 I'm here whenever you have a question.")
    assert await _stored_questions(app) == ([], [])  # not a question: nothing recorded


async def test_a_line_of_digits_and_signs_is_declined_in_the_learners_language(chat, app):
    await chat.say("/lang zh")
    zh = texts(await chat.say("42 + 42 = ?"))
    assert "抱歉" in zh or "超出了我能帮忙的范围" in zh or "我不太确定" in zh
    await chat.say("/lang en")
    en = texts(await chat.say("42 + 42 = ?"))
    assert not any(c in en for c in "抱歉范围确定")
    unanswered, tallies = await _stored_questions(app)
    assert sorted(lang for _, lang in unanswered) == ["en", "zh"]  # stored in the language it was answered in
    assert sorted((lang, count) for lang, _, count in tallies) == [("en", 1), ("zh", 1)]


async def test_text_with_letters_keeps_its_own_language(chat):
    await chat.say("/lang zh")
    assert "Ask me anything" in texts(await chat.say("hello!"))  # English words: an English reply
    assert "I don't know" in texts(await chat.say("zxqv 🤔"))
    await chat.say("/lang en")
    assert "你好" in texts(await chat.say("你好"))
    assert "抱歉" in texts(await chat.say("烤蛋糕 🤔"))


def test_only_a_declined_request_gets_not_a_tutor_a_question_naming_a_concept_stays_unsure():
    content, _ = load_content(REPO_CONTENT)
    question = "I finished a python video course at 34, what do I do first?"
    unsure = from_match(question, Match(None, 0.2, (("how-to-start", 0.2),)), content)
    assert unsure.kind == "unsure" and unsure.candidates == (("how-to-start", 0.2),)
    request = from_match("explain backpropagation step by step", Match(None, 0.5, (), "not-a-tutor"), content)
    assert request.kind == "not-a-tutor" and request.step_id is not None and request.concept
