"""Log lines never carry a secret, wherever the library put it (message, arguments, traceback)."""

from __future__ import annotations

import io
import logging

from bot.logs import MASK, RedactingFormatter

TOKEN = "123456:AAH-secret_token"


def _line(record_args: tuple, exc: BaseException | None = None) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(message)s", [TOKEN, "", "abc"]))
    log = logging.getLogger("test_logs")
    log.addHandler(handler)
    log.propagate = False
    try:
        if exc is None:
            log.warning(*record_args)
        else:
            try:
                raise exc
            except type(exc):
                log.exception(*record_args)
    finally:
        log.removeHandler(handler)
    return stream.getvalue()


def test_secrets_are_masked_in_messages_arguments_and_tracebacks() -> None:
    line = _line(("Set Bot API URL: %s", f"https://api.telegram.org/bot{TOKEN}"))
    assert TOKEN not in line and f"bot{MASK}" in line
    line = _line(("polling failed",), RuntimeError(f"POST /bot{TOKEN}/getUpdates: 502"))
    assert TOKEN not in line and "RuntimeError" in line and MASK in line


def test_short_values_are_not_treated_as_secrets() -> None:
    assert "abc" in _line(("abc stays",))  # "abc" is too short to mask without mangling logs


def test_json_lines_carry_the_event_fields_and_mask_secrets() -> None:
    import json

    from bot.logs import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter([TOKEN]))
    log = logging.getLogger("test_logs_json")
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    log.propagate = False
    try:
        event = {"platform": "telegram", "chat": "direct", "kind": "/progress", "outcome": "ok"}
        log.info("platform=telegram ...", extra={"event": event})
        log.warning("url %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
    finally:
        log.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "INFO" and first["kind"] == "/progress" and first["outcome"] == "ok"
    assert TOKEN not in second["msg"] and MASK in second["msg"]
