"""A tiny neutral markup: a tree of blocks and inlines that each platform renders in one place.

Content files and UI strings use a small text syntax (``**bold**``, ``*italic*``, `` `code` ``,
``[label](url)``, lines starting with ``- `` for bullets, a blank line between paragraphs) that
`parse` turns into the tree. Values filled into ``{placeholders}`` become plain `Text` nodes *after*
parsing, so nothing a user typed is ever read as markup: escaping it is the renderer's job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Bold:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Italic:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Code:
    value: str


@dataclass(frozen=True)
class Link:
    label: str
    url: str


Inline = Text | Bold | Italic | Code | Link


@dataclass(frozen=True)
class Para:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Bullets:
    items: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class Pre:
    value: str


Block = Para | Bullets | Pre
Doc = tuple[Block, ...]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_INLINE = re.compile(
    r"\*\*(?P<bold>.+?)\*\*"
    r"|(?<![\w*])\*(?P<ital>[^*\s][^*]*?)\*(?![\w*])"
    r"|`(?P<code>[^`]+)`"
    r"|\[(?P<label>[^\]]+)\]\((?P<url>[^)\s]+)\)"
)
_BULLET = re.compile(r"^\s*[-*•]\s+")


def _fill(value: str, values: Mapping[str, object] | None) -> str:
    if not values:
        return value
    return _PLACEHOLDER.sub(lambda m: str(values[m[1]]) if m[1] in values else m[0], value)


def parse_inline(text: str, values: Mapping[str, object] | None = None) -> tuple[Inline, ...]:
    out: list[Inline] = []
    pos = 0
    for m in _INLINE.finditer(text):
        if m.start() > pos:
            out.append(Text(_fill(text[pos : m.start()], values)))
        if m["bold"] is not None:
            out.append(Bold(parse_inline(m["bold"], values)))
        elif m["ital"] is not None:
            out.append(Italic(parse_inline(m["ital"], values)))
        elif m["code"] is not None:
            out.append(Code(_fill(m["code"], values)))
        else:
            out.append(Link(_fill(m["label"], values), _fill(m["url"], values)))
        pos = m.end()
    if pos < len(text):
        out.append(Text(_fill(text[pos:], values)))
    return tuple(out)


_CJK_END = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]$")
_CJK_START = re.compile(r"^[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _join_lines(lines: list[str]) -> str:
    """Soft-wrapped lines make one paragraph: joined by a space, or by nothing between Chinese text."""
    out = lines[0]
    for line in lines[1:]:
        out += line if _CJK_END.search(out) and _CJK_START.match(line) else " " + line
    return out


def parse(text: str, values: Mapping[str, object] | None = None) -> Doc:
    """Parse the content syntax into a `Doc`, filling ``{placeholders}`` as plain text."""
    doc = _parse_cached(text)
    return _fill_doc(doc, values) if values else doc


def _fill_inline(nodes: tuple[Inline, ...], values: Mapping[str, object]) -> tuple[Inline, ...]:
    out: list[Inline] = []
    for n in nodes:
        if isinstance(n, Text):
            out.append(Text(_fill(n.value, values)))
        elif isinstance(n, Bold):
            out.append(Bold(_fill_inline(n.children, values)))
        elif isinstance(n, Italic):
            out.append(Italic(_fill_inline(n.children, values)))
        elif isinstance(n, Code):
            out.append(Code(_fill(n.value, values)))
        else:
            out.append(Link(_fill(n.label, values), _fill(n.url, values)))
    return tuple(out)


def _fill_doc(doc: Doc, values: Mapping[str, object]) -> Doc:
    out: list[Block] = []
    for b in doc:
        if isinstance(b, Para):
            out.append(Para(_fill_inline(b.children, values)))
        elif isinstance(b, Bullets):
            out.append(Bullets(tuple(_fill_inline(i, values) for i in b.items)))
        else:
            out.append(Pre(_fill(b.value, values)))
    return tuple(out)


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Doc:
    """Content and UI texts are few and parsed once; placeholders are filled in afterwards."""
    values = None
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.rstrip() for ln in chunk.splitlines() if ln.strip()]
        para: list[str] = []
        items: list[tuple[Inline, ...]] = []

        def flush_para(para: list[str] = para) -> None:
            if para:
                blocks.append(Para(parse_inline(_join_lines(para), values)))
                para.clear()

        def flush_items(items: list[tuple[Inline, ...]] = items) -> None:
            if items:
                blocks.append(Bullets(tuple(items)))
                items.clear()

        for line in lines:
            if _BULLET.match(line):
                flush_para()
                items.append(parse_inline(_BULLET.sub("", line, count=1), values))
            elif items and line.startswith((" ", "\t")):  # a wrapped bullet line
                items[-1] = items[-1] + (Text(" "),) + parse_inline(line.strip(), values)
            else:
                flush_items()
                para.append(line.strip())
        flush_para()
        flush_items()
    return tuple(blocks)


# Builders for handlers that assemble replies around user-supplied values.


def text(*parts: str | Inline) -> tuple[Inline, ...]:
    return tuple(Text(p) if isinstance(p, str) else p for p in parts)


def para(*parts: str | Inline) -> Para:
    return Para(text(*parts))


def inline_plain(nodes: tuple[Inline, ...]) -> str:
    out = []
    for n in nodes:
        if isinstance(n, Text):
            out.append(n.value)
        elif isinstance(n, Bold | Italic):
            out.append(inline_plain(n.children))
        elif isinstance(n, Code):
            out.append(n.value)
        elif isinstance(n, Link):
            out.append(n.label if n.label == n.url else f"{n.label} ({n.url})")
    return "".join(out)


def to_plain(doc: Doc) -> str:
    parts = []
    for b in doc:
        if isinstance(b, Para):
            parts.append(inline_plain(b.children))
        elif isinstance(b, Bullets):
            parts.append("\n".join("• " + inline_plain(i) for i in b.items))
        elif isinstance(b, Pre):
            parts.append(b.value)
    return "\n\n".join(parts)
