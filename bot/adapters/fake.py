"""An in-memory adapter for tests and benchmarks: chats that read like a conversation.

chat = fake.chat("alice")
replies = await chat.say("/step 3")
replies = await chat.click("Done")
"""

from __future__ import annotations

from dataclasses import replace

from bot.adapters.base import Adapter, Dispatch
from handlers.core.router import parse_line
from handlers.core.types import ChatRef, Event, Press, Reply, UserRef


class FakeAdapter(Adapter):
    """Records what it sends (`sent`); `platform` lets a test pose as another platform. A reply to a
    group event marked `Reply.privately` is recorded as sent to the sender's private chat (chat id: the
    user id, `sent_privately`) with the `privately.sent` note in the group, as Telegram delivers it."""

    name = "fake"

    def __init__(self, platform: str = "fake") -> None:
        self.platform = platform
        self.sent: list[tuple[ChatRef, Reply]] = []
        self._dispatch: Dispatch | None = None

    async def start(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch

    async def stop(self) -> None:
        self._dispatch = None

    async def send(self, chat: ChatRef, replies: list[Reply]) -> None:
        self.sent.extend((chat, r) for r in replies)

    def chat(
        self,
        user_id: str = "alice",
        *,
        name: str | None = None,
        locale: str | None = "en",
        chat_id: str | None = None,
        group: bool = False,
        chat_admin: bool = False,
    ) -> FakeChat:
        user = UserRef(self.platform, user_id, name if name is not None else user_id.title(), locale)
        chat = ChatRef(self.platform, chat_id or user_id, is_direct=not group, sender_is_admin=chat_admin)
        return FakeChat(self, user, chat)

    async def deliver(self, event: Event) -> list[Reply]:
        if self._dispatch is None:
            raise RuntimeError("the fake adapter is not started (use it inside `async with App(...)`)")
        replies = await self._dispatch(event)
        if event.chat.is_direct:
            await self.send(event.chat, replies)
            return replies
        for reply in replies:
            if reply.privately is None:
                await self.send(event.chat, [reply])
                continue
            to = ChatRef(self.platform, event.user.user_id, is_direct=True)
            await self.send(to, [replace(reply, privately=None)])
            await self.send(event.chat, [Reply(reply.privately.sent)])
        return replies

    def sent_privately(self, user_id: str) -> list[Reply]:
        """What went to this user's private chat."""
        return [r for c, r in self.sent if c.is_direct and c.chat_id == user_id]


class FakeChat:
    def __init__(self, adapter: FakeAdapter, user: UserRef, chat: ChatRef) -> None:
        self.adapter, self.user, self.chat = adapter, user, chat
        self.last: list[Reply] = []

    async def say(self, text: str, *, mention: bool = False, reply_to_bot: bool = False) -> list[Reply]:
        event = Event(
            self.user, self.chat, parse_line(text), mentions_bot=mention, replies_to_bot=reply_to_bot
        )
        self.last = await self.adapter.deliver(event)
        return self.last

    async def press(self, payload: str) -> list[Reply]:
        self.last = await self.adapter.deliver(Event(self.user, self.chat, Press(payload)))
        return self.last

    async def click(self, label: str) -> list[Reply]:
        """Press the button with this label (or starting with it) in the latest replies."""
        for reply in reversed(self.last):
            for row in reply.buttons:
                for button in row:
                    if button.label == label or button.label.startswith(label):
                        return await self.press(button.payload)
        labels = [b.label for r in self.last for row in r.buttons for b in row]
        raise AssertionError(f"no button {label!r} in the last replies; buttons: {labels}")

    def text(self) -> str:
        """The latest replies as plain text."""
        return "\n\n".join(r.plain() for r in self.last)
