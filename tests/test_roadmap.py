import shutil

import yaml

from bot.adapters.fake import FakeAdapter
from bot.app import App
from bot.settings import REPO_CONTENT
from handlers.replies import progress_bar
from tests.conftest import buttons, make_settings, texts


def test_progress_bar():
    assert progress_bar(0, 12) == "░" * 12 + " 0%"
    assert progress_bar(6, 12) == "█" * 6 + "░" * 6 + " 50%"
    assert progress_bar(12, 12) == "█" * 12 + " 100%"
    assert progress_bar(0, 0) == "░" * 12 + " 0%"


async def test_roadmap_lists_numbered_steps_with_state_and_bar(chat, app):
    text = texts(await chat.say("/roadmap"))
    for step in app.store.content.steps:
        assert f"{step.number}. {step.titles['en']}" in text
    assert "0 of 12 steps done" in text and "0%" in text


async def test_step_by_number_and_by_id_shows_resources_and_posts(chat, app):
    step = app.store.content.step_by_id["portfolio"]
    for ref in (str(step.number), "portfolio", "PORTFOLIO"):
        replies = await chat.say(f"/step {ref}")
        text = texts(replies)
        assert step.titles["en"] in text
        for r in step.resources:
            assert r.url in text
        for pid in step.posts:
            assert app.store.content.posts[pid].url in text
        assert ("Done", f"step:done:{step.id}") in buttons(replies)


def test_a_step_is_found_by_a_piece_of_its_title_in_either_language_when_only_one_has_it(app):
    content = app.store.content
    by_id = content.step_by_id
    found = {
        ref: content.find_step(ref) for ref in ("math", "Python", " MLOps ", "deep learning", "数学", "求职")
    }
    assert {ref: s.id for ref, s in found.items()} == {
        "math": "math-foundations",
        "Python": "python-basics",
        " MLOps ": "mlops",
        "deep learning": "deep-learning",
        "数学": "math-foundations",
        "求职": "job-search",
    }
    assert content.find_step("portfolio") is by_id["portfolio"]  # an id still wins
    for shared_or_short in ("data", "learning", "a", "", "13", "0", "cooking"):
        assert content.find_step(shared_or_short) is None, shared_or_short


async def test_commands_take_a_step_by_name(app):
    chat = app.fake.chat("mei", locale="zh")
    assert "第 3 步" in texts(await chat.say("/review add 数学"))
    ana = app.fake.chat("ana")
    assert "Step 2" in texts(await ana.say("/doing python"))
    several = texts(await ana.say("/step data"))  # steps 4, 9 and 11 have it: say so, change nothing
    assert "Several steps" in several and "4 Working with data" in several and "9 Serve models" in several
    assert "11 Portfolio, datasets" in several and "Give the number" in several
    assert "好几步的名称里都有“学习”" in texts(await chat.say("/quiz 学习"))
    assert 'There is no step "cooking"' in texts(await ana.say("/review add cooking"))


async def test_state_commands_change_the_step_and_the_bar(chat):
    assert "is in progress" in texts(await chat.say("/doing 2"))
    assert "▶️ 2." in texts(await chat.say("/roadmap"))
    text = texts(await chat.say("/done"))  # finishes the one step in progress
    assert "Step 2" in text and "is done" in text and "1/12" in text
    await chat.say("/skip 3")
    text = texts(await chat.say("/roadmap"))
    assert "✅ 2." in text and "⏭️ 3." in text and "1 of 12 steps done" in text
    await chat.say("/undo 2")
    assert "⬜ 2." in texts(await chat.say("/roadmap"))


async def test_buttons_walk_through_the_steps(chat):
    await chat.say("/step 1")
    await chat.click("Done")
    assert "is done" in chat.text()
    await chat.click("Open step 2")
    assert "2. " in chat.text()
    await chat.click("Next")
    assert "3. " in chat.text()


async def test_finishing_every_step_congratulates(chat, app):
    for step in app.store.content.steps:
        replies = await chat.say(f"/done {step.id}")
    assert "whole roadmap" in texts(replies)


async def test_progress_is_kept_by_step_id_when_the_roadmap_is_reordered(tmp_path, clock):
    content = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, content)
    settings = make_settings(tmp_path, content_dir=content)
    fake = FakeAdapter()
    async with App(settings, [fake], clock=clock):
        await fake.chat("alice").say("/done math-foundations")
    roadmap = yaml.safe_load((content / "roadmap.yaml").read_text())
    roadmap["steps"].reverse()
    (content / "roadmap.yaml").write_text(yaml.safe_dump(roadmap, allow_unicode=True, sort_keys=False))
    async with App(settings, [fake], clock=clock) as app:
        step = app.store.content.step_by_id["math-foundations"]
        assert step.number == 10
        text = texts(await fake.chat("alice").say("/roadmap"))
    assert f"✅ 10. {step.titles['en']}" in text
    assert text.count("✅") == 1


async def test_stale_step_buttons_are_handled(chat):
    assert "out of date" in texts(await chat.press("step:done:removed-step"))
