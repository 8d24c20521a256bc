"""Numbers typed by people or carried in buttons (handlers/core/numbers.py), and every command that takes one:
digits that are not decimal ('²', '①') and ids past 64 bits get a friendly reply, never an exception."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import Reminder, StepProgress, StudyLog
from handlers.core.numbers import MAX_INT, parse_int
from tests.conftest import DATABASES, texts


@pytest.mark.parametrize(
    ("text", "value"),
    [("42", 42), ("#42", 42), (" 7 ", 7), ("０４２", 42), ("١٢", 12), ("0", 0), (str(MAX_INT), MAX_INT)],
)
def test_decimal_digits_of_any_script_are_numbers(text: str, value: int) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize(
    "text",
    ["", "#", "²", "①", "#³", "-1", "+1", "1e3", "4.0", "1_000", "0x1f", "abc", str(MAX_INT + 1), "9" * 30],
)
def test_anything_else_is_not_a_number(text: str) -> None:
    assert parse_int(text) is None


def test_bounds_and_the_hash() -> None:
    assert parse_int("0", lo=1) is None
    assert parse_int("13", hi=12) is None
    assert parse_int("#5", hash_ok=False) is None


ODD = [
    "²",
    "①",
    "#³",
    "99999999999999999999999999",
    "9223372036854775808",
    "9223372036854775807",
    "2147483648",
]
COMMANDS = ["step", "done", "doing", "skip", "undo", "unremind", "pause", "resume", "unlog"]
INTERNAL = ("something went wrong", "出了点问题")
STALE = {  # error.stale_button in content/ui/
    "en": "That button is out of date. Try the command again, or /help.",
    "zh-CN": "这个按钮已经过期了。请重新发送命令，或发送 /help。",
}


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_every_command_taking_a_number_answers_odd_digits_and_huge_ids_kindly(
    db_app, locale: str
) -> None:  # noqa: ANN001
    chat = db_app.fake.chat("alice", locale=locale)
    await chat.say("/timezone UTC")
    await chat.say("/remind daily 19:00 revise")
    await chat.say("/log 30")
    cases = [f"/{c} {odd}" for c in COMMANDS for odd in ODD] + [f"/start step-{odd}" for odd in ODD]
    for line in cases:
        text = texts(await chat.say(line))
        assert text, line
        assert not any(s in text for s in INTERNAL), (line, text)
    presses = [f"rem:{a}:{odd}" for a in ("done", "skip") for odd in ODD] + [
        f"rem:snooze:{o}:15" for o in ODD
    ]
    presses += [f"step:{a}:{odd}" for a in ("show", "done") for odd in ODD]
    for payload in presses:
        text = texts(await chat.press(payload))
        assert text == STALE[locale], payload
    # nothing changed: the reminder, the log and the steps are as they were
    assert "revise" in texts(await chat.say("/reminders"))
    async with db_app.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(StepProgress)) == 0
        assert [m for (m,) in (await s.execute(select(StudyLog.minutes))).all()] == [30]
        assert await s.scalar(select(func.count()).select_from(Reminder)) == 1
    for odd in ODD:  # a count that is not one is read as the reminder's text, or refused: never a crash
        text = texts(await chat.say(f"/remind daily 19:00 times {odd}"))
        assert not any(s in text for s in INTERNAL), (odd, text)
