"""A reminder-dispatching process for the crash test (tests/test_reminder_crash.py): it sends every due
reminder by appending "<reminder id>\\n" to a file (flushed and fsynced, like a message that left the
process), then exits when nothing is pending. The test SIGKILLs it mid-burst and starts it again."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import SystemClock  # noqa: E402
from bot.reminders import ReminderService, ReminderSettings  # noqa: E402
from bot.settings import REPO_CONTENT  # noqa: E402
from db.engine import make_engine, make_sessions  # noqa: E402
from db.reminders import earliest_due  # noqa: E402
from handlers.content.store import ContentStore  # noqa: E402


async def main(db_url: str, out: Path) -> None:
    engine = make_engine(db_url)
    sessions = make_sessions(engine)
    fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def send(chat, replies) -> None:  # noqa: ANN001
        await asyncio.sleep(0.002)  # the network
        os.write(fd, f"{chat.chat_id}\n".encode())
        os.fsync(fd)

    # a real bot sends at ~30 msg/s; 100/s keeps the test short and still paces the sends
    settings = ReminderSettings(global_rate=100, chat_rate=1, send_batch=50, stale_after=timedelta(0))
    service = ReminderService(sessions, SystemClock(), send, ContentStore(REPO_CONTENT), settings)
    await service.release_orphans()
    while True:
        await service.tick()
        async with sessions() as s:
            if await earliest_due(s) is None:
                break
    os.close(fd)
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
