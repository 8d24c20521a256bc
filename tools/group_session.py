"""A Telegram group session, printed as a transcript: the bot on the fake Telegram server of tests/ (the
real python-telegram-bot client over loopback), an admin and three members, one of them writing in
Chinese. Shows the community side (issue 16): the opt-in board, a challenge, /stats for the admin.

    .venv/bin/python tools/group_session.py

No token, no network: a temporary SQLite file and a fake clock (a Monday, 10:00 UTC).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.adapters.telegram import TelegramAdapter  # noqa: E402
from bot.app import App  # noqa: E402
from bot.clock import FakeClock  # noqa: E402
from tests.conftest import make_settings  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.test_telegram import ROOMY_FAKE, ROOMY_LIMITS  # noqa: E402

ALICE, BOB, CAROL, LI, GROUP = 1001, 1002, 1003, 1004, -5001
NAMES = {ALICE: "Alice (admin)", BOB: "Bob", CAROL: "Carol", LI: "李雷"}


async def main() -> None:
    fake = FakeTelegram(**ROOMY_FAKE)
    fake.admins[GROUP] = {ALICE}
    fake.names.update({BOB: "Bob", CAROL: "Carol", LI: "李雷", ALICE: "Alice"})
    url = await fake.start()
    clock = FakeClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as tmp:
        adapter = TelegramAdapter(fake.token, base_url=url, poll_timeout=1, limits=ROOMY_LIMITS)
        async with App(make_settings(Path(tmp)), [adapter], clock=clock):

            async def say(user: int, text: str, private: bool = False, lang: str = "en") -> None:
                before = {c: len(fake.texts_to(c)) for c in (GROUP, user)}
                fake.user_says(user, text, lang=lang, **({} if private else {"chat_id": GROUP}))
                await fake.wait_for(lambda: any(len(fake.texts_to(c)) > n for c, n in before.items()))
                await asyncio.sleep(0.2)  # a second reply (the private stats) may follow
                place = "private" if private else "group"
                print(f"[{place}] {NAMES[user]}: {text}")
                for chat, n in before.items():
                    for reply in fake.texts_to(chat)[n:]:
                        shown = "group" if chat == GROUP else f"private to {NAMES[chat]}"
                        print("    bot (" + shown + "): " + reply.replace("\n", "\n        "))
                print()

            await say(ALICE, "/start", private=True)
            await say(ALICE, "/timezone Asia/Kolkata")
            await say(BOB, "/leaderboard join")
            await say(CAROL, "/leaderboard join")
            await say(LI, "/leaderboard join", lang="zh")
            await say(BOB, "/challenge new 7 a week of linear algebra")
            await say(ALICE, "/challenge new 7 a week of linear algebra")
            await say(BOB, "/challenge join")
            await say(LI, "/challenge join", lang="zh")
            await say(BOB, "/log 45 eigenvectors", private=True)
            await say(LI, "/log 1h30 线性代数", private=True, lang="zh")
            await say(CAROL, "/log 20 numpy", private=True)
            await say(LI, "/challenge checkin", lang="zh")
            await say(BOB, "/challenge")
            await say(CAROL, "/leaderboard")
            await say(CAROL, "/ask how much do ML engineers earn in India?")
            await say(BOB, "/ask can I learn the guitar in a month?")
            await say(BOB, "/stats")
            await say(ALICE, "/stats")
            await say(LI, "/leaderboard", lang="zh")
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
