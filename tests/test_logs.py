"""Log lines never carry a secret, wherever the library put it (message, arguments, traceback)."""

from __future__ import annotations

import io
import logging

import pytest

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


HOOKED = f"""
import asyncio, gc, threading, warnings
from bot.logs import mask_loop_errors, setup_logging

setup_logging(20, [{TOKEN!r}])
def work():
    raise OSError("thread GET /bot{TOKEN}/x")
t = threading.Thread(target=work)
t.start(); t.join()

class Leaky:
    def __del__(self):
        raise ValueError("del /bot{TOKEN}/y")
Leaky(); gc.collect()

warnings.warn("warned about /bot{TOKEN}/w")

async def main():
    mask_loop_errors()
    def boom():
        raise KeyError("callback /bot{TOKEN}/z")
    asyncio.get_running_loop().call_soon(boom)
    await asyncio.sleep(0.05)
asyncio.run(main())
raise RuntimeError("uncaught POST /bot{TOKEN}/getMe")
"""


@pytest.mark.slow
def test_what_the_interpreter_prints_on_its_own_goes_through_the_mask(tmp_path) -> None:
    """Tracebacks of an uncaught exception, a thread, an ignored exception, an event loop callback, and
    warnings: none bypasses the logs' mask."""
    import subprocess
    import sys

    from tests.conftest import bot_env

    command = [sys.executable, "-c", HOOKED]
    result = subprocess.run(command, cwd=tmp_path, env=bot_env(), capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert TOKEN not in output
    assert output.count("Traceback (most recent call last)") == 4  # still there, only masked
    for what in ("uncaught POST", "thread GET", "del /bot", "callback /bot", "warned about"):
        (line,) = [line for line in output.splitlines() if what in line]
        assert f"/bot{MASK}/" in line, line
