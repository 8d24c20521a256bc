"""Hot reload: when a content file changes, load the content again. Good content is served within
seconds; broken content is refused, the last good content keeps serving, and admins are told."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import awatch

from handlers.content import Problem
from handlers.content_store import ContentStore

log = logging.getLogger(__name__)

Report = Callable[[list[Problem]], Awaitable[None]]


def _is_content(path: str) -> bool:
    name = Path(path).name
    return name.endswith((".yaml", ".yml")) and not name.startswith((".", "#", "~"))


async def watch_content(store: ContentStore, report: Report, debounce_ms: int = 400) -> None:
    """Runs until cancelled."""
    async for changes in awatch(store.root, debounce=debounce_ms, step=100, recursive=True):
        if not any(_is_content(path) for _, path in changes):
            continue
        problems = store.reload()
        if problems:
            log.error(
                "content change refused, still serving the last good content:\n%s",
                "\n".join(map(str, problems)),
            )
            await report(problems)
        else:
            c = store.content
            log.info("content reloaded: %d FAQ topics, %d roadmap steps", len(c.faq), len(c.steps))
