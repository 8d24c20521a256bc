"""Loading and checking the content files (FAQ, roadmap, related posts, UI strings).

Layout of a content directory (see content/README.md for the people who edit it):

    faq/<topic-id>.yaml   one FAQ topic: id, steps, posts, links, and an en: and zh: section
    roadmap.yaml          steps: id, hours, en/zh title and summary, resources, posts
    posts.yaml            posts: id, url, en, zh  (the seed article and its related posts)
    ui/en.yaml, ui/zh.yaml  the bot's own sentences, key: text

`load_content(path)` returns the content and a list of `Problem`s (file:line and what to fix).
Content with any problem is never served. It blocks for a while (parsing), so async code calls it
through `ContentStore.reload`, off the event loop.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from handlers import plurals
from handlers.numbers import parse_int

LANGS = ("en", "zh")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https?://[^\s<>\"]+$")
PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
RESOURCE_KINDS = ("course", "book", "video", "article", "tool")
# One content file may hold at most this much. The largest real file (roadmap.yaml) is about 20 KB, and
# 1 MB parses in about 0.2 s with libyaml (1.3 s without): big enough for any hand-edited file, small
# enough that a pasted dump is refused instead of keeping a reload busy for minutes.
MAX_FILE_BYTES = 2**20


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Resource:
    title: str
    url: str
    kind: str = "article"


@dataclass(frozen=True)
class Post:
    id: str
    url: str
    titles: dict[str, str]


@dataclass(frozen=True)
class FaqText:
    title: str
    questions: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class FaqEntry:
    id: str
    texts: dict[str, FaqText]
    steps: tuple[str, ...] = ()
    posts: tuple[str, ...] = ()
    links: tuple[Resource, ...] = ()


@dataclass(frozen=True)
class Step:
    id: str
    number: int  # 1-based position in the roadmap file
    titles: dict[str, str]
    summaries: dict[str, str]
    resources: tuple[Resource, ...] = ()
    posts: tuple[str, ...] = ()
    hours: int | None = None


@dataclass(frozen=True)
class Content:
    faq: tuple[FaqEntry, ...]
    steps: tuple[Step, ...]
    posts: dict[str, Post]
    strings: dict[str, dict[str, str]]
    offtopic: dict[str, tuple[str, ...]] = field(default_factory=dict)  # questions to decline, per language
    faq_by_id: dict[str, FaqEntry] = field(init=False)
    step_by_id: dict[str, Step] = field(init=False)
    # Views derived from this content (e.g. a rendered FAQ answer), built once and dropped with it.
    _memo: dict[Hashable, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "faq_by_id", {e.id: e for e in self.faq})
        object.__setattr__(self, "step_by_id", {s.id: s for s in self.steps})
        object.__setattr__(self, "_memo", {})

    def memo(self, key: Hashable, build: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def find_step(self, ref: str) -> Step | None:
        """A step by number ("3") or id ("math-foundations")."""
        ref = ref.strip().lower()
        n = parse_int(ref)
        if n is not None:
            return self.steps[n - 1] if 1 <= n <= len(self.steps) else None
        return self.step_by_id.get(ref)


# YAML with line numbers


class _Map(dict):
    line: int = 0
    key_lines: dict[str, int]


class _Seq(list):
    line: int = 0
    item_lines: list[int]


class _PyLoader(yaml.SafeLoader):
    """The pure-Python parser: the fallback where PyYAML was built without libyaml."""


# libyaml's parser (about 7x faster) with the same safe constructors, where PyYAML has it
_CLoader = type("_CLoader", (yaml.CSafeLoader,), {}) if hasattr(yaml, "CSafeLoader") else None
_Loader: type = _CLoader or _PyLoader


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
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


def _construct_seq(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


for _loader in filter(None, (_PyLoader, _CLoader)):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def _parse(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 (safe constructors only)


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int) -> None:
        self.key, self.line = key, line


class _Checker:
    """Collects problems for one file while reading its values."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file, self.problems = file, problems

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def load(self, path: Path) -> Any:
        """The file's data, or None with a problem (unreadable, too big, empty, not YAML)."""
        try:
            with path.open("rb") as f:
                raw = f.read(MAX_FILE_BYTES + 1)  # never more than the limit, whatever the file grew to
        except OSError as exc:
            self.add(1, f"the file cannot be read ({exc.strerror}); check that it exists and is readable")
            return None
        if len(raw) > MAX_FILE_BYTES:
            try:
                size = f"{path.stat().st_size:,} bytes"
            except OSError:
                size = "too big"
            self.add(
                1,
                f"the file is {size}, over the limit of {MAX_FILE_BYTES // 2**20} MB for one content file: "
                "split it into smaller files or shorten it",
            )
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.add(1, f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8")
            return None
        if not text.lstrip("\ufeff").strip():
            self.add(1, "the file is empty; write its content again, or delete the file if that was meant")
            return None
        try:
            data = _parse(text)
        except _DuplicateKey as dup:
            self.add(dup.line, f"'{dup.key}' appears twice in the same block; keep one")
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            self.add(line, f"this is not valid YAML ({exc.problem}); check the indentation and quotes")
        except yaml.reader.ReaderError as exc:
            # the pure-Python reader counts characters, libyaml counts UTF-8 bytes
            head = text[: exc.position] if exc.encoding == "unicode" else raw[: exc.position]
            line = head.count("\n" if isinstance(head, str) else b"\n") + 1
            self.add(line, f"the character #x{exc.character:04x} is not allowed in YAML; delete it")
        except RecursionError:
            self.add(1, "the blocks in this file are nested too deeply; this is not a content file")
        else:
            if data is None:
                self.add(1, "the file holds only comments; write its content again, or delete the file")
            return data
        return None

    def keys(self, data: _Map, required: Iterable[str], optional: Iterable[str] = (), what: str = "") -> bool:
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

    def text(self, data: _Map, key: str, what: str = "") -> str:
        value = data.get(key)
        line = data.key_lines.get(key, data.line)
        if not isinstance(value, str) or not value.strip():
            self.add(line, f"'{key}' {what} must be some text".replace("  ", " "))
            return ""
        return value.strip()

    def ident(self, data: _Map, key: str = "id") -> str:
        value = data.get(key)
        line = data.key_lines.get(key, data.line)
        if not isinstance(value, str) or not ID_RE.match(value):
            self.add(line, f"'{key}' must be lower-case letters, digits and dashes, like 'math-foundations'")
            return ""
        return value

    def id_list(self, data: _Map, key: str, known: dict[str, Any] | None, kind: str) -> tuple[str, ...]:
        value = data.get(key, [])
        line = data.key_lines.get(key, data.line)
        if not isinstance(value, list):
            self.add(line, f"'{key}' must be a list of {kind} ids, like [{', '.join(list(known or {})[:2])}]")
            return ()
        out = []
        for i, item in enumerate(value):
            item_line = value.item_lines[i] if isinstance(value, _Seq) else line
            if not isinstance(item, str):
                self.add(item_line, f"'{key}' items must be {kind} ids")
            elif known is not None and item not in known:
                close = difflib.get_close_matches(item, list(known), n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"known {kind}s: {', '.join(known)}"
                self.add(item_line, f"unknown {kind} '{item}': {hint}")
            else:
                out.append(item)
        return tuple(out)

    def resources(self, data: _Map, key: str) -> tuple[Resource, ...]:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.add(data.key_lines.get(key, data.line), f"'{key}' must be a list of title/url pairs")
            return ()
        out = []
        for item in value:
            if not isinstance(item, _Map):
                self.add(getattr(value, "line", data.line), f"each of '{key}' needs 'title:' and 'url:'")
                continue
            if not self.keys(item, ("title", "url"), ("kind",), f"in {key}"):
                continue
            title, url = self.text(item, "title"), self.text(item, "url")
            kind = item.get("kind", "article")
            if url and not URL_RE.match(url):
                self.add(item.key_lines["url"], f"'{url}' is not a web address; write it as https://...")
                continue
            if kind not in RESOURCE_KINDS:
                self.add(
                    item.key_lines.get("kind", item.line), f"kind must be one of {', '.join(RESOURCE_KINDS)}"
                )
                continue
            if title and url:
                out.append(Resource(title, url, kind))
        return tuple(out)

    def duplicate_links(self, data: _Map, posts: dict[str, Post], keys: Iterable[str], what: str) -> None:
        """One web address twice in a topic or a step (a post and a link, or two links) is shown twice."""
        first: dict[tuple[str, str, str], tuple[int, str]] = {}
        for line, url, where in sorted(_urls(data, posts, keys)):
            same = _same_page(url)
            if same in first:
                at, there = first[same]
                self.add(line, f"the link {url} is already in this {what} ({there}, line {at}); keep it once")
            else:
                first[same] = line, where


def _urls(data: _Map, posts: dict[str, Post], keys: Iterable[str]) -> Iterator[tuple[int, str, str]]:
    """(line, url, where) of each post id and each title/url item listed under `keys`."""
    for key in keys:
        items = data.get(key)
        if not isinstance(items, _Seq):
            continue
        for item, line in zip(items, items.item_lines, strict=True):
            if isinstance(item, str) and item in posts:
                yield line, posts[item].url, f"post '{item}' in {key}"
            elif isinstance(item, _Map) and isinstance(item.get("url"), str):
                yield item.key_lines["url"], item["url"].strip(), f"in {key}"


def _same_page(url: str) -> tuple[str, str, str]:
    """http or https, www. or not, a trailing slash or not: the same page."""
    parts = urlsplit(url)
    return parts.netloc.lower().removeprefix("www."), parts.path.rstrip("/"), parts.query


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _load_posts(root: Path, problems: list[Problem]) -> dict[str, Post]:
    path = root / "posts.yaml"
    c = _Checker(_rel(path, root), problems)
    if not path.exists():
        c.add(1, "posts.yaml is missing: it lists the related posts (id, url, en, zh)")
        return {}
    data = c.load(path)
    if data is None:
        return {}
    if not isinstance(data, _Map) or not isinstance(data.get("posts"), list):
        c.add(1, "posts.yaml must start with 'posts:' followed by a list of posts")
        return {}
    posts: dict[str, Post] = {}
    for item in data["posts"]:
        if not isinstance(item, _Map):
            c.add(data["posts"].line, "each post needs id, url, en and zh")
            continue
        if not c.keys(item, ("id", "url", *LANGS), what="in a post"):
            continue
        pid, url = c.ident(item), c.text(item, "url")
        titles = {lang: c.text(item, lang) for lang in LANGS}
        if url and not URL_RE.match(url):
            c.add(item.key_lines["url"], f"'{url}' is not a web address; write it as https://...")
        elif pid in posts:
            c.add(item.line, f"post id '{pid}' is used twice; ids must be unique")
        elif pid and all(titles.values()):
            posts[pid] = Post(pid, url, titles)
    return posts


def _load_roadmap(root: Path, posts: dict[str, Post], problems: list[Problem]) -> tuple[Step, ...]:
    path = root / "roadmap.yaml"
    c = _Checker(_rel(path, root), problems)
    if not path.exists():
        c.add(1, "roadmap.yaml is missing: it lists the roadmap steps")
        return ()
    data = c.load(path)
    if data is None:
        return ()
    if not isinstance(data, _Map) or not isinstance(data.get("steps"), list) or not data["steps"]:
        c.add(1, "roadmap.yaml must start with 'steps:' followed by a list of steps")
        return ()
    steps: list[Step] = []
    seen: set[str] = set()
    for item in data["steps"]:
        if not isinstance(item, _Map):
            c.add(data["steps"].line, "each step needs id, en, zh and resources")
            continue
        if not c.keys(item, ("id", *LANGS), ("resources", "posts", "hours"), "in a step"):
            continue
        sid = c.ident(item)
        if sid in seen:
            c.add(item.key_lines["id"], f"step id '{sid}' is used twice; ids must be unique")
            continue
        seen.add(sid)
        titles, summaries = {}, {}
        for lang in LANGS:
            section = item[lang]
            if not isinstance(section, _Map):
                c.add(item.key_lines[lang], f"'{lang}:' needs 'title:' and 'summary:' under it")
                continue
            if c.keys(section, ("title", "summary"), what=f"in the {lang} section"):
                titles[lang] = c.text(section, "title")
                summaries[lang] = c.text(section, "summary")
        hours = item.get("hours")
        if hours is not None and (not isinstance(hours, int) or isinstance(hours, bool) or hours <= 0):
            c.add(item.key_lines["hours"], "hours must be a whole number above 0, like 40")
            hours = None
        resources = c.resources(item, "resources")
        step_posts = c.id_list(item, "posts", posts, "post")
        c.duplicate_links(item, posts, ("resources", "posts"), "step")
        if sid and len(titles) == len(LANGS) and all(titles.values()) and all(summaries.values()):
            steps.append(Step(sid, len(steps) + 1, titles, summaries, resources, step_posts, hours))
    return tuple(steps)


def _load_faq(root: Path, steps: dict[str, Step], posts: dict[str, Post], problems: list[Problem]):
    folder = root / "faq"
    entries: list[FaqEntry] = []
    if not folder.is_dir():
        problems.append(Problem(_rel(folder, root), 1, "the faq/ folder is missing"))
        return ()
    seen: dict[str, str] = {}
    question_lines: dict[tuple[str, str, str], int] = {}
    for path in sorted(folder.glob("*.y*ml")):
        c = _Checker(_rel(path, root), problems)
        data = c.load(path)
        if data is None:
            continue
        if not isinstance(data, _Map):
            c.add(1, "a FAQ file is a block with id, steps, posts, links, en and zh")
            continue
        if not c.keys(data, ("id", *LANGS), ("steps", "posts", "links"), "in a FAQ topic"):
            if "id" not in data or any(lang not in data for lang in LANGS):
                missing = [lang for lang in LANGS if lang not in data]
                if missing:
                    c.add(
                        data.line,
                        f"missing translation: add a '{missing[0]}:' section with title, "
                        "questions and answer",
                    )
            continue
        fid = c.ident(data)
        if fid and fid != path.stem:
            c.add(
                data.key_lines["id"], f"id '{fid}' differs from the file name; rename the file to {fid}.yaml"
            )
        if fid in seen:
            c.add(data.key_lines["id"], f"FAQ id '{fid}' is already used in {seen[fid]}")
            continue
        seen[fid] = c.file
        texts: dict[str, FaqText] = {}
        for lang in LANGS:
            section = data[lang]
            if not isinstance(section, _Map):
                c.add(data.key_lines[lang], f"'{lang}:' needs title, questions and answer under it")
                continue
            if not c.keys(section, ("title", "questions", "answer"), what=f"in the {lang} section"):
                continue
            questions = section["questions"]
            if not isinstance(questions, list) or not questions:
                c.add(section.key_lines["questions"], "questions must be a list with at least one question")
                continue
            good = []
            for i, q in enumerate(questions):
                if not isinstance(q, str) or not q.strip():
                    c.add(
                        questions.item_lines[i], "each question must be some text (use quotes if it has ':')"
                    )
                else:
                    good.append(q.strip())
                    question_lines[(fid, lang, q.strip())] = questions.item_lines[i]
            title, answer = c.text(section, "title"), c.text(section, "answer")
            if title and answer and len(good) == len(questions):
                texts[lang] = FaqText(title, tuple(good), answer)
        entry_steps = c.id_list(data, "steps", steps, "roadmap step")
        entry_posts = c.id_list(data, "posts", posts, "post")
        links = c.resources(data, "links")
        c.duplicate_links(data, posts, ("posts", "links"), "topic")
        if fid and len(texts) == len(LANGS):
            entries.append(FaqEntry(fid, texts, entry_steps, entry_posts, links))
    _check_collisions(entries, seen, question_lines, problems)
    return tuple(entries)


def _check_collisions(
    entries: list[FaqEntry],
    files: dict[str, str],
    lines: dict[tuple[str, str, str], int],
    problems: list[Problem],
) -> None:
    owner: dict[tuple[str, str], str] = {}
    for e in entries:
        for lang, t in e.texts.items():
            for q in t.questions:
                key = (lang, _normal(q))
                if key in owner and owner[key] != e.id:
                    problems.append(
                        Problem(
                            files[e.id],
                            lines.get((e.id, lang, q), 1),
                            f"the {lang} question '{q}' is also in '{owner[key]}'; keep it in one topic only",
                        )
                    )
                owner.setdefault(key, e.id)


def _load_strings(root: Path, problems: list[Problem]) -> dict[str, dict[str, str]]:
    strings: dict[str, dict[str, str]] = {}
    lines: dict[str, dict[str, int]] = {}
    for lang in LANGS:
        path = root / "ui" / f"{lang}.yaml"
        c = _Checker(_rel(path, root), problems)
        if not path.exists():
            c.add(1, f"ui/{lang}.yaml is missing: it holds the bot's own sentences in {lang}")
            continue
        data = c.load(path)
        if data is None:
            continue
        if not isinstance(data, _Map):
            c.add(1, "a UI strings file is a list of 'key: text' lines")
            continue
        strings[lang], lines[lang] = {}, data.key_lines
        for key, value in data.items():
            if not isinstance(value, str):
                c.add(data.key_lines[key], f"'{key}' must be text (put it in quotes)")
            else:
                strings[lang][key] = value.strip("\n")
                for message in plurals.problems(value, lang):
                    c.add(data.key_lines[key], f"'{key}': {message}")
    if "en" in strings:
        ref = strings["en"]
        for lang, table in strings.items():
            if lang == "en":
                continue
            file = f"{root.name}/ui/{lang}.yaml"
            for key in ref:
                if key not in table:
                    problems.append(Problem(file, 1, f"missing translation for '{key}' (see ui/en.yaml)"))
                elif plurals.placeholders(ref[key]) != plurals.placeholders(table[key]):
                    want = ", ".join(sorted("{" + p + "}" for p in plurals.placeholders(ref[key])))
                    problems.append(
                        Problem(
                            file,
                            lines[lang][key],
                            f"'{key}' must use the same placeholders as English: {want or 'none'}",
                        )
                    )
            for key in table:
                if key not in ref:
                    problems.append(
                        Problem(
                            file,
                            lines[lang][key],
                            f"'{key}' is not in ui/en.yaml; remove it or add it there too",
                        )
                    )
    return strings


def _load_offtopic(
    root: Path, faq: tuple[FaqEntry, ...], problems: list[Problem]
) -> dict[str, tuple[str, ...]]:
    """offtopic.yaml (optional): per language, questions the bot should decline."""
    path = root / "offtopic.yaml"
    if not path.exists():
        return {}
    c = _Checker(_rel(path, root), problems)
    data = c.load(path)
    if data is None:
        return {}
    if not isinstance(data, _Map):
        c.add(1, "offtopic.yaml holds 'en:' and 'zh:', each a list of questions the bot should decline")
        return {}
    c.keys(data, (), LANGS, "in offtopic.yaml")
    faq_questions = {
        (lang, _normal(q)): e.id for e in faq for lang, t in e.texts.items() for q in (t.title, *t.questions)
    }
    out: dict[str, tuple[str, ...]] = {}
    for lang in LANGS:
        items = data.get(lang, [])
        if not isinstance(items, _Seq):
            c.add(data.key_lines.get(lang, data.line), f"'{lang}:' must be a list of questions")
            continue
        good = []
        for q, line in zip(items, items.item_lines, strict=True):
            if not isinstance(q, str) or not q.strip():
                c.add(line, "each off-topic question must be some text (use quotes if it has ':')")
            elif (lang, _normal(q)) in faq_questions:
                c.add(
                    line,
                    f"'{q}' is also a question of FAQ topic '{faq_questions[(lang, _normal(q))]}'; "
                    "keep it in one place only",
                )
            else:
                good.append(q.strip())
        out[lang] = tuple(good)
    return out


def _normal(question: str) -> str:
    """Two phrasings with the same words, whatever their order, case or punctuation, collide."""
    return " ".join(sorted(re.findall(r"\w+", question.lower())))


def load_content(root: str | Path) -> tuple[Content | None, list[Problem]]:
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        return None, [Problem(str(root), 0, "the content folder does not exist; set CONTENT_DIR to it")]
    posts = _load_posts(root, problems)
    steps = _load_roadmap(root, posts, problems)
    faq = _load_faq(root, {s.id: s for s in steps}, posts, problems)
    strings = _load_strings(root, problems)
    offtopic = _load_offtopic(root, faq, problems)
    if problems:
        return None, problems
    return Content(faq=faq, steps=steps, posts=posts, strings=strings, offtopic=offtopic), []
