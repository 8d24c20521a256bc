"""The whole content, one field per content type, and `load_content`, which fills it.

The fields of `Content` are the list of content types: each names the loader that fills it (`part`), in
the order they are loaded (a type comes after the types whose ids it refers to). Registering a new type
is one field here; see loader.py for the rest of the contract.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from handlers.content.faq import FAQ, FaqEntry
from handlers.content.loader import Loader, Loading, Problem
from handlers.content.offtopic import NOT_A_TUTOR, OFFTOPIC
from handlers.content.posts import POSTS, Post
from handlers.content.practice import DECKS, Deck
from handlers.content.roadmap import ROADMAP, Step
from handlers.content.strings import STRINGS
from handlers.core.numbers import parse_int

C = TypeVar("C", bound="Content")


def part(loader: Loader[Any], default_factory: Callable[[], Any] | Any = MISSING) -> Any:
    """A field of Content that `loader` fills."""
    return field(default_factory=default_factory, metadata={"loader": loader})


@dataclass(frozen=True, kw_only=True)
class Content:
    """Every content type, one field each: `part(LOADER)` names the loader, and the field order is the
    loading order. Entries by id come from each loader's index (`by_id`)."""

    posts: dict[str, Post] = part(POSTS)
    steps: tuple[Step, ...] = part(ROADMAP)
    faq: tuple[FaqEntry, ...] = part(FAQ)
    decks: dict[str, Deck] = part(DECKS, dict)  # practice cards and quiz questions, by step id
    strings: dict[str, dict[str, str]] = part(STRINGS)
    offtopic: dict[str, tuple[str, ...]] = part(OFFTOPIC, dict)  # questions to decline, per language
    not_a_tutor: dict[str, tuple[str, ...]] = part(NOT_A_TUTOR, dict)  # requests to decline, per language
    # each type's entries by id (its loader's index), built once
    _index: dict[Loader[Any], Mapping[str, Any]] = field(init=False, repr=False, compare=False)
    # Views derived from this content (e.g. a rendered FAQ answer), built once and dropped with it.
    _memo: dict[Hashable, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {loader: loader.index(getattr(self, name)) for name, loader in content_parts(type(self))}
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_memo", {})

    def by_id(self, loader: Loader[Any]) -> Mapping[str, Any]:
        """The entries of one content type by id, e.g. `content.by_id(FAQ)["salary"]`."""
        return self._index[loader]

    @property
    def faq_by_id(self) -> Mapping[str, FaqEntry]:
        return self._index[FAQ]

    @property
    def step_by_id(self) -> Mapping[str, Step]:
        return self._index[ROADMAP]

    def memo(self, key: Hashable, build: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def find_step(self, ref: str) -> Step | None:
        """A step by number ("3"), id ("math-foundations") or a piece of its title in either language
        that only one step's title has ("math", "python", "mlops", "数学", "求职"), as the commands'
        help promises ("a step number or name"). A piece several titles share ("data", "learning") or
        of one letter names no step."""
        ref = " ".join(ref.lower().split())
        n = parse_int(ref)
        if n is not None:
            return self.steps[n - 1] if 1 <= n <= len(self.steps) else None
        if (found := self.step_by_id.get(ref)) is not None:
            return found
        named = self.steps_named(ref)
        return named[0] if len(named) == 1 else None

    def steps_named(self, ref: str) -> list[Step]:
        """The steps whose title, in either language, has this piece (two letters at least)."""
        ref = " ".join(ref.lower().split())
        if len(ref) < 2:
            return []
        return [s for s in self.steps if any(ref in title.lower() for title in s.titles.values())]


def content_parts(cls: type[Content]) -> tuple[tuple[str, Loader[Any]], ...]:
    """(field name, loader) of each content type of `cls`, in loading order."""
    return tuple((f.name, f.metadata["loader"]) for f in fields(cls) if "loader" in f.metadata)


def load_content(root: str | Path, cls: type[C] = Content) -> tuple[C | None, list[Problem]]:
    """The content in `root` and no problems, or None and every problem found (file:line, what to fix):
    content with any problem is never served. It blocks for a while (parsing), so async code calls it
    through `ContentStore.reload`, off the event loop. `cls` is Content, or in a test a subclass with
    one more type."""
    root = Path(root)
    if not root.is_dir():
        return None, [Problem(str(root), 0, "the content folder does not exist; set CONTENT_DIR to it")]
    loading = Loading(root)
    values = {name: loading.run(loader) for name, loader in content_parts(cls)}
    if loading.problems:
        return None, loading.problems
    return cls(**values), []
