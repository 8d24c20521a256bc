"""Reading one content file as YAML that remembers where each value came from.

`read(path, add)` returns the file's data, with every mapping a `LineMap` (its own line and the line of
each key) and every list a `LineList` (its own line and the line of each item), so a loader can point an
editor at the exact line of a mistake. A file that cannot be used (unreadable, over `MAX_FILE_BYTES`,
not UTF-8, empty, only comments, not YAML, a key given twice) gives None and one `add(line, message)`.

libyaml's parser is used where PyYAML was built with it (about 7x faster); the pure-Python parser is the
fallback and reports the same lines.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import yaml

# One content file may hold at most this much. The largest real file (roadmap.yaml) is about 20 KB, and
# 1 MB parses in about 0.2 s with libyaml (1.3 s without): big enough for any hand-edited file, small
# enough that a pasted dump is refused instead of keeping a reload busy for minutes.
MAX_FILE_BYTES = 2**20

Add = Callable[[int, str], None]  # report a problem at a 1-based line of the file being read


class LineMap(dict):
    """A YAML mapping, with the line it starts on and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list):
    """A YAML list, with the line it starts on and the line of each item."""

    line: int = 0
    item_lines: list[int]


class _PyLoader(yaml.SafeLoader):
    """The pure-Python parser: the fallback where PyYAML was built without libyaml."""


# libyaml's parser (about 7x faster) with the same safe constructors, where PyYAML has it
_CLoader = type("_CLoader", (yaml.CSafeLoader,), {}) if hasattr(yaml, "CSafeLoader") else None
_Loader: type = _CLoader or _PyLoader


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int) -> None:
        self.key, self.line = key, line


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    out = LineMap()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a word or some text, not a list or a block", key_node.start_mark
            )
        if key in out:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_seq(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


for _loader in filter(None, (_PyLoader, _CLoader)):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


# The parsed data of the files read lately, by loader and text, pickled: a reload parses again only the
# files that changed (an edit touches one file of ~50; a parse takes ~25x an unpickle), and every reader
# gets its own copy of the data to keep. It holds this process's own data only; nothing is read from disk.
_PARSED: OrderedDict[tuple[type, str], bytes] = OrderedDict()
_PARSED_KEEP = 256  # files: about 2 MB for the repository's content


def _parse(text: str) -> Any:
    key = (_Loader, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
    kept = _PARSED.get(key)
    if kept is not None:
        _PARSED.move_to_end(key)
        return pickle.loads(kept)  # noqa: S301 (bytes this process pickled itself, just below)
    data = yaml.load(text, Loader=_Loader)  # noqa: S506 (safe constructors only)
    _PARSED[key] = pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
    while len(_PARSED) > _PARSED_KEEP:
        _PARSED.popitem(last=False)
    return data


def read(path: Path, add: Add) -> Any:
    """The file's data, or None with a problem (unreadable, too big, empty, not YAML)."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)  # never more than the limit, whatever the file grew to
    except OSError as exc:
        add(1, f"the file cannot be read ({exc.strerror}); check that it exists and is readable")
        return None
    if len(raw) > MAX_FILE_BYTES:
        try:
            size = f"{path.stat().st_size:,} bytes"
        except OSError:
            size = "too big"
        add(
            1,
            f"the file is {size}, over the limit of {MAX_FILE_BYTES // 2**20} MB for one content file: "
            "split it into smaller files or shorten it",
        )
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        add(1, f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8")
        return None
    if not text.lstrip("\ufeff").strip():
        add(1, "the file is empty; write its content again, or delete the file if that was meant")
        return None
    try:
        data = _parse(text)
    except _DuplicateKey as dup:
        add(dup.line, f"'{dup.key}' appears twice in the same block; keep one")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        add(line, f"this is not valid YAML ({exc.problem}); check the indentation and quotes")
    except yaml.reader.ReaderError as exc:
        # the pure-Python reader counts characters, libyaml counts UTF-8 bytes
        head = text[: exc.position] if exc.encoding == "unicode" else raw[: exc.position]
        line = head.count("\n" if isinstance(head, str) else b"\n") + 1
        add(line, f"the character #x{exc.character:04x} is not allowed in YAML; delete it")
    except RecursionError:
        add(1, "the blocks in this file are nested too deeply; this is not a content file")
    else:
        if data is None:
            add(1, "the file holds only comments; write its content again, or delete the file")
        return data
    return None
