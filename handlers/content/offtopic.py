"""Off-topic examples (offtopic.yaml, optional): per language, questions the bot should decline. The FAQ
matcher says it does not know when a learner's question is closer to one of these than to any topic."""

from __future__ import annotations

from handlers.content.faq import FAQ, normal_question
from handlers.content.loader import LANGS, Loader, Loading
from handlers.content.yaml_lines import LineList, LineMap


class OfftopicLoader(Loader[dict[str, tuple[str, ...]]]):
    """offtopic.yaml: `en:` and `zh:`, each a list of questions; none of them may be a FAQ question."""

    def load(self, loading: Loading) -> dict[str, tuple[str, ...]]:
        path = loading.root / "offtopic.yaml"
        if not path.exists():
            return {}
        c = loading.file(path)
        data = c.load(path)
        if data is None:
            return {}
        if not isinstance(data, LineMap):
            c.add(1, "offtopic.yaml holds 'en:' and 'zh:', each a list of questions the bot should decline")
            return {}
        c.keys(data, (), LANGS, "in offtopic.yaml")
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
                    c.add(line, "each off-topic question must be some text (use quotes if it has ':')")
                elif (topic := faq_questions.get((lang, normal_question(q)))) is not None:
                    c.add(line, f"'{q}' is also a question of FAQ topic '{topic}'; keep it in one place only")
                else:
                    good.append(q.strip())
            out[lang] = tuple(good)
        return out


OFFTOPIC = OfftopicLoader()
