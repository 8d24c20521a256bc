"""discord.py's clients, sending to one adapter's REST base and gateway instead of Discord's.

discord.py builds every URL from class attributes, the same for the whole process: REST routes from
`discord.http.Route.BASE`, the first gateway connection from `DiscordWebSocket.DEFAULT_GATEWAY`.
Setting those would point every client in the process at one place (two adapters on two servers, or a
test next to a real client, would fight over them). Instead each client gets its own:

- `RebasedHTTP`, its HTTPClient: every REST request and every gateway connection goes through it
  (`request`, `ws_connect`), so it moves the URL from Discord's default to this client's.
- `RebasedWebhooks`, the adapter discord.py answers interactions with (responses, follow-ups, edits).
  discord.py takes it from a context variable (`discord.webhook.async_.async_context`), so the client
  sets it in the task that runs it (`use_in_this_task`) and every task it starts inherits it.

URLs Discord itself hands out (the gateway from GET /gateway/bot, a session's resume URL) are used
as they are.
"""

from __future__ import annotations

import copy
from typing import Any

import aiohttp
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter, async_context


def rebased(route: Route, api_base: str) -> Route:
    """The route with its URL under `api_base` instead of discord.py's default base."""
    if api_base == Route.BASE or not route.url.startswith(Route.BASE):
        return route
    moved = copy.copy(route)
    moved.url = api_base + route.url[len(Route.BASE) :]
    return moved


def regated(url: str, gateway: str) -> str:
    """A websocket URL for discord.py's default gateway moved to `gateway` (same query)."""
    default, target = DiscordWebSocket.DEFAULT_GATEWAY, yarl.URL(url)
    if (target.scheme, target.host, target.port) != (default.scheme, default.host, default.port):
        return url  # a gateway Discord named (GET /gateway/bot, a resume URL), or a voice server
    return str(yarl.URL(gateway).with_query(target.query))


class RebasedHTTP(HTTPClient):
    """discord.py's REST client (rate limits, retries) for one API base and one default gateway."""

    def __init__(self, loop: Any, api_base: str, gateway: str) -> None:  # noqa: ANN401 (discord.py's loop)
        super().__init__(loop)
        self.api_base, self.gateway = api_base, gateway

    async def request(self, route: Route, **kwargs: Any) -> Any:  # noqa: ANN401 (discord.py's JSON)
        return await super().request(rebased(route, self.api_base), **kwargs)

    async def ws_connect(self, url: str, *, compress: int = 0) -> aiohttp.ClientWebSocketResponse:
        return await super().ws_connect(regated(url, self.gateway), compress=compress)


class RebasedWebhooks(AsyncWebhookAdapter):
    """discord.py's interaction and webhook requests, for one API base."""

    def __init__(self, api_base: str) -> None:
        super().__init__()
        self.api_base = api_base

    async def request(self, route: Route, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        return await super().request(rebased(route, self.api_base), *args, **kwargs)

    def use_in_this_task(self) -> None:
        """Answer interactions through this adapter in the running task and every task it starts."""
        async_context.set(self)
