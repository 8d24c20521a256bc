"""Discord's slash commands: one per chat command, with typed options, descriptions in English and
Chinese (from the content's UI strings: `help.<command>` and `option.<name>`), autocomplete for
roadmap steps, FAQ topics and time zones, and Manage Server as the default permission of the
commands that change a server's settings or channel reminders (checked again when they run).

Each command hands the adapter its name and its options in order; the adapter joins them into the
same arguments the chat command takes, so `/remind when:daily 19:00 text:revise` is `/remind daily
19:00 revise` to the handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str

from handlers import suggest
from handlers.content_store import ContentStore
from handlers.i18n import Strings, lang_from_locale

# Replies that concern only the sender: ephemeral in servers (in DMs everything is private anyway).
PERSONAL = frozenset(
    {
        "start", "help", "step", "done", "doing", "skip", "undo", "progress", "log", "unlog", "lang",
        "reminders", "unremind", "pause", "resume", "export", "forget", "gaps", "reload",
    }
)  # fmt: skip
# Commands whose effect in a server is the server's (its zone, its channel reminders) or the bot's.
MANAGE_SERVER = frozenset({"timezone", "remind", "unremind", "pause", "resume", "gaps", "reload"})
MAX_DESCRIPTION = 100

Run = Callable[[discord.Interaction, str, tuple[object, ...]], Awaitable[None]]


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


def build_tree(client: discord.Client, store: ContentStore, run: Run) -> app_commands.CommandTree:
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

    def command(name: str):  # noqa: ANN202
        def register(fn):  # noqa: ANN001, ANN202
            cmd = app_commands.Command(name=name, description=text(f"help.{name}"), callback=fn)
            if name in MANAGE_SERVER:
                cmd.default_permissions = discord.Permissions(manage_guild=True)
            tree.add_command(cmd)
            return cmd

        return register

    # Commands without options.

    @command("start")
    async def start(interaction: discord.Interaction) -> None:
        await run(interaction, "start", ())

    @command("help")
    async def help_(interaction: discord.Interaction) -> None:
        await run(interaction, "help", ())

    @command("roadmap")
    async def roadmap(interaction: discord.Interaction) -> None:
        await run(interaction, "roadmap", ())

    @command("progress")
    async def progress(interaction: discord.Interaction) -> None:
        await run(interaction, "progress", ())

    @command("reminders")
    async def reminders(interaction: discord.Interaction) -> None:
        await run(interaction, "reminders", ())

    @command("export")
    async def export(interaction: discord.Interaction) -> None:
        await run(interaction, "export", ())

    @command("forget")
    async def forget(interaction: discord.Interaction) -> None:
        await run(interaction, "forget", ())

    @command("reload")
    async def reload(interaction: discord.Interaction) -> None:
        await run(interaction, "reload", ())

    @command("gaps")
    async def gaps(interaction: discord.Interaction) -> None:
        await run(interaction, "gaps", ())

    @command("faq")
    @app_commands.describe(topic=text("option.topic"))
    @app_commands.autocomplete(topic=topic_choices)
    async def faq(interaction: discord.Interaction, topic: str | None = None) -> None:
        await run(interaction, "faq", (topic,))

    @command("ask")
    @app_commands.describe(question=text("option.question"))
    async def ask(interaction: discord.Interaction, question: str) -> None:
        await run(interaction, "ask", (question,))

    @command("step")
    @app_commands.describe(step=text("option.step"))
    @app_commands.autocomplete(step=step_choices)
    async def step_(interaction: discord.Interaction, step: str | None = None) -> None:
        await run(interaction, "step", (step,))

    @command("done")
    @app_commands.describe(step=text("option.step"))
    @app_commands.autocomplete(step=step_choices)
    async def done_(interaction: discord.Interaction, step: str | None = None) -> None:
        await run(interaction, "done", (step,))

    @command("doing")
    @app_commands.describe(step=text("option.step"))
    @app_commands.autocomplete(step=step_choices)
    async def doing_(interaction: discord.Interaction, step: str | None = None) -> None:
        await run(interaction, "doing", (step,))

    @command("skip")
    @app_commands.describe(step=text("option.step"))
    @app_commands.autocomplete(step=step_choices)
    async def skip_(interaction: discord.Interaction, step: str | None = None) -> None:
        await run(interaction, "skip", (step,))

    @command("undo")
    @app_commands.describe(step=text("option.step"))
    @app_commands.autocomplete(step=step_choices)
    async def undo_(interaction: discord.Interaction, step: str | None = None) -> None:
        await run(interaction, "undo", (step,))

    @command("log")
    @app_commands.describe(time=text("option.time"), what=text("option.what"))
    async def log(interaction: discord.Interaction, time: str, what: str | None = None) -> None:
        await run(interaction, "log", (time, what))

    @command("unlog")
    @app_commands.describe(id=text("option.log_id"))
    async def unlog(interaction: discord.Interaction, id: app_commands.Range[int, 1] | None = None) -> None:  # noqa: A002
        await run(interaction, "unlog", (id,))

    @command("timezone")
    @app_commands.describe(zone=text("option.zone"))
    @app_commands.autocomplete(zone=zone_choices)
    async def timezone(interaction: discord.Interaction, zone: str | None = None) -> None:
        await run(interaction, "timezone", (zone,))

    @command("lang")
    @app_commands.describe(language=text("option.language"))
    @app_commands.choices(language=[Choice(name="English", value="en"), Choice(name="简体中文", value="zh")])
    async def lang(interaction: discord.Interaction, language: str) -> None:
        await run(interaction, "lang", (language,))

    @command("remind")
    @app_commands.describe(when=text("option.when"), text=text("option.text"))
    async def remind(interaction: discord.Interaction, when: str, text: str | None = None) -> None:
        await run(interaction, "remind", (when, text))

    @command("unremind")
    @app_commands.describe(id=text("option.id"))
    async def unremind(interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:  # noqa: A002
        await run(interaction, "unremind", (id,))

    @command("pause")
    @app_commands.describe(id=text("option.id_or_all"))
    async def pause(interaction: discord.Interaction, id: app_commands.Range[int, 1] | None = None) -> None:  # noqa: A002
        await run(interaction, "pause", (id,))

    @command("resume")
    @app_commands.describe(id=text("option.id_or_all"))
    async def resume(interaction: discord.Interaction, id: app_commands.Range[int, 1] | None = None) -> None:  # noqa: A002
        await run(interaction, "resume", (id,))

    return tree
