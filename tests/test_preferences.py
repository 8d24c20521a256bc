"""/timezone and /lang: what the learner chooses is stored, what is wrong is explained and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import User
from tests.conftest import texts


async def stored_user(app, user_id: str = "alice") -> User | None:  # noqa: ANN001
    async with app.sessions() as session:
        return await session.scalar(select(User).where(User.platform_user_id == user_id))


# /timezone


async def test_timezone_without_arguments_shows_the_current_zone(chat) -> None:  # noqa: ANN001
    text = texts(await chat.say("/timezone"))
    assert "Your time zone is UTC (it is 10:00 there now)" in text
    assert "/timezone Asia/Kolkata" in text


async def test_timezone_alias_tz_shows_the_zone_too(chat) -> None:  # noqa: ANN001
    assert "Your time zone is UTC" in texts(await chat.say("/tz"))


@pytest.mark.parametrize("given", ["Asia/Kolkata", "asia/kolkata", "ASIA/KOLKATA", "  asia/Kolkata  "])
async def test_timezone_is_case_insensitive_and_stored_canonically(chat, app, given: str) -> None:  # noqa: ANN001
    text = texts(await chat.say(f"/timezone {given}"))
    assert "Time zone set to Asia/Kolkata: it is 15:30 there now" in text
    assert (await stored_user(app)).timezone == "Asia/Kolkata"
    assert "Your time zone is Asia/Kolkata (it is 15:30 there now)" in texts(await chat.say("/timezone"))


async def test_timezone_with_a_space_instead_of_underscore(chat, app) -> None:  # noqa: ANN001
    await chat.say("/timezone america/new york")
    assert (await stored_user(app)).timezone == "America/New_York"


@pytest.mark.parametrize("given", ["Mars/Base", "+05:30", "IST", "UTC+5:30", "Kolkata"])
async def test_unknown_timezone_lists_examples_and_changes_nothing(chat, app, given: str) -> None:  # noqa: ANN001
    await chat.say("/timezone Europe/Berlin")
    text = texts(await chat.say(f"/timezone {given}"))
    assert f'I don\'t know the time zone "{given}"' in text
    for example in ("Asia/Kolkata", "Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"):
        assert example in text
    assert (await stored_user(app)).timezone == "Europe/Berlin"


async def test_unknown_timezone_for_a_new_learner_keeps_utc(chat, app) -> None:  # noqa: ANN001
    await chat.say("/timezone Mars/Base")
    assert (await stored_user(app)).timezone == "UTC"


# /lang


async def test_lang_zh_switches_replies_to_chinese(chat, app) -> None:  # noqa: ANN001
    assert "Here is what I can do" in texts(await chat.say("/help"))
    assert "好的，之后我就用中文和你聊。" in texts(await chat.say("/lang zh"))
    text = texts(await chat.say("/help"))
    assert "我能帮你做这些事" in text
    assert "Here is what I can do" not in text
    assert (await stored_user(app)).lang == "zh"
    assert "你当前的语言是 zh" in texts(await chat.say("/lang"))


@pytest.mark.parametrize("given", ["english", "English", "EN", "en"])
async def test_lang_english_names_work(chat, app, given: str) -> None:  # noqa: ANN001
    await chat.say("/lang zh")
    text = texts(await chat.say(f"/lang {given}"))
    assert "Done: I'll talk to you in English from now on." in text
    assert "Here is what I can do" in texts(await chat.say("/help"))
    assert (await stored_user(app)).lang == "en"


@pytest.mark.parametrize("given", ["中文", "chinese", "zh-CN"])
async def test_lang_chinese_names_work(chat, app, given: str) -> None:  # noqa: ANN001
    await chat.say(f"/lang {given}")
    assert (await stored_user(app)).lang == "zh"


async def test_lang_unknown_errors_and_changes_nothing(chat, app) -> None:  # noqa: ANN001
    text = texts(await chat.say("/lang xx"))
    assert 'I don\'t know the language "xx"' in text
    assert "/lang en" in text and "/lang zh" in text
    assert (await stored_user(app)).lang is None
    assert "Here is what I can do" in texts(await chat.say("/help"))


async def test_lang_unknown_keeps_a_chosen_language(chat, app) -> None:  # noqa: ANN001
    await chat.say("/lang zh")
    text = texts(await chat.say("/lang klingon"))
    assert "我不认识“klingon”这种语言" in text
    assert (await stored_user(app)).lang == "zh"


async def test_lang_without_arguments_shows_the_current_one(chat) -> None:  # noqa: ANN001
    assert "Your language is en" in texts(await chat.say("/lang"))


async def test_zh_locale_gets_chinese_by_default_and_lang_en_overrides(app) -> None:  # noqa: ANN001
    li = app.fake.chat("li", locale="zh_CN")
    assert "我能帮你做这些事" in texts(await li.say("/help"))
    assert (await stored_user(app, "li")).lang is None  # only a hint, nothing stored

    assert "Done: I'll talk to you in English from now on." in texts(await li.say("/lang en"))
    assert "Here is what I can do" in texts(await li.say("/help"))
    assert (await stored_user(app, "li")).lang == "en"


async def test_language_choice_is_per_learner(app) -> None:  # noqa: ANN001
    alice, bob = app.fake.chat("alice"), app.fake.chat("bob")
    await alice.say("/lang zh")
    assert "Here is what I can do" in texts(await bob.say("/help"))
    assert "我能帮你做这些事" in texts(await alice.say("/help"))


async def test_server_relative_and_legacy_zone_names_are_refused(chat) -> None:  # noqa: ANN001
    for name in ("localtime", "Factory", "posix/Asia/Kolkata"):
        assert "I don't know the time zone" in texts(await chat.say(f"/timezone {name}")), name
    assert "UTC" in texts(await chat.say("/timezone utc"))
