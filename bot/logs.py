"""Logging set-up, with every secret the settings hold masked in whatever is written.

Libraries log on their own (python-telegram-bot logs a polling failure with its traceback, httpx logs
request URLs, which for Telegram contain the token), so masking happens in the formatter, after the
whole line, traceback included, has been made.

The interpreter writes on its own too: an uncaught exception's traceback (sys.excepthook), a thread's
(threading.excepthook), an "Exception ignored in" (sys.unraisablehook), a warning, an asyncio task or
callback that failed (the loop's exception handler). `setup_logging` sends all of them through the
logging handler, so through the mask; `mask_loop_errors` does it for a running event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

MASK = "[secret]"
log = logging.getLogger("bot")


class Mask:
    """Replaces every secret in a text by MASK."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # longest first, so a secret that contains another is masked whole; short values are not secrets
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.mask = Mask(secrets)

    @property
    def secrets(self) -> list[str]:
        return self.mask.secrets

    def format(self, record: logging.LogRecord) -> str:
        return self.mask(super().format(record))


class JsonFormatter(RedactingFormatter):
    """One JSON object per line: time, level, logger, message, the event's fields when the line is an
    event summary (handlers.core.middleware), and the traceback if any; secrets masked as in text lines."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__("%(message)s", secrets)

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        event = getattr(record, "event", None)
        if isinstance(event, dict):
            out.update(event)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return self.mask(json.dumps(out, ensure_ascii=False, default=str))


def setup_logging(level: int, secrets: Iterable[str] = (), fmt: str = "text") -> Mask:
    """One handler on stderr for every log line and everything the interpreter would print on its own;
    returns the mask, for the few lines the CLI prints itself."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        formatter: RedactingFormatter = JsonFormatter(secrets)
    else:
        formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request, URL included
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin, each start
    logging.captureWarnings(True)
    sys.excepthook = _uncaught
    threading.excepthook = _thread_failed
    sys.unraisablehook = _unraisable
    return formatter.mask


def log_stream(stream: Any) -> None:
    """Write the log lines to `stream` from now on (e.g. the console chat, which keeps its prompt)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)


def _uncaught(kind: type[BaseException], value: BaseException, tb: Any) -> None:
    if issubclass(kind, KeyboardInterrupt):
        return
    log.critical("stopped by an unexpected error", exc_info=(kind, value, tb))


def _thread_failed(args: threading.ExceptHookArgs) -> None:
    if issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    log.error("thread %s failed", name, exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def _unraisable(u: Any) -> None:
    where = f"{u.err_msg or 'Exception ignored in'}: {u.object!r}"
    log.warning("%s", where, exc_info=(u.exc_type, u.exc_value, u.exc_traceback))


def _loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    exc = context.get("exception")
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    lines = [str(context.get("message") or "Unhandled exception in the event loop")]
    lines += [f"{key}: {value!r}" for key, value in context.items() if key not in ("message", "exception")]
    logging.getLogger("asyncio").error("%s", "\n".join(lines), exc_info=exc_info)


def mask_loop_errors(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """The loop's own error reports (a task whose exception nobody read, a failed callback) go through
    the logs' mask too."""
    (loop or asyncio.get_running_loop()).set_exception_handler(_loop_error)
