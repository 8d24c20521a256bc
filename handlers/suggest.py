"""Suggestions while a learner types a command's argument (platforms with autocomplete: Discord).

Each function returns up to `limit` (label, value) pairs: the label is what the learner sees, the value
what the command receives. Matching is forgiving: by number, id, or any word of the title, in the
learner's language or the other one.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from handlers.content import Content

LIMIT = 25  # Discord shows at most 25 choices


def _hit(typed: str, *haystacks: str) -> bool:
    return all(any(word in h.lower() for h in haystacks) for word in typed.lower().split())


def steps(content: Content, typed: str, lang: str, limit: int = LIMIT) -> list[tuple[str, str]]:
    typed = typed.strip()
    out = []
    for s in content.steps:
        title = s.titles.get(lang) or s.titles["en"]
        if not typed or typed == str(s.number) or _hit(typed, title, s.id, *s.titles.values()):
            out.append((f"{s.number}. {title}", s.id))
    return out[:limit]


def topics(content: Content, typed: str, lang: str, limit: int = LIMIT) -> list[tuple[str, str]]:
    out = []
    for e in content.faq:
        text = e.texts.get(lang) or e.texts["en"]
        if _hit(typed, text.title, e.id, *(t.title for t in e.texts.values())):
            out.append((text.title, e.id))
    return out[:limit]


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")))


def zones(typed: str, limit: int = LIMIT) -> list[tuple[str, str]]:
    """IANA zones: "kolkata" or "asia/ko" finds Asia/Kolkata."""
    typed = typed.strip().replace(" ", "_")
    hits = [z for z in _zones() if typed.lower() in z.lower()] if typed else ["UTC", *_zones()]
    return [(z, z) for z in hits[:limit]]
