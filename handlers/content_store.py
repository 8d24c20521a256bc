"""The content being served now, with its FAQ matcher, swapped whole on a good reload only.

With an embedder, the lexical matcher serves at once and the hybrid matcher replaces it as soon as
the content's phrasings are embedded (a background thread; seconds on a cold cache, milliseconds on a
warm one). A reload does the same, so the bot never waits for the model.

A reload reads and parses the files in a worker thread: until it succeeds, every event is answered
from the content it had, and one reload runs at a time.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from handlers.content import Content, Problem, load_content
from handlers.faq_match import Embedder, HybridMatcher, LexicalMatcher, Match

log = logging.getLogger(__name__)


class ContentError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Reloaded:
    """What a reload did: refused with problems, or applied, removing these topics and steps (if any)."""

    problems: list[Problem]
    dropped_topics: tuple[str, ...] = ()
    dropped_steps: tuple[str, ...] = ()

    @property
    def applied(self) -> bool:
        return not self.problems


def _prepare(root: Path) -> tuple[Content | None, LexicalMatcher | None, list[Problem]]:
    """The slow part of a (re)load: read, parse, check and index. Runs in a worker thread on reload."""
    content, problems = load_content(root)
    return content, (LexicalMatcher(content) if content is not None else None), problems


def _dropped(before: dict[str, object], after: dict[str, object]) -> tuple[str, ...]:
    return tuple(key for key in before if key not in after)


class ContentStore:
    def __init__(self, root: str | Path, embedder: Embedder | None = None) -> None:
        self.root = Path(root)
        self.embedder = embedder
        self._hybrid_ready = threading.Event()
        self._reloading = asyncio.Lock()
        content, lexical, problems = _prepare(self.root)
        if content is None:
            raise ContentError(problems)
        self._set(content, lexical)

    def _set(self, content: Content, lexical: LexicalMatcher) -> None:
        # one assignment of a tuple: a reader sees the old pair or the new pair, never a mix
        self._current = (content, lexical)
        if self.embedder is None:
            return
        self._hybrid_ready.clear()
        threading.Thread(
            target=self._build_hybrid, args=(content, lexical), name="faq-embed", daemon=True
        ).start()

    def _build_hybrid(self, content: Content, lexical: LexicalMatcher) -> None:
        try:
            hybrid = HybridMatcher(content, self.embedder, lexical)
        except Exception:
            log.exception("the FAQ model could not index the content; answering with the lexical matcher")
            return
        if self._current[0] is content:  # a newer reload wins
            self._current = (content, hybrid)
            self._hybrid_ready.set()
            log.info("FAQ model ready (%s)", self.embedder.name)

    @property
    def content(self) -> Content:
        return self._current[0]

    @property
    def matcher(self) -> LexicalMatcher | HybridMatcher:
        return self._current[1]

    def wait_for_model(self, timeout: float | None = None) -> bool:
        """For tools that want the best matcher before they start (CLI `ask`, benchmarks)."""
        return self.embedder is not None and self._hybrid_ready.wait(timeout)

    async def match(self, question: str) -> Match:
        matcher = self.matcher
        if matcher.blocking:
            return await asyncio.to_thread(matcher.match, question)
        return matcher.match(question)

    async def reload(self) -> Reloaded:
        """Load the files again, off the event loop; keep serving the last good content if they have
        problems. Topics and roadmap steps that the new content no longer has are named in the result."""
        async with self._reloading:
            content, lexical, problems = await asyncio.to_thread(_prepare, self.root)
            if content is None or lexical is None:
                return Reloaded(problems)
            before = self.content
            self._set(content, lexical)
        return Reloaded(
            [],
            _dropped(before.faq_by_id, content.faq_by_id),
            _dropped(before.step_by_id, content.step_by_id),
        )
