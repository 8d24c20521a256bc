"""/link through the real client libraries: one app on the fake Telegram and the fake Discord at once,
a learner on both, a group board on Telegram. The linked learner's minutes count once everywhere; a
wrong code is refused and, after 5 an hour, even a right one is."""

from __future__ import annotations

import re

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.app import App
from tests.conftest import make_settings
from tests.fake_discord import BOB as BOB_DC
from tests.fake_discord import GENERAL, GUILD, study_server
from tests.fake_telegram import FakeTelegram
from tests.test_discord import _urls, replies_to, shown
from tests.test_telegram import ROOMY_FAKE, ROOMY_LIMITS

pytestmark = pytest.mark.platform

ALICE_TG, BOB_TG, GROUP = 1001, 1002, -5001
CODE = re.compile(r"\b([A-HJ-NP-Z2-9]{8})\b")


@pytest.fixture
async def both(tmp_path, clock):  # noqa: ANN001, ANN201
    telegram, discord = FakeTelegram(**ROOMY_FAKE), study_server()
    url = await telegram.start()
    try:
        async with discord:
            adapters = [
                TelegramAdapter(telegram.token, base_url=url, poll_timeout=1, limits=ROOMY_LIMITS),
                DiscordAdapter(
                    discord.token,
                    *_urls(discord),
                    identify_pause=0,
                    ready_timeout=10,
                    guild_ready_timeout=0.1,
                ),
            ]
            async with App(make_settings(tmp_path), adapters, clock=clock) as app:
                yield telegram, discord, app
    finally:
        await telegram.stop()
    assert telegram.unanswered() == [] and discord.unhandled == [] and discord.crashes == []


async def test_a_learner_on_telegram_and_discord_links_once_and_counts_once_on_the_board(both, clock):
    tg, dc, app = both
    tg.admins[GROUP] = {ALICE_TG}
    tg.names[BOB_TG] = "Bob"

    async def tg_says(user: int, text: str, chat: int | None = None) -> str:
        where = chat if chat is not None else user
        before = len(tg.texts_to(where))
        tg.user_says(user, text, **({"chat_id": chat} if chat is not None else {}))
        assert await tg.wait_for(lambda: len(tg.texts_to(where)) > before)
        return tg.texts_to(where)[-1]

    async def dc_slash(name: str, options: dict | None = None, **where: object) -> str:
        (reply,) = await replies_to(dc, await dc.slash(BOB_DC, name, options or {}, **where))
        return shown(reply)

    assert "on this group's board" in await tg_says(BOB_TG, "/leaderboard join", GROUP)
    await tg_says(BOB_TG, "/log 30 numpy")
    await dc_slash("log", {"time": "20", "what": "pandas"})
    assert "private chat" in await tg_says(BOB_TG, "/link", GROUP)  # a code is never shown in a group
    answer = await tg_says(BOB_TG, "/link")
    code = CODE.search(answer.split(":", 1)[1])[1]
    for n in range(1, 6):
        reply = await dc_slash("link", {"code": "WRONG" + "2" * 3})
        assert ("more tr" in reply) if n < 5 else ("Too many wrong codes" in reply), (n, reply)
    assert "Too many wrong codes" in await dc_slash("link", {"code": code})  # refused, right or not
    assert "0 h 30 min" in await tg_says(ALICE_TG, "/leaderboard", GROUP)  # still two learners
    clock.advance(minutes=61)
    assert "doesn't work" in await dc_slash("link", {"code": code})  # the old code is worth nothing now
    code = CODE.search((await tg_says(BOB_TG, "/link")).split(":", 1)[1])[1]
    linked = await dc_slash("link", {"code": code})
    assert "Linked" in linked and "Telegram" in linked
    board = await tg_says(ALICE_TG, "/leaderboard", GROUP)
    assert "Bob — 0 h 50 min" in board and board.count("Bob") == 1
    assert "0 h 50 min" in await dc_slash("progress")
    assert "0 h 50 min" in await tg_says(BOB_TG, "/progress")
    # the Discord side logs in the server: on the Telegram group's board at once, once
    await dc_slash("log", {"time": "10"}, guild_id=GUILD, channel_id=GENERAL)
    assert "Bob — 1 h 0 min" in await tg_says(ALICE_TG, "/leaderboard", GROUP)
    assert "Unlinked" in await dc_slash("unlink")
    clock.advance(minutes=1)
    await dc_slash("log", {"time": "15"})
    assert "Bob — 1 h 0 min" in await tg_says(ALICE_TG, "/leaderboard", GROUP)  # going forward only
