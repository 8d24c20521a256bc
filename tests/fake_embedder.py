"""A fake sentence-embedding model for tests: meaning = shared words."""

from __future__ import annotations

import hashlib

import numpy as np

from handlers.content.match import tokens


class FakeEmbedder:
    """Bag-of-tokens vectors (hashed into 256 dims): meaning = shared words. Counts its calls."""

    name = "fake"
    floor = 0.0  # unrelated texts share no words: cosine 0

    def __init__(self) -> None:
        self.calls = 0

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(256, dtype=np.float32)
        for t in tokens(text) or ["<empty>"]:
            v[int(hashlib.md5(t.encode()).hexdigest(), 16) % 256] += 1
        return v / np.linalg.norm(v)

    def embed(self, texts):  # noqa: ANN001, ANN201
        self.calls += 1
        return np.stack([self._vec(t) for t in texts])

    embed_content = embed
