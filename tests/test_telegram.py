"""The Telegram adapter with the real python-telegram-bot, against the fake Bot API in tests/.

Each test drives a conversation as Telegram updates (a user typing, a user pressing a button) and reads
what the bot posted, the way Telegram would show it.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import signal
import time
from datetime import UTC, datetime

import aiohttp
import pytest
from sqlalchemy import select

from bot.adapters.base import ChatBlocked
from bot.adapters.telegram import TelegramAdapter, WebhookConfig
from bot.adapters.telegram_rate import SendLimits
from bot.app import App
from bot.backoff import Backoff
from db.models import Reminder, StudyLog
from handlers.core.markup import parse
from handlers.core.types import Button, ChatRef, Reply
from tests.conftest import LogLines, make_settings
from tests.fake_telegram import FakeTelegram
from tests.pg import free_port

# Through the real client library against the fake platform server: `make test` runs these, the fast
# lane leaves them out (pyproject.toml markers).
pytestmark = pytest.mark.platform

ALICE, BOB, CAROL, GROUP = 1001, 1002, 1003, -5001
BOT_ADMIN = 1999


@contextlib.asynccontextmanager
async def running(tmp_path, clock, caplog, fake=None, db_url=None, **adapter_options):  # noqa: ANN001, ANN201
    """The bot on Telegram (the fake), with the checks every conversation must pass on the way out:
    every callback query answered, nothing refused for bad HTML or length, and the token in no log line
    at INFO or above (python-telegram-bot names its URL, token included, at DEBUG: bot/logs.py masks
    it in what is written, see the `python -m bot` test at the end)."""
    caplog.set_level(logging.DEBUG)
    lines = LogLines()
    logging.getLogger().addHandler(lines)
    if fake is None:  # a conversation: roomy limits, as the pacing has its own tests below
        fake = FakeTelegram(**ROOMY_FAKE)
        adapter_options.setdefault("limits", ROOMY_LIMITS)
    url = await fake.start()
    adapter = TelegramAdapter(fake.token, base_url=url, poll_timeout=1, **adapter_options)
    db = {"database_url": db_url} if db_url else {}
    app = App(make_settings(tmp_path, bot_admins=f"telegram:{BOT_ADMIN}", **db), [adapter], clock=clock)
    try:
        async with app:
            yield fake, app
    finally:
        await fake.stop()
        logging.getLogger().removeHandler(lines)
    assert fake.unanswered() == [], "a callback query was never answered"
    assert not [r for r in fake.refused if r.startswith("400")], fake.refused
    assert any("Telegram: @StudyBuddyBot" in line for _, line in lines.lines)
    leaks = [line for level, line in lines.lines if level >= logging.INFO and "TEST-TOKEN" in line]
    assert not leaks, "the token reached the logs"


# A conversation's pace: the adapter sends a burst of 30, then 60 a second, under a fake that allows a
# burst of 60 and 60 a second (Telegram's real limits, with their own tests, would make each test wait)
ROOMY_FAKE = {"chat_limit": (60, 60.0), "group_limit": (60, 60.0)}
ROOMY_LIMITS = SendLimits(chat_burst=30, chat_period=0.5, group=30, group_period=0.5)


@pytest.fixture
async def tg(tmp_path, clock, caplog):  # noqa: ANN001, ANN201
    async with running(tmp_path, clock, caplog) as (fake, app):
        yield fake, app


async def test_start_shows_the_menu_and_registers_commands_in_both_languages(tg):
    fake, _ = tg
    fake.user_says(ALICE, "/start")
    assert await fake.wait_for(lambda: len(fake.texts_to(ALICE)) >= 2)
    welcome = [s for s in fake.sent if s.chat_id == ALICE][0]
    assert "Study Buddy" in welcome.text
    assert welcome.reply_markup["inline_keyboard"][0][0]["callback_data"] == "step:roadmap"
    assert {"", "zh"} <= set(fake.commands) and any(c["command"] == "roadmap" for c in fake.commands[""])
    assert fake.commands["zh"] != fake.commands[""]  # the Chinese menu is in Chinese
    assert fake.refused == []


async def test_a_start_link_opens_the_step_it_names(tg):
    fake, _ = tg
    fake.user_says(CAROL, "/start step-3")
    assert await fake.wait_for(lambda: len(fake.texts_to(CAROL)) >= 2)
    step = fake.sent[-1]
    assert step.text.startswith("3. ") and any(d.startswith("step:done:") for d in step.callback_data())


async def test_roadmap_buttons_browse_in_place_and_every_press_is_answered_first(tg):
    fake, _ = tg
    fake.user_says(ALICE, "/roadmap")
    assert await fake.wait_for(lambda: fake.texts_to(ALICE))
    roadmap = fake.sent[-1]
    assert "Your roadmap" in roadmap.text
    (open_step,) = roadmap.callback_data()
    query = fake.press(ALICE, open_step)
    assert await fake.wait_for(lambda: roadmap.edits == 1)
    assert query in fake.answered
    assert fake.order.index("answerCallbackQuery") < fake.order.index("editMessageText")
    assert roadmap.text.startswith("1. ") and len(fake.texts_to(ALICE)) == 1  # edited, not posted
    done = next(d for d in roadmap.callback_data() if d.startswith("step:done:"))
    fake.press(ALICE, done)
    assert await fake.wait_for(lambda: roadmap.edits == 2)
    assert "done" in roadmap.text and "1/12" in roadmap.text
    fake.press(ALICE, roadmap.callback_data()[0])  # "Open step 2"
    assert await fake.wait_for(lambda: roadmap.edits == 3)
    assert roadmap.text.startswith("2. ")
    assert len(fake.answered) == 3 and len(fake.texts_to(ALICE)) == 1


async def test_questions_in_both_languages_and_faq_buttons(tg):
    fake, _ = tg
    fake.user_says(ALICE, "ml engineer salary")
    fake.user_says(BOB, "机器学习工程师工资多少", lang="zh")
    assert await fake.wait_for(lambda: fake.texts_to(ALICE) and fake.texts_to(BOB))
    assert "earn" in fake.texts_to(ALICE)[0]
    assert "机器学习工程师能赚多少钱？" in fake.texts_to(BOB)[0]
    fake.user_says(ALICE, "/start")
    assert await fake.wait_for(lambda: len(fake.texts_to(ALICE)) >= 3)
    fake.press(ALICE, "faq:list")
    assert await fake.wait_for(lambda: any("/faq kaggle" in t for t in fake.texts_to(ALICE)))


@pytest.mark.slow
async def test_reminders_arrive_with_buttons_that_log_and_snooze(tmp_path, clock, caplog):
    async with running(tmp_path, clock, caplog) as (fake, app):
        fake.user_says(ALICE, "/timezone UTC")
        fake.user_says(ALICE, "/remind daily 10:30 read a paper")
        assert await fake.wait_for(lambda: any("Reminder saved" in t for t in fake.texts_to(ALICE)))
        clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
        await app.reminders.tick()
        reminder = fake.last_with_buttons(ALICE)
        assert reminder.text.startswith("⏰ read a paper") and len(reminder.callback_data()) == 4
        done, snooze, _, _ = reminder.callback_data()
        fake.press(ALICE, done)
        assert await fake.wait_for(lambda: reminder.edits == 1)
        assert "logged a 30-minute" in reminder.text and reminder.reply_markup is None  # can't press twice
        async with app.sessions() as s:
            assert len((await s.execute(select(StudyLog))).scalars().all()) == 1
        clock.set(datetime(2026, 3, 3, 10, 30, tzinfo=UTC))
        await app.reminders.tick()
        second = fake.last_with_buttons(ALICE)
        assert second is not reminder
        fake.press(ALICE, second.callback_data()[1])  # snooze 15 min
        assert await fake.wait_for(lambda: second.edits == 1)
        assert "10:45" in second.text
        clock.set(datetime(2026, 3, 3, 10, 45, tzinfo=UTC))
        await app.reminders.tick()
        assert fake.last_with_buttons(ALICE) not in (reminder, second)
        assert sum(t.startswith("⏰ read a paper") for t in fake.texts_to(ALICE)) == 3
        assert snooze.startswith("rem:snooze:")


@pytest.mark.slow
async def test_a_user_who_blocked_the_bot_has_their_reminders_paused_not_retried(tmp_path, clock, caplog):
    async with running(tmp_path, clock, caplog) as (fake, app):
        fake.user_says(BOB, "/timezone UTC")
        fake.user_says(BOB, "/remind daily 10:30 flashcards")
        assert await fake.wait_for(lambda: any("Reminder saved" in t for t in fake.texts_to(BOB)))
        fake.blocked.add(BOB)
        clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
        await app.reminders.tick()
        async with app.sessions() as s:
            (r,) = (await s.execute(select(Reminder))).scalars().all()
        assert r.paused
        assert sum(r.startswith("403") for r in fake.refused) == 1  # tried once, not retried
        fake.blocked.discard(BOB)  # BOB unblocks the bot and writes again: he is told what happened
        fake.user_says(BOB, "/progress")
        assert await fake.wait_for(lambda: any("paused" in t for t in fake.texts_to(BOB)))
        fake.gone.add(CAROL)  # a group that was deleted, or a user id Telegram no longer knows
        with pytest.raises(ChatBlocked):
            await app.send_to(ChatRef("telegram", str(CAROL)), [Reply(parse("⏰ study"))])
        assert fake.refused.pop() == "400 Bad Request: chat not found"
        blocked = {"platform": "telegram", "kind": "blocked"}
        assert app.metrics.registry.get_sample_value("studybuddy_send_errors_total", blocked) == 2


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
    assert len(texts) == 3  # the chatter and the other bot's command got nothing


async def test_group_settings_are_for_the_chats_admins_checked_with_telegram(tg):
    fake, _ = tg
    fake.admins[GROUP] = {BOB}
    fake.user_says(ALICE, "/timezone Asia/Kolkata", chat_id=GROUP)  # a member
    assert await fake.wait_for(lambda: len(fake.texts_to(GROUP)) >= 1)
    fake.user_says(ALICE, "/remind daily 20:00 study hour", chat_id=GROUP)
    assert await fake.wait_for(lambda: len(fake.texts_to(GROUP)) >= 2)
    fake.user_says(ALICE, "/reload", chat_id=GROUP)  # for BOT_ADMINS only
    assert await fake.wait_for(lambda: len(fake.texts_to(GROUP)) >= 3)
    fake.user_says(BOB, "/timezone Asia/Kolkata", chat_id=GROUP)  # an admin
    assert await fake.wait_for(lambda: len(fake.texts_to(GROUP)) >= 4)
    fake.user_says(BOB, "/remind daily 20:00 study hour", chat_id=GROUP)
    assert await fake.wait_for(lambda: len(fake.texts_to(GROUP)) >= 5)
    texts = fake.texts_to(GROUP)
    assert "Only the group's admins" in texts[0]
    assert "Only the group's admins can set reminders" in texts[1]
    assert "Only admins can use that command" in texts[2]
    assert "The group's time zone is now Asia/Kolkata" in texts[3]
    assert "Reminder saved" in texts[4] and "IST" in texts[4]
    calls = fake.calls["getChatMember"]
    fake.user_says(BOB, "/reminders", chat_id=GROUP)
    assert await fake.wait_for(lambda: len(fake.texts_to(GROUP)) >= 6)
    assert fake.calls["getChatMember"] == calls  # the answer is cached for a while


@pytest.mark.slow
async def test_a_burst_of_200_learners_gets_every_reply_without_429(tg):
    fake, _ = tg
    for i in range(200):
        fake.user_says(20_000 + i, "/progress")
    assert await fake.wait_for(lambda: len(fake.sent) >= 200, timeout=60)
    assert {s.chat_id for s in fake.sent} == {20_000 + i for i in range(200)}
    assert not [r for r in fake.refused if r.startswith("429")]


# Per-chat limits, at ten times Telegram's speed to keep the test short: the fake allows a burst of 4 and
# 10 a second in one chat; the adapter sends a burst of 3, then 10 a second.
FAST_FAKE = {"chat_limit": (4, 10.0), "group_limit": (4, 10.0)}
FAST_LIMITS = SendLimits(chat_burst=3, chat_period=0.3, group=3, group_period=0.3)


@pytest.mark.slow
@pytest.mark.parametrize("chat_id", [ALICE, GROUP])
async def test_many_messages_to_one_chat_are_paced_to_its_limit(tmp_path, clock, caplog, chat_id):
    fake = FakeTelegram(**FAST_FAKE)
    async with running(tmp_path, clock, caplog, fake=fake, limits=FAST_LIMITS) as (fake, app):
        chat = ChatRef("telegram", str(chat_id), is_direct=chat_id > 0)
        await asyncio.gather(*(app.send_to(chat, [Reply(parse(f"note {i}"))]) for i in range(15)))
        assert sorted(fake.texts_to(chat_id)) == sorted(f"note {i}" for i in range(15))
        assert not [r for r in fake.refused if r.startswith("429")]


@pytest.mark.slow
async def test_without_the_per_chat_limit_the_fake_refuses_like_telegram(tmp_path, clock, caplog):
    """The control for the test above: the same burst, unpaced, earns 429s (retried, so delivered)."""
    fake = FakeTelegram(**FAST_FAKE)
    unpaced = SendLimits(chat_burst=1000, chat_period=1)
    async with running(tmp_path, clock, caplog, fake=fake, limits=unpaced) as (fake, app):
        chat = ChatRef("telegram", str(ALICE))
        await asyncio.gather(*(app.send_to(chat, [Reply(parse(f"note {i}"))]) for i in range(15)))
        assert [r for r in fake.refused if r.startswith("429")]
        assert len(fake.texts_to(ALICE)) == 15


async def test_html_telegram_refuses_is_sent_again_as_plain_text(tmp_path, clock, caplog, monkeypatch):
    import bot.adapters.telegram as adapter_module

    monkeypatch.setattr(adapter_module, "render", lambda reply: ["<b>unclosed " + html.escape(reply.plain())])
    fake = FakeTelegram()
    with pytest.raises(AssertionError, match="400"):  # the check on the way out sees the refusal
        async with running(tmp_path, clock, caplog, fake=fake) as (fake, _):
            fake.user_says(ALICE, "/help")
            assert await fake.wait_for(lambda: fake.texts_to(ALICE))
            assert "/roadmap" in fake.texts_to(ALICE)[0] and "<b>" not in fake.texts_to(ALICE)[0]
    assert fake.refused == [
        "400 Bad Request: can't parse entities: can't find end tag corresponding to start tag \"b\""
    ]
    assert any("sent as plain text" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


async def test_a_long_reply_arrives_split_under_telegrams_limit_with_the_buttons_last(tg):
    fake, app = tg
    paragraphs = "\n\n".join(f"Paragraph {i}: " + "gradient <descent> & more " * 40 for i in range(12))
    reply = Reply(parse(paragraphs), buttons=((Button("Next", "step:roadmap"),),))
    await app.send_to(ChatRef("telegram", str(ALICE)), [reply])
    parts = [s for s in fake.sent if s.chat_id == ALICE]
    assert len(parts) >= 3 and all(len(p.text) <= 4096 for p in parts)
    assert all(p.text.startswith("Paragraph") for p in parts)  # split between paragraphs
    assert [p.reply_markup is not None for p in parts] == [False] * (len(parts) - 1) + [True]
    assert "".join(p.text for p in parts).count("<descent>") == 12 * 40


async def test_export_arrives_as_a_json_document(tg):
    fake, _ = tg
    fake.user_says(ALICE, "/log 45m backprop")
    assert await fake.wait_for(lambda: fake.texts_to(ALICE))
    fake.user_says(ALICE, "/export")
    assert await fake.wait_for(lambda: any(s.document for s in fake.sent))
    (doc,) = [s for s in fake.sent if s.document]
    data = json.loads(doc.document)
    assert doc.chat_id == ALICE and data["study_log"][0]["minutes"] == 45


async def test_a_reply_that_cannot_edit_the_pressed_message_is_posted(tg):
    fake, app = tg
    (adapter,) = app.adapters
    await adapter.send(
        ChatRef("telegram", str(ALICE)), [Reply(parse("fresh view"), replace=True)], pressed=777
    )
    assert fake.texts_to(ALICE) == ["fresh view"]
    assert fake.refused == ["400 Bad Request: message to edit not found"]
    fake.refused.clear()


@pytest.mark.slow
async def test_polling_survives_server_errors_and_dropped_connections(tmp_path, clock, caplog):
    async with running(tmp_path, clock, caplog) as (fake, _):
        assert await fake.wait_for(lambda: fake.calls["getUpdates"] > 0)
        fake.fail_next("getUpdates", 502, 0)  # a gateway error, then a connection dropped mid-poll
        assert await fake.wait_for(lambda: fake._failures["getUpdates"] == [], timeout=20)
        fake.user_says(ALICE, "/help")
        assert await fake.wait_for(lambda: fake.texts_to(ALICE), timeout=20)
        assert any("getting updates failed" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
async def test_a_reply_is_retried_when_the_network_fails_before_telegram_answers(tg):
    fake, _ = tg
    fake.fail_next("sendMessage", 0, 502)  # a dropped connection, then a gateway error
    fake.user_says(ALICE, "/help")
    assert await fake.wait_for(lambda: fake.texts_to(ALICE))
    assert fake._failures["sendMessage"] == [] and len(fake.texts_to(ALICE)) == 1


def webhook_update(update_id: int, user_id: int, text: str) -> dict:
    """A private-chat message as Telegram posts it to a webhook."""
    command = text[:1] == "/"
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if command else []
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user_id, "type": "private", "first_name": "A"},
            "from": {"id": user_id, "is_bot": False, "first_name": "A", "language_code": "en"},
            "text": text,
            "entities": entities,
        },
    }


async def test_webhook_mode_takes_updates_only_with_the_secret(tmp_path, clock, caplog):
    port = free_port()
    hook = WebhookConfig("https://bot.example.org/tg/hook", "127.0.0.1", port, "s3cret-Token_1")
    async with running(tmp_path, clock, caplog, webhook=hook) as (fake, _):
        assert fake.webhook["url"] == hook.url and fake.webhook["secret_token"] == hook.secret
        assert fake.calls["getUpdates"] == 0
        update = webhook_update(1, ALICE, "/help")
        url = f"http://127.0.0.1:{port}/tg/hook"
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url, json=update, headers=headers) as resp:
                    assert resp.status == 403
            await asyncio.sleep(0.2)
            assert fake.texts_to(ALICE) == []
            headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret}
            async with http.post(url, json=update, headers=headers) as resp:
                assert resp.status == 200
        assert await fake.wait_for(lambda: fake.texts_to(ALICE))
        assert "/roadmap" in fake.texts_to(ALICE)[0]
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and hook.secret in r.getMessage()]


@pytest.mark.slow
async def test_python_m_bot_runs_telegram_when_a_token_is_set_and_stops_on_sigterm(tmp_path):

    fake = FakeTelegram()
    url = await fake.start()
    proc = await _start_bot(tmp_path, fake, url)
    try:
        assert await fake.wait_for(lambda: fake.calls["getUpdates"] > 0, timeout=30)
        fake.fail_next("getUpdates", 502)  # a failure logged with its traceback: the token stays masked
        fake.user_says(ALICE, "/start")
        assert await fake.wait_for(lambda: len(fake.texts_to(ALICE)) >= 2, timeout=20)
    finally:
        out, err = await _stop_bot(proc, fake, timeout=30)
    assert proc.returncode == 0, err.decode()
    assert "Study Buddy" in fake.texts_to(ALICE)[0]
    logs = (out + err).decode()
    assert fake.token not in logs and "TEST-TOKEN" not in logs
    assert "long polling" in logs and "getUpdates" in logs  # DEBUG logs name the calls, not the token


# A re-sent update (issue 11, case 3): Telegram posts an update again after a slow answer or a restart.

HOOK_SECRET = "s3cret-Token_1"


def _hook(port: int) -> WebhookConfig:
    return WebhookConfig(f"https://bot.example.org/tg/{port}", "127.0.0.1", port, HOOK_SECRET)


async def _post(port: int, update: dict) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET}
    url = f"http://127.0.0.1:{port}/tg/{port}"
    async with aiohttp.ClientSession() as http, http.post(url, json=update, headers=headers) as resp:
        assert resp.status == 200


def _handled(*apps: App) -> dict[str, float]:
    """Events handled so far by these apps, by outcome."""
    out: dict[str, float] = {}
    for app in apps:
        for metric in app.metrics.registry.collect():
            for sample in metric.samples:
                if sample.name == "studybuddy_messages_handled_total":
                    outcome = sample.labels["outcome"]
                    out[outcome] = out.get(outcome, 0) + sample.value
    return out


async def _study_rows(app: App) -> int:
    async with app.sessions() as s:
        return len((await s.execute(select(StudyLog))).scalars().all())


async def test_an_update_posted_twice_to_the_webhook_logs_once(tmp_path, clock, caplog, db_url):
    port = free_port()
    async with running(tmp_path, clock, caplog, db_url=db_url, webhook=_hook(port)) as (fake, app):
        update = webhook_update(41, ALICE, "/log 30 backprop")
        await _post(port, update)
        assert await fake.wait_for(lambda: fake.texts_to(ALICE))
        await _post(port, update)  # Telegram did not see the answer in time and sends it again
        assert await fake.wait_for(lambda: _handled(app).get("repeat") == 1)
        assert await _study_rows(app) == 1
        assert len(fake.texts_to(ALICE)) == 1 and "Logged 30 min" in fake.texts_to(ALICE)[0]


async def test_an_update_posted_again_after_a_restart_logs_once(tmp_path, clock, caplog, db_url):
    port = free_port()
    update = webhook_update(42, ALICE, "/log 30")
    async with running(tmp_path, clock, caplog, db_url=db_url, webhook=_hook(port)) as (fake, app):
        await _post(port, update)
        assert await fake.wait_for(lambda: fake.texts_to(ALICE))
    port = free_port()
    async with running(tmp_path, clock, caplog, db_url=db_url, webhook=_hook(port)) as (fake, app):
        await _post(port, update)  # the bot restarted before Telegram saw the answer
        assert await fake.wait_for(lambda: _handled(app).get("repeat") == 1)
        await _post(port, webhook_update(43, ALICE, "/log 15"))  # a new update is handled as usual
        assert await fake.wait_for(lambda: fake.texts_to(ALICE))
        assert await _study_rows(app) == 2
        assert fake.texts_to(ALICE) == [t for t in fake.texts_to(ALICE) if "Logged 15 min" in t]


async def test_two_processes_fed_the_same_update_log_it_once(tmp_path, clock, caplog, db_url):
    """Two bots on one database (behind a load balancer that retried on the other one): one answers."""
    fake = FakeTelegram()
    url = await fake.start()
    ports = free_port(), free_port()
    settings = make_settings(tmp_path, database_url=db_url)
    apps = [App(settings, [TelegramAdapter(fake.token, url, _hook(p))], clock=clock) for p in ports]
    try:
        async with apps[0], apps[1]:
            update = webhook_update(44, ALICE, "/log 30")
            await asyncio.gather(*(_post(p, update) for p in ports))
            assert await fake.wait_for(lambda: sum(_handled(*apps).values()) == 2)
            assert _handled(*apps) == {"ok": 1, "repeat": 1}
            assert await _study_rows(apps[0]) == 1
            assert len(fake.texts_to(ALICE)) == 1
    finally:
        await fake.stop()


async def test_a_button_press_posted_twice_acts_once(tmp_path, clock, caplog):
    port = free_port()
    async with running(tmp_path, clock, caplog, webhook=_hook(port)) as (fake, app):
        await _post(port, webhook_update(45, ALICE, "/roadmap"))
        assert await fake.wait_for(lambda: fake.texts_to(ALICE))
        roadmap = fake.sent[-1]
        fake.pressed["q46"] = time.monotonic()
        press = {
            "update_id": 46,
            "callback_query": {
                "id": "q46",
                "chat_instance": "ci",
                "data": roadmap.callback_data()[0],
                "from": {"id": ALICE, "is_bot": False, "first_name": "A", "language_code": "en"},
                "message": {**fake._message(roadmap), "chat": {"id": ALICE, "type": "private"}},
            },
        }
        await _post(port, press)
        assert await fake.wait_for(lambda: roadmap.edits == 1)
        await _post(port, press)  # its query was answered already: Telegram refuses a second answer
        assert await fake.wait_for(lambda: _handled(app).get("repeat") == 1)
        assert await fake.wait_for(lambda: fake.calls["answerCallbackQuery"] == 2)  # after the handling
        assert roadmap.edits == 1 and len(fake.texts_to(ALICE)) == 1
        fake.refused.remove(
            "400 Bad Request: query is too old and response timeout expired or query ID is invalid"
        )


# Replies through a short outage (issue 11, case 12), on a fast schedule: pauses of 10-50 ms instead of
# 0.5-8 s, the same number of tries.

FAST_RETRY = Backoff(first=0.01, cap=0.05, total=3.0)


@pytest.mark.slow
async def test_a_reply_survives_a_short_outage_of_six_failed_sends(tmp_path, clock, caplog):
    async with running(tmp_path, clock, caplog, reply_retry=FAST_RETRY) as (fake, app):
        fake.fail_next("sendMessage", 0, 502, 0, 503, 500, 0)  # dropped connections and 5xx, in a row
        fake.user_says(ALICE, "/log 30")
        assert await fake.wait_for(lambda: fake.texts_to(ALICE))
        assert "Logged 30 min" in fake.texts_to(ALICE)[0] and fake._failures["sendMessage"] == []
        assert fake.calls["sendMessage"] == 7
        lost = {"platform": "telegram"}
        assert not app.metrics.registry.get_sample_value("studybuddy_replies_lost_total", lost)


@pytest.mark.slow
async def test_a_reply_given_up_is_counted_and_logged_with_the_update_id(tmp_path, clock, caplog):
    quick = Backoff(first=0.01, cap=0.05, total=0.3)
    async with running(tmp_path, clock, caplog, reply_retry=quick) as (fake, app):
        fake.fail_next("sendMessage", *[502] * 1000)  # down for longer than the deadline
        fake.user_says(ALICE, "/log 30 secret-project-notes")
        update_id = fake._next_update - 1
        lost = {"platform": "telegram"}
        metric = "studybuddy_replies_lost_total"
        assert await fake.wait_for(lambda: app.metrics.registry.get_sample_value(metric, lost) == 1)
        fake._failures["sendMessage"].clear()
        assert await _study_rows(app) == 1  # the log is kept: the learner sees it in /progress later
        (line,) = [r.getMessage() for r in caplog.records if "lost after" in r.getMessage()]
        assert f"update {update_id}" in line and "secret-project-notes" not in line and str(ALICE) not in line
        retry = {"platform": "telegram", "kind": "retry"}
        assert app.metrics.registry.get_sample_value("studybuddy_send_errors_total", retry) == 1


async def test_a_timed_out_request_is_never_retried_a_dropped_one_is() -> None:
    from telegram.error import NetworkError, TimedOut

    from bot.adapters.telegram import TelegramAdapter as Adapter

    calls = []

    async def timing_out() -> None:
        calls.append("timeout")
        raise TimedOut()

    async def dropped_twice() -> str:
        calls.append("dropped")
        if calls.count("dropped") <= 2:
            raise NetworkError("httpx.RemoteProtocolError: Server disconnected")
        return "sent"

    with pytest.raises(TimedOut):
        await Adapter._retrying(FAST_RETRY, FAST_RETRY.deadline(), timing_out)
    assert calls == ["timeout"]  # the message may have gone: sending it again could post it twice
    assert await Adapter._retrying(FAST_RETRY, FAST_RETRY.deadline(), dropped_twice) == "sent"
    assert calls.count("dropped") == 3


# Start-up failures (issue 11, case 6): the Bot API, or a proxy in front of it, answers getMe with an
# error whose text repeats the request path, token included.


async def _stop_bot(proc, fake: FakeTelegram, timeout: float = 30) -> tuple[bytes, bytes]:  # noqa: ANN001
    """SIGTERM the bot, collect what it printed, stop the fake."""
    proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=timeout)
    await fake.stop()
    return out, err


async def _start_bot(tmp_path, fake: FakeTelegram, url: str):  # noqa: ANN001, ANN202
    import sys

    from tests.conftest import bot_env

    env = bot_env(TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=url, LOG_LEVEL="DEBUG")
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _stderr_until(proc, needle: str, timeout: float = 30) -> str:  # noqa: ANN001
    """The process's stderr up to the first line containing `needle`."""
    seen: list[str] = []

    async def read() -> None:
        while line := await proc.stderr.readline():
            seen.append(line.decode())
            if needle in seen[-1]:
                return
        raise AssertionError(f"{needle!r} never came; stderr:\n{''.join(seen)[-3000:]}")

    await asyncio.wait_for(read(), timeout)
    return "".join(seen)


@pytest.mark.slow
async def test_a_rejected_token_stops_start_up_with_one_clear_line_and_no_token(tmp_path):
    fake = FakeTelegram()
    url = await fake.start()
    fake.fail_next("getMe", 401, description="Unauthorized: POST {path} rejected")
    try:
        proc = await _start_bot(tmp_path, fake, url)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    finally:
        await fake.stop()
    output = (out + err).decode()
    assert proc.returncode == 2, output[-3000:]
    (line,) = [line for line in output.splitlines() if "Could not start" in line]
    assert "TELEGRAM_BOT_TOKEN" in line and "TELEGRAM_API_BASE_URL" in line and "getMe" in line
    assert "TEST-TOKEN" not in output and "Traceback" not in output
    assert fake.calls["getMe"] == 1  # retrying cannot help: the same token would be refused again


@pytest.mark.slow
async def test_an_unreachable_bot_api_at_start_up_is_retried_and_then_served(tmp_path):
    fake = FakeTelegram()
    url = await fake.start()
    fake.fail_next("getMe", 502, description="<html><h1>502 Bad Gateway</h1>upstream for {path}</html>")
    fake.fail_next("getMe", 500, description="Internal Server Error at {path}")
    proc = await _start_bot(tmp_path, fake, url)
    try:
        before = await _stderr_until(proc, "long polling")
        fake.user_says(ALICE, "/start")
        assert await fake.wait_for(lambda: len(fake.texts_to(ALICE)) >= 2, timeout=20)
    finally:
        out, err = await _stop_bot(proc, fake, timeout=30)
    output = before + (out + err).decode()
    assert proc.returncode == 0, output[-3000:]
    retries = [line for line in output.splitlines() if "Trying again in" in line]
    assert len(retries) == 2 and all("getMe" in r and "TELEGRAM_API_BASE_URL" in r for r in retries)
    assert fake.calls["getMe"] == 3
    assert "TEST-TOKEN" not in output and "[secret]" in output  # the echoed path, masked


@pytest.mark.slow
async def test_sigterm_while_waiting_to_retry_the_bot_api_stops_cleanly(tmp_path):
    fake = FakeTelegram()
    url = await fake.start()
    fake.fail_next("getMe", *[503] * 100, description="Service Unavailable: {path}")
    proc = await _start_bot(tmp_path, fake, url)
    try:
        before = await _stderr_until(proc, "Trying again in")
    finally:
        out, err = await _stop_bot(proc, fake, timeout=15)
    output = before + (out + err).decode()
    assert proc.returncode == 0, output[-3000:]
    assert "TEST-TOKEN" not in output and "Traceback" not in output


# Practice (issue 14): a review edits one message in place, a nudge becomes the review, a group's quiz
# of the day answers each member in a callback alert.


def _labels(message) -> list[str]:  # noqa: ANN001
    return [b["text"] for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]


def _data(message, label: str) -> str:  # noqa: ANN001
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return next(b["callback_data"] for row in rows for b in row if b["text"] == label)


@pytest.mark.slow  # over a second against the fake Bot API
async def test_a_review_and_a_quiz_answer_in_one_message_each(tg):
    fake, app = tg
    fake.user_says(ALICE, "/review add 1")
    fake.user_says(ALICE, "/review")
    assert await fake.wait_for(lambda: any(t.startswith("Card 1 ·") for t in fake.texts_to(ALICE)))
    card = fake.last_with_buttons(ALICE)
    deck = app.store.content.decks["understand-the-role"]
    assert html.escape(deck.cards[0].texts["en"].front, quote=False) in card.text
    fake.press(ALICE, _data(card, "Show answer"))
    assert await fake.wait_for(lambda: card.edits == 1)
    assert _labels(card) == ["Again", "Hard", "Good", "Easy"]
    fake.press(ALICE, _data(card, "Good"))
    assert await fake.wait_for(lambda: card.edits == 2)
    assert card.text.startswith("Card 2 ·")
    before = len(fake.texts_to(ALICE))
    fake.user_says(ALICE, "/quiz 1")
    assert await fake.wait_for(lambda: len(fake.texts_to(ALICE)) > before)
    quiz = fake.last_with_buttons(ALICE)
    assert quiz.text.startswith("Question 1 of 5") and len(_labels(quiz)) in (3, 4)
    fake.press(ALICE, quiz.callback_data()[0])
    assert await fake.wait_for(lambda: quiz.edits == 1)
    assert ("✅ Right" in quiz.text or "❌ Not quite" in quiz.text) and "Question 2 of 5" in quiz.text
    assert len(fake.texts_to(ALICE)) == before + 1  # answered in place
    assert fake.alerts == {}


@pytest.mark.slow  # over a second against the fake Bot API
async def test_a_nudge_becomes_the_review_and_a_group_quiz_answers_in_alerts(tg, clock):
    fake, app = tg
    fake.user_says(ALICE, "/timezone UTC")
    fake.user_says(ALICE, "/review add 1")
    fake.user_says(ALICE, "/review daily 11:00")
    assert await fake.wait_for(lambda: any("every day at 11:00" in t for t in fake.texts_to(ALICE)))
    clock.set(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))
    await app.reminders.tick()
    nudge = fake.last_with_buttons(ALICE)
    n = len(app.store.content.decks["understand-the-role"].cards)
    assert nudge.text.startswith(f"📚 {n} cards are due, about {(n + 1) // 2} minutes.")
    fake.press(ALICE, _data(nudge, "Start review"))
    assert await fake.wait_for(lambda: nudge.edits == 1)
    assert nudge.text.startswith("Card 1 ·") and _labels(nudge) == ["Show answer"]

    fake.admins[GROUP] = {BOB}
    fake.user_says(BOB, "/timezone UTC", chat_id=GROUP)
    fake.user_says(BOB, "/quiz daily 12:00", chat_id=GROUP)
    assert await fake.wait_for(lambda: any("every day at 12:00" in t for t in fake.texts_to(GROUP)))
    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    await app.reminders.tick()
    post = fake.last_with_buttons(GROUP)
    assert "Quiz of the day" in post.text
    posted = len(fake.texts_to(GROUP))
    query = fake.press(CAROL, post.callback_data()[0], chat_id=GROUP)
    assert await fake.wait_for(lambda: query in fake.alerts)
    text, shown = fake.alerts[query]
    assert shown and text.startswith(("✅ Right", "❌ Not quite"))
    again = fake.press(CAROL, post.callback_data()[1], chat_id=GROUP)
    assert await fake.wait_for(lambda: again in fake.alerts)
    assert fake.alerts[again][0].startswith("You answered this one already.")
    await asyncio.sleep(0.2)
    assert len(fake.texts_to(GROUP)) == posted and post.edits == 0  # nothing posted, nothing changed


@pytest.mark.slow  # over a second against the fake Bot API
async def test_practice_in_chinese_review_buttons_and_a_group_alert(tg, clock):
    fake, app = tg
    for text in ("/lang zh", "/review add 1", "/review"):
        fake.user_says(CAROL, text)
    assert await fake.wait_for(lambda: any(t.startswith("第 1 张") for t in fake.texts_to(CAROL)))
    card = fake.last_with_buttons(CAROL)
    assert _labels(card) == ["显示答案"]
    fake.press(CAROL, card.callback_data()[0])
    assert await fake.wait_for(lambda: card.edits == 1)
    assert _labels(card) == ["忘了", "困难", "记得", "简单"]

    fake.admins[GROUP] = {BOB}
    for text in ("/lang zh", "/timezone UTC", "/quiz daily 12:00"):
        fake.user_says(BOB, text, chat_id=GROUP)
    assert await fake.wait_for(lambda: any("每天 12:00" in t for t in fake.texts_to(GROUP)))
    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    await app.reminders.tick()
    post = fake.last_with_buttons(GROUP)
    assert "每日一题" in post.text
    query = fake.press(CAROL, post.callback_data()[0], chat_id=GROUP)
    assert await fake.wait_for(lambda: query in fake.alerts)
    assert fake.alerts[query][0].startswith(("✅ 答对了", "❌ 不太对"))


async def test_notes_on_telegram_escaped_and_in_chinese(tg):
    fake, _ = tg
    fake.user_says(ALICE, "/note 3 <b>eigen</b> & vectors")
    fake.user_says(ALICE, "/notes")
    assert await fake.wait_for(lambda: any("Your note:" in t for t in fake.texts_to(ALICE)))
    # shown as typed: escaped for Telegram's HTML (the fake parses it as Telegram does)
    assert any("<b>eigen</b> & vectors" in t for t in fake.texts_to(ALICE))
    fake.user_says(BOB, "/lang zh")
    fake.user_says(BOB, "/note 2 列表推导式")
    assert await fake.wait_for(lambda: any("已保存为第 2 步" in t for t in fake.texts_to(BOB)))


async def test_the_weekly_review_is_a_photo_after_its_text_in_both_languages(tg):
    fake, _ = tg
    fake.user_says(ALICE, "/log 45m linear algebra")
    fake.user_says(BOB, "/log 30m 矩阵", lang="zh")
    assert await fake.wait_for(lambda: fake.texts_to(ALICE) and fake.texts_to(BOB))
    fake.user_says(ALICE, "/week")
    fake.user_says(BOB, "/week", lang="zh")
    assert await fake.wait_for(lambda: len([s for s in fake.sent if s.photo]) == 2)
    for user, head in ((ALICE, "📅 Your week"), (BOB, "📅 你的一周")):
        mine = [s for s in fake.sent if s.chat_id == user]
        photo = mine[-1]
        assert photo.photo.startswith(b"\x89PNG") and len(photo.photo) < 200_000
        assert mine[-2].text.startswith(head)  # the text version, then the picture


async def test_the_sunday_digest_arrives_once_with_its_photo(tmp_path, clock, caplog):
    async with running(tmp_path, clock, caplog) as (fake, app):
        fake.user_says(ALICE, "/timezone UTC")
        fake.user_says(ALICE, "/goal 6h")
        assert await fake.wait_for(lambda: any("Sundays at 18:00" in t for t in fake.texts_to(ALICE)))
        clock.set(datetime(2026, 3, 8, 18, tzinfo=UTC))
        await app.reminders.tick()
        await app.reminders.tick()
        photos = [s for s in fake.sent if s.photo and s.chat_id == ALICE]
        assert len(photos) == 1
        assert any(t.startswith("📅 Your week · Mar 2 – Mar 8, 2026") for t in fake.texts_to(ALICE))


def _button(sent, label: str) -> str:  # noqa: ANN001
    """The callback data of the button whose label starts with `label`."""
    rows = (sent.reply_markup or {}).get("inline_keyboard", [])
    return next(b["callback_data"] for row in rows for b in row if b["text"].startswith(label))


@pytest.mark.parametrize(
    ("user", "lang", "words"),
    [
        (ALICE, "en", ("weekly goal: 6 h 0 min", "Current streak", "Next:", "Focus: 25 min", "Stop now")),
        (BOB, "zh", ("你的每周目标：6 小时 0 分钟", "当前连续学习", "下一步：", "专注：25 分钟", "现在停止")),
    ],
)
async def test_goal_streak_next_and_a_focus_run_to_its_end_through_telegram(
    tmp_path, clock, caplog, user, lang, words
):
    goal, streak, nxt, focus, stop = words
    async with running(tmp_path, clock, caplog) as (fake, app):

        async def say(text: str, count: int) -> str:
            before = len(fake.texts_to(user))
            fake.user_says(user, text, lang=lang)
            assert await fake.wait_for(lambda: len(fake.texts_to(user)) >= before + count)
            return "\n".join(fake.texts_to(user)[before:])

        assert goal in await say("/goal 6h", 1)
        assert streak in await say("/streak", 1)
        assert nxt in await say("/next", 1)
        assert focus in await say("/focus 25 linear algebra", 1)
        started = fake.last_with_buttons(user)
        assert stop in json.dumps(started.reply_markup, ensure_ascii=False)
        fake.press(user, _button(started, "+5"))
        assert await fake.wait_for(lambda: started.edits == 1)
        clock.advance(minutes=30)
        await app.reminders.tick()
        end = fake.last_with_buttons(user)
        assert end is not started and ("30 min of linear algebra logged" in end.text or "30 分钟" in end.text)
        await app.reminders.tick()
        assert fake.last_with_buttons(user) is end  # never twice
        assert ("30 min" if lang == "en" else "30 分钟") in await say("/week", 1)


async def test_the_streak_at_risk_nudge_reaches_telegram_once_in_chinese(tmp_path, clock, caplog):
    async with running(tmp_path, clock, caplog) as (fake, app):
        for n, text in enumerate(("/timezone UTC", "/log 20", "/streak remind on"), start=1):
            fake.user_says(BOB, text, lang="zh")
            assert await fake.wait_for(lambda n=n: len(fake.texts_to(BOB)) >= n)
        clock.set(datetime(2026, 3, 3, 22, tzinfo=UTC))  # Tuesday 22:00, nothing logged that day
        await app.reminders.tick()
        await app.reminders.tick()
        nudges = [t for t in fake.texts_to(BOB) if t.startswith("🔥 你已连续学习 1 天")]
        assert len(nudges) == 1


async def test_a_group_board_shows_only_who_joined_with_names_escaped_and_admins_own_the_post(tg):
    fake, app = tg
    fake.admins[GROUP] = {ALICE}
    fake.names[BOB] = "<b>Bob</b> & co"
    fake.names[CAROL] = "Carol"

    async def say(user: int, text: str) -> str:
        before = len(fake.texts_to(GROUP))
        fake.user_says(user, text, chat_id=GROUP)
        assert await fake.wait_for(lambda: len(fake.texts_to(GROUP)) > before)
        return fake.texts_to(GROUP)[-1]

    assert "You're on this group's board" in await say(BOB, "/leaderboard join")
    fake.user_says(BOB, "/log 45m backprop")
    fake.user_says(CAROL, "/log 2h maths")  # not on the board
    assert await fake.wait_for(lambda: fake.texts_to(BOB) and fake.texts_to(CAROL))
    board = await say(CAROL, "/leaderboard")
    assert "🥇 <b>Bob</b> & co — 0 h 45 min" in board  # shown as typed: escaped, not bold
    assert "Carol" not in board
    assert "Only this group's admins" in await say(BOB, "/leaderboard weekly on")
    await say(ALICE, "/timezone UTC")
    assert "every Monday at 09:00 (UTC)" in await say(ALICE, "/leaderboard weekly on")


async def test_a_group_challenge_from_start_to_its_one_summary_shows_only_who_joined(tg):
    fake, app = tg
    clock = app.clock
    dave = 1004  # logs time, never joins
    fake.admins[GROUP] = {ALICE}
    fake.names[ALICE] = "Alice"
    fake.names[BOB] = "<b>Bob</b> & co"
    fake.names[CAROL] = "Carol"
    fake.names[dave] = "Dave"

    async def say(user: int, text: str) -> str:
        before = len(fake.texts_to(GROUP))
        fake.user_says(user, text, chat_id=GROUP)
        assert await fake.wait_for(lambda: len(fake.texts_to(GROUP)) > before)
        return fake.texts_to(GROUP)[-1]

    async def says_privately(user: int, text: str) -> str:
        before = len(fake.texts_to(user))
        fake.user_says(user, text)
        assert await fake.wait_for(lambda: len(fake.texts_to(user)) > before)
        return fake.texts_to(user)[-1]

    await say(ALICE, "/timezone UTC")
    assert "Only this group's admins can start" in await say(BOB, "/challenge new 7 Bob's week")
    assert "No challenge is running" in await say(BOB, "/challenge")  # the refusal made nothing
    async with app.sessions() as s:
        assert (await s.execute(select(Reminder).where(Reminder.kind == "challenge"))).first() is None
    created = await say(ALICE, "/challenge new 2 <i>Two</i> days & maths")
    assert "#1 · <i>Two</i> days & maths is on: 2 days, Mar 2 – Mar 3 (UTC)" in created  # as typed
    assert "You're in #1" in await say(BOB, "/challenge join")
    assert "You're in #1" in await say(CAROL, "/challenge join")
    assert "30 min" in await says_privately(BOB, "/log 30 linear algebra")  # counts from any chat
    assert "✅ Checked in for day 1 of 2" in await say(CAROL, "/challenge checkin")
    await says_privately(dave, "/log 2h maths")  # never joined
    board = await say(dave, "/challenge")
    assert "🎯 #1 · <i>Two</i> days & maths — day 1 of 2 (Mar 2 – Mar 3)" in board
    assert "1. <b>Bob</b> & co — 1/1 day · run 1" in board  # shown as typed: escaped, not bold
    assert "2. Carol — 1/1 day · run 1" in board
    assert "Dave" not in board and "Alice" not in board and "2 members have joined" in board

    clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))  # day 2: only Bob keeps it up
    await says_privately(BOB, "/log 20 probability")
    await says_privately(dave, "/log 1h maths")
    assert "1. <b>Bob</b> & co — 2/2 days · ✅ completed" in await say(CAROL, "/challenge")

    def summaries() -> list[str]:
        return [t for t in fake.texts_to(GROUP) if t.startswith("🏁")]

    clock.set(datetime(2026, 3, 4, 8, 59, tzinfo=UTC))
    await app.reminders.tick()
    assert summaries() == []  # not before 09:00 the day after the last day
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    await app.reminders.tick()
    await app.reminders.tick()
    assert await fake.wait_for(lambda: summaries())
    (post,) = summaries()
    assert post.startswith("🏁 #1 · <i>Two</i> days & maths is over (Mar 2 – Mar 3, 2 days)")
    assert "Checked in on every day (1): <b>Bob</b> & co" in post
    assert "2 members joined, with 3 days checked in altogether" in post and "Dave" not in post
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    await app.reminders.tick()
    assert len(summaries()) == 1  # once
    assert "No challenge is running" in await say(CAROL, "/challenge")


async def test_stats_go_to_an_admins_private_chat_or_the_group_says_how_to_start_one(tg):
    fake, _ = tg
    dave = 1004
    fake.admins[GROUP] = {ALICE, dave}
    fake.never_started.add(dave)  # an admin who never opened a private chat with the bot

    async def say(user: int, text: str) -> str:
        before = len(fake.texts_to(GROUP))
        fake.user_says(user, text, chat_id=GROUP)
        assert await fake.wait_for(lambda: len(fake.texts_to(GROUP)) > before)
        return fake.texts_to(GROUP)[-1]

    fake.user_says(ALICE, "/start")  # Alice has a private chat with the bot
    assert await fake.wait_for(lambda: fake.texts_to(ALICE))
    fake.user_says(BOB, "/log 45m")
    assert await fake.wait_for(lambda: fake.texts_to(BOB))
    await say(BOB, "/ask <b>zebra</b> quantum marmalade")
    await say(CAROL, "/ask How much do ML engineers earn?")
    assert "Only this group's admins can see its stats" in await say(BOB, "/stats")
    assert [t for t in fake.texts_to(BOB) if "group's week" in t] == []
    private_before = len(fake.texts_to(ALICE))
    assert "sent you this group's stats in our private chat" in await say(ALICE, "/stats")
    assert await fake.wait_for(lambda: len(fake.texts_to(ALICE)) > private_before)
    stats = fake.texts_to(ALICE)[-1]
    assert "This group's week" in stats and "3 members used the bot here this week" in stats
    assert "0 h 45 min" in stats and "2 questions asked here, 50% of them answered" in stats
    assert "<b>zebra</b> quantum marmalade (once)" in stats  # escaped: shown as typed
    assert not any("group's week" in t for t in fake.texts_to(GROUP))
    sent_before = len(fake.sent)
    explained = await say(dave, "/stats")
    assert "I can't message you privately yet" in explained and "Start" in explained
    assert explained.endswith("\n\nt.me/StudyBuddyBot")  # the bot's link: a private chat one tap away
    assert fake.texts_to(dave) == [] and len(fake.sent) == sent_before + 1
    assert "403 Forbidden: bot can't initiate conversation with a user" in fake.refused
