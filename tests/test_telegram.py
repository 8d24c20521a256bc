"""The Telegram adapter with the real python-telegram-bot, against the fake Bot API in tests/."""

from __future__ import annotations

import logging

import pytest

from bot.adapters.base import ChatBlocked
from bot.adapters.telegram import TelegramAdapter
from bot.app import App
from handlers.markup import parse
from handlers.types import ChatRef, Reply
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram

ALICE, BOB, GROUP = 1001, 1002, -5001


@pytest.fixture
async def tg(tmp_path, clock, caplog):  # noqa: ANN001, ANN201
    caplog.set_level(logging.DEBUG)
    fake = FakeTelegram()
    url = await fake.start()
    adapter = TelegramAdapter(fake.token, base_url=url, poll_timeout=1)
    app = App(make_settings(tmp_path, bot_admins="telegram:1999"), [adapter], clock=clock)
    async with app:
        yield fake, app
    await fake.stop()
    assert not [r for r in caplog.records if fake.token in r.getMessage()], "the token reached the logs"


async def test_private_chat_start_menu_and_keyboard(tg):
    fake, _ = tg
    fake.user_says(ALICE, "/start")
    assert await fake.wait_for(lambda: len(fake.texts_to(ALICE)) >= 2)
    welcome = [s for s in fake.sent if s.chat_id == ALICE][0]
    assert "Study Buddy" in welcome.text
    assert welcome.reply_markup["inline_keyboard"][0][0]["callback_data"] == "step:roadmap"
    assert {"", "zh"} <= set(fake.commands) and any(c["command"] == "roadmap" for c in fake.commands[""])
    assert fake.refused == []


async def test_questions_in_both_languages_and_a_button_press(tg):
    fake, _ = tg
    fake.user_says(ALICE, "ml engineer salary")
    fake.user_says(BOB, "机器学习工程师工资多少", lang="zh")
    assert await fake.wait_for(lambda: fake.texts_to(ALICE) and fake.texts_to(BOB))
    assert "earn" in fake.texts_to(ALICE)[0]
    assert "工资" in fake.texts_to(BOB)[0] or "赚" in fake.texts_to(BOB)[0]
    query = fake.press(ALICE, "step:done:python-basics")
    assert await fake.wait_for(lambda: query in fake.answered and len(fake.texts_to(ALICE)) >= 2)
    assert "is done" in fake.texts_to(ALICE)[-1]


async def test_groups_answer_commands_mentions_and_replies_only(tg):
    fake, _ = tg
    fake.admins[GROUP] = {BOB}
    fake.user_says(ALICE, "anyone up for studying tonight?", chat_id=GROUP)
    fake.user_says(ALICE, "/help@OtherBot", chat_id=GROUP)
    fake.user_says(ALICE, "@StudyBuddyBot do I need a GPU laptop", chat_id=GROUP)
    assert await fake.wait_for(lambda: len(fake.texts_to(GROUP)) >= 1)
    fake.user_says(ALICE, "/help@StudyBuddyBot", chat_id=GROUP)
    fake.user_says(ALICE, "thanks", chat_id=GROUP, reply_to_bot=True)
    assert await fake.wait_for(lambda: len(fake.texts_to(GROUP)) >= 3)
    texts = fake.texts_to(GROUP)
    assert any("GPU" in t for t in texts) and any("/roadmap" in t for t in texts)
    assert not any("tonight" in t for t in texts)
    fake.user_says(ALICE, "/timezone Asia/Kolkata", chat_id=GROUP)  # a member
    fake.user_says(BOB, "/timezone Asia/Kolkata", chat_id=GROUP)  # an admin, checked with Telegram
    assert await fake.wait_for(lambda: len(fake.texts_to(GROUP)) >= 5)
    assert any("Only the group's admins" in t for t in fake.texts_to(GROUP))
    assert any("The group's time zone is now Asia/Kolkata" in t for t in fake.texts_to(GROUP))
    assert fake.calls["getChatMember"] >= 2


async def test_a_blocked_user_is_reported_as_blocked(tg):
    fake, app = tg
    fake.blocked.add(BOB)
    with pytest.raises(ChatBlocked):
        await app.send_to(ChatRef("telegram", str(BOB)), [Reply(parse("⏰ study"))])


async def test_a_burst_of_200_learners_gets_every_reply_without_429(tg):
    fake, _ = tg
    for i in range(200):
        fake.user_says(20_000 + i, "/progress")
    assert await fake.wait_for(lambda: len(fake.sent) >= 200, timeout=60)
    assert {s.chat_id for s in fake.sent} == {20_000 + i for i in range(200)}
    assert not [r for r in fake.refused if r.startswith("429")]


async def test_python_m_bot_runs_telegram_when_a_token_is_set_and_stops_on_sigterm(tmp_path):
    import asyncio
    import signal
    import sys

    from tests.conftest import bot_env

    fake = FakeTelegram()
    url = await fake.start()
    env = bot_env(TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=url, LOG_LEVEL="INFO")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert await fake.wait_for(lambda: fake.calls["getUpdates"] > 0, timeout=30)
        fake.user_says(ALICE, "/start")
        assert await fake.wait_for(lambda: len(fake.texts_to(ALICE)) >= 2, timeout=20)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        await fake.stop()
    assert proc.returncode == 0, err.decode()
    assert "Study Buddy" in fake.texts_to(ALICE)[0]
    assert fake.token not in (out + err).decode() and "TEST-TOKEN" not in (out + err).decode()
    assert "long polling" in err.decode()
