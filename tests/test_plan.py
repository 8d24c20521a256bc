"""/next and "what should I do next?" (handlers/plan.py), and a step's resources ticked (handlers/roadmap.py,
db/resources.py): a personal answer from the learner's own progress, in English and Chinese."""

from __future__ import annotations

import pytest

from handlers.plan import asks_what_next
from handlers.replies import resource_key
from tests.conftest import DATABASES, buttons, texts


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("what should I do next?", True),
        ("What next", True),
        ("next step?", True),
        ("ok what should i study today", True),
        ("下一步学什么", True),
        ("我接下来该学啥？", True),
        ("今天学什么", True),
        ("what should I learn first as a complete beginner", False),  # the FAQ's how-to-start
        ("next year will ML still be a good career", False),
        ("机器学习下一步的发展趋势是什么", False),
    ],
)
def test_what_counts_as_asking_what_next(text: str, asks: bool) -> None:
    assert asks_what_next(text) is asks


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_next_follows_the_step_its_resources_and_the_cards_due(db_app):
    app = db_app
    chat = app.fake.chat("alice")
    first = texts(await chat.say("/next"))
    assert "Next: step 1 Understand the role and make a plan (not started yet)." in first
    assert "Start it with /doing 1 (its practice cards join your deck), then spend 30 minutes on" in first
    await chat.say("/doing 2")
    step = app.store.content.step_by_id["python-basics"]
    resources = [r for r in step.resources if r.shown_in("en")]
    reply = texts(await chat.say("what should I do next?"))
    n = len(app.store.content.decks["python-basics"].cards)
    assert "step 2 Python and programming basics (in progress)" in reply
    assert f"Your next resource: {resources[0].title}" in reply
    assert f"{n} practice cards are due" in reply and "Clear your due cards with /review first" in reply
    assert "would you like" not in reply.lower()  # not a FAQ answer

    # tick the first resource on the step: /next moves on to the second
    await chat.say("/step 2")
    tick = next(
        p for _, p in buttons(chat.last) if p == f"step:tick:python-basics:{resource_key(resources[0].url)}"
    )
    (shown,) = await chat.press(tick)
    assert shown.replace and f"1. ✅ {resources[0].title}" in shown.plain()
    assert ("✅ 1", tick) in buttons([shown])
    assert f"Your next resource: {resources[1].title}" in texts(await chat.say("/next"))
    (again,) = await chat.press(tick)  # pressed again: not done any more
    assert "1. ✅" not in again.plain() and ("☐ 1", tick) in buttons([again])


async def test_ticks_are_the_pressers_own_and_a_stale_tick_changes_nothing(app):
    alice, bob = app.fake.chat("alice"), app.fake.chat("bob")
    await alice.say("/step 1")
    tick = next(p for _, p in buttons(alice.last) if p.startswith("step:tick:"))
    await bob.press(tick)  # bob ticks it for himself
    assert "1. ✅" not in texts(await alice.say("/step 1"))
    assert "1. ✅" in texts(await bob.say("/step 1"))
    (stale,) = await alice.press("step:tick:understand-the-role:00000000")
    assert "out of date" in stale.plain()


async def test_next_in_chinese_and_at_the_end_of_the_roadmap(chat, app):
    await chat.say("/lang zh")
    await chat.say("/doing 1")
    reply = texts(await chat.say("下一步学什么"))
    assert "第 1 步" in reply and "（进行中）" in reply and "今天：" in reply
    for step in app.store.content.steps:
        await chat.say(f"/done {step.number}")
    assert "整条学习路线你都走完了" in texts(await chat.say("/next"))
