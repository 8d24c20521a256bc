"""/export and /forget: everything stored about me, and deleting it after an explicit yes."""

from __future__ import annotations

import json

from db import queries
from handlers.context import Context
from handlers.router import Router
from handlers.types import Attachment, Button, Reply

router = Router("privacy")

CONFIRM_SECONDS = 300


@router.command("export")
async def export(ctx: Context) -> Reply:
    data = await queries.export_user(ctx.session, ctx.user.id)
    data["exported_at"] = ctx.now().isoformat()
    blob = json.dumps(data, ensure_ascii=False, indent=2).encode()
    return Reply(
        ctx.t("export.done", steps=len(data["roadmap_progress"]), logs=len(data["study_log"])),
        attachment=Attachment("study-buddy-export.json", blob, "application/json"),
    )


@router.command("forget")
async def forget(ctx: Context) -> Reply:
    stamp = int(ctx.now().timestamp())
    buttons = (
        (
            Button(ctx.label("button.forget_yes"), f"forget:yes:{stamp}:{ctx.event.user.user_id}"),
            Button(ctx.label("button.forget_no"), "forget:no"),
        ),
    )
    return ctx.reply("forget.confirm", buttons=buttons, minutes=CONFIRM_SECONDS // 60)


@router.press("forget:")
async def confirm(ctx: Context) -> Reply:
    parts = ctx.event.what.payload.split(":")
    if parts[1:2] != ["yes"]:
        return ctx.reply("forget.cancelled")
    try:
        age = ctx.now().timestamp() - int(parts[2])
    except (IndexError, ValueError):
        return ctx.reply("error.stale_button")
    if ":".join(parts[3:]) != ctx.event.user.user_id:  # in a group, only the learner who asked may confirm
        return ctx.reply("forget.not_yours")
    if not 0 <= age <= CONFIRM_SECONDS:
        return ctx.reply("forget.expired")
    await queries.forget_user(ctx.session, ctx.user.id)
    ctx.user = None
    return ctx.reply("forget.done")
