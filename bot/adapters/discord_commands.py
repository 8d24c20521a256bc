"""Discord's slash commands, derived from the chat commands' declarations (handlers.core.types.Route) in one
loop: each declared option becomes a typed slash-command option (text or a whole number with its
minimum, its choices, autocomplete from handlers.suggest), descriptions come in English and Chinese from
the content's UI strings (`help.<command>`, the option's own key), `manage` and `admin` commands get
Manage Server as their default permission (the handlers check it again when they run), and `personal`
replies are ephemeral in servers (bot.adapters.discord reads `Route.personal`).

A command hands the adapter its name and its option values by name; the adapter passes them on as the
command's typed options and also joins them, in declared order, into the line the chat command takes, so
`/remind when:daily 19:00 text:revise` is `/remind daily 19:00 revise` to the handlers.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Optional

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str

from handlers import suggest
from handlers.content.store import ContentStore
from handlers.core.i18n import Strings, lang_from_locale
from handlers.core.types import Option, Route

MAX_DESCRIPTION = 100

Run = Callable[[discord.Interaction, Route, dict[str, object]], Awaitable[None]]
Suggest = Callable[[discord.Interaction, str], Awaitable[list[Choice[str]]]]


def surfaced(routes: Sequence[Route]) -> list[Route]:
    """The commands Discord shows: every declared, listed command once."""
    seen: set[str] = set()
    out = []
    for route in routes:
        if not route.hidden and route.name not in seen:
            seen.add(route.name)
            out.append(route)
    return out


def needs_manage_server(route: Route) -> bool:
    """Default permission: the commands that change a server's own settings, and the admins' commands."""
    return route.manage or route.admin


class UiTranslator(app_commands.Translator):
    """Command and option descriptions in Chinese for Discord's zh-CN and zh-TW clients."""

    def __init__(self, store: ContentStore) -> None:
        self.store = store

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        key = string.extras.get("key")
        if key is None or lang_from_locale(str(locale)) != "zh":
            return None
        return Strings(self.store.content.strings, "zh").raw(key)[:MAX_DESCRIPTION]


def build_tree(
    client: discord.Client, store: ContentStore, routes: Sequence[Route], run: Run
) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)
    en = Strings(store.content.strings, "en")

    def text(key: str) -> locale_str:
        return locale_str(en.raw(key)[:MAX_DESCRIPTION], key=key)

    def lang_of(interaction: discord.Interaction) -> str:
        return lang_from_locale(str(interaction.locale))

    async def step_choices(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        found = suggest.steps(store.content, current, lang_of(interaction))
        return [Choice(name=label[:100], value=value) for label, value in found]

    async def topic_choices(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        found = suggest.topics(store.content, current, lang_of(interaction))
        return [Choice(name=label[:100], value=value) for label, value in found]

    async def zone_choices(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return [Choice(name=label, value=value) for label, value in suggest.zones(current)]

    sources: dict[str, Suggest] = {"steps": step_choices, "topics": topic_choices, "zones": zone_choices}
    for route in surfaced(routes):
        tree.add_command(_slash_command(route, text, sources, run))
    return tree


def _annotation(option: Option) -> Any:
    if option.kind is int:
        kind: Any = app_commands.Range[int, option.min, None] if option.min is not None else int
    elif option.kind is str:
        kind = str
    else:
        raise TypeError(f"option {option.name!r}: Discord options are str or int, not {option.kind!r}")
    return kind if option.required else Optional[kind]  # noqa: UP045 (a runtime annotation object)


def _slash_command(
    route: Route, text: Callable[[str], locale_str], sources: dict[str, Suggest], run: Run
) -> app_commands.Command:
    """One slash command from one declaration: a callback whose signature discord.py reads for the
    options (required ones first, as Discord wants them), with their descriptions, choices and
    autocomplete applied as discord.py's own decorators would."""

    async def callback(interaction: discord.Interaction, **values: object) -> None:
        await run(interaction, route, values)

    ordered = sorted(route.options, key=lambda o: not o.required)
    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    params += [
        inspect.Parameter(
            o.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=_annotation(o),
            default=inspect.Parameter.empty if o.required else None,
        )
        for o in ordered
    ]
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = f"slash_{route.name}"
    if route.options:
        callback = app_commands.describe(**{o.name: text(o.help) for o in route.options})(callback)
    for o in route.options:
        if o.choices:
            choices = [Choice(name=label, value=value) for value, label in o.choices]
            callback = app_commands.choices(**{o.name: choices})(callback)
        if o.suggest:
            callback = app_commands.autocomplete(**{o.name: sources[o.suggest]})(callback)
    cmd = app_commands.Command(name=route.name, description=text(f"help.{route.name}"), callback=callback)
    if needs_manage_server(route):
        cmd.default_permissions = discord.Permissions(manage_guild=True)
    return cmd
