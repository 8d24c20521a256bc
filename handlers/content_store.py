"""The content being served now, with its FAQ matcher, swapped whole on a good reload only."""

from __future__ import annotations

from pathlib import Path

from handlers.content import Content, Problem, load_content
from handlers.faq_match import LexicalMatcher


class ContentError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ContentStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        content, problems = load_content(self.root)
        if content is None:
            raise ContentError(problems)
        self._set(content)

    def _set(self, content: Content) -> None:
        # one assignment of a tuple: a reader sees the old pair or the new pair, never a mix
        self._current = (content, LexicalMatcher(content.faq))

    @property
    def content(self) -> Content:
        return self._current[0]

    @property
    def matcher(self) -> LexicalMatcher:
        return self._current[1]

    def reload(self) -> list[Problem]:
        """Load the files again; keep serving the last good content if they have problems."""
        content, problems = load_content(self.root)
        if content is not None:
            self._set(content)
        return problems
