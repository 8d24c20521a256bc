"""An optional small HTTP endpoint for operators (HEALTH_PORT): `/healthz` for liveness and readiness,
`/metrics` in Prometheus' text format. Off unless the setting is given."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[dict[str, bool]]]


class HealthServer:
    def __init__(self, listen: str, port: int, check: Check, metrics: Callable[[], bytes]) -> None:
        self.listen, self.port, self.check, self.metrics = listen, port, check, metrics
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen, self.port)
        await site.start()
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        try:
            checks = await asyncio.wait_for(self.check(), timeout=5)
        except Exception as exc:  # the database did not answer in time, or at all
            checks = {"database": False}
            log.warning("health check failed: %s", type(exc).__name__)
        ok = all(checks.values())
        body = json.dumps({"status": "ok" if ok else "unavailable", "checks": checks})
        return web.Response(text=body, status=200 if ok else 503, content_type="application/json")

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=self.metrics(), headers={"Content-Type": CONTENT_TYPE_LATEST})
