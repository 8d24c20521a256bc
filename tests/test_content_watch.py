"""Hot reload: an edit takes effect within seconds; a broken file never takes the bot down."""

import asyncio
import shutil

from bot.adapters.fake import FakeAdapter
from bot.app import App
from bot.content_watch import watch_content
from bot.settings import REPO_CONTENT
from handlers.content.store import ContentStore
from tests.conftest import make_settings, texts
from tests.test_admin import SlowParser, retitle


async def eventually(check, timeout: float = 10.0) -> bool:  # noqa: ANN001
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.1)
    return False


def _app(tmp_path, clock):  # noqa: ANN001, ANN202
    content = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, content)
    settings = make_settings(tmp_path, content_dir=content, content_watch=True)
    fake = FakeAdapter()
    return App(settings, [fake], clock=clock), fake, content


async def test_an_edit_takes_effect_without_a_restart(tmp_path, clock):
    app, fake, content = _app(tmp_path, clock)
    async with app:
        chat = fake.chat("alice")
        await asyncio.sleep(0.3)  # let the watcher start
        path = content / "faq" / "salary.yaml"
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                "title: How much do ML engineers earn?", "title: What do ML engineers get paid?"
            ),
            encoding="utf-8",
        )

        async def updated() -> bool:
            return "What do ML engineers get paid?" in texts(await chat.say("/faq salary"))

        assert await eventually(updated)


async def test_a_broken_file_keeps_the_last_good_content_and_tells_the_admins(tmp_path, clock):
    app, fake, content = _app(tmp_path, clock)
    async with app:
        chat = fake.chat("alice")
        before = texts(await chat.say("/faq salary"))
        await asyncio.sleep(0.3)
        (content / "faq" / "salary.yaml").write_text("id: salary\nen: [unclosed\n", encoding="utf-8")

        async def admin_told() -> bool:
            return any(c.chat_id == "admin" and "problem" in r.plain() for c, r in fake.sent)

        assert await eventually(admin_told)
        told = [r.plain() for c, r in fake.sent if c.chat_id == "admin"]
        assert "faq/salary.yaml" in told[-1]
        assert texts(await chat.say("/faq salary")) == before  # still serving the last good content
        assert "welcome" in texts(await chat.say("thanks"))  # and everything else still works


async def test_reload_command_reports_problems_to_the_admin(tmp_path, clock):
    app, fake, content = _app(tmp_path, clock)
    app.settings = app.settings.model_copy(update={"content_watch": False})
    async with app:
        admin = fake.chat("admin")
        (content / "roadmap.yaml").write_text("steps: not-a-list\n", encoding="utf-8")
        text = texts(await admin.say("/reload"))
        assert "previous version" in text and "roadmap.yaml:1" in text
        assert len(app.store.content.steps) == 12


async def test_an_emptied_file_is_refused_and_the_admins_are_told(tmp_path, clock):
    app, fake, content = _app(tmp_path, clock)
    async with app:
        chat = fake.chat("alice")
        before = texts(await chat.say("/faq salary"))
        await asyncio.sleep(0.3)
        (content / "faq" / "salary.yaml").write_text("", encoding="utf-8")  # an editor truncates first

        async def admin_told() -> bool:
            return any(c.chat_id == "admin" and "file is empty" in r.plain() for c, r in fake.sent)

        assert await eventually(admin_told)
        told = [r.plain() for c, r in fake.sent if c.chat_id == "admin"]
        assert "faq/salary.yaml:1: the file is empty" in told[-1]
        assert "salary" in app.store.content.faq_by_id
        assert texts(await chat.say("/faq salary")) == before


async def test_the_watcher_tells_the_admins_which_topic_a_deleted_file_removed(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, content)
    store = ContentStore(content)
    reported, notices = [], []

    async def report(problems) -> None:  # noqa: ANN001
        reported.append(problems)

    async def notify(reply) -> None:  # noqa: ANN001
        notices.append(reply.plain())

    watcher = asyncio.create_task(watch_content(store, report, debounce_ms=50, notify=notify))
    try:
        await asyncio.sleep(0.3)
        (content / "faq" / "kaggle.yaml").unlink()

        async def told() -> bool:
            return bool(notices)

        assert await eventually(told)
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    assert reported == []
    assert "Gone from the FAQ since the last version: kaggle" in notices[0]
    assert "kaggle" not in store.content.faq_by_id  # a deliberate deletion still applies


async def test_events_are_answered_while_the_watcher_reloads_slowly(tmp_path, clock, monkeypatch):
    app, fake, content = _app(tmp_path, clock)
    slow = SlowParser(monkeypatch)
    async with app:
        chat = fake.chat("alice")
        await asyncio.sleep(0.3)
        slow.stall()
        try:
            retitle(content, "salary", "What do ML engineers get?")
            assert await slow.started(), "the watcher never started parsing"
            assert "/roadmap" in texts(await asyncio.wait_for(chat.say("/help"), timeout=3))
            assert "How much do ML engineers earn?" in texts(await chat.say("/faq salary"))
        finally:
            slow.released.set()

        async def updated() -> bool:
            return "What do ML engineers get?" in texts(await chat.say("/faq salary"))

        assert await eventually(updated)
