"""The operator's view: one log line per event (never the text), /healthz, and /metrics."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import aiohttp
import pytest

from bot.adapters.fake import FakeAdapter
from bot.app import App
from tests.conftest import make_settings
from tests.pg import free_port


async def test_each_event_is_one_log_line_without_its_text(app, caplog):  # noqa: ANN001
    caplog.set_level(logging.INFO, logger="handlers")
    chat = app.fake.chat("alice")
    await chat.say("my secret plan is to learn pandas")
    await chat.say("/progress")
    lines = [r.getMessage() for r in caplog.records if r.name == "handlers" and "outcome=" in r.getMessage()]
    assert lines[0].startswith("platform=fake chat=direct kind=text outcome=faq:")
    assert "kind=/progress outcome=ok replies=1" in lines[1]
    assert not any("pandas" in r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)


class _Down(FakeAdapter):
    name = "down"

    def healthy(self) -> bool:
        return False


async def _get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as resp:
        return resp.status, await resp.text()


@pytest.mark.slow
async def test_healthz_and_metrics(tmp_path, clock):  # noqa: ANN001
    port = free_port()
    fake = FakeAdapter()
    settings = make_settings(tmp_path, health_port=port, health_listen="127.0.0.1")
    async with App(settings, [fake], clock=clock) as app:
        status, body = await _get(port, "/healthz")
        assert status == 200 and '"status": "ok"' in body and '"database": true' in body
        chat = fake.chat("alice")
        await chat.say("what is the best pizza topping")  # not in the FAQ
        await chat.say("/timezone UTC")
        await chat.say("/remind daily 10:30 read")
        clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
        await app.reminders.tick()
        status, text = await _get(port, "/metrics")
    assert status == 200
    assert 'studybuddy_messages_handled_total{chat="direct",outcome="ok",platform="fake"} 2.0' in text
    assert 'studybuddy_faq_abstentions_total{platform="fake"} 1.0' in text
    assert 'studybuddy_reminders_total{state="claimed"} 1.0' in text
    assert 'studybuddy_reminders_total{state="delivered"} 1.0' in text
    assert "studybuddy_reminder_queue 0.0" in text


async def test_healthz_is_503_when_an_adapter_is_down(tmp_path, clock):  # noqa: ANN001
    port = free_port()
    settings = make_settings(tmp_path, health_port=port, health_listen="127.0.0.1")
    async with App(settings, [FakeAdapter(), _Down("down")], clock=clock):
        status, body = await _get(port, "/healthz")
    assert status == 503 and '"down": false' in body
