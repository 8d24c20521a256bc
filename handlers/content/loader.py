"""The one interface every content type implements, and the tools its loader reads files with.

A content type (FAQ, roadmap, related posts, UI strings, off-topic examples, and next practice decks) is
one `Loader` in its own module of this package, next to the dataclasses it builds. Its contract:

- `load(loading)` reads the type's files under `loading.root` and returns its value (a tuple of
  entries, or a dict). It checks as it reads: every mistake goes to `loading.problems` as a `Problem`
  with the file, the line and what to write instead, never as an exception. `loading.file(path)` gives
  a `FileCheck` that reads one file (size limit, empty file, YAML errors: see yaml_lines.py) and checks
  its keys, texts, ids and id lists with those lines. A loader that refers to another type's ids asks
  for that type's value with `loading.part(OTHER_LOADER)`; the other type must be loaded first.
- `index(value)` returns the value's entries by id (e.g. FAQ topics by topic id), for lookups and for
  naming what a reload removed; a type with nothing to look up keeps the default, an empty mapping.

To add a content type: write `handlers/content/<type>.py` with its dataclasses and one loader instance
(e.g. `DECKS = DeckLoader()`), put its files in `content/`, and register it with one field of
`Content` in `handlers/content/model.py` (`decks: tuple[Deck, ...] = part(DECKS)`), below the types it
refers to. `load_content`, `python -m bot content check` and hot reload then cover it: content with a
problem in any file is never served, and the problems are printed or sent to the admins as file:line.
A test can try a type before it is registered: `load_content(root, ContentWithIt)`, a subclass of
Content with one more field (tests/test_content.py does it with a made-up glossary).
"""

from __future__ import annotations

import difflib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from handlers.content import yaml_lines
from handlers.content.yaml_lines import LineList, LineMap

LANGS = ("en", "zh")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One mistake in the content: `file:line: message`, the message saying what to fix."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class Loader(ABC, Generic[T]):
    """One content type: reads and checks its files, and indexes what it read (contract above)."""

    @abstractmethod
    def load(self, loading: Loading) -> T:
        """The type's value, read from `loading.root`; every problem found goes to `loading.problems`."""

    def index(self, value: T) -> Mapping[str, Any]:
        """The value's entries by id; empty for a type with nothing to look up."""
        return {}


@dataclass
class Loading:
    """One run of `load_content`: the content folder, the problems found so far, the types read so far."""

    root: Path
    problems: list[Problem] = field(default_factory=list)
    _parts: dict[Loader[Any], Any] = field(default_factory=dict)

    def run(self, loader: Loader[T]) -> T:
        """Load one type, and keep its value for the types loaded after it."""
        value = self._parts[loader] = loader.load(self)
        return value

    def part(self, loader: Loader[T]) -> T:
        """The value of a type loaded before this one (with problems, what could be read of it)."""
        if loader not in self._parts:
            raise LookupError(
                f"{type(loader).__name__} has not run yet: put its field above this one in Content"
            )
        return self._parts[loader]

    def name(self, path: Path) -> str:
        """How problems name a file: from the content folder's name on, like content/faq/salary.yaml."""
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def file(self, path: Path) -> FileCheck:
        return FileCheck(self.name(path), self.problems)


class FileCheck:
    """Collects problems for one file while reading its values."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file, self.problems = file, problems

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def load(self, path: Path) -> Any:
        """The file's data, or None with a problem (unreadable, too big, empty, not YAML)."""
        return yaml_lines.read(path, self.add)

    def keys(
        self, data: LineMap, required: Iterable[str], optional: Iterable[str] = (), what: str = ""
    ) -> bool:
        required, optional = tuple(required), tuple(optional)
        allowed = required + optional
        ok = True
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed here: {', '.join(allowed)}"
                self.add(data.key_lines.get(key, data.line), f"unknown key '{key}' {what}: {hint}")
                ok = False
        for key in required:
            if key not in data:
                self.add(data.line, f"missing '{key}' {what}".rstrip())
                ok = False
        return ok

    def text(self, data: LineMap, key: str, what: str = "") -> str:
        value = data.get(key)
        line = data.key_lines.get(key, data.line)
        if not isinstance(value, str) or not value.strip():
            self.add(line, f"'{key}' {what} must be some text".replace("  ", " "))
            return ""
        return value.strip()

    def ident(self, data: LineMap, key: str = "id") -> str:
        value = data.get(key)
        line = data.key_lines.get(key, data.line)
        if not isinstance(value, str) or not ID_RE.match(value):
            self.add(line, f"'{key}' must be lower-case letters, digits and dashes, like 'math-foundations'")
            return ""
        return value

    def id_list(self, data: LineMap, key: str, known: Mapping[str, Any] | None, kind: str) -> tuple[str, ...]:
        value = data.get(key, [])
        line = data.key_lines.get(key, data.line)
        if not isinstance(value, list):
            self.add(line, f"'{key}' must be a list of {kind} ids, like [{', '.join(list(known or {})[:2])}]")
            return ()
        out = []
        for i, item in enumerate(value):
            item_line = value.item_lines[i] if isinstance(value, LineList) else line
            if not isinstance(item, str):
                self.add(item_line, f"'{key}' items must be {kind} ids")
            elif known is not None and item not in known:
                close = difflib.get_close_matches(item, list(known), n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"known {kind}s: {', '.join(known)}"
                self.add(item_line, f"unknown {kind} '{item}': {hint}")
            else:
                out.append(item)
        return tuple(out)
