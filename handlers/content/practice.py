"""Practice decks (practice/<step-id>.yaml): for one roadmap step, the cards reviewed with spaced
repetition (/review) and the multiple-choice questions of /quiz, in every language.

A card is known by its step and id (`Card.key`, "python-basics/list-vs-tuple"): a learner's review history
is stored under that key, so rewording a card keeps it, and deleting a card retires it (its history stays
until the learner's /forget; it is never shown again). Never reuse a deleted id for another idea.

The limits come from where the text goes: a quiz option is a button (Discord labels at most 80
characters, and we number them), a quiz answer's feedback may be a Telegram alert (at most 200
characters, the right option and the explanation together), a question may be a Telegram quiz poll
(question at most 300 characters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from handlers.content.faq import SENTENCE_END
from handlers.content.loader import LANGS, FileCheck, Loader, Loading
from handlers.content.roadmap import ROADMAP, Step
from handlers.content.yaml_lines import LineList, LineMap

MAX_FRONT = 200
MAX_BACK = 500
MAX_QUESTION = 300
MAX_OPTION = 60
MAX_FEEDBACK = 180  # the right option plus the explanation: a 200-character alert with room for "✅ ..."
MIN_WRONG, MAX_WRONG = 2, 3


@dataclass(frozen=True)
class CardText:
    front: str
    back: str


@dataclass(frozen=True)
class Card:
    step: str
    id: str
    texts: dict[str, CardText]
    resource: str = ""  # the URL of one of the step's resources, to reread

    @property
    def key(self) -> str:
        return f"{self.step}/{self.id}"

    def text(self, lang: str) -> CardText:
        return self.texts.get(lang) or self.texts["en"]


@dataclass(frozen=True)
class QuestionText:
    question: str
    right: str
    wrong: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class Question:
    step: str
    id: str
    texts: dict[str, QuestionText]
    card: str = ""  # the id of the card (same deck) that teaches it: a wrong answer makes it due soon
    resource: str = ""

    @property
    def key(self) -> str:
        return f"{self.step}/{self.id}"

    def text(self, lang: str) -> QuestionText:
        return self.texts.get(lang) or self.texts["en"]


@dataclass(frozen=True)
class Deck:
    step: str
    cards: tuple[Card, ...]
    questions: tuple[Question, ...]

    def card(self, card_id: str) -> Card | None:
        return next((c for c in self.cards if c.id == card_id), None)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def _resource(c: FileCheck, item: LineMap, step: Step | None) -> str:
    url = item.get("resource")
    if url is None:
        return ""
    line = item.key_lines["resource"]
    urls = [r.url for r in step.resources] if step else []
    if not isinstance(url, str) or url.strip() not in urls:
        c.add(
            line, "resource must be the URL of one of this step's resources in roadmap.yaml, as written there"
        )
        return ""
    return url.strip()


def _short(c: FileCheck, section: LineMap, key: str, limit: int, what: str) -> str:
    text = c.text(section, key, what)
    if len(text) > limit:
        c.add(section.key_lines[key], f"'{key}' {what} has {len(text)} characters; keep it to {limit}")
        return ""
    return text


def _sections(c: FileCheck, item: LineMap, kind: str) -> dict[str, LineMap]:
    out = {}
    for lang in LANGS:
        section = item.get(lang)
        if not isinstance(section, LineMap):
            c.add(
                item.key_lines.get(lang, item.line),
                f"missing translation: this {kind} needs a '{lang}:' section",
            )
        else:
            out[lang] = section
    return out


def _card(c: FileCheck, item: LineMap, step: Step | None, sid: str) -> Card | None:
    if not c.keys(item, ("id", *LANGS), ("resource",), "in a card"):
        return None
    cid = c.ident(item)
    texts = {}
    for lang, section in _sections(c, item, "card").items():
        if not c.keys(section, ("front", "back"), what=f"in the card's {lang} section"):
            continue
        front = _short(c, section, "front", MAX_FRONT, f"of the {lang} card")
        back = _short(c, section, "back", MAX_BACK, f"of the {lang} card")
        if back and len(SENTENCE_END.findall(back)) > 3:
            c.add(
                section.key_lines["back"],
                f"the {lang} back has more than 3 sentences: keep one idea per card",
            )
            back = ""
        if front and back:
            texts[lang] = CardText(front, back)
    resource = _resource(c, item, step)
    return Card(sid, cid, texts, resource) if cid and len(texts) == len(LANGS) else None


def _options(c: FileCheck, section: LineMap, lang: str) -> tuple[str, tuple[str, ...]] | None:
    right = _short(c, section, "right", MAX_OPTION, f"option of the {lang} question")
    wrong = section.get("wrong")
    line = section.key_lines.get("wrong", section.line)
    if not isinstance(wrong, LineList) or not MIN_WRONG <= len(wrong) <= MAX_WRONG:
        c.add(
            line,
            f"'wrong' must list {MIN_WRONG} or {MAX_WRONG} wrong options (exactly one is right: 'right:')",
        )
        return None
    options = []
    for text, item_line in zip(wrong, wrong.item_lines, strict=True):
        if not isinstance(text, str) or not text.strip():
            c.add(
                item_line,
                "each wrong option must be some text (quote it if it looks like a number or has ': ')",
            )
            return None
        if len(text.strip()) > MAX_OPTION:
            c.add(item_line, f"this option has {len(text.strip())} characters; keep options to {MAX_OPTION}")
            return None
        options.append(text.strip())
    seen: set[str] = set()
    for text, item_line in zip(
        [right, *options], [section.key_lines.get("right", line), *wrong.item_lines], strict=True
    ):
        if text.casefold() in seen:
            c.add(item_line, f"the option '{text}' is there twice: each option must be different")
            return None
        seen.add(text.casefold())
    return (right, tuple(options)) if right else None


def _question(
    c: FileCheck, item: LineMap, step: Step | None, sid: str, cards: Mapping[str, Card]
) -> Question | None:
    if not c.keys(item, ("id", *LANGS), ("resource", "card"), "in a quiz question"):
        return None
    qid = c.ident(item)
    texts = {}
    for lang, section in _sections(c, item, "question").items():
        what = f"in the question's {lang} section"
        if not c.keys(section, ("question", "right", "wrong", "explanation"), what=what):
            continue
        question = _short(c, section, "question", MAX_QUESTION, f"of the {lang} question")
        options = _options(c, section, lang)
        explanation = c.text(section, "explanation")
        if options and explanation and len(options[0]) + len(explanation) > MAX_FEEDBACK:
            c.add(
                section.key_lines["explanation"],
                f"the {lang} right option and explanation have {len(options[0]) + len(explanation)} "
                f"characters together; keep them to {MAX_FEEDBACK} (feedback may be a 200-character alert)",
            )
            explanation = ""
        if question and options and explanation:
            texts[lang] = QuestionText(question, options[0], options[1], explanation)
    if len(texts) == len(LANGS) and len({len(t.wrong) for t in texts.values()}) > 1:
        c.add(item.line, "give the same number of wrong options in every language")
        return None
    card = item.get("card")
    if card is not None and card not in cards:
        c.add(item.key_lines["card"], f"card '{card}' is not a card of this deck")
        card = None
    resource = _resource(c, item, step)
    if qid and len(texts) == len(LANGS):
        return Question(sid, qid, texts, card or "", resource)
    return None


class DeckLoader(Loader[dict[str, Deck]]):
    """practice/*.yaml: each file one step's deck (`step:`, the file named after it), `cards:` and
    `quiz:` lists. The folder is optional: without it, no step has practice."""

    def load(self, loading: Loading) -> dict[str, Deck]:
        steps = ROADMAP.index(loading.part(ROADMAP))
        folder = loading.root / "practice"
        decks: dict[str, Deck] = {}
        if not folder.is_dir():
            return decks
        for path in sorted(folder.glob("*.y*ml")):
            c = loading.file(path)
            data = c.load(path)
            if data is None:
                continue
            if not isinstance(data, LineMap) or not c.keys(data, ("step", "cards", "quiz"), what="in a deck"):
                if not isinstance(data, LineMap):
                    c.add(1, "a deck file holds step:, cards: and quiz:")
                continue
            sid = c.ident(data, "step")
            step = steps.get(sid)
            if sid and step is None:
                c.add(
                    data.key_lines["step"], f"unknown roadmap step '{sid}': use a step id from roadmap.yaml"
                )
                continue
            if sid and sid != path.stem:
                c.add(
                    data.key_lines["step"],
                    f"step '{sid}' differs from the file name; name the file {sid}.yaml",
                )
            cards = self._items(c, data, "cards", _card, step, sid)
            by_id = {card.id: card for card in cards}
            questions = self._items(c, data, "quiz", _question, step, sid, by_id)
            if sid in decks:
                c.add(data.key_lines["step"], f"step '{sid}' already has a deck")
            elif sid:
                decks[sid] = Deck(sid, tuple(cards), tuple(questions))
        return decks

    @staticmethod
    def _items(c: FileCheck, data: LineMap, key: str, read, *args) -> list:  # noqa: ANN001, ANN002
        items = data[key]
        if not isinstance(items, LineList):
            c.add(data.key_lines[key], f"'{key}' must be a list")
            return []
        out, seen = [], set()
        for item in items:
            if not isinstance(item, LineMap):
                c.add(items.line, f"each entry of '{key}' is a block with id, en and zh")
                continue
            value = read(c, item, *args)
            if value is None:
                continue
            if value.id in seen:
                c.add(item.key_lines["id"], f"id '{value.id}' is used twice in '{key}'; ids must be unique")
                continue
            seen.add(value.id)
            out.append(value)
        return out

    def index(self, value: dict[str, Deck]) -> Mapping[str, Deck]:
        return value


DECKS = DeckLoader()
