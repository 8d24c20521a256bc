"""FAQ quality and latency. Prints figures; asserts nothing.

    .venv/bin/python bench/faq_eval.py [--dev ../shared/eval/faq-dev.jsonl] [--show-misses]

For each matcher (lexical; hybrid = embedding model + lexical, when the model is installed):
top-1 accuracy on in-scope English and Chinese questions, out-of-scope questions refused, answer
language equal to the question's; then match latency p50/p99 at the real content size and at 100x
(synthetic entries: each real entry copied 99 times with altered phrasings).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.embedder import load_embedder  # noqa: E402
from bot.settings import REPO_CONTENT, load_settings  # noqa: E402
from handlers.content import Content, FaqText, load_content  # noqa: E402
from handlers.faq import understand, understood_reply  # noqa: E402
from handlers.faq_match import HybridMatcher, LexicalMatcher  # noqa: E402
from handlers.markup import to_plain  # noqa: E402

HAN = re.compile(r"[\u4e00-\u9fff]")
FILLERS = ["really", "exactly", "honestly", "basically", "actually", "please", "now", "today", "ok"]


def evaluate(matcher, content: Content, rows: list[dict], show: bool) -> dict[str, tuple[int, int]]:  # noqa: ANN001
    tally = {"en": [0, 0], "zh": [0, 0], "oos": [0, 0], "lang": [0, 0]}
    for r in rows:
        u = understand(r["q"], matcher)
        reply = to_plain(understood_reply(content, u).body)
        reply_lang = "zh" if HAN.search(reply) else "en"
        tally["lang"][0] += reply_lang == r["lang"]
        tally["lang"][1] += 1
        key = "oos" if r["id"] is None else r["lang"]
        tally[key][0] += u.entry_id == r["id"]
        tally[key][1] += 1
        if show and u.entry_id != r["id"]:
            print(f"    miss: {r['q']!r} want {r['id']} got {u.entry_id} ({u.score:.2f})")
    return {k: (a, b) for k, (a, b) in tally.items()}


def latency(matcher, questions: list[str], runs: int = 400) -> tuple[float, float]:  # noqa: ANN001
    times = []
    for i in range(runs):
        q = questions[i % len(questions)]
        started = time.perf_counter()
        matcher.match(q)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def scaled(content: Content, factor: int, seed: int = 7) -> Content:
    """`factor` x the entries: copies with new ids and altered phrasings (a filler word inserted)."""
    rnd = random.Random(seed)
    entries = list(content.faq)
    for n in range(1, factor):
        for e in content.faq:
            texts = {
                lang: FaqText(
                    f"{t.title} ({n})",
                    tuple(f"{q} {rnd.choice(FILLERS)} {n}" for q in t.questions),
                    t.answer,
                )
                for lang, t in e.texts.items()
            }
            entries.append(replace(e, id=f"{e.id}-{n}", texts=texts))
    return replace(content, faq=tuple(entries))


class ScaledEmbedder:
    """The real model for questions; for the synthetic copies of content phrasings, the original's
    vector plus a little noise (embedding 80,000 synthetic phrasings would take an hour and measure
    nothing new: latency depends on the index size, not on what the rows say)."""

    def __init__(self, real, originals: dict[str, object]) -> None:  # noqa: ANN001
        import numpy as np

        self.real, self.originals, self.name, self.floor = real, originals, real.name + "-scaled", real.floor
        self._np, self._rng = np, np.random.default_rng(7)

    def embed(self, texts):  # noqa: ANN001, ANN201
        return self.real.embed(texts)

    def embed_content(self, texts):  # noqa: ANN001, ANN201
        np = self._np
        rows = []
        for t in texts:
            base = self.originals.get(re.sub(r"( \(\d+\)| \w+ \d+)$", "", t))
            if base is None:
                base = self._rng.normal(size=384)
            v = np.asarray(base, dtype=np.float32) + self._rng.normal(scale=0.02, size=384).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dev", default=str(ROOT.parent / "shared" / "eval" / "faq-dev.jsonl"))
    p.add_argument("--show-misses", action="store_true")
    args = p.parse_args()
    rows = [
        json.loads(line) for line in Path(args.dev).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    content, problems = load_content(REPO_CONTENT)
    assert content is not None, problems
    settings = load_settings(_env_file=None)
    questions = [r["q"] for r in rows]

    started = time.perf_counter()
    embedder = load_embedder("auto", settings.cache_dir)
    model_load = time.perf_counter() - started
    matchers = [("lexical", LexicalMatcher(content))]
    if embedder is not None:
        started = time.perf_counter()
        matchers.append(("hybrid", HybridMatcher(content, embedder)))
        index_time = time.perf_counter() - started
    n_phr = sum(len(t.questions) + 1 for e in content.faq for t in e.texts.values())
    print(
        f"FAQ evaluation on {Path(args.dev).name}: {len(rows)} questions; content: {len(content.faq)} "
        f"entries, {n_phr} phrasings, {sum(map(len, content.offtopic.values()))} off-topic examples"
    )
    if embedder is None:
        print("  model: not installed, hybrid path skipped")
    else:
        print(
            f"  model: {embedder.name}, loaded in {model_load:.2f} s; content indexed in {index_time:.2f} s "
            "(cached phrasing vectors after the first run)"
        )
    for name, matcher in matchers:
        t = evaluate(matcher, content, rows, args.show_misses)
        fig = {k: f"{a}/{b} = {100 * a / b:.1f}%" for k, (a, b) in t.items() if b}
        print(
            f"  {name:8s} top-1 en {fig['en']}, top-1 zh {fig['zh']}, out-of-scope refused {fig['oos']}, "
            f"answer in the question's language {fig['lang']}"
        )

    big = scaled(content, 100)
    for name, matcher in matchers:
        p50, p99 = latency(matcher, questions)
        if name == "lexical":
            big_matcher = LexicalMatcher(big)
        else:
            originals = dict(
                zip(
                    [q for e in content.faq for t in e.texts.values() for q in (t.title, *t.questions)],
                    embedder.embed_content(
                        [q for e in content.faq for t in e.texts.values() for q in (t.title, *t.questions)]
                    ),
                    strict=True,
                )
            )
            big_matcher = HybridMatcher(big, ScaledEmbedder(embedder, originals))
        b50, b99 = latency(big_matcher, questions)
        print(
            f"  {name:8s} latency per question: p50 {p50:.2f} ms, p99 {p99:.2f} ms at {len(content.faq)} "
            f"entries; p50 {b50:.2f} ms, p99 {b99:.2f} ms at {len(big.faq)} entries (100x)"
        )


if __name__ == "__main__":
    main()
