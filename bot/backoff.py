"""Exponential backoff with jitter and an overall deadline, for retrying what the network dropped.

    for pause in REPLY.pauses():   # ends when the next pause would pass the deadline
        try:
            return await call()
        except Transient:
            await asyncio.sleep(pause)
    return await call()            # the last try; its error is the caller's

Tests pass a faster schedule (e.g. `Backoff(first=0.01, cap=0.05, total=0.5)`) instead of waiting.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    first: float = 0.5  # seconds before the first retry
    factor: float = 2.0
    cap: float = 8.0  # no pause longer than this
    total: float | None = 30.0  # seconds from the first try after which nothing is retried; None: never
    jitter: float = 0.2  # each pause is spread by up to this fraction, so many waiters do not retry at once

    def deadline(self) -> float | None:
        """When retries stop, as a time.monotonic() value."""
        return None if self.total is None else time.monotonic() + self.total

    def pauses(self, deadline: float | None = None) -> Iterator[float]:
        """The pauses between tries; it ends when the next pause would end after `deadline` (by default
        `total` seconds from now)."""
        if deadline is None:
            deadline = self.deadline()
        pause = self.first
        while True:
            spread = pause * (1 + random.uniform(-self.jitter, self.jitter))
            if deadline is not None and time.monotonic() + spread > deadline:
                return
            yield spread
            pause = min(pause * self.factor, self.cap)
