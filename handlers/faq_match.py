"""FAQ matching: which entry answers a question, how sure we are, and when to abstain.

A first lexical matcher: TF-IDF over English word stems and Chinese character bigrams, cosine
similarity against every phrasing of every entry (both languages), the best phrasing scores the entry.
Below `threshold` it abstains and offers the closest entries instead.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from operator import itemgetter

from handlers.content import FaqEntry

_WORD = re.compile(r"[a-z0-9][a-z0-9+#.]*[a-z0-9+#]|[a-z0-9]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_STOP_EN = frozenset(
    (
        "a an the is are was were be been being am do does did doing i me my we our you your he she it its "
        "they them their this that these those what which who whom how why when where can could should would "
        "will shall may might must to of in on at by for with about as into from up out over or and but "
        "if so "
        "than too very just there here any some get got have has had having not no yes please tell know want "
        "need really much many also then ok okay like one"
    ).split()
)
_STOP_ZH = frozenset("的了吗呢啊吧呀么是我你他她它在有和就都也还很吧嘛哪")


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    out = [_stem(w) for w in _WORD.findall(text) if w not in _STOP_EN]
    for run in _HAN_RUN.findall(text):
        if len(run) == 1:  # a lone character is its own token; longer runs are read as bigrams
            if run not in _STOP_ZH:
                out.append(run)
            continue
        out.extend(
            a + b for a, b in zip(run, run[1:], strict=False) if a not in _STOP_ZH or b not in _STOP_ZH
        )
    return out


@dataclass(frozen=True)
class Match:
    entry_id: str | None  # None: abstained
    score: float
    candidates: tuple[tuple[str, float], ...]  # best entries first, for "did you mean"


class LexicalMatcher:
    def __init__(self, entries: tuple[FaqEntry, ...] | list[FaqEntry], threshold: float = 0.3) -> None:
        self.threshold = threshold
        docs: list[tuple[str, Counter[str]]] = []
        for entry in entries:
            for text in entry.texts.values():
                for phrasing in (text.title, *text.questions):
                    counts = Counter(tokens(phrasing))
                    if counts:
                        docs.append((entry.id, counts))
        n = len(docs) or 1
        df: Counter[str] = Counter()
        for _, counts in docs:
            df.update(counts.keys())
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._max_idf = max(self._idf.values(), default=1.0)
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._doc_entry: list[str] = []
        for i, (entry_id, counts) in enumerate(docs):
            vec = {t: (1 + math.log(c)) * self._idf[t] for t, c in counts.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            for t, v in vec.items():
                self._postings[t].append((i, v / norm))
            self._doc_entry.append(entry_id)

    def match(self, question: str, n_candidates: int = 3) -> Match:
        counts = Counter(tokens(question))
        # unknown words count towards the norm too: a question mostly about something else scores low
        unknown_idf = self._max_idf
        vec = {t: (1 + math.log(c)) * self._idf.get(t, unknown_idf) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        if not norm:
            return Match(None, 0.0, ())
        doc_scores: dict[int, float] = {}
        get = doc_scores.get
        for t, v in vec.items():
            for doc, w in self._postings.get(t, ()):
                doc_scores[doc] = get(doc, 0.0) + v * w
        best: dict[str, float] = {}
        doc_entry = self._doc_entry
        for doc, score in doc_scores.items():
            entry_id = doc_entry[doc]
            if score > best.get(entry_id, 0.0):
                best[entry_id] = score
        ranked = [(e, s / norm) for e, s in heapq.nlargest(n_candidates, best.items(), key=itemgetter(1))]
        if not ranked:
            return Match(None, 0.0, ())
        top_id, top = ranked[0]
        candidates = tuple((i, round(s, 4)) for i, s in ranked[:n_candidates])
        return Match(top_id if top >= self.threshold else None, round(top, 4), candidates)
