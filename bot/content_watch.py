"""Hot reload: when a content file changes, load the content again. Good content is served within
seconds; broken content (an emptied file, a YAML mistake, a file over the size limit) is refused, the
last good content keeps serving, and admins are told. Good content that has lost FAQ topics or roadmap
steps (a deleted file) is served, and admins are told which ones are gone."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import awatch

from handlers.admin import reload_reply
from handlers.content import Problem
from handlers.content.store import ContentStore
from handlers.core.types import Reply

log = logging.getLogger(__name__)

Report = Callable[[list[Problem]], Awaitable[None]]
Notify = Callable[[Reply], Awaitable[None]]


def _is_content(path: str) -> bool:
    name = Path(path).name
    return name.endswith((".yaml", ".yml")) and not name.startswith((".", "#", "~"))


async def watch_content(
    store: ContentStore, report: Report, debounce_ms: int = 400, *, notify: Notify | None = None
) -> None:
    """Runs until cancelled. `report` gets the problems of a refused change; `notify` (the admins'
    inbox, e.g. `App.tell_admins`) gets the notice of an applied change that removed topics or steps."""
    async for changes in awatch(store.root, debounce=debounce_ms, step=100, recursive=True):
        if not any(_is_content(path) for _, path in changes):
            continue
        try:
            result = await store.reload()
        except Exception:  # the watcher must outlive any surprise in one reload
            log.exception("content reload failed; still serving the last good content")
            continue
        if not result.applied:
            log.error(
                "content change refused, still serving the last good content:\n%s",
                "\n".join(map(str, result.problems)),
            )
            await report(result.problems)
            continue
        c = store.content
        log.info("content reloaded: %d FAQ topics, %d roadmap steps", len(c.faq), len(c.steps))
        if result.dropped_topics or result.dropped_steps:
            log.warning(
                "the reloaded content no longer has FAQ topics [%s] and roadmap steps [%s]",
                ", ".join(result.dropped_topics),
                ", ".join(result.dropped_steps),
            )
            if notify is not None:
                await notify(reload_reply(result, c, "en"))
