"""The content being served now, with its FAQ matcher, swapped whole on a good reload only.

With an embedder, the lexical matcher serves at once and the hybrid matcher replaces it as soon as
the content's phrasings are embedded (a background thread; seconds on a cold cache, milliseconds on a
warm one). A reload does the same, so the bot never waits for the model.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

from handlers.content import Content, Problem, load_content
from handlers.faq_match import Embedder, HybridMatcher, LexicalMatcher, Match

log = logging.getLogger(__name__)


class ContentError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ContentStore:
    def __init__(self, root: str | Path, embedder: Embedder | None = None) -> None:
        self.root = Path(root)
        self.embedder = embedder
        self._hybrid_ready = threading.Event()
        content, problems = load_content(self.root)
        if content is None:
            raise ContentError(problems)
        self._set(content)

    def _set(self, content: Content) -> None:
        lexical = LexicalMatcher(content)
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

    def reload(self) -> list[Problem]:
        """Load the files again; keep serving the last good content if they have problems."""
        content, problems = load_content(self.root)
        if content is not None:
            self._set(content)
        return problems
