"""Logging set-up, with every secret the settings hold masked in whatever is written.

Libraries log on their own (python-telegram-bot logs a polling failure with its traceback, httpx logs
request URLs, which for Telegram contain the token), so masking happens in the formatter, after the
whole line, traceback included, has been made.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

MASK = "[secret]"


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        # longest first, so a secret that contains another is masked whole; short values are not secrets
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, MASK)
        return line


def setup_logging(level: int, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request, URL included
