"""Discord's slash commands are derived from the commands' declarations, and the permissions Discord
shows can't disagree with the rules the handlers apply."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from bot.adapters.discord_commands import build_tree, needs_manage_server, surfaced
from bot.app import ROUTERS
from handlers.content.store import ContentStore
from handlers.core.router import declared_commands
from handlers.core.types import Route
from tests.conftest import texts

ROUTES = declared_commands(ROUTERS)


@pytest.fixture(scope="module")
def tree() -> app_commands.CommandTree:
    from bot.settings import REPO_CONTENT

    async def run(interaction, route, values) -> None:  # noqa: ANN001
        raise AssertionError("not called here")

    client = discord.Client(intents=discord.Intents.none())
    return build_tree(client, ContentStore(REPO_CONTENT), ROUTES, run)


def test_every_declared_command_is_one_slash_command(tree) -> None:  # noqa: ANN001
    assert sorted(c.name for c in tree.get_commands()) == sorted(r.name for r in surfaced(ROUTES))


@pytest.mark.parametrize("route", surfaced(ROUTES), ids=lambda r: r.name)
def test_a_slash_command_has_the_declared_options_and_permission(tree, route: Route) -> None:  # noqa: ANN001
    cmd = tree.get_command(route.name)
    params = {p.name: p for p in cmd.parameters}
    assert list(params) == [o.name for o in sorted(route.options, key=lambda o: not o.required)]
    for o in route.options:
        p = params[o.name]
        assert p.required == o.required
        assert p.type == (
            discord.AppCommandOptionType.integer if o.kind is int else discord.AppCommandOptionType.string
        )
        assert p.min_value == o.min
        assert [(c.value, c.name) for c in p.choices] == list(o.choices)
        assert p.autocomplete == (o.suggest is not None)
        assert p.description != "…"  # described from the UI strings
    manage = cmd.default_permissions is not None and cmd.default_permissions.manage_guild
    assert manage == needs_manage_server(route) == (route.manage or route.admin)


# The handlers apply the same rule: in a group, a member without admin rights is refused exactly the
# commands that Discord shows to Manage Server only, and never the others.

SAMPLE_ARGS = {
    "remind": "daily 19:00 revise",
    "timezone": "Asia/Kolkata",
    "unremind": "1",
    "pause": "1",
    "resume": "1",
    "log": "30",
    "lang": "en",
    "step": "1",
    "done": "1",
    "doing": "1",
    "skip": "1",
    "undo": "1",
    "faq": "salary",
    "ask": "what does an ML engineer do",
    "unlog": "1",
}
REFUSALS = ("group's admins", "admins only", "only admins", "isn't yours", "that you can change here")


@pytest.mark.parametrize("route", surfaced(ROUTES), ids=lambda r: r.name)
async def test_in_a_group_a_member_is_refused_exactly_the_manage_server_commands(app, route: Route) -> None:  # noqa: ANN001
    admin = app.fake.chat("gina", chat_id="group", group=True, chat_admin=True)
    await admin.say("/timezone UTC")
    await admin.say("/remind daily 19:00 group hour")  # reminder #1, the group's
    member = app.fake.chat("max", chat_id="group", group=True)
    args = SAMPLE_ARGS.get(route.name, "")
    text = texts(await member.say(f"/{route.name} {args}".strip()))
    refused = any(r.lower() in text.lower() for r in REFUSALS)
    assert refused == needs_manage_server(route), text
