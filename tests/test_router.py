import pytest

from bot.adapters.fake import FakeAdapter
from bot.app import ROUTERS, App
from handlers.core.router import UNHANDLED, Dispatcher, Router, parse_line
from handlers.core.types import ChatRef, Command, Event, Message, Reply, UserRef
from tests.conftest import make_settings, texts


def test_parse_line():
    assert parse_line("/Step 3") == Command("step", "3")
    assert parse_line("  /log 45 linear algebra ") == Command("log", "45 linear algebra")
    assert parse_line("/faq@StudyBuddyBot salary") == Command("faq", "salary")
    assert parse_line("/") == Message("/")
    assert parse_line("what is /step?") == Message("what is /step?")
    assert parse_line("/ask line one\nline two") == Command("ask", "line one\nline two")


def test_a_command_registered_twice_in_one_router_is_refused():
    r = Router("x")
    r.command("a")(lambda ctx: None)
    with pytest.raises(ValueError, match="registered twice"):
        r.command("a")(lambda ctx: None)


def test_a_press_route_takes_a_payload_family_not_a_string():
    with pytest.raises(TypeError, match="Payload family"):
        Router("x").press("step:")


async def test_unhandled_lets_the_next_router_try(tmp_path):
    first, second = Router("first"), Router("second")
    seen = []

    @first.command("ping")
    async def decline(ctx):
        seen.append("first")
        return UNHANDLED

    @second.command("ping")
    async def accept(ctx):
        seen.append("second")
        return ctx.reply("faq.thanks")

    fake = FakeAdapter()
    async with App(make_settings(tmp_path), [fake], routers=(first, second, *ROUTERS)):
        replies = await fake.chat("alice").say("/ping")
    assert seen == ["first", "second"]
    assert "welcome" in texts(replies)


def test_resolution_in_groups_never_talks_over_people():
    r = Router("t")

    @r.text()
    async def t(ctx):
        return None

    d = Dispatcher([r], [], lambda e, routes: None)
    user = UserRef("fake", "u")
    group = ChatRef("fake", "g", is_direct=False)
    direct = ChatRef("fake", "u")
    assert d.resolve(Event(user, group, Message("hello all"))) == ()
    assert len(d.resolve(Event(user, group, Message("hi bot"), mentions_bot=True))) == 1
    assert len(d.resolve(Event(user, group, Message("yes"), replies_to_bot=True))) == 1
    assert len(d.resolve(Event(user, direct, Message("hello")))) == 1


async def test_help_lists_every_public_command(chat):
    text = texts(await chat.say("/help"))
    for command in (
        "/start",
        "/help",
        "/faq",
        "/ask",
        "/roadmap",
        "/step",
        "/done",
        "/doing",
        "/skip",
        "/undo",
        "/progress",
        "/log",
        "/timezone",
        "/lang",
        "/export",
        "/forget",
    ):
        assert command in text
    assert "/reload" not in text and "/gaps" not in text  # admin commands only for admins


async def test_help_shows_admin_commands_to_admins(app):
    text = texts(await app.fake.chat("admin").say("/help"))
    assert "/reload" in text and "/gaps" in text


async def test_replies_are_neutral_objects(chat):
    replies = await chat.say("/start")
    assert all(isinstance(r, Reply) for r in replies)
    assert any(r.buttons for r in replies)
