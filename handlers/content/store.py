"""The content being served now, with its FAQ matcher, swapped whole on a good reload only.

With an embedder, the lexical matcher serves at once and the hybrid matcher replaces it as soon as
the content's phrasings are embedded (a background thread; seconds on a cold cache, milliseconds on a
warm one). A reload does the same, so the bot never waits for the model.

A reload reads and parses the files in a worker thread: until it succeeds, every event is answered
from the content it had, and one reload runs at a time.

Matching a question (`match`) is cheap for the lexical matcher (on the event loop) and takes tens of
milliseconds of model time for the hybrid one, so that runs in the store's model threads, one call per
engine of the embedder at a time (`workers`: the embedder's `engines`, one per core). Questions that
arrive while every engine is busy, or within `batch_window` of a question that found one idle, go to
the model together in one `match_many` call (one forward pass for all; each caller gets its own
Match); what waits is shared evenly between the engines that are free. Answers are kept in a small
in-memory cache for the matcher that gave them (so it is dropped on a reload and when the model takes
over); questions are never written anywhere.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import unicodedata
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from handlers.content import Content, Problem, load_content
from handlers.content.match import Embedder, HybridMatcher, LexicalMatcher, Match

log = logging.getLogger(__name__)


class ContentError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Reloaded:
    """What a reload did: refused with problems, or applied, removing these topics and steps (if any)."""

    problems: list[Problem]
    dropped_topics: tuple[str, ...] = ()
    dropped_steps: tuple[str, ...] = ()

    @property
    def applied(self) -> bool:
        return not self.problems


def _prepare(root: Path) -> tuple[Content | None, LexicalMatcher | None, list[Problem]]:
    """The slow part of a (re)load: read, parse, check and index. Runs in a worker thread on reload."""
    content, problems = load_content(root)
    return content, (LexicalMatcher(content) if content is not None else None), problems


def normalise(question: str) -> str:
    """The form a question is matched and cached under: NFKC, runs of whitespace made one space. The
    lexical matcher reads a question the same either way; the model sees the tidied text (a double
    space or a tab moves e5's vector by a cosine of about 0.01: noise, not meaning)."""
    return " ".join(unicodedata.normalize("NFKC", question).split())


def _dropped(before: dict[str, object], after: dict[str, object]) -> tuple[str, ...]:
    return tuple(key for key in before if key not in after)


class ContentStore:
    cache_size = 1000  # answers kept per matcher (normalised question -> Match); 0 turns the cache off
    batch_window = 0.002  # seconds a question that finds the model idle waits for others to join it
    max_batch = 32  # questions per model call at most

    def __init__(self, root: str | Path, embedder: Embedder | None = None) -> None:
        self.root = Path(root)
        self.embedder = embedder
        self._hybrid_ready = threading.Event()
        self._reloading = asyncio.Lock()
        self._cache: OrderedDict[str, Match] = OrderedDict()
        self._cache_of: object = None  # the (content, matcher) pair whose answers _cache holds
        self._pending: list[tuple[tuple, str, asyncio.Future[Match]]] = []  # (pair, question, answer)
        self._runner: asyncio.Task | None = None
        self._runner_loop: asyncio.AbstractEventLoop | None = None
        self._in_model: list[list[tuple[str, asyncio.Future[Match]]]] = []  # the calls being made
        self._model_thread: ThreadPoolExecutor | None = None
        self.workers = max(1, int(getattr(embedder, "engines", 1))) if embedder is not None else 1
        self.model_calls = 0  # match_many calls that went to the model, for tests and benchmarks...
        self.model_questions = 0  # ...and the questions they carried
        content, lexical, problems = _prepare(self.root)
        if content is None:
            raise ContentError(problems)
        self._set(content, lexical)

    def _set(self, content: Content, lexical: LexicalMatcher) -> None:
        # one assignment of a tuple: a reader sees the old pair or the new pair, never a mix
        self._current = (content, lexical)
        if self.embedder is None:
            return
        self._hybrid_ready.clear()
        threading.Thread(
            target=self._build_hybrid, args=(content, lexical), name="faq-embed", daemon=True
        ).start()

    def _build_hybrid(self, content: Content, lexical: LexicalMatcher) -> None:
        try:
            hybrid = HybridMatcher(content, self.embedder, lexical)
        except Exception:
            log.exception("the FAQ model could not index the content; answering with the lexical matcher")
            return
        if self._current[0] is content:  # a newer reload wins
            self._current = (content, hybrid)
            self._hybrid_ready.set()
            log.info("FAQ model ready (%s)", self.embedder.name)

    @property
    def content(self) -> Content:
        return self._current[0]

    @property
    def matcher(self) -> LexicalMatcher | HybridMatcher:
        return self._current[1]

    def wait_for_model(self, timeout: float | None = None) -> bool:
        """For tools that want the best matcher before they start (CLI `ask`, benchmarks)."""
        return self.embedder is not None and self._hybrid_ready.wait(timeout)

    def cached(self, question: str) -> Match | None:
        """The answer to this question if it is at hand without matching (the cache of the current
        content and matcher)."""
        if self._cache_of is not self._current or not self.cache_size:
            return None
        key = normalise(question)
        found = self._cache.get(key)
        if found is not None:
            self._cache.move_to_end(key)
        return found

    def will_block(self, question: str) -> bool:
        """Would matching this question wait for the model (not cached, and the model's matcher)?"""
        return self.matcher.blocking and self.cached(question) is None

    def _remember(self, current: tuple, key: str, found: Match) -> None:
        if not self.cache_size or current is not self._current:  # a reload or the model came meanwhile
            return
        if self._cache_of is not current:
            self._cache, self._cache_of = OrderedDict(), current
        self._cache[key] = found
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    async def match(self, question: str) -> Match:
        found = self.cached(question)
        if found is not None:
            return found
        current, key = self._current, normalise(question)
        matcher = current[1]
        if not matcher.blocking:
            found = matcher.match(key)
            self._remember(current, key, found)
            return found
        loop = asyncio.get_running_loop()
        if self._runner_loop is not loop:  # first use, or a new event loop (tests, benchmarks)
            self._pending, self._runner, self._runner_loop = [], None, loop
        future: asyncio.Future[Match] = loop.create_future()
        self._pending.append((current, key, future))
        if self._runner is None:
            self._runner = loop.create_task(self._run_model(), name="faq-model")
        return await future

    async def _run_model(self) -> None:
        """Feed the model from the queue until it is empty: at most `workers` calls at a time, each
        with its share of the questions that wait by then. A question that finds the model idle waits
        `batch_window` for company first (unless company is there already)."""
        loop = asyncio.get_running_loop()
        if self._model_thread is None:
            # the embedder may lower these threads' priority below the event loop's (bot.embedder)
            started = getattr(self.embedder, "enter_model_thread", None)
            self._model_thread = ThreadPoolExecutor(
                self.workers, thread_name_prefix="faq-model", initializer=started
            )
        running: set[asyncio.Task] = set()
        try:
            await asyncio.sleep(0)  # the events already ready to run reach their match first
            if len(self._pending) == 1 and self.batch_window > 0:
                await asyncio.sleep(self.batch_window)
            while self._pending or running:
                idle = self.workers - len(running)
                if self._pending and idle > 0:  # an even share for each free engine
                    running.add(
                        loop.create_task(self._call_batch(loop, self._share(idle)), name="faq-model-call")
                    )
                    continue
                _, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._runner = None
            for task in running:  # only if this task was cancelled (loop closing)
                task.cancel()
            if self._runner_loop is loop:
                left = [f for _, _, f in self._pending] + [f for call in self._in_model for _, f in call]
                for future in left:
                    if not future.done():
                        future.cancel()
                self._in_model = []

    def _share(self, engines: int) -> list:
        """Take the first of `engines` even shares of the waiting questions (by text: the same question
        asked twice goes in one call, matched once)."""
        texts = list(dict.fromkeys(key for _, key, _ in self._pending))
        chosen = set(texts[: min(self.max_batch, -(-len(texts) // engines))])
        batch = [waiting for waiting in self._pending if waiting[1] in chosen]
        self._pending = [waiting for waiting in self._pending if waiting[1] not in chosen]
        return batch

    async def _call_batch(self, loop: asyncio.AbstractEventLoop, batch: list) -> None:
        groups: dict[int, tuple[tuple, list]] = {}
        for current, key, future in batch:  # a reload may have swapped the matcher in between
            groups.setdefault(id(current), (current, []))[1].append((key, future))
        for current, waiting in groups.values():
            await self._call_model(loop, current, waiting)

    async def _call_model(self, loop: asyncio.AbstractEventLoop, current: tuple, waiting: list) -> None:
        keys = list(dict.fromkeys(key for key, future in waiting if not future.done()))
        if not keys:
            return
        self.model_calls += 1
        self.model_questions += len(keys)
        self._in_model.append(waiting)
        try:
            found = await loop.run_in_executor(self._model_thread, current[1].match_many, keys)
        except Exception as exc:  # every question of the batch gets the error (its event says sorry)
            for _, future in waiting:
                if not future.done():
                    future.set_exception(exc)
            return
        finally:
            self._in_model = [w for w in self._in_model if w is not waiting]
        answers = dict(zip(keys, found, strict=True))
        for key, answer in answers.items():
            self._remember(current, key, answer)
        for key, future in waiting:
            if not future.done():
                future.set_result(answers[key])

    def close(self) -> None:
        """Let the model's thread go (the app is shutting down); a later match starts another."""
        if self._model_thread is not None:
            self._model_thread.shutdown(wait=False, cancel_futures=True)
            self._model_thread = None

    async def reload(self) -> Reloaded:
        """Load the files again, off the event loop; keep serving the last good content if they have
        problems. Topics and roadmap steps that the new content no longer has are named in the result."""
        async with self._reloading:
            content, lexical, problems = await asyncio.to_thread(_prepare, self.root)
            if content is None or lexical is None:
                return Reloaded(problems)
            before = self.content
            self._set(content, lexical)
        return Reloaded(
            [],
            _dropped(before.faq_by_id, content.faq_by_id),
            _dropped(before.step_by_id, content.step_by_id),
        )
