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

import hashlib
import logging
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from handlers.content import Content
from handlers.core.i18n import EN_SMALL_WORDS

log = logging.getLogger(__name__)

OFFTOPIC = "_offtopic"  # the pseudo-entry that owns the off-topic questions
NOT_A_TUTOR = "_not_a_tutor"  # the pseudo-entry that owns the requests the bot is not for
DECLINED = {OFFTOPIC: "offtopic", NOT_A_TUTOR: "not-a-tutor"}  # pseudo-entry -> the kind of reply

_WORD = re.compile(r"[a-z0-9][a-z0-9+#.]*[a-z0-9+#]|[a-z0-9]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
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
    out = [_stem(w) for w in _WORD.findall(text) if w not in EN_SMALL_WORDS]
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
    """(owner, text) for every title and question of every entry, then every example of what to decline."""
    out = [(e.id, p) for e in content.faq for t in e.texts.values() for p in (t.title, *t.questions)]
    out += [(OFFTOPIC, q) for questions in content.offtopic.values() for q in questions]
    out += [(NOT_A_TUTOR, q) for questions in content.not_a_tutor.values() for q in questions]
    return out


@dataclass(frozen=True)
class Match:
    entry_id: str | None  # None: no FAQ answer (declined or unsure)
    score: float  # confidence in [0, 1] of the best entry
    candidates: tuple[tuple[str, float], ...]  # best FAQ entries first, for "did you mean"
    declined: str | None = None  # "offtopic" | "not-a-tutor": examples of what to decline won


class _Owners:
    """Phrasing rows grouped by owner (entry id, or a declined kind), so a max per owner is one `reduceat`."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.pairs = sorted(pairs)
        self.names = sorted({owner for owner, _ in self.pairs})
        first_row: dict[str, int] = {}
        for row, (owner, _) in enumerate(self.pairs):
            first_row.setdefault(owner, row)
        self.starts = np.array([first_row[name] for name in self.names], dtype=np.intp)
        self.declining = np.array([name in DECLINED for name in self.names], dtype=bool)
        self.labels = np.array([self.names.index(owner) for owner, _ in self.pairs], dtype=np.intp)

    def decide(self, scores: np.ndarray, threshold: float, n_candidates: int, margin: float = 0.0) -> Match:
        """The best entry, if it clears the threshold and beats the best example of what to decline by
        `margin`."""
        declined_best, declined_kind = 0.0, None
        if self.declining.any():
            d = np.where(self.declining, scores, -1.0)
            i = int(np.argmax(d))
            declined_best, declined_kind = float(d[i]), DECLINED[self.names[i]]
            scores = np.where(self.declining, -1.0, scores)
        k = min(n_candidates, int((~self.declining).sum()))
        if k == 0:
            return Match(None, 0.0, (), declined_kind)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        candidates = tuple((self.names[i], round(float(scores[i]), 4)) for i in top if scores[i] > 0)
        best = float(scores[top[0]])
        score = round(max(best, 0.0), 4)
        if declined_best > 0 and best <= declined_best + margin:
            return Match(None, score, candidates, declined_kind)
        if best < threshold:
            return Match(None, score, candidates)
        return Match(self.names[top[0]], score, candidates)


class LexicalMatcher:
    """TF-IDF cosine between the question and every phrasing; an entry scores its best phrasing."""

    blocking = False  # cheap enough to run on the event loop

    def __init__(
        self, content: Content | None = None, threshold: float = 0.35, pairs: Sequence[tuple[str, str]] = ()
    ) -> None:
        self.threshold = threshold
        self.owners = _Owners(phrasings(content) if content is not None else pairs)
        self.gate = DomainGate(self.owners.pairs)
        self.gate_offtopic, self.gate_tutor = GATE_OFFTOPIC, GATE_TUTOR
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
        if not norm or not hits or not self._n_docs:
            return np.zeros(len(self.owners.names))
        idx = np.concatenate([rows for (rows, _), _ in hits])
        w = np.concatenate([weights * v for (_, weights), v in hits])
        per_doc = np.bincount(idx, weights=w, minlength=self._n_docs)
        return np.maximum.reduceat(per_doc, self.owners.starts) / norm

    def match(self, question: str, n_candidates: int = 3) -> Match:
        m = self.owners.decide(self.score_array(question), self.threshold, n_candidates)
        if m.entry_id is not None:
            declined = self.gate.verdict(question, self.gate_offtopic, self.gate_tutor)
            if declined is not None:
                return Match(None, m.score, m.candidates, declined)
        return m

    def match_many(self, questions: Sequence[str], n_candidates: int = 3) -> list[Match]:
        return [self.match(q, n_candidates) for q in questions]


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (one row per text). Wired in bot/; faked in tests."""

    name: str
    floor: float  # the cosine this model gives unrelated sentences; rescaled to a score of 0

    def embed(self, texts: Sequence[str]) -> Any:  # numpy array, shape (len(texts), dim)
        ...

    def embed_content(self, texts: Sequence[str]) -> Any:
        """Like `embed`, for content phrasings: may be cached between runs (questions never are)."""
        ...


# A request for the bot to do the work (write, fix, solve, translate...), not a question about the path:
# "write a cover letter for an ML job" shares its words with the job-search topics but is not one.
_REQUEST = re.compile(
    r"^\s*(please |pls |plz |hey,? )?((can|could|would|will) you (please )?|i want you to |help me )?"
    r"(write|draft|rewrite|re-write|generate|compose|create|make|fix|debug|correct|solve|translate|"
    r"summari[sz]e|paraphrase|proofread|edit|improve|polish|code|implement|do my|"
    r"give me the (answers?|solutions?|code))\b"
    r"|^\s*(请|麻烦|求|能不能|可以)?(你)?(帮我|给我|替我|帮忙)"
    r"(写|改|做|生成|翻译|调试|修|解|算|推导|画|润色|优化|看看这段|看下这段|看一下这段|debug|检查)",
    re.IGNORECASE,
)


class DomainGate:
    """Is the question about our field at all? A naive Bayes over words (English stems, Chinese bigrams)
    with three classes: the FAQ phrasings, the off-topic examples and the not-a-tutor examples. Meaning
    (the embeddings) is good at a question's shape and poor at its field: "how do I prepare for a bank
    exam interview" is shaped like the interview topic. Words are the other way round. So an answer the
    meaning chose is declined when the question's words are `offtopic` (resp. `tutor`) log-likelihood
    units more likely under the off-topic (not-a-tutor) examples than under the FAQ phrasings (another
    field also needs one word that no FAQ phrasing has), or when it asks the bot to do the work (write,
    fix, solve...)."""

    def __init__(self, pairs: Sequence[tuple[str, str]], alpha: float = 0.5) -> None:
        groups: dict[int, Counter[str]] = {0: Counter(), 1: Counter(), 2: Counter()}
        for owner, text in pairs:
            groups[{OFFTOPIC: 1, NOT_A_TUTOR: 2}.get(owner, 0)].update(set(tokens(text)))
        vocab = set().union(*groups.values())
        size = len(vocab) or 1
        totals = [sum(groups[k].values()) + alpha * size for k in range(3)]
        self._loglik = {
            t: np.log(np.array([(groups[k][t] + alpha) / totals[k] for k in range(3)])) for t in vocab
        }
        self._empty = groups[1].total() == 0, groups[2].total() == 0
        self._in_faq = {t for t, n in groups[0].items() if n}

    def verdict(self, question: str, offtopic: float, tutor: float) -> str | None:
        """ "offtopic", "not-a-tutor", or None (about the field, as far as the words tell)."""
        if _REQUEST.search(unicodedata.normalize("NFKC", question)):
            return DECLINED[NOT_A_TUTOR]
        words = [t for t in set(tokens(question)) if t in self._loglik]
        if not words:
            return None
        ll = np.sum([self._loglik[t] for t in words], axis=0)
        # another field needs a word of its own: "salary?" alone is ours, "pilot salary" is not; a number
        # names no field ("my laptop is 9 years old": a 9 in an off-topic example is not a reason)
        foreign = any(t not in self._in_faq and not t.isdigit() for t in words)
        if not self._empty[0] and foreign and ll[1] - ll[0] > offtopic:
            return DECLINED[OFFTOPIC]
        if not self._empty[1] and ll[2] - ll[0] > tutor:
            return DECLINED[NOT_A_TUTOR]
        return None


# Chosen on the folds and eval/ (bench/faq_eval.py). The tutor gate at 1.5 declined polite questions about
# the path that used a request's words (kindly, explain); at 3.0 it refuses as many requests as before.
GATE_OFFTOPIC, GATE_TUTOR = 0.5, 3.0


@dataclass(frozen=True)
class Blend:
    """How the hybrid matcher weighs its signals, and when it answers (see HybridMatcher). Set on our own
    folds and the tune, report and C questions (bench/faq_eval.py); set D reports the scores."""

    nearest: float = 0.6  # the nearest phrasing's rescaled cosine
    probe: float = 1.0  # the probe's probability for the owner
    lexical: float = 0.0  # the TF-IDF cosine
    threshold: float = 0.3  # the best entry's score must reach this...
    # ...and beat the best example of what to decline by this much. 0.1 before the decline groups; with
    # them the probe itself declines more, and a margin of 0.1 on top cost in-scope answers.
    margin: float = 0.0
    l2: float = 1e-3  # the probe's regularisation
    # The probe's logits are cosines times this. At 20 the probe was sure (p = 1.00) of the wrong topic
    # on long or unusual questions whose nearest phrasing was plainly right ("MLOps worth learning?" ->
    # llms-genai; a story about a GitHub of tutorial notebooks -> not-a-tutor): a softer probe and more
    # weight on the nearest phrasing let the two disagree; the margin keeps declines where they were.
    temperature: float = 12.0
    gate_offtopic: float = GATE_OFFTOPIC  # DomainGate thresholds (log-likelihood units)
    gate_tutor: float = GATE_TUTOR
    probe_steps: int = 300  # gradient steps when the probe is trained (0: no probe)
    # Each kind of declined question is this many classes of the probe (see _probe_classes). On the folds
    # and sets tune, report, C, D and F: 4 groups declined 26 more off-topic questions for 3 fewer in-scope
    # answers; 8 declined as many but cost 18 more answers; 1 is the probe before the groups.
    decline_groups: int = 4


# Training costs phrasings x owners x dim per step: up to this many phrasings x owners (about 10x today's
# content, some seconds in the background), beyond it the probe is left out (log line) and the nearest
# phrasing decides alone.
PROBE_BUDGET = 400_000
NEAREST_AMONG = 8  # owners whose phrasings the question is compared with (the probe's likeliest)
NO_PROBE = Blend(nearest=0.8, probe=0.0, lexical=0.2, threshold=0.36, probe_steps=0)  # the pre-probe blend


def _probe(
    vectors: np.ndarray, labels: np.ndarray, n_owners: int, l2: float, temperature: float, steps: int
) -> np.ndarray:
    """A linear classifier over the embeddings, one class per owner: multinomial logistic regression by
    gradient descent with momentum (300 full-batch steps: one to two seconds for 3,500 phrasings, in the
    background thread that indexes the content). Classes are weighted equally whatever their number of
    phrasings. Returns (dim + 1) x owners weights, the last row a bias (all zero: no probe)."""
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    weights = np.zeros((dim + 1, n_owners), dtype=np.float32)
    if not len(vectors) or n_owners < 2 or steps <= 0:
        return weights
    if len(vectors) * n_owners > PROBE_BUDGET:
        log.warning(
            "FAQ probe left out: %d phrasings x %d owners is over its budget; the nearest phrasing decides",
            len(vectors), n_owners,
        )  # fmt: skip
        return weights
    x = np.hstack([vectors, np.ones((len(vectors), 1), dtype=np.float32)]).astype(np.float32)
    counts = np.bincount(labels, minlength=n_owners).astype(np.float32)
    w = (1.0 / np.maximum(counts, 1.0))[labels]
    w /= w.sum()
    target = np.zeros((len(vectors), n_owners), dtype=np.float32)
    target[np.arange(len(vectors)), labels] = 1.0
    velocity = np.zeros_like(weights)
    for _ in range(steps):
        p = _softmax(temperature * (x @ weights))
        grad = temperature * (x.T @ ((p - target) * w[:, None])) + l2 * weights
        velocity = 0.9 * velocity + grad
        weights -= 0.5 * velocity
    return weights


_PROBES: dict[str, np.ndarray] = {}  # the last few probes trained in this process, by their inputs
_PROBES_KEPT = 4


def _trained_probe(
    vectors: np.ndarray, labels: np.ndarray, n_owners: int, l2: float, temperature: float, steps: int
) -> np.ndarray:
    """`_probe`, trained once per inputs in a process: a reload of unchanged phrasings (or the matcher
    built again for the same content) reuses it. Learners' questions are never part of the key."""
    key = hashlib.sha1(
        vectors.tobytes()
        + labels.tobytes()
        + repr((vectors.shape, n_owners, l2, temperature, steps)).encode()
    ).hexdigest()
    if key not in _PROBES:
        _PROBES[key] = _probe(vectors, labels, n_owners, l2, temperature, steps)
        while len(_PROBES) > _PROBES_KEPT:
            _PROBES.pop(next(iter(_PROBES)))
    return _PROBES[key]


def _groups(vectors: np.ndarray, k: int, steps: int = 25) -> np.ndarray:
    """Each row's group among k, by spherical k-means over unit vectors. Deterministic: the first centre
    is the first row, each next one the row farthest from the centres so far."""
    centres = [0]
    nearest = vectors @ vectors[0]
    for _ in range(1, k):
        i = int(np.argmin(nearest))
        centres.append(i)
        nearest = np.maximum(nearest, vectors @ vectors[i])
    c = vectors[centres].copy()
    group = np.zeros(len(vectors), dtype=np.intp)
    for _ in range(steps):
        group = np.argmax(vectors @ c.T, axis=1)
        for j in range(k):
            total = vectors[group == j].sum(axis=0)
            norm = float(np.linalg.norm(total))
            if norm > 0:
                c[j] = total / norm
    return group


GROUP_MIN_ROWS = 8  # a decline group has about this many examples at least


def _probe_classes(vectors: np.ndarray, owners: _Owners, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """The probe's classes: one per owner, except that each kind of declined question is split into up to
    `groups` groups of nearby examples. Off-topic examples span every other field and chit-chat; as one
    linear class (weighted as one topic) they lost to the topic a question's shape names: "how do I
    prepare for a bank interview" went to interview prep at 0.94. A class per group fits each field.
    Returns each row's class, and the classes x owners 0/1 matrix that adds the groups' probabilities
    back into their owner's."""
    labels = owners.labels.copy()
    owner_of = list(range(len(owners.names)))  # class c belongs to owner owner_of[c]
    for o in np.flatnonzero(owners.declining) if groups > 1 else ():
        rows = np.flatnonzero(owners.labels == o)
        k = min(groups, len(rows) // GROUP_MIN_ROWS)
        if k < 2:
            continue
        group = _groups(vectors[rows], k)
        for j in range(1, k):  # group 0 keeps the owner's own class
            labels[rows[group == j]] = len(owner_of)
            owner_of.append(int(o))
    return labels, np.eye(len(owners.names), dtype=np.float32)[owner_of]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class HybridMatcher:
    """Signals over the phrasings, per owner (each FAQ entry and each kind of declined question):

    - probe: a linear classifier over the embeddings, trained on every phrasing at index time
      (`_probe`): it weighs all of an owner's phrasings, not only the nearest, and learns which directions
      of the embedding space mean "a homework request" or "another field";
    - nearest: the question's cosine with the owner's nearest phrasing, rescaled from the model's range
      [embedder.floor, 1] onto [0, 1] (e5 puts unrelated sentences near 0.75-0.85);
    - lexical: the TF-IDF cosine of LexicalMatcher (weight 0 by default: the gate uses words instead).

    The best owner wins: an example of what to decline means the question is declined with that kind of
    reply; an FAQ entry answers if its score reaches the threshold and the DomainGate does not find the
    question's words to be about another field or a request to do the work.
    """

    blocking = True  # runs the model: call it off the event loop

    def __init__(
        self,
        content: Content | None,
        embedder: Embedder,
        lexical: LexicalMatcher | None = None,
        blend: Blend | None = None,
        pairs: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.blend = b = blend or Blend()
        self.floor = embedder.floor
        self.embedder = embedder
        self.lexical = lexical or LexicalMatcher(content, pairs=pairs)
        self.owners = self.lexical.owners
        self.gate = self.lexical.gate
        texts = [text for _, text in self.owners.pairs]
        self._vectors = np.asarray(embedder.embed_content(texts), dtype=np.float32)
        if not len(texts):
            self._vectors = self._vectors.reshape(0, 0)
        labels, self._columns = _probe_classes(self._vectors, self.owners, b.decline_groups)
        self._weights = _trained_probe(
            self._vectors, labels, self._columns.shape[0], b.l2, b.temperature, b.probe_steps
        )
        self.has_probe = bool(self._weights.any())
        self._bounds = np.append(self.owners.starts, len(self.owners.pairs))  # owner o: rows [o], [o + 1]

    def signals(self, questions: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(nearest, probe, lexical) per owner for each question: one model call for all of them."""
        if not len(self.owners.pairs):
            zero = np.zeros(0)
            return [(zero, zero, zero) for _ in questions]
        q = np.asarray(self.embedder.embed(list(questions)), dtype=np.float32)
        n_owners = len(self.owners.names)
        if self.has_probe:
            logits = self.blend.temperature * (q @ self._weights[:-1] + self._weights[-1])
            probe = _softmax(logits) @ self._columns  # a decline group's probability is its owner's
            nearest = np.stack([self._nearest_among(q[i], probe[i]) for i in range(len(questions))])
        else:
            probe = np.zeros((len(questions), n_owners), dtype=np.float32)
            nearest = np.maximum.reduceat(q @ self._vectors.T, self.owners.starts, axis=1)
        nearest = np.clip((nearest - self.floor) / (1.0 - self.floor), 0.0, 1.0)
        words = self.blend.lexical or not self.has_probe
        return [
            (nearest[i], probe[i], self.lexical.score_array(question) if words else np.zeros(n_owners))
            for i, question in enumerate(questions)
        ]

    def _nearest_among(self, q: np.ndarray, probe: np.ndarray) -> np.ndarray:
        """The nearest phrasing's cosine for the probe's likeliest owners and every kind of declined
        question (the others keep the model's floor: they cannot win). At 100x content this compares the
        question with a few thousand phrasings instead of a quarter of a million."""
        k = min(NEAREST_AMONG, len(probe))
        chosen = np.union1d(np.argpartition(-probe, k - 1)[:k], np.flatnonzero(self.owners.declining))
        rows = np.concatenate([np.arange(self._bounds[o], self._bounds[o + 1]) for o in chosen])
        out = np.full(len(probe), self.floor, dtype=np.float32)
        cos = self._vectors[rows] @ q
        starts = np.concatenate([[0], np.cumsum(self._bounds[chosen + 1] - self._bounds[chosen])[:-1]])
        out[chosen] = np.maximum.reduceat(cos, starts)
        return out

    def combine(self, nearest: np.ndarray, probe: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        b = self.blend
        if not self.has_probe:  # content too large for the probe: meaning and words, as before it
            return NO_PROBE.nearest * nearest + NO_PROBE.lexical * lexical
        return b.nearest * nearest + b.probe * probe + b.lexical * lexical

    def decide(
        self, question: str, signals: tuple[np.ndarray, np.ndarray, np.ndarray], n_candidates: int = 3
    ) -> Match:
        b = self.blend
        m = self.owners.decide(self.combine(*signals), b.threshold, n_candidates, b.margin)
        if m.entry_id is not None:
            declined = self.gate.verdict(question, b.gate_offtopic, b.gate_tutor)
            if declined is not None:
                return Match(None, m.score, m.candidates, declined)
        return m

    def match(self, question: str, n_candidates: int = 3) -> Match:
        return self.match_many([question], n_candidates)[0]

    def match_many(self, questions: Sequence[str], n_candidates: int = 3) -> list[Match]:
        """One model call for all the questions (they arrived together); the same decisions as `match`."""
        asked = [q for q in questions if q.strip()]
        found = iter(self.signals(asked)) if asked else iter(())
        return [
            self.decide(q, next(found), n_candidates) if q.strip() else Match(None, 0.0, ())
            for q in questions
        ]
