"""Whole bot processes (`python -m bot`) on a fake Telegram: a clean stop on SIGTERM in the middle of a
burst of reminders, and three processes sharing one PostgreSQL. Each reminder goes to its own chat, so
the fake's count of messages per chat is the count of deliveries."""

from __future__ import annotations

import asyncio
import collections
import signal
import sys

import pytest

from tests.conftest import DATABASES, bot_env, seed_due_reminders
from tests.fake_telegram import FakeTelegram
from tests.pg import free_port

pytestmark = pytest.mark.slow  # every test here runs `python -m bot` or several processes

FIRST_CHAT = 300_000


def _per_chat(fake: FakeTelegram) -> collections.Counter:
    return collections.Counter(s.chat_id for s in fake.sent if s.chat_id >= FIRST_CHAT)


async def _start(fake: FakeTelegram, url: str, db_url: str, cwd, **env: str):  # noqa: ANN001, ANN202
    environment = bot_env(
        TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=url, DATABASE_URL=db_url, LOG_LEVEL="INFO", **env
    )
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=environment, stderr=asyncio.subprocess.PIPE
    )


async def _stop(proc) -> str:  # noqa: ANN001
    proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()[-3000:]
    return err.decode()


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_sigterm_mid_burst_loses_nothing_and_repeats_nothing(db_url, tmp_path):
    n = 120
    await seed_due_reminders(db_url, n, "telegram", lambda i: str(FIRST_CHAT + i))
    fake = FakeTelegram()
    url = await fake.start()
    try:
        first = await _start(fake, url, db_url, tmp_path)
        assert await fake.wait_for(lambda: len(_per_chat(fake)) >= n // 4, timeout=60)
        logs = await _stop(first)
        at_stop = len(_per_chat(fake))
        assert at_stop < n, "the stop should land mid-burst"
        second = await _start(fake, url, db_url, tmp_path)
        assert await fake.wait_for(lambda: len(_per_chat(fake)) == n, timeout=60)
        await _stop(second)
    finally:
        await fake.stop()
    sent = _per_chat(fake)
    print(
        f"SIGTERM after {at_stop} of {n}; after restart: {len(sent)} chats, max per chat {max(sent.values())}"
    )
    assert set(sent) == {FIRST_CHAT + i for i in range(n)}  # nothing lost
    assert max(sent.values()) == 1  # nothing twice: in-flight sends finished, the rest handed back
    assert "sending again" not in logs  # nothing was left 'in flight' for the next start to guess about


@pytest.mark.parametrize("db_url", DATABASES[1:], indirect=True)
async def test_three_webhook_workers_on_one_postgresql_deliver_each_reminder_once(db_url, tmp_path):
    n = 150
    await seed_due_reminders(db_url, n, "telegram", lambda i: str(FIRST_CHAT + i))
    fake = FakeTelegram()
    url = await fake.start()
    workers = []
    try:
        for k in range(3):
            port = free_port()
            home = tmp_path / f"worker{k}"
            home.mkdir()
            workers.append(
                await _start(
                    fake,
                    url,
                    db_url,
                    home,
                    TELEGRAM_WEBHOOK_URL=f"https://bot.example.org/tg{k}",
                    TELEGRAM_WEBHOOK_SECRET="s3cret-for-tests",
                    TELEGRAM_WEBHOOK_PORT=str(port),
                    SEND_RATE="9",  # Telegram's ~30/s for the bot, shared by three processes
                )
            )
        assert await fake.wait_for(lambda: len(_per_chat(fake)) == n, timeout=90)
        await asyncio.sleep(1.0)  # any duplicate would go out now
    finally:
        for w in workers:
            await _stop(w)
        await fake.stop()
    sent = _per_chat(fake)
    assert set(sent) == {FIRST_CHAT + i for i in range(n)} and max(sent.values()) == 1
    assert not [r for r in fake.refused if r.startswith("429")]  # the shared budget was kept
