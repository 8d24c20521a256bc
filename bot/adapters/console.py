"""The console chat: a terminal (prompt, colours, numbered buttons) or a pipe (replies only).

`printf '/start\n/roadmap\n' | python -m bot` prints the replies and exits at the end of input.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from typing import TextIO

from bot.adapters.base import Dispatch
from handlers.markup import Bold, Bullets, Code, Doc, Inline, Italic, Link, Para, Pre, Text
from handlers.router import parse_line
from handlers.types import ChatRef, Event, Press, Reply, UserRef

_BOLD, _DIM, _CYAN, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[36m", "\x1b[0m"


_CONTROL = {c: None for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\t"}


def _clean(text: str) -> str:
    """The console's escaping: no control characters (no terminal escape injection)."""
    return text.translate(_CONTROL)


def _inline(nodes: tuple[Inline, ...], color: bool) -> str:
    out = []
    for n in nodes:
        if isinstance(n, Text):
            out.append(_clean(n.value))
        elif isinstance(n, Bold):
            inner = _inline(n.children, color)
            out.append(f"{_BOLD}{inner}{_RESET}" if color else inner)
        elif isinstance(n, Italic):
            inner = _inline(n.children, color)
            out.append(f"{_DIM}{inner}{_RESET}" if color else inner)
        elif isinstance(n, Code):
            out.append(f"{_CYAN}{_clean(n.value)}{_RESET}" if color else _clean(n.value))
        elif isinstance(n, Link):
            label, url = _clean(n.label), _clean(n.url)
            out.append(url if label == url else f"{label} <{url}>")
    return "".join(out)


def render(reply: Reply, color: bool = False, first_choice: int = 1) -> str:
    """A reply as console text; buttons become numbered choices starting at `first_choice`."""
    parts = []
    doc: Doc = reply.body
    for block in doc:
        if isinstance(block, Para):
            parts.append(_inline(block.children, color))
        elif isinstance(block, Bullets):
            items = (_inline(item, color).replace("\n", "\n    ") for item in block.items)
            parts.append("\n".join("  • " + item for item in items))
        elif isinstance(block, Pre):
            parts.append(_clean(block.value))
    if reply.attachment is not None:
        data = reply.attachment.data.decode("utf-8", errors="replace")
        parts.append(f"[{_clean(reply.attachment.filename)}]\n{_clean(data)}")
    n = first_choice
    for row in reply.buttons:
        cells = []
        for button in row:
            cells.append(f"[{n}] {_clean(button.label)}")
            n += 1
        parts.append("   ".join(cells))
    return "\n\n".join(parts)


class ConsoleAdapter:
    name = "console"

    def __init__(
        self,
        user_id: str,
        display_name: str = "",
        locale: str | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
    ) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        if interactive is None:
            interactive = self.stdin.isatty() and self.stdout.isatty()
        self.interactive = interactive
        self.user = UserRef("console", user_id, display_name or user_id, locale)
        self.chat = ChatRef("console", user_id, is_direct=True)
        self._choices: list[str] = []  # payloads of the buttons on screen, numbered from 1
        self._task: asyncio.Task | None = None
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._answered = threading.Event()  # the prompt comes back only after the replies are printed
        self._answered.set()

    async def start(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch
        loop = asyncio.get_running_loop()
        if self.interactive:
            self.stdout.write(f"{_BOLD}Study Buddy{_RESET} — type /start or a question; Ctrl-D to quit.\n\n")
            self.stdout.flush()
        threading.Thread(target=self._read, args=(loop,), name="console-stdin", daemon=True).start()
        self._task = asyncio.create_task(self._run(), name="console")

    def _read(self, loop: asyncio.AbstractEventLoop) -> None:
        """A daemon thread: blocking reads never hold up shutdown."""
        try:
            while True:
                if self.interactive:
                    self._answered.wait()
                    self._answered.clear()
                    try:
                        line = input("you › ")
                    except EOFError:
                        break
                else:
                    line = self.stdin.readline()
                    if not line:
                        break
                loop.call_soon_threadsafe(self._lines.put_nowait, line.rstrip("\r\n"))
        finally:
            loop.call_soon_threadsafe(self._lines.put_nowait, None)

    def _event(self, line: str) -> Event:
        stripped = line.strip()
        if stripped.isdigit() and self._choices and 1 <= int(stripped) <= len(self._choices):
            return Event(self.user, self.chat, Press(self._choices[int(stripped) - 1]))
        return Event(self.user, self.chat, parse_line(line))

    async def _run(self) -> None:
        while (line := await self._lines.get()) is not None:
            try:
                replies = await self._dispatch(self._event(line))
                await self.send(self.chat, replies)
            finally:
                self._answered.set()

    async def wait_closed(self) -> None:
        """Until the input ends (Ctrl-D, or the end of a pipe)."""
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def send(self, chat: ChatRef, replies: list[Reply]) -> None:
        choices: list[str] = []
        for reply in replies:
            self.stdout.write(render(reply, self.interactive, len(choices) + 1) + "\n\n")
            choices += [b.payload for row in reply.buttons for b in row]
        if choices or replies:
            self._choices = choices
        self.stdout.flush()
