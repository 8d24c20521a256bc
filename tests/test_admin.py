"""/reload for bot admins: a reload never freezes the bot, never serves a half-written or emptied file,
and never drops a topic or a roadmap step without naming it."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

import pytest

from bot.settings import REPO_CONTENT
from handlers.content import yaml_lines as content_module
from tests.conftest import app_on, make_settings, texts

EXTRA_STEP = """
  - id: extra-step
    en: {title: An extra step, summary: Only in this test.}
    zh: {title: 额外的一步, summary: 只在这个测试里。}
"""


def retitle(content: Path, topic: str, title: str) -> None:
    """Give a FAQ topic a new English title (a harmless, visible edit)."""
    path = content / "faq" / f"{topic}.yaml"
    text = path.read_text(encoding="utf-8")
    old = text.split("\nen:\n  title: ", 1)[1].split("\n", 1)[0]
    path.write_text(text.replace(f"title: {old}\n", f"title: {title}\n", 1), encoding="utf-8")


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the repo's content, with one more roadmap step (that no FAQ topic refers to)."""
    root = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, root)
    with (root / "roadmap.yaml").open("a", encoding="utf-8") as f:
        f.write(EXTRA_STEP)
    return root


@pytest.fixture
async def app(tmp_path: Path, content: Path, clock):  # noqa: ANN001, ANN201
    async with app_on(make_settings(tmp_path, content_dir=content), clock) as running:
        yield running


async def test_reload_refuses_an_emptied_file_and_keeps_serving_the_topic(app, content: Path) -> None:  # noqa: ANN001
    alice, admin = app.fake.chat("alice"), app.fake.chat("admin")
    before = texts(await alice.say("/faq salary"))
    (content / "faq" / "salary.yaml").write_text("", encoding="utf-8")  # an editor truncates, then writes
    text = texts(await admin.say("/reload"))
    assert "previous version" in text
    assert "faq/salary.yaml:1: the file is empty" in text
    assert "salary" in app.store.content.faq_by_id
    assert texts(await alice.say("/faq salary")) == before


async def test_reload_names_the_topics_and_steps_it_drops(app, content: Path) -> None:  # noqa: ANN001
    admin = app.fake.chat("admin")
    (content / "faq" / "salary.yaml").unlink()
    roadmap = content / "roadmap.yaml"
    roadmap.write_text(roadmap.read_text(encoding="utf-8").replace(EXTRA_STEP, ""), encoding="utf-8")
    text = texts(await admin.say("/reload"))
    assert "Content reloaded: 29 FAQ topics, 12 roadmap steps." in text
    assert "Gone from the FAQ since the last version: salary" in text
    assert "Gone from the roadmap since the last version: extra-step" in text
    assert "put it back and send /reload" in text
    assert "salary" not in app.store.content.faq_by_id  # a deliberate deletion still applies
    assert "Gone from" not in texts(await admin.say("/reload"))  # said once, for the reload that dropped it


async def test_reload_names_a_dropped_topic_in_chinese(app, content: Path) -> None:  # noqa: ANN001
    admin = app.fake.chat("admin", locale="zh-CN")
    (content / "faq" / "kaggle.yaml").unlink()
    text = texts(await admin.say("/reload"))
    assert "常见问题里少了：kaggle" in text
    assert "Gone from" not in text


async def test_reload_refuses_a_file_over_the_size_limit_and_keeps_serving(app, content: Path) -> None:  # noqa: ANN001
    admin = app.fake.chat("admin")
    steps = app.store.content.steps
    with (content / "roadmap.yaml").open("a", encoding="utf-8") as f:
        f.write("# " + "x" * content_module.MAX_FILE_BYTES + "\n")
    text = texts(await admin.say("/reload"))
    assert "previous version" in text
    assert "roadmap.yaml:1: the file is" in text and "over the limit of 1 MB" in text
    assert app.store.content.steps == steps


class SlowParser:
    """Once stalled, the YAML parser stops at the next file until released (a reload stuck parsing)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.parsing, self.released = threading.Event(), threading.Event()
        self.real_parse = content_module._parse

    def stall(self) -> None:
        self.monkeypatch.setattr(content_module, "_parse", self._parse)

    def _parse(self, text: str) -> object:
        self.parsing.set()
        assert self.released.wait(timeout=20), "the test never released the parser"
        return self.real_parse(text)

    async def started(self) -> bool:
        return await asyncio.to_thread(self.parsing.wait, 10)


@pytest.fixture
def slow_parser(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    parser = SlowParser(monkeypatch)
    yield parser
    parser.released.set()


async def test_events_are_answered_while_a_slow_reload_parses(
    tmp_path: Path,
    content: Path,
    clock,  # noqa: ANN001
    db_url: str,
    slow_parser: SlowParser,
) -> None:
    """Parsing runs off the event loop: a /help is answered while a reload is stuck in the parser, from
    the content served before it, and the reload's result is served only once it succeeds."""
    async with app_on(make_settings(tmp_path, content_dir=content, database_url=db_url), clock) as app:
        alice, admin = app.fake.chat("alice"), app.fake.chat("admin")
        await alice.say("/start")  # alice exists: her next events only read
        retitle(content, "salary", "What do ML engineers get?")
        slow_parser.stall()
        reloading = asyncio.create_task(admin.say("/reload"))
        try:
            assert await slow_parser.started(), "the reload never started parsing"
            help_text = texts(await asyncio.wait_for(alice.say("/help"), timeout=3))
            assert "/roadmap" in help_text
            assert "How much do ML engineers earn?" in texts(await alice.say("/faq salary"))
            assert not reloading.done()
        finally:
            slow_parser.released.set()
        assert "Content reloaded" in texts(await asyncio.wait_for(reloading, timeout=20))
        assert "What do ML engineers get?" in texts(await alice.say("/faq salary"))
