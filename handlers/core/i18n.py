"""Languages: which one a learner gets, which one a question is in, and the UI strings."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from handlers.content import LANGS
from handlers.core import plurals
from handlers.core.markup import Doc, parse

log = logging.getLogger(__name__)

DEFAULT_LANG = "en"
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def lang_from_locale(locale: str | None) -> str:
    """'zh-CN', 'zh_Hans', 'zh' -> 'zh'; anything else -> 'en'."""
    if locale and locale.lower().replace("_", "-").split("-")[0] == "zh":
        return "zh"
    return DEFAULT_LANG


# full-width punctuation comes from a Chinese input method: "SQL？" is a Chinese learner's question
_CJK_PUNCT = re.compile(r"[\u3001\u3002\uff01\uff0c\uff1a\uff1b\uff1f\uff08\uff09\u300a\u300b]")


# English's own small words (no field's terms among them, which Chinese learners type in Latin letters
# too: "学 PyTorch 还是 TF" is Chinese). They tell an English sentence (detect_lang), and the FAQ's word
# matcher leaves them out (handlers.content.match.tokens).
EN_SMALL_WORDS = frozenset(
    (
        "a an the is are was were be been being am do does did doing i me my we our you your he she it its "
        "they them their this that these those what which who whom how why when where can could should would "
        "will shall may might must to of in on at by for with about as into from up out over or and but "
        "if so than too very just there here any some get got have has had having not no yes please tell "
        "know want need really much many also then ok okay like one"
    ).split()
)
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def detect_lang(text: str) -> str:
    """The language a question is written in. With Han characters: Chinese, unless it is an English
    sentence with a Chinese word or two in it ("is it true that 打比赛 on Kaggle helps?": at least three
    of English's own small words, and more of them than Han characters). Without: Chinese if it has a
    Chinese input method's punctuation, else English."""
    han = len(_HAN.findall(text))
    if han:
        glue = sum(1 for w in _LATIN_WORD.findall(text) if w.lower() in EN_SMALL_WORDS)
        return "en" if glue >= 3 and glue > han else "zh"
    return "zh" if _CJK_PUNCT.search(text) else "en"


class Strings:
    """UI strings for one language, falling back to English, then to the key itself. Plural blocks
    (`{count, plural, one {# day} other {# days}}`, see handlers/core/plurals.py) follow the plural rules of
    the language the string is written in."""

    def __init__(self, table: Mapping[str, Mapping[str, str]], lang: str) -> None:
        self.lang = lang if lang in LANGS else DEFAULT_LANG
        self._own = table.get(self.lang, {})
        self._fallback = table.get(DEFAULT_LANG, {})

    def _text(self, key: str, values: Mapping[str, object]) -> str:
        """The string with its plural forms chosen, placeholders still in."""
        if text := self._own.get(key):
            return plurals.select(text, values, self.lang)
        if text := self._fallback.get(key):
            return plurals.select(text, values, DEFAULT_LANG)
        log.warning("UI string %r is missing", key)
        return key

    def raw(self, key: str, **values: object) -> str:
        text = self._text(key, values)
        return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m[1], m[0])), text)

    def doc(self, key: str, **values: object) -> Doc:
        return parse(self._text(key, values), values)
