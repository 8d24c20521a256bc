"""Typed button payloads (handlers/core/payloads.py): packing, refusing malformed data, and the one owner
check that every press goes through before a handler runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import pytest
from sqlalchemy import func, select

from db.models import StudyLog
from handlers.core.payloads import MAX_BYTES, Payload
from handlers.privacy import ForgetPress
from handlers.reminders import RemPress
from handlers.replies import FaqPress, StepPress
from tests.conftest import DATABASES, texts


@dataclass(frozen=True)
class DemoPress(Payload, prefix="demo"):
    action: Literal["a", "b"]
    n: int
    size: Literal[15, 60] = 15
    rest: str = ""


# Packing and unpacking


def test_payloads_round_trip_and_leave_trailing_defaults_out() -> None:
    assert RemPress("done", 7).pack() == "rem:done:7"
    assert RemPress("snooze", 7, 60).pack() == "rem:snooze:7:60"
    assert StepPress("roadmap").pack() == "step:roadmap"
    assert FaqPress("show", "salary").pack() == "faq:show:salary"
    assert ForgetPress("yes", 1700000000, "12345").pack() == "forget:yes:1700000000:12345"
    for p in (
        RemPress("skip", 3),
        StepPress("show", "python"),
        ForgetPress("no"),
        DemoPress("b", 2, 60, "x:y"),
    ):
        assert type(p).unpack(p.pack()) == p


@pytest.mark.parametrize(
    "data",
    [
        "rem:done",  # a required field missing
        "rem:done:",
        "rem:undo:5",  # not one of the actions
        "rem:done:²",  # digits that are not decimal
        "rem:done:①",
        "rem:done:-1",
        "rem:done:1e3",
        "rem:done: 5",
        "rem:done:99999999999999999999999999",  # past any 64-bit id
        "rem:snooze:5:30",  # not one of the choices
        "rem:done:5:15:extra",  # too many fields
        "step:done:x" + "y" * 80,  # over 64 bytes
        "remx:done:5",
        "",
    ],
)
def test_malformed_payloads_unpack_to_none(data: str) -> None:
    assert RemPress.unpack(data) is None or data.startswith("step")
    assert StepPress.unpack(data) is None


def test_full_width_digits_are_decimal_digits() -> None:
    assert RemPress.unpack("rem:done:１２") == RemPress("done", 12)


def test_a_payload_over_64_bytes_is_refused_when_the_button_is_made() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        StepPress("show", "s" * MAX_BYTES).pack()
    assert DemoPress("a", 1, 15, "x:y").pack() == "demo:a:1:15:x:y"  # the last field may hold ':' ...
    with pytest.raises(ValueError, match="may not contain ':'"):
        FaqPress("show:x", "y").pack()  # ... the others may not


# Presses through the app


async def count_logs(app) -> int:  # noqa: ANN001
    async with app.sessions() as s:
        return await s.scalar(select(func.count()).select_from(StudyLog))


async def fire_reminder(app, clock, chat, text: str) -> int:  # noqa: ANN001
    """`chat` sets a daily 10:30 reminder; the clock moves to it; returns the delivery id its Done names."""
    await chat.say("/timezone UTC")
    await chat.say(f"/remind daily 10:30 {text}")
    clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    await app.reminders.tick()
    (_, message) = app.fake.sent[-1]
    assert text in message.plain()
    done = message.buttons[0][0].payload
    return RemPress.unpack(done).delivery


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_a_forged_press_never_reads_or_changes_another_learners_reminder(db_app, clock) -> None:  # noqa: ANN001
    alice, bob = db_app.fake.chat("alice"), db_app.fake.chat("bob")
    await alice.say("/timezone UTC")
    delivery = await fire_reminder(db_app, clock, bob, "call the bank about my loan")
    for payload in (
        RemPress("done", delivery).pack(),
        RemPress("snooze", delivery, 60).pack(),
        RemPress("skip", delivery).pack(),
    ):
        text = texts(await alice.press(payload))
        assert "belongs to someone else" in text, payload
        assert "bank" not in text
    assert await count_logs(db_app) == 0
    export = (await alice.say("/export"))[0].attachment.data.decode()
    assert "bank" not in export
    assert "bank" in texts(await bob.say("/reminders"))  # Bob's reminder is untouched...
    assert "again at" not in texts(await bob.say("/reminders"))  # ...and was not snoozed


async def test_a_group_reminder_is_pressed_in_its_group_only(app, clock) -> None:  # noqa: ANN001
    admin = app.fake.chat("gina", chat_id="group-a", group=True, chat_admin=True)
    delivery = await fire_reminder(app, clock, admin, "study hour")
    member = app.fake.chat("max", chat_id="group-a", group=True)
    outsider = app.fake.chat("max", chat_id="group-b", group=True, chat_admin=True)
    in_dm = app.fake.chat("max")
    for chat in (outsider, in_dm):
        assert "belongs to someone else" in texts(await chat.press(RemPress("done", delivery).pack()))
    assert await count_logs(app) == 0
    assert "logged a 30-minute" in texts(await member.press(RemPress("done", delivery).pack()))
    assert await count_logs(app) == 1


@pytest.mark.parametrize(
    "payload",
    [
        "rem:done:²",
        "rem:done:①",
        "rem:snooze:³:15",
        "rem:done:99999999999999999999999999",
        "rem:done:9223372036854775807",  # past PostgreSQL's 32-bit ids: simply not found
        "rem:done:2147483648",
        "step:done:²",
        "faq:show:",
        "forget:yes:²:alice",
        "nosuchfamily:1",
        "rem",
        ":",
    ],
)
async def test_odd_presses_are_out_of_date_and_change_nothing(chat, app, payload: str) -> None:  # noqa: ANN001
    text = texts(await chat.press(payload))
    assert "That button is out of date" in text
    assert "went wrong" not in text
    assert await count_logs(app) == 0


async def test_refused_presses_answer_in_the_learners_language(app, clock) -> None:  # noqa: ANN001
    delivery = await fire_reminder(app, clock, app.fake.chat("bob"), "flashcards")
    li = app.fake.chat("li", locale="zh-CN")
    assert "这个按钮已经过期了" in texts(await li.press("rem:done:²"))
    assert "这个按钮属于别人" in texts(await li.press(RemPress("done", delivery).pack()))
    assert await count_logs(app) == 0


# One Done per (delivery, learner), and the daily cap on every path that logs time


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_done_logs_once_per_reminder_message_and_learner(db_app, clock) -> None:  # noqa: ANN001
    alice = db_app.fake.chat("alice")
    delivery = await fire_reminder(db_app, clock, alice, "flashcards")
    done = RemPress("done", delivery).pack()
    assert "logged a 30-minute" in texts(await alice.press(done))
    assert "already logged this reminder" in texts(await alice.press(done))  # a double tap
    assert await count_logs(db_app) == 1


@pytest.mark.slow
@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_sixty_done_presses_in_a_group_log_once_per_member(db_app, clock) -> None:  # noqa: ANN001
    admin = db_app.fake.chat("gina", chat_id="group", group=True, chat_admin=True)
    delivery = await fire_reminder(db_app, clock, admin, "study hour")
    member = db_app.fake.chat("max", chat_id="group", group=True)
    done = RemPress("done", delivery).pack()
    replies = [texts(await member.press(done)) for _ in range(60)]
    assert sum("logged a 30-minute" in r for r in replies) == 1
    assert all("already logged" in r for r in replies[1:])
    assert await count_logs(db_app) == 1
    assert "Today: 40 min" in texts(await member.say("/log 10"))


async def test_done_respects_the_daily_cap(app, clock) -> None:  # noqa: ANN001
    alice = app.fake.chat("alice")
    delivery = await fire_reminder(app, clock, alice, "flashcards")
    await alice.say("/log 1430")
    text = texts(await alice.press(RemPress("done", delivery).pack()))
    assert "more than 24 hours" in text
    assert await count_logs(app) == 1
