"""The adapter contract (bot.adapters.base.Adapter): every adapter implements it, and the app needs
nothing beyond it, in the order the contract documents."""

from __future__ import annotations

import pytest

from bot.adapters.base import Adapter, Dispatch
from bot.adapters.console import ConsoleAdapter
from bot.adapters.discord import DiscordAdapter
from bot.adapters.fake import FakeAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.app import App
from handlers.core.markup import parse
from handlers.core.types import ChatRef, Command, Event, Reply, UserRef
from tests.conftest import make_settings


@pytest.mark.parametrize("adapter", [ConsoleAdapter, DiscordAdapter, FakeAdapter, TelegramAdapter])
def test_every_adapter_implements_the_contract(adapter: type) -> None:
    assert issubclass(adapter, Adapter)
    assert not getattr(adapter, "__abstractmethods__", None)  # start, send and stop are all there
    assert isinstance(adapter.name, str) and adapter.name


def test_an_adapter_without_start_send_or_stop_cannot_be_made() -> None:
    class Half(Adapter):
        name = platform = "half"

        async def start(self, dispatch: Dispatch) -> None:
            pass

    with pytest.raises(TypeError, match="send"):
        Half()


class Minimal(Adapter):
    """Only what the contract requires; it records what the app asks of it."""

    name = "minimal"
    platform = "mini"

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.sent: list[tuple[ChatRef, Reply]] = []

    async def start(self, dispatch: Dispatch) -> None:
        self.calls.append("start")
        self.dispatch = dispatch

    async def send(self, chat: ChatRef, replies: list[Reply]) -> None:
        self.sent += [(chat, r) for r in replies]

    async def stop(self) -> None:
        self.calls.append("stop")


class Recording(Minimal):
    """Every optional method too, to see when the app calls it."""

    def use_content(self, store) -> None:  # noqa: ANN001
        self.calls.append("use_content")

    def use_commands(self, routes) -> None:  # noqa: ANN001
        self.calls.append(f"use_commands:{'help' in [r.name for r in routes]}")

    async def publish_commands(self, menu) -> None:  # noqa: ANN001
        self.calls.append(f"publish_commands:{'help' in dict(menu)}")

    def healthy(self) -> bool:
        self.calls.append("healthy")
        return False

    async def stop_receiving(self) -> None:
        self.calls.append("stop_receiving")


async def test_a_minimal_adapter_runs_on_the_defaults(tmp_path, clock) -> None:  # noqa: ANN001
    mini = Minimal()
    async with App(make_settings(tmp_path), [mini], clock=clock) as app:
        assert mini.calls == ["start"]
        user, chat = UserRef("mini", "u1", "U", "en"), ChatRef("mini", "u1", is_direct=True)
        (reply,) = await mini.dispatch(Event(user, chat, Command("help", "")))
        assert "/roadmap" in reply.plain()  # /help lists the app's commands (Context.hooks)
        await app.send_to(chat, [Reply(parse("hello"))])  # found by its platform, not its name
        assert [(c.chat_id, r.plain()) for c, r in mini.sent] == [("u1", "hello")]
        assert await app.check() == {"database": True, "minimal": True}  # healthy() by default
        mini.send_failed("mini", RuntimeError("x"))  # the app's metrics, not the no-op default
        assert mini.send_failed == app.metrics.send_error
    assert mini.calls == ["start", "stop"]


async def test_the_app_calls_the_contract_in_its_documented_order(tmp_path, clock) -> None:  # noqa: ANN001
    rec = Recording()
    async with App(make_settings(tmp_path), [rec], clock=clock) as app:
        assert rec.calls == ["use_content", "use_commands:True", "start", "publish_commands:True"]
        assert await app.check() == {"database": True, "minimal": False}
    assert rec.calls[-3:] == ["healthy", "stop_receiving", "stop"]
