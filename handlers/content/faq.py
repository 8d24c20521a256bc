"""FAQ topics (faq/<topic-id>.yaml): one topic a file, with its en and zh title, questions (the ways
learners ask it) and answer, and the roadmap steps, related posts and links it points to."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from handlers.content.links import Resource, check_duplicate_links, read_resources
from handlers.content.loader import LANGS, Loader, Loading, Problem
from handlers.content.posts import POSTS
from handlers.content.roadmap import ROADMAP
from handlers.content.yaml_lines import LineMap


@dataclass(frozen=True)
class FaqText:
    title: str
    questions: tuple[str, ...]
    answer: str  # the answer first: 1-3 sentences that answer the question as asked
    more: str = ""  # the details (figures, sources, lists), behind a "More" button


@dataclass(frozen=True)
class FaqEntry:
    id: str
    texts: dict[str, FaqText]
    steps: tuple[str, ...] = ()
    posts: tuple[str, ...] = ()
    links: tuple[Resource, ...] = ()


SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[。！？]")
MAX_ANSWER_SENTENCES = 3


def _not_short(answer: str) -> str:
    """Why `answer` is not an answer-first opening (1-3 sentences, no list), or '' if it is one."""
    if re.search(r"^\s*([-*]|\d+\.)\s", answer, re.MULTILINE):
        return "has a list: answer in 1-3 sentences and put the list under 'more:'"
    if "\n\n" in answer.strip():
        return "has several paragraphs: keep 1-3 sentences and put the rest under 'more:'"
    n = len(SENTENCE_END.findall(answer.strip())) or 1
    if n > MAX_ANSWER_SENTENCES:
        return f"has {n} sentences: keep 1-{MAX_ANSWER_SENTENCES} and put the rest under 'more:'"
    return ""


def normal_question(question: str) -> str:
    """Two phrasings with the same words, whatever their order, case or punctuation, collide."""
    return " ".join(sorted(re.findall(r"\w+", question.lower())))


class FaqLoader(Loader[tuple[FaqEntry, ...]]):
    """faq/*.yaml (or .yml): each file one topic whose id is its file name; a question may be in one
    topic only (same words in any order count as the same question)."""

    def load(self, loading: Loading) -> tuple[FaqEntry, ...]:
        steps = ROADMAP.index(loading.part(ROADMAP))
        posts = loading.part(POSTS)
        folder = loading.root / "faq"
        entries: list[FaqEntry] = []
        if not folder.is_dir():
            loading.problems.append(Problem(loading.name(folder), 1, "the faq/ folder is missing"))
            return ()
        seen: dict[str, str] = {}
        question_lines: dict[tuple[str, str, str], int] = {}
        for path in sorted(folder.glob("*.y*ml")):
            c = loading.file(path)
            data = c.load(path)
            if data is None:
                continue
            if not isinstance(data, LineMap):
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
                    data.key_lines["id"],
                    f"id '{fid}' differs from the file name; rename the file to {fid}.yaml",
                )
            if fid in seen:
                c.add(data.key_lines["id"], f"FAQ id '{fid}' is already used in {seen[fid]}")
                continue
            seen[fid] = c.file
            texts: dict[str, FaqText] = {}
            for lang in LANGS:
                section = data[lang]
                if not isinstance(section, LineMap):
                    c.add(data.key_lines[lang], f"'{lang}:' needs title, questions and answer under it")
                    continue
                what = f"in the {lang} section"
                if not c.keys(section, ("title", "questions", "answer"), ("more",), what=what):
                    continue
                questions = section["questions"]
                if not isinstance(questions, list) or not questions:
                    c.add(
                        section.key_lines["questions"], "questions must be a list with at least one question"
                    )
                    continue
                good = []
                for i, q in enumerate(questions):
                    if not isinstance(q, str) or not q.strip():
                        c.add(
                            questions.item_lines[i],
                            "each question must be some text (use quotes if it has ':')",
                        )
                    else:
                        good.append(q.strip())
                        question_lines[(fid, lang, q.strip())] = questions.item_lines[i]
                title, answer = c.text(section, "title"), c.text(section, "answer")
                more = c.text(section, "more") if "more" in section else ""
                if answer and (why := _not_short(answer)):
                    c.add(section.key_lines["answer"], f"the {lang} answer {why}")
                if title and answer and len(good) == len(questions) and ("more" not in section or more):
                    texts[lang] = FaqText(title, tuple(good), answer, more)
            entry_steps = c.id_list(data, "steps", steps, "roadmap step")
            entry_posts = c.id_list(data, "posts", posts, "post")
            links = read_resources(c, data, "links")
            check_duplicate_links(c, data, posts, ("posts", "links"), "topic")
            if fid and len(texts) == len(LANGS):
                entries.append(FaqEntry(fid, texts, entry_steps, entry_posts, links))
        _check_collisions(entries, seen, question_lines, loading.problems)
        return tuple(entries)

    def index(self, value: tuple[FaqEntry, ...]) -> Mapping[str, FaqEntry]:
        return {e.id: e for e in value}


def _check_collisions(
    entries: list[FaqEntry],
    files: dict[str, str],
    lines: dict[tuple[str, str, str], int],
    problems: list[Problem],
) -> None:
    """The same question (see `normal_question`) in two topics: reported at the second topic's line."""
    owner: dict[tuple[str, str], str] = {}
    for e in entries:
        for lang, t in e.texts.items():
            for q in t.questions:
                key = (lang, normal_question(q))
                if key in owner and owner[key] != e.id:
                    problems.append(
                        Problem(
                            files[e.id],
                            lines.get((e.id, lang, q), 1),
                            f"the {lang} question '{q}' is also in '{owner[key]}'; keep it in one topic only",
                        )
                    )
                owner.setdefault(key, e.id)


FAQ = FaqLoader()
