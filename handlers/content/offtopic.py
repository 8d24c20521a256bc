"""Examples of what to decline (optional files): offtopic.yaml, questions about other subjects, and
not-a-tutor.yaml, requests the bot is not for. Per language, a list each. The FAQ matcher declines a question
closer to these than to any topic."""

from __future__ import annotations

from handlers.content.faq import FAQ, normal_question
from handlers.content.loader import LANGS, Loader, Loading
from handlers.content.yaml_lines import LineList, LineMap


class OfftopicLoader(Loader[dict[str, tuple[str, ...]]]):
    """<file>.yaml: `en:` and `zh:`, each a list of questions; none of them may be a FAQ question."""

    def __init__(self, filename: str = "offtopic.yaml") -> None:
        self.filename = filename

    def load(self, loading: Loading) -> dict[str, tuple[str, ...]]:
        path = loading.root / self.filename
        if not path.exists():
            return {}
        c = loading.file(path)
        data = c.load(path)
        if data is None:
            return {}
        if not isinstance(data, LineMap):
            c.add(1, f"{self.filename} holds 'en:' and 'zh:', each a list of questions to decline")
            return {}
        c.keys(data, (), LANGS, f"in {self.filename}")
        faq_questions = {
            (lang, normal_question(q)): e.id
            for e in loading.part(FAQ)
            for lang, t in e.texts.items()
            for q in (t.title, *t.questions)
        }
        out: dict[str, tuple[str, ...]] = {}
        for lang in LANGS:
            items = data.get(lang, [])
            if not isinstance(items, LineList):
                c.add(data.key_lines.get(lang, data.line), f"'{lang}:' must be a list of questions")
                continue
            good = []
            for q, line in zip(items, items.item_lines, strict=True):
                if not isinstance(q, str) or not q.strip():
                    c.add(line, "each question here must be some text (use quotes if it has ':')")
                elif (topic := faq_questions.get((lang, normal_question(q)))) is not None:
                    c.add(line, f"'{q}' is also a question of FAQ topic '{topic}'; keep it in one place only")
                else:
                    good.append(q.strip())
            out[lang] = tuple(good)
        return out


OFFTOPIC = OfftopicLoader()
# Requests the bot is not for (homework, code help, writing for the learner, prompt injection): declined with
# "I'm a study companion, not a tutor", pointing to the roadmap step that teaches the concept if one does.
NOT_A_TUTOR = OfftopicLoader("not-a-tutor.yaml")
