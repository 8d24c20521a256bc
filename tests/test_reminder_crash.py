"""Crash safety: a dispatching process is killed with SIGKILL mid-burst and started again. No reminder
is lost; only messages that were in flight at the kill can go out twice."""

from __future__ import annotations

import collections
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DATABASES, ROOT, bot_env, seed_due_reminders

pytestmark = pytest.mark.slow  # every test here runs `python -m bot` or several processes

N = 400
WORKER = Path(__file__).with_name("reminder_worker.py")


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_sigkill_mid_burst_loses_nothing(db_url, tmp_path):
    await seed_due_reminders(db_url, N, "fake", lambda i: f"chat{i}")
    out = tmp_path / "sent.txt"
    cmd = [sys.executable, str(WORKER), db_url, str(out)]
    first = subprocess.Popen(cmd, cwd=ROOT, env=bot_env())
    deadline = time.monotonic() + 60
    while len(lines(out)) < N // 4 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    at_kill = len(lines(out))
    assert 0 < at_kill < N, "the kill should land mid-burst"
    second = subprocess.run(cmd, cwd=ROOT, env=bot_env(), timeout=120, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    sent = collections.Counter(lines(out))
    assert set(sent) == {f"chat{i}" for i in range(N)}  # nothing lost
    repeated = sum(n - 1 for n in sent.values())
    print(f"killed after {at_kill} of {N} sent; repeated after restart: {repeated}")
    assert repeated <= 1  # at most the one message in flight at the kill
