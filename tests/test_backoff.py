"""The retry schedule: pauses that grow to a cap, spread a little, and stop at the deadline."""

from __future__ import annotations

import itertools

import pytest

import bot.backoff
from bot.backoff import Backoff


def test_pauses_double_up_to_the_cap_with_a_small_spread() -> None:
    pauses = list(itertools.islice(Backoff(first=0.5, cap=8.0, total=None, jitter=0.2).pauses(), 8))
    for got, nominal in zip(pauses, [0.5, 1, 2, 4, 8, 8, 8, 8], strict=True):
        assert nominal * 0.8 <= got <= nominal * 1.2


def test_no_pause_ends_after_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(bot.backoff.time, "monotonic", lambda: now[0])
    schedule = Backoff(first=0.5, cap=8.0, total=30.0, jitter=0.0)
    slept = []
    for pause in schedule.pauses():
        slept.append(pause)
        now[0] += pause + 0.1  # the pause, and the try after it
    assert slept == [0.5, 1, 2, 4, 8, 8] and now[0] <= 130.0  # one more 8 s pause would end past 30 s
