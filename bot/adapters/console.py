"""The console chat: a terminal (prompt, colours, numbered buttons) or a pipe (replies only).

`printf '/start\n/roadmap\n' | python -m bot` prints the replies and exits at the end of input.

In a terminal, what is printed while the prompt waits (a reminder, an admin notice, a log line through
`log_stream`) goes on its own line above it, and the prompt is drawn again with what was typed so far.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.adapters.base import Adapter, Dispatch
from handlers.core.markup import Bold, Bullets, Code, Doc, Inline, Italic, Link, Para, Pre, Text
from handlers.core.numbers import parse_int
from handlers.core.router import parse_line
from handlers.core.types import ChatRef, Event, Press, Reply, UserRef

_BOLD, _DIM, _CYAN, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[36m", "\x1b[0m"
_CLEAR_LINE = "\r\x1b[2K"  # back to the line's start and erase it
PROMPT = "you › "


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


def render(reply: Reply, color: bool = False, first_choice: int = 1, saved: Path | None = None) -> str:
    """A reply as console text; buttons become numbered choices starting at `first_choice`. A picture
    is not printed: `saved` is the file it was written to."""
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
    if saved is not None:
        parts.append(f"🖼 {_clean(str(saved))}")
    elif reply.attachment is not None:
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


class ConsoleAdapter(Adapter):
    name = "console"
    platform = "console"

    def __init__(
        self,
        user_id: str,
        display_name: str = "",
        locale: str | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
        files_dir: Path | None = None,
    ) -> None:
        # pictures (the /week card) are written here and their path printed; default: ./study-buddy-files
        self.files_dir = files_dir or Path("study-buddy-files")
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
        self._prompting = False  # the prompt is on screen, waiting for a line
        self._screen = threading.Lock()  # one writer at a time: the prompt, replies, log lines
        self._typed: Callable[[], str] = lambda: ""  # what was typed after the prompt (with readline)

    async def start(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch
        loop = asyncio.get_running_loop()
        if self.interactive:
            try:  # line editing and history for input(), and what has been typed, to redraw it
                import readline

                self._typed = readline.get_line_buffer
            except ImportError:  # e.g. Windows without pyreadline: still works, without the redraw
                pass
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
                    with self._screen:
                        self._prompting = True
                    try:
                        line = input(PROMPT)
                    except EOFError:
                        break
                    finally:
                        with self._screen:
                            self._prompting = False
                else:
                    line = self.stdin.readline()
                    if not line:
                        break
                loop.call_soon_threadsafe(self._lines.put_nowait, line.rstrip("\r\n"))
        finally:
            loop.call_soon_threadsafe(self._lines.put_nowait, None)

    def _event(self, line: str) -> Event:
        choice = parse_int(line, lo=1, hi=len(self._choices), hash_ok=False) if self._choices else None
        if choice is not None:
            return Event(self.user, self.chat, Press(self._choices[choice - 1]))
        return Event(self.user, self.chat, parse_line(line))

    async def _run(self) -> None:
        while (line := await self._lines.get()) is not None:
            try:
                if not line.strip():  # Enter on its own (or only spaces): not a message, no reply
                    continue
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
        parts = []
        for reply in replies:
            saved = self._save_picture(reply)
            parts.append(render(reply, self.interactive, len(choices) + 1, saved) + "\n\n")
            choices += [b.payload for row in reply.buttons for b in row]
        if choices or replies:
            self._choices = choices
        if parts:
            self.print_above_prompt("".join(parts))

    def _save_picture(self, reply: Reply) -> Path | None:
        """Write a picture attachment to `files_dir` (a terminal can't show it); its absolute path."""
        found = reply.attachment
        if found is None or not found.mime.startswith("image/"):
            return None
        name = Path(found.filename).name or "picture.png"  # never a path out of files_dir
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = (self.files_dir / name).resolve()
        path.write_bytes(found.data)
        return path

    def print_above_prompt(self, text: str, stream: TextIO | None = None) -> None:
        """Write `text` (to stdout, or `stream`): if the prompt is waiting, on its own line above it,
        then the prompt again with what was typed so far."""
        stream = stream or self.stdout
        with self._screen:
            prompting = self.interactive and self._prompting
            if prompting:
                self.stdout.write(_CLEAR_LINE)
                self.stdout.flush()
            stream.write(text if not prompting or text.endswith("\n") else text + "\n")
            stream.flush()
            if prompting:
                self.stdout.write(PROMPT + self._typed())
                self.stdout.flush()

    def log_stream(self, stream: TextIO) -> _AbovePrompt:
        """A stream for the log handler while the chat runs (bot.logs.log_stream)."""
        return _AbovePrompt(self, stream)


class _AbovePrompt:
    """What a log handler writes goes through ConsoleAdapter.print_above_prompt."""

    def __init__(self, console: ConsoleAdapter, stream: TextIO) -> None:
        self.console, self.stream = console, stream

    def write(self, text: str) -> int:
        self.console.print_above_prompt(text, self.stream)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()
