"""Web links in the content: title/url resources (roadmap `resources:`, FAQ `links:`), and the check
that one topic or step does not show the same page twice (as a related post and a link, or two links)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from handlers.content.loader import LANGS, FileCheck
from handlers.content.yaml_lines import LineList, LineMap

if TYPE_CHECKING:
    from handlers.content.posts import Post

URL_RE = re.compile(r"^https?://[^\s<>\"]+$")
RESOURCE_KINDS = ("course", "book", "video", "article", "tool")


@dataclass(frozen=True)
class Resource:
    title: str
    url: str
    kind: str = "article"
    lang: str | None = None  # shown to learners of this language only (None: to everyone)

    def shown_in(self, lang: str) -> bool:
        return self.lang is None or self.lang == lang


def read_resources(c: FileCheck, data: LineMap, key: str) -> tuple[Resource, ...]:
    """The title/url(/kind) items listed under `key`, each bad one reported at its line."""
    value = data.get(key, [])
    if not isinstance(value, list):
        c.add(data.key_lines.get(key, data.line), f"'{key}' must be a list of title/url pairs")
        return ()
    out = []
    for item in value:
        if not isinstance(item, LineMap):
            c.add(getattr(value, "line", data.line), f"each of '{key}' needs 'title:' and 'url:'")
            continue
        if not c.keys(item, ("title", "url"), ("kind", "lang"), f"in {key}"):
            continue
        title, url = c.text(item, "title"), c.text(item, "url")
        kind = item.get("kind", "article")
        lang = item.get("lang")
        if lang is not None and lang not in LANGS:
            c.add(item.key_lines["lang"], f"lang must be one of {', '.join(LANGS)}, or left out")
            continue
        if url and not URL_RE.match(url):
            c.add(item.key_lines["url"], f"'{url}' is not a web address; write it as https://...")
            continue
        if kind not in RESOURCE_KINDS:
            c.add(item.key_lines.get("kind", item.line), f"kind must be one of {', '.join(RESOURCE_KINDS)}")
            continue
        if title and url:
            out.append(Resource(title, url, kind, lang))
    return tuple(out)


def check_duplicate_links(
    c: FileCheck, data: LineMap, posts: Mapping[str, Post], keys: Iterable[str], what: str
) -> None:
    """One web address twice in a topic or a step (a post and a link, or two links) is shown twice."""
    first: dict[tuple[str, str, str], tuple[int, str]] = {}
    for line, url, where in sorted(_urls(data, posts, keys)):
        same = _same_page(url)
        if same in first:
            at, there = first[same]
            c.add(line, f"the link {url} is already in this {what} ({there}, line {at}); keep it once")
        else:
            first[same] = line, where


def _urls(data: LineMap, posts: Mapping[str, Post], keys: Iterable[str]) -> Iterator[tuple[int, str, str]]:
    """(line, url, where) of each post id and each title/url item listed under `keys`."""
    for key in keys:
        items = data.get(key)
        if not isinstance(items, LineList):
            continue
        for item, line in zip(items, items.item_lines, strict=True):
            if isinstance(item, str) and item in posts:
                yield line, posts[item].url, f"post '{item}' in {key}"
            elif isinstance(item, LineMap) and isinstance(item.get("url"), str):
                yield item.key_lines["url"], item["url"].strip(), f"in {key}"


def _same_page(url: str) -> tuple[str, str, str]:
    """http or https, www. or not, a trailing slash or not: the same page."""
    parts = urlsplit(url)
    return parts.netloc.lower().removeprefix("www."), parts.path.rstrip("/"), parts.query
