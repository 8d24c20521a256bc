from sqlalchemy import select

from db.models import FaqStat, UnansweredQuestion
from handlers.faq import understand
from tests.conftest import buttons, texts


async def test_faq_lists_every_topic(chat, app):
    text = texts(await chat.say("/faq"))
    for entry in app.store.content.faq:
        assert f"/faq {entry.id}" in text
        assert entry.texts["en"].title in text


async def test_faq_by_id_shows_the_entry_with_its_links(chat, app):
    replies = await chat.say("/faq salary")
    entry = app.store.content.faq_by_id["salary"]
    text = texts(replies)
    assert entry.texts["en"].title in text
    assert "See also" in text
    for sid in entry.steps:
        assert f"/step {app.store.content.step_by_id[sid].number}" in text
    assert all(p.startswith("step:show:") for _, p in buttons(replies))


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


async def test_out_of_scope_abstains_offers_topics_and_is_recorded_without_user(chat, app):
    replies = await chat.say("how do I bake a chocolate cake")
    assert "I don't know" in texts(replies) or "not sure" in texts(replies)
    assert "/faq" in texts(replies)
    async with app.sessions() as s:
        rows = (await s.execute(select(UnansweredQuestion))).scalars().all()
    assert [(r.text, r.lang, r.count) for r in rows] == [("how do I bake a chocolate cake", "en", 1)]
    assert not hasattr(rows[0], "user_id")
    await chat.say("how do I   bake a chocolate cake")
    async with app.sessions() as s:
        assert (await s.scalar(select(UnansweredQuestion.count))) == 2


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
    u = understand("机器学习工程师工资多少", app.store.matcher)
    assert (u.kind, u.lang, u.entry_id) == ("answer", "zh", "salary")
    assert 0 < u.score <= 1
    nothing = understand("who wrote harry potter", app.store.matcher)
    assert nothing.entry_id is None and nothing.kind == "unknown"
