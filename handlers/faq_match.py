"""FAQ matching: which entry answers a question, how sure we are, and when to abstain.

Two matchers with one interface (`match(question) -> Match`):

- `LexicalMatcher`: TF-IDF over English word stems and Chinese character bigrams, cosine similarity
  against every phrasing of every entry (both languages); the best phrasing scores the entry. Pure
  Python, no install, microseconds. It is the fallback wherever no embedding model is available.
- `HybridMatcher`: a multilingual sentence-embedding model (behind the `Embedder` seam, wired in
  bot/) finds the nearest phrasings by meaning, across languages; the lexical score is blended in.

Both know the content's off-topic questions (offtopic.yaml): a question closer to one of those than to
any FAQ entry is declined, and so is one whose best score stays under the threshold.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from handlers.content import Content

OFFTOPIC = "_offtopic"  # the pseudo-entry that owns the off-topic questions

_WORD = re.compile(r"[a-z0-9][a-z0-9+#.]*[a-z0-9+#]|[a-z0-9]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_STOP_EN = frozenset(
    (
        "a an the is are was were be been being am do does did doing i me my we our you your he she it its "
        "they them their this that these those what which who whom how why when where can could should would "
        "will shall may might must to of in on at by for with about as into from up out over or and but "
        "if so than too very just there here any some get got have has had having not no yes please tell "
        "know want need really much many also then ok okay like one"
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


def phrasings(content: Content) -> list[tuple[str, str]]:
    """(owner, text) for every title and question of every entry, then every off-topic question."""
    out = [(e.id, p) for e in content.faq for t in e.texts.values() for p in (t.title, *t.questions)]
    out += [(OFFTOPIC, q) for questions in content.offtopic.values() for q in questions]
    return out


@dataclass(frozen=True)
class Match:
    entry_id: str | None  # None: abstained
    score: float  # confidence in [0, 1] of the best entry
    candidates: tuple[tuple[str, float], ...]  # best FAQ entries first, for "did you mean"


class _Owners:
    """Phrasing rows grouped by owner (entry id, or OFFTOPIC), so a max per owner is one `reduceat`."""

    def __init__(self, content: Content) -> None:
        self.pairs = sorted(phrasings(content))
        self.names = sorted({owner for owner, _ in self.pairs})
        first_row: dict[str, int] = {}
        for row, (owner, _) in enumerate(self.pairs):
            first_row.setdefault(owner, row)
        self.starts = np.array([first_row[name] for name in self.names], dtype=np.intp)
        self.offtopic = self.names.index(OFFTOPIC) if OFFTOPIC in first_row else -1

    def decide(self, scores: np.ndarray, threshold: float, n_candidates: int) -> Match:
        """The best entry, if it clears the threshold and beats the off-topic examples."""
        offtopic = 0.0
        if self.offtopic >= 0:
            offtopic = float(scores[self.offtopic])
            scores = scores.copy()
            scores[self.offtopic] = -1.0
        k = min(n_candidates, len(scores))
        if k == 0:
            return Match(None, 0.0, ())
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        candidates = tuple((self.names[i], round(float(scores[i]), 4)) for i in top if scores[i] > 0)
        best = float(scores[top[0]])
        answered = best >= threshold and best > offtopic
        return Match(self.names[top[0]] if answered else None, round(max(best, 0.0), 4), candidates)


class LexicalMatcher:
    """TF-IDF cosine between the question and every phrasing; an entry scores its best phrasing."""

    blocking = False  # cheap enough to run on the event loop

    def __init__(self, content: Content, threshold: float = 0.35) -> None:
        self.threshold = threshold
        self.owners = _Owners(content)
        docs = [Counter(tokens(text)) for _, text in self.owners.pairs]
        self._n_docs = len(docs)
        df: Counter[str] = Counter()
        for counts in docs:
            df.update(counts.keys())
        n = self._n_docs or 1
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._max_idf = max(self._idf.values(), default=1.0)
        rows: dict[str, list[int]] = defaultdict(list)
        weights: dict[str, list[float]] = defaultdict(list)
        for i, counts in enumerate(docs):
            vec = {t: (1 + math.log(c)) * self._idf[t] for t, c in counts.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            for t, v in vec.items():
                rows[t].append(i)
                weights[t].append(v / norm)
        self._postings = {t: (np.array(rows[t], dtype=np.intp), np.array(weights[t])) for t in rows}

    def score_array(self, question: str) -> np.ndarray:
        """Per owner (in `owners.names` order), the cosine with its best phrasing."""
        counts = Counter(tokens(question))
        # unknown words count towards the norm too: a question mostly about something else scores low
        vec = {t: (1 + math.log(c)) * self._idf.get(t, self._max_idf) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        hits = [(self._postings[t], v) for t, v in vec.items() if t in self._postings]
        if not norm or not hits:
            return np.zeros(len(self.owners.names))
        idx = np.concatenate([rows for (rows, _), _ in hits])
        w = np.concatenate([weights * v for (_, weights), v in hits])
        per_doc = np.bincount(idx, weights=w, minlength=self._n_docs)
        return np.maximum.reduceat(per_doc, self.owners.starts) / norm

    def match(self, question: str, n_candidates: int = 3) -> Match:
        return self.owners.decide(self.score_array(question), self.threshold, n_candidates)


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (one row per text). Wired in bot/; faked in tests."""

    name: str
    floor: float  # the cosine this model gives unrelated sentences; rescaled to a score of 0

    def embed(self, texts: Sequence[str]) -> Any:  # numpy array, shape (len(texts), dim)
        ...

    def embed_content(self, texts: Sequence[str]) -> Any:
        """Like `embed`, for content phrasings: may be cached between runs (questions never are)."""
        ...


class HybridMatcher:
    """Nearest phrasings by meaning, blended with the lexical score.

    score(entry) = (1 - w) * rescale(best cosine) + w * lexical, where rescale maps the model's cosine
    range [embedder.floor, 1] onto [0, 1] (e5 puts unrelated sentences near 0.75-0.85). The threshold
    and weight were set on the development questions (bench/faq_eval.py): the threshold sits mid-way
    between the highest-scoring out-of-scope question (0.27) and the lowest in-scope one (0.44).
    """

    blocking = True  # runs the model: call it off the event loop

    def __init__(
        self,
        content: Content,
        embedder: Embedder,
        lexical: LexicalMatcher | None = None,
        threshold: float = 0.36,
        lexical_weight: float = 0.2,
    ) -> None:
        self.threshold, self.lexical_weight, self.floor = threshold, lexical_weight, embedder.floor
        self.embedder = embedder
        self.lexical = lexical or LexicalMatcher(content)
        self.owners = self.lexical.owners
        texts = [text for _, text in self.owners.pairs]
        self._vectors = np.asarray(embedder.embed_content(texts), dtype=np.float32)

    def embedding_scores(self, question: str) -> np.ndarray:
        """Per owner, the cosine of the question with its nearest phrasing."""
        q = np.asarray(self.embedder.embed([question]), dtype=np.float32)[0]
        return np.maximum.reduceat(self._vectors @ q, self.owners.starts)

    def match(self, question: str, n_candidates: int = 3) -> Match:
        if not question.strip():
            return Match(None, 0.0, ())
        semantic = np.clip((self.embedding_scores(question) - self.floor) / (1.0 - self.floor), 0.0, 1.0)
        w = self.lexical_weight
        scores = (1 - w) * semantic + w * self.lexical.score_array(question)
        return self.owners.decide(scores, self.threshold, n_candidates)
