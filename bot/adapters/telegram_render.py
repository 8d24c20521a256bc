"""Neutral replies as Telegram HTML: the one place where text bound for Telegram is escaped.

Telegram's HTML parse mode accepts a few tags (b, i, code, pre, a href, ...), needs `<`, `>` and `&`
escaped everywhere else, and refuses a message whose text (after parsing) is longer than 4096 UTF-16
code units. `render` returns the reply as one or more HTML messages, split between blocks where it can
and between lines or words where a single block is too long, with every tag closed in the part that
opened it. Buttons become rows of (label, callback data); callback data is at most 64 bytes. A lone
surrogate (which no UTF encoding can carry) is sent as U+FFFD, so a reply never fails to render. A
press's alert (`Reply.alert`) is plain text of at most 200 units (`render_alert`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from handlers.core.chars import replace_surrogates
from handlers.core.markup import Bold, Bullets, Code, Inline, Italic, Link, Para, Pre, Text
from handlers.core.types import Reply

MAX_TEXT = 4096  # UTF-16 code units of visible text, per message
MAX_CALLBACK_BYTES = 64
MAX_ALERT = 200  # the text of a callback query's alert (plain text, no markup)


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (a lone surrogate, sent as U+FFFD, is one)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


_MENTION = re.compile(r"@(?=\w)")


def _unmention(text: str) -> str:
    """Text with a word joiner (U+2060, invisible) after each `@` that starts a word: Telegram turns
    `@name` in a message into a mention and notifies that user, and a display name, a title or a
    question is never meant to ping anyone (in code it stays as written: Telegram links no mention
    there)."""
    return _MENTION.sub("@\u2060", text)


@dataclass(frozen=True)
class _Piece:
    """A run of text with the tags around it: (visible text, opening tags, closing tags)."""

    text: str
    open: str = ""
    close: str = ""

    def html(self, text: str | None = None) -> str:
        return f"{self.open}{_esc(self.text if text is None else text)}{self.close}"


def _pieces(nodes: tuple[Inline, ...], open_: str = "", close: str = "") -> list[_Piece]:
    out: list[_Piece] = []
    for n in nodes:
        if isinstance(n, Text):
            out.append(_Piece(_unmention(n.value), open_, close))
        elif isinstance(n, Bold):
            out += _pieces(n.children, open_ + "<b>", "</b>" + close)
        elif isinstance(n, Italic):
            out += _pieces(n.children, open_ + "<i>", "</i>" + close)
        elif isinstance(n, Code):
            out.append(_Piece(n.value, open_ + "<code>", "</code>" + close))
        elif isinstance(n, Link):
            if n.url.startswith(("http://", "https://")):
                href = html.escape(n.url, quote=True)
                out.append(_Piece(n.label, f'{open_}<a href="{href}">', "</a>" + close))
            else:  # only web links are links; anything else is shown as text
                out.append(_Piece(_unmention(n.label), open_, close))
    return out


def _blocks(reply: Reply) -> list[list[_Piece]]:
    blocks: list[list[_Piece]] = []
    for block in reply.body:
        if isinstance(block, Para):
            blocks.append(_pieces(block.children))
        elif isinstance(block, Bullets):
            lines: list[_Piece] = []
            for i, item in enumerate(block.items):
                lines.append(_Piece(("\n" if i else "") + "• "))
                lines += _pieces(item)
            blocks.append(lines)
        elif isinstance(block, Pre):
            blocks.append([_Piece(block.value, "<pre>", "</pre>")])
    return blocks


def _split_piece(piece: _Piece, room: int) -> tuple[_Piece, _Piece]:
    """Cut a piece that does not fit: at a line break, else a space, else anywhere."""
    text = piece.text
    cut = 0
    for sep in ("\n", " "):
        at = text.rfind(sep, 0, room + 1)
        while at > 0 and _units(text[:at]) > room:
            at = text.rfind(sep, 0, at)
        if at > 0:
            cut = at
            break
    if not cut:
        cut = room
        while cut > 0 and _units(text[:cut]) > room:
            cut -= 1
        cut = max(cut, 1)
    head, tail = text[:cut], text[cut:].lstrip(" ")
    return _Piece(head, piece.open, piece.close), _Piece(tail, piece.open, piece.close)


def render(reply: Reply, limit: int = MAX_TEXT) -> list[str]:
    """The reply as Telegram HTML messages, each within the length limit."""
    messages: list[str] = []
    current: list[str] = []
    used = 0

    def flush() -> None:
        nonlocal current, used
        if current:
            messages.append(replace_surrogates("".join(current).strip("\n")) or " ")
        current, used = [], 0

    for b, block in enumerate(_blocks(reply)):
        gap = "\n\n" if b and current else ""
        size = _units(gap) + sum(_units(p.text) for p in block)
        if used + size > limit and current:
            flush()
            gap = ""
        if gap:
            current.append(gap)
            used += _units(gap)
        queue = list(block)
        while queue:
            piece = queue.pop(0)
            need = _units(piece.text)
            if used + need <= limit:
                current.append(piece.html())
                used += need
                continue
            if used and limit - used < 40:  # too little room left to be worth a cut: next message
                flush()
                queue.insert(0, piece)
                continue
            head, tail = _split_piece(piece, limit - used)
            current.append(head.html())
            flush()
            queue.insert(0, tail)
    flush()
    return messages or [" "]


def render_alert(reply: Reply) -> str:
    """A reply shown as a callback alert: plain text (an alert has no markup, so nothing to escape),
    cut to 200 UTF-16 units."""
    text = replace_surrogates(reply.plain())
    if _units(text) <= MAX_ALERT:
        return text
    while _units(text) > MAX_ALERT - 1:
        text = text[:-1]
    return text + "…"


def keyboard(reply: Reply) -> list[list[tuple[str, str]]]:
    """Buttons as rows of (label, callback data)."""
    rows = []
    for row in reply.buttons:
        cells = []
        for button in row:
            payload = replace_surrogates(button.payload)
            if len(payload.encode()) > MAX_CALLBACK_BYTES:
                raise ValueError(f"button payload {payload!r} is over Telegram's 64 bytes")
            cells.append((replace_surrogates(button.label[:64]), payload))
        rows.append(cells)
    return rows
