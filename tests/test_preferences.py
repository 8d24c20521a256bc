"""/timezone and /lang: what the learner chooses is stored, what is wrong is explained and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Account, Reminder, User
from tests.conftest import DATABASES, texts


async def stored_user(app, user_id: str = "alice") -> User | None:  # noqa: ANN001
    async with app.sessions() as session:
        return await session.scalar(
            select(User).join(Account, Account.user_id == User.id).where(Account.platform_user_id == user_id)
        )


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


@pytest.mark.parametrize("given", ["Mars/Base", "Kolkatta", "UTC+13:15", "Etc/GMT-5", "Atlantis time"])
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


# /timezone by everyday names (handlers/core/zones.py): the IANA zone is stored, never an offset


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
@pytest.mark.parametrize(
    ("given", "zone"),
    [
        ("IST", "Asia/Kolkata"),
        ("ist", "Asia/Kolkata"),
        ("India", "Asia/Kolkata"),
        ("india time", "Asia/Kolkata"),
        ("India Standard Time", "Asia/Kolkata"),
        ("印度", "Asia/Kolkata"),
        ("Mumbai", "Asia/Kolkata"),
        ("北京时间", "Asia/Shanghai"),
        ("China", "Asia/Shanghai"),
        ("中国", "Asia/Shanghai"),
        ("Japan", "Asia/Tokyo"),
        ("JST", "Asia/Tokyo"),
        ("日本时间", "Asia/Tokyo"),
        ("PST", "America/Los_Angeles"),
        ("pdt", "America/Los_Angeles"),
        ("Germany", "Europe/Berlin"),
        ("Kolkata", "Asia/Kolkata"),
        ("new york", "America/New_York"),
        ("上海", "Asia/Shanghai"),
        ("UTC+5:45", "Asia/Kathmandu"),
        ("GMT+0", "UTC"),
    ],
)
async def test_common_names_and_abbreviations_set_an_iana_zone(db_app, given: str, zone: str) -> None:  # noqa: ANN001
    chat = db_app.fake.chat("alice")
    text = texts(await chat.say(f"/timezone {given}"))
    assert f"Time zone set to {zone}" in text
    assert (await stored_user(db_app)).timezone == zone


async def test_a_name_that_observes_dst_stores_the_zone_so_summer_time_follows(app, clock) -> None:  # noqa: ANN001
    chat = app.fake.chat("alice")
    await chat.say("/timezone PST")  # said in winter; the zone, not UTC-8, is what is kept
    assert (await stored_user(app)).timezone == "America/Los_Angeles"
    clock.set(clock.now().replace(month=7))
    assert "it is 03:00 there now" in texts(await chat.say("/timezone"))  # 10:00 UTC is 03:00 PDT


async def test_a_name_mostly_meant_one_way_says_what_else_it_can_mean(chat) -> None:  # noqa: ANN001
    text = texts(await chat.say("/timezone IST"))
    assert "Time zone set to Asia/Kolkata" in text
    assert "Did you mean another one?" in text
    assert "/timezone Europe/Dublin" in text and "/timezone Asia/Jerusalem" in text


@pytest.mark.parametrize(
    ("given", "choices"),
    [
        ("CST", ("America/Chicago", "Asia/Shanghai", "America/Havana")),
        ("UTC+5:30", ("Asia/Kolkata", "Asia/Colombo")),
        ("+05:30", ("Asia/Kolkata", "Asia/Colombo")),
        ("CET", ("Europe/Berlin", "Europe/Paris", "Europe/Madrid")),
        ("United States", ("America/New_York", "America/Chicago", "America/Los_Angeles")),
    ],
)
async def test_an_ambiguous_name_suggests_zones_and_changes_nothing(chat, app, given: str, choices) -> None:  # noqa: ANN001
    await chat.say("/timezone Europe/Berlin")
    text = texts(await chat.say(f"/timezone {given}"))
    assert f'"{given}" can mean more than one time zone' in text
    for zone in choices:
        assert f"/timezone {zone}" in text
    assert (await stored_user(app)).timezone == "Europe/Berlin"


async def test_each_suggestion_names_the_zone_and_its_time_now(chat) -> None:  # noqa: ANN001
    text = texts(await chat.say("/timezone CST"))
    assert "/timezone America/Chicago — Central Time, 04:00 there now" in text
    assert "/timezone Asia/Shanghai — China Time, 18:00 there now" in text


@pytest.mark.parametrize(
    ("locale", "given", "zone"),
    [
        ("zh_CN", "CST", "Asia/Shanghai"),
        ("zh", "UTC+8", "Asia/Shanghai"),
        ("en_US", "CST", "America/Chicago"),
        ("en_IN", "UTC+5:30", "Asia/Kolkata"),
        ("en_IE", "IST", "Europe/Dublin"),
        ("de_DE", "CET", "Europe/Berlin"),
    ],
)
async def test_the_learners_country_picks_among_the_zones_a_name_can_mean(app, locale, given, zone) -> None:  # noqa: ANN001
    chat = app.fake.chat("alice", locale=locale)
    await chat.say(f"/timezone {given}")
    assert (await stored_user(app)).timezone == zone


async def test_timezone_replies_are_in_the_learners_language(app) -> None:  # noqa: ANN001
    li = app.fake.chat("li", locale="zh_CN")
    text = texts(await li.say("/timezone 美国"))
    assert "“美国”可能指不止一个时区" in text
    assert "/timezone America/Chicago — 北美中部时间，当地现在 04:00" in text
    assert "我不认识“火星”这个时区" in texts(await li.say("/timezone 火星"))
    assert "时区已设为 Asia/Tokyo" in texts(await li.say("/timezone 东京"))


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_a_group_admin_sets_the_group_zone_by_country_name(db_app) -> None:  # noqa: ANN001
    admin = db_app.fake.chat("gina", chat_id="study-group", group=True, chat_admin=True)
    assert "The group's time zone is now Asia/Kolkata" in texts(await admin.say("/timezone India"))
    text = texts(await admin.say("/timezone CST"))
    assert "can mean more than one time zone" in text
    assert "This group's time zone is Asia/Kolkata" in texts(await admin.say("/timezone"))


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_lang_carries_the_learners_private_reminders_but_not_group_ones(db_app) -> None:  # noqa: ANN001
    alice = db_app.fake.chat("alice")
    group = db_app.fake.chat("alice", chat_id="study-group", group=True, chat_admin=True)
    await alice.say("/timezone UTC")
    await group.say("/timezone UTC")
    await alice.say("/remind daily 19:00")
    await group.say("/remind daily 20:00")
    await alice.say("/lang zh")
    async with db_app.sessions() as s:
        langs = {r.is_group: r.lang for r in (await s.execute(select(Reminder))).scalars()}
    assert langs == {False: "zh", True: "en"}


async def zones_and_next(app) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    """Each reminder's text (or kind): (its zone, its next time in UTC as HH:MM)."""
    async with app.sessions() as s:
        rows = (await s.execute(select(Reminder).order_by(Reminder.id))).scalars()
        return {r.text or r.kind: (r.timezone, f"{r.next_fire_at:%m-%d %H:%M}") for r in rows}


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_a_zone_change_carries_the_learners_repeating_reminders_and_keeps_one_offs(db_app) -> None:  # noqa: ANN001
    alice = db_app.fake.chat("alice")  # the clock: Mon 2026-03-02 10:00 UTC
    group = db_app.fake.chat("alice", chat_id="study-group", group=True, chat_admin=True)
    await alice.say("/timezone Europe/Berlin")
    await alice.say("/remind daily 19:00 revise")
    await alice.say("/remind 2026-03-05 09:00 exam")  # a date: it keeps its Berlin 09:00
    await alice.say("/remind in 2h stretch")  # an instant
    await alice.say("/goal 5h")  # the weekly digest, Sundays 18:00
    await group.say("/timezone UTC")
    await group.say("/remind daily 20:00 group study")
    before = await zones_and_next(db_app)
    assert before["revise"] == ("Europe/Berlin", "03-02 18:00")
    text = texts(await alice.say("/timezone Asia/Tokyo"))
    assert "Your 3 reminders follow it too" in text
    after = await zones_and_next(db_app)
    assert after["revise"] == ("Asia/Tokyo", "03-03 10:00")  # 19:00 in Tokyo
    assert after["week"] == ("Asia/Tokyo", "03-08 09:00")  # Sunday 18:00 in Tokyo
    assert after["stretch"] == ("Asia/Tokyo", before["stretch"][1])  # the same instant
    assert after["exam"] == before["exam"] == ("Europe/Berlin", "03-05 08:00")
    assert after["group study"] == before["group study"]  # the group's own zone, not hers
    assert "next: 2026-03-03 19:00 JST" in texts(await alice.say("/reminders"))
    assert "Your reminder" not in texts(await alice.say("/timezone Asia/Tokyo"))  # nothing moved again
    await group.say("/timezone Asia/Kolkata")  # channel reminders follow the group's zone
    assert (await zones_and_next(db_app))["group study"] == ("Asia/Kolkata", "03-02 14:30")
