"""Neutral replies as Discord markdown: the one place where text bound for Discord is escaped.

Discord reads markdown in every message: ``**bold**``, ``*italic*``, code, ``[label](url)``, and at a
line start headings (``# ``), subtext (``-# ``), block quotes (``> ``) and lists (``- ``, ``1. ``); it
also turns ``<@id>``, ``<#id>``, ``<t:…>`` and ``@everyone`` into mentions, and refuses a message whose
content is empty or longer than 2000 characters (markup included). `render` returns the reply as one or
more messages, split between blocks where it can and between lines, words or anywhere where a block is
too long, with every bold, italic, code span and code fence closed in the part that opened it and
reopened in the next. Buttons become rows of (label, custom_id): at most 5 rows of 5, ids of at most 100
characters, labels of at most 80. A lone surrogate (which no UTF encoding can carry) is sent as U+FFFD,
so a reply never fails to render or send.

Escaping, in short: `discord.utils.escape_markdown` (with ``ignore_links=False``) backslashes ``\\ * _ ~
| `` ` `` and a leading ``-`` or ``#``; on top of that every ``[`` and ``<`` is escaped (masked
links, mentions, timestamps, custom emoji), so is a word that starts with ``>``, ``+`` or ``(`` or is a
bare ``1.`` (any word may start a line once a reply is split), a ``(`` after ``]``, and the colon of
``://`` (Discord would autolink the URL, backslashes and all); `discord.utils.escape_mentions` puts a
zero-width space after the ``@`` of ``@everyone`` and ``@here``. Web URLs in text go out as ``<url>``:
clickable, no embed, nothing inside read as markdown; links are ``[label](<url>)`` for web URLs only,
and ``label <url>`` where the label has a ``[`` or the reply's code has a ``](`` (Discord's link pattern
reads on to the last ``](`` it can reach, even inside code). Code keeps its characters: a longer fence
around backticks, a zero-width space inside a run of backticks that would close the fence. Whitespace
stays outside ``*`` markers (Discord ignores ``*x *``), and a zero-width space parts a closing marker
from an opening one that would merge with it (``**a**`` then ``*b*``).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, replace

from discord.utils import escape_markdown, escape_mentions

from handlers.core.chars import replace_surrogates
from handlers.core.markup import Bold, Bullets, Code, Inline, Italic, Link, Para, Pre, Text, inline_plain
from handlers.core.types import Reply

MAX_CONTENT = 2000  # characters of the message content, markup included
MIN_LIMIT = 32  # below this a single styled character may not fit
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_CUSTOM_ID = 100
MAX_LABEL = 80
ZWSP = "\u200b"
EMPTY = ZWSP  # the content of a reply with no body: Discord refuses "" and whitespace, not this
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096

_OPEN = {"b": "**", "i": "*", "pre": "```\n"}
_CLOSE = {"b": "**", "i": "*", "pre": "\n```"}
_WS = re.compile(r"([\s\ufeff]+)")  # JavaScript's \s (Discord's parser) also counts U+FEFF
# A web URL as Discord's parser finds one in text, less what would end `<url>` (space, `>`), could end a
# masked link before it (`]`) or looks like a code fence (a backtick: not a URL character anyway).
_URL = re.compile(r"https?://[^\s\ufeff<>\[\]`]*[^\s\ufeff<>\[\]`.,:;\"')]")
_ORDERED = re.compile(r"\d+[.)]")
_URL_UNSAFE = set(" \"'()<>[\\]*`")  # percent-encoded inside a link's (<...>)


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def _closing(stack: tuple[str, ...]) -> str:
    return "".join(_CLOSE[s] for s in reversed(stack))


def escape_text(raw: str, extra: str = "") -> str:
    """Text that Discord shows as typed: no markdown, no mention, no autolink."""
    if _ORDERED.fullmatch(raw):  # "1." alone would start a numbered list at a line start
        return raw[:-1] + "\\" + raw[-1]
    # escape_markdown escapes only the "[" of a whole "[x](y)" and nothing inside it ("[x](**y**)" would
    # stay bold): it never sees a "[".
    s = "\\[".join(escape_markdown(p, ignore_links=False) for p in escape_mentions(raw).split("["))
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":  # escape_markdown doubles every backslash, so each one starts a pair
            out.append(s[i : i + 2])
            i += 2
            continue
        if (
            c in "[<"
            or c in extra
            or (i == 0 and c in ">+(")
            or (c == "(" and s[i - 1] == "]")  # "](" after a link would take the link over
            or (c == ":" and s.startswith("//", i + 1))
        ):
            out.append("\\")
        out.append(c)
        i += 1
    return "".join(out)


def _code(value: str) -> str:
    """An inline code span; backticks inside are kept, with a longer fence around them."""
    if "`" not in value:
        return f"`{value}`"
    value = re.sub(r"(?<=`)(?=`)", ZWSP, value)  # no run of two, so a fence of two holds
    lead = " " if value.startswith("`") else ""
    trail = " " if value.endswith("`") else ""
    return f"``{lead}{value}{trail}``"


def _fence_safe(line: str) -> str:
    return re.sub(r"(?<=``)(?=`)", ZWSP, line)  # a ``` inside would close the code block


def _quote_url(url: str) -> str:
    return "".join(
        "".join(f"%{b:02X}" for b in c.encode()) if c in _URL_UNSAFE or c.isspace() or ord(c) < 32 else c
        for c in url
    )


@dataclass(frozen=True)
class _Atom:
    """The smallest unit the splitter moves: a word, a run of whitespace, a URL, a code span, a link, a
    line of a code block or a bullet mark, with the styles around it (outermost first)."""

    kind: str  # space | word | url | code | link | raw | pre
    text: str
    styles: tuple[str, ...] = ()
    url: str = ""

    def body(self) -> str:
        if self.kind == "word":
            return escape_text(self.text)
        if self.kind == "url":
            return f"<{self.text}>"
        if self.kind == "code":
            return _code(self.text)
        if self.kind == "link":
            return f"[{escape_text(self.text, ']')}](<{self.url}>)"
        if self.kind == "pre":
            return _fence_safe(self.text)
        return self.text


def _words(value: str, styles: tuple[str, ...]) -> list[_Atom]:
    out = []
    for chunk in _WS.split(value):
        if chunk:
            out.append(_Atom("space" if _WS.fullmatch(chunk) else "word", chunk, styles))
    return out


def _text_atoms(value: str, styles: tuple[str, ...]) -> list[_Atom]:
    out: list[_Atom] = []
    pos = 0
    for m in _URL.finditer(value):
        out += _words(value[pos : m.start()], styles)
        # A `*` in it could close a surrounding bold or italic early: such a URL is sent as text.
        kind = "word" if "*" in m[0] else "url"
        out.append(_Atom(kind, m[0], styles))
        pos = m.end()
    return out + _words(value[pos:], styles)


def _link_atoms(link: Link, styles: tuple[str, ...], masked: bool) -> list[_Atom]:
    label = " ".join(link.label.split())
    if not link.url.lower().startswith(("http://", "https://")):  # only web links are links
        return _text_atoms(label, styles)
    url = _quote_url(link.url)
    if not label or label == link.url:
        return [_Atom("url", url, styles)]
    if not masked or "[" in label:  # Discord's link pattern cannot take an unpaired `[`: label, then URL
        return [*_text_atoms(label, styles), _Atom("space", " "), _Atom("url", url, styles)]
    return [_Atom("link", label, styles, url)]


def _inline_atoms(nodes: tuple[Inline, ...], masked: bool, styles: tuple[str, ...] = ()) -> list[_Atom]:
    out: list[_Atom] = []
    for n in nodes:
        if isinstance(n, Text):
            out += _text_atoms(n.value, styles)
        elif isinstance(n, Bold | Italic):
            style = "b" if isinstance(n, Bold) else "i"
            out += _inline_atoms(n.children, masked, styles if style in styles else (*styles, style))
        elif isinstance(n, Code):
            if n.value:  # a `*` in code would end a surrounding bold or italic: such code stands alone
                out.append(_Atom("code", n.value, () if "*" in n.value else styles))
        elif isinstance(n, Link):
            out += _link_atoms(n, styles, masked)
    return out


def _code_values(nodes: tuple[Inline, ...]) -> list[str]:
    out: list[str] = []
    for n in nodes:
        if isinstance(n, Code):
            out.append(n.value)
        elif isinstance(n, Bold | Italic):
            out += _code_values(n.children)
    return out


def _verbatim(reply: Reply) -> list[str]:
    """What is sent unescaped: code spans and code blocks."""
    out: list[str] = []
    for block in reply.body:
        if isinstance(block, Para):
            out += _code_values(block.children)
        elif isinstance(block, Bullets):
            for item in block.items:
                out += _code_values(item)
        elif isinstance(block, Pre):
            out.append(block.value)
    return out


def _blocks(reply: Reply) -> list[list[_Atom]]:
    # Discord's link pattern reads on past the end of a masked link to the last "](" it can reach, even
    # inside code: with such code anywhere in the reply, links are sent as "label <url>" instead.
    masked = not any("](" in value for value in _verbatim(reply))
    blocks: list[list[_Atom]] = []
    for block in reply.body:
        atoms: list[_Atom] = []
        if isinstance(block, Para):
            atoms = _inline_atoms(block.children, masked)
        elif isinstance(block, Bullets):
            for i, item in enumerate(block.items):
                if i:
                    atoms.append(_Atom("space", "\n"))
                atoms.append(_Atom("raw", "• "))
                atoms += _inline_atoms(item, masked)
        elif isinstance(block, Pre) and block.value.strip():
            for i, line in enumerate(block.value.split("\n")):
                if i:
                    atoms.append(_Atom("space", "\n"))
                if line:
                    atoms.append(_Atom("pre", line, ("pre",)))
        if any(a.kind != "space" for a in atoms):
            blocks.append(atoms)
    return blocks


@dataclass
class _State:
    size: int = 0  # characters emitted, not counting the markers still to close
    pieces: int = 0
    stack: tuple[str, ...] = ()
    pending: str = ""  # whitespace held back until the next atom shows which markers it sits between
    tick: bool = False  # the last character sent is a backtick


class _Part:
    """One message being filled; `add` refuses an atom that would take it over the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.atoms: list[_Atom] = []
        self.pieces: list[str] = []
        self.states = [_State()]  # states[k]: after the first k atoms

    @property
    def state(self) -> _State:
        return self.states[-1]

    @property
    def empty(self) -> bool:
        return not self.atoms

    def add(self, atom: _Atom) -> bool:
        st = self.state
        if atom.kind == "space":
            if not self.empty:  # whitespace at the start of a message is dropped
                self.atoms.append(atom)
                self.states.append(replace(st, pending=st.pending + atom.text))
            return True
        k = _common(st.stack, atom.styles)
        closes = _closing(st.stack[k:])
        opens = "".join(_OPEN[s] for s in atom.styles[k:])
        body = atom.body()
        # "**a**" then "*b*" must not read "**a***b*"; "`a`" or "\`" then "`b`" must not read "``".
        merge = (closes and opens) or (st.tick and body.startswith("`") and not closes + opens)
        sep = ZWSP if merge and not st.pending else ""
        piece = closes + st.pending + sep + opens + body
        size = st.size + len(piece)
        if size + len(_closing(atom.styles)) > self.limit:
            return False
        self.pieces.append(piece)
        self.atoms.append(atom)
        self.states.append(_State(size, st.pieces + 1, atom.styles, "", piece.endswith("`")))
        return True

    def rollback(self, n: int) -> None:
        """Keep the first n atoms."""
        del self.atoms[n:]
        del self.states[n + 1 :]
        del self.pieces[self.state.pieces :]

    def text(self) -> str:
        return "".join(self.pieces) + _closing(self.state.stack)


def _cut(atom: _Atom, part: _Part) -> tuple[_Atom, _Atom] | None:
    """The longest head of a word, code span or code line that still fits in the part, and the rest."""
    if atom.kind not in ("word", "code", "pre") or len(atom.text) < 2:
        return None
    lo, hi = 0, len(atom.text) - 1
    while lo < hi:  # rendered length grows with the head (escapes only add): a bisection
        mid = (lo + hi + 1) // 2
        if part.add(replace(atom, text=atom.text[:mid])):
            part.rollback(len(part.atoms) - 1)
            lo = mid
        else:
            hi = mid - 1
    if not lo:
        return None
    return replace(atom, text=atom.text[:lo]), replace(atom, text=atom.text[lo:])


def _degrade(atom: _Atom) -> list[_Atom] | None:
    """A link or URL longer than a whole message: its text, which can be cut."""
    if atom.kind == "link":
        url = _Atom("url", atom.url, atom.styles)
        return [*_text_atoms(atom.text, atom.styles), _Atom("space", " "), url]
    if atom.kind == "url":
        return [_Atom("word", atom.text, atom.styles)]
    return None


def render(reply: Reply, limit: int = MAX_CONTENT) -> list[str]:
    """The reply as Discord messages, each at most `limit` characters and never empty."""
    if limit < MIN_LIMIT:
        raise ValueError(f"limit {limit} is below {MIN_LIMIT}")
    messages: list[str] = []
    part = _Part(limit)

    def flush() -> None:
        nonlocal part
        text = replace_surrogates(part.text())  # never longer: the limit still holds
        if text.strip():
            messages.append(text)
        part = _Part(limit)

    for atoms in _blocks(reply):
        if not part.empty:  # the whole block after this message's last, or a new message
            n = len(part.atoms)
            if all(part.add(a) for a in [_Atom("space", "\n\n"), *atoms]):
                continue
            part.rollback(n)
            flush()
        queue = deque(atoms)
        while queue:
            atom = queue.popleft()
            if part.add(atom):
                continue
            if part.empty:  # alone in a message and still too long
                smaller = _degrade(atom)
                if smaller:
                    queue.extendleft(reversed(smaller))
                    continue
                halves = _cut(atom, part)
                if halves is None:
                    raise ValueError(f"limit {limit} is too small for {atom.body()!r}")
                part.add(halves[0])
                flush()
                queue.appendleft(halves[1])
                continue
            at = _break_at(part)
            if at is not None:  # end the message at a line break or a space, carry the rest
                rest = part.atoms[at + 1 :]
                part.rollback(at)
                flush()
                queue.extendleft(reversed([*rest, atom]))
                continue
            halves = _cut(atom, part) if limit - part.state.size >= min(40, limit // 4) else None
            if halves is not None:
                part.add(halves[0])
                queue.appendleft(halves[1])
            else:
                queue.appendleft(atom)
            flush()
    flush()
    return messages or [EMPTY]


def embed(reply: Reply) -> tuple[str, str] | None:
    """(title, description) for a reply that opens with a title line (a paragraph all in bold: an FAQ
    answer, a roadmap step) and whose rest fits one embed; None for the others, which read better as
    plain messages."""
    first = reply.body[0] if reply.body else None
    if not (isinstance(first, Para) and len(first.children) == 1 and isinstance(first.children[0], Bold)):
        return None
    title = replace_surrogates(escape_text(inline_plain(first.children[0].children)))
    if not title.strip() or len(title) > MAX_EMBED_TITLE:
        return None
    parts = render(Reply(reply.body[1:]), limit=MAX_EMBED_DESCRIPTION)
    if len(parts) != 1:
        return None
    return title, "" if parts[0] == EMPTY else parts[0]


def _break_at(part: _Part) -> int | None:
    """Where to end a full message: the last line break past half of it, else the last space."""
    spaces = [
        i for i, a in enumerate(part.atoms) if a.kind == "space" and i and part.atoms[i - 1].kind != "raw"
    ]
    for i in reversed(spaces):
        if "\n" in part.atoms[i].text and part.states[i].size >= part.limit // 2:
            return i
    return spaces[-1] if spaces else None


def components(reply: Reply) -> list[list[tuple[str, str]]]:
    """Buttons as rows of (label, custom_id) within Discord's limits; a row of more than 5 is re-flowed."""
    rows: list[list[tuple[str, str]]] = []
    seen: set[str] = set()
    for row in reply.buttons:
        cells = []
        for button in row:
            payload = replace_surrogates(button.payload)
            if not payload or len(payload) > MAX_CUSTOM_ID:
                raise ValueError(f"button payload {payload!r} is not 1 to 100 characters")
            if payload in seen:
                raise ValueError(f"button payload {payload!r} is used twice in one message")
            seen.add(payload)
            label = replace_surrogates(button.label) if button.label.strip() else "…"
            if len(label) > MAX_LABEL:
                label = label[: MAX_LABEL - 1] + "…"
            cells.append((label, payload))
        rows += [cells[i : i + MAX_ROW_BUTTONS] for i in range(0, len(cells), MAX_ROW_BUTTONS)]
    if len(rows) > MAX_ROWS:
        raise ValueError(f"{len(rows)} rows of buttons; Discord takes at most {MAX_ROWS}")
    return rows
