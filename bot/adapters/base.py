"""The adapter seam: one per platform. An adapter turns platform updates into neutral `Event`s,
hands them to the app, and renders the `Reply`s it gets back for its platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from handlers.types import ChatRef, Event, Reply

Dispatch = Callable[[Event], Awaitable[list[Reply]]]


class Adapter(Protocol):
    name: str

    async def start(self, dispatch: Dispatch) -> None:
        """Begin receiving; every event goes to `dispatch` and its replies back to the chat."""

    async def stop(self) -> None:
        """Stop receiving and finish sending what is in flight."""

    async def send(self, chat: ChatRef, replies: list[Reply]) -> None:
        """Deliver replies to a chat (also used by reminders, which have no incoming event)."""
