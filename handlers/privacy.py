"""/export and /forget: everything stored about me, and deleting it after an explicit yes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar, Literal

from db import accounts
from db.privacy import export_user, forget_user
from db.users import find_user
from handlers.core.context import Context
from handlers.core.payloads import ANYONE, Owner, Payload
from handlers.core.router import Router
from handlers.core.types import Attachment, Button, Reply

router = Router("privacy")

CONFIRM_SECONDS = 300


@dataclass(frozen=True)
class ForgetPress(Payload, prefix="forget"):
    """The /forget confirmation: "yes" names the learner who asked (in a group, only they may confirm)
    and when they asked; "no" names nothing."""

    refusal: ClassVar[str] = "forget.not_yours"
    answer: Literal["yes", "here", "no"]  # "here": only this account of a linked learner
    stamp: int = 0
    user: str = ""  # the platform user id of the learner who asked

    async def owner(self, ctx: Context) -> Owner | None:
        if self.answer == "no":
            return ANYONE
        if not self.stamp or not self.user:
            return None
        if self.user == ctx.event.user.user_id:
            return Owner(user_id=ctx.user.id)
        asker = await find_user(ctx.session, ctx.event.user.platform, self.user)
        return Owner(user_id=asker.id) if asker is not None else None


def _notes_markdown(ctx: Context, notes: list[dict]) -> str:
    """The learner's notes as a Markdown document, by step in roadmap order (their words as written)."""
    if not notes:
        return ""
    order = {s.id: s.number for s in ctx.content.steps}
    lines = [f"# {ctx.label('note.export_title')}", ""]
    current = None
    for n in sorted(notes, key=lambda n: (order.get(n["step"], 10**6), n["written_at"], n["id"])):
        if n["step"] != current:
            current = n["step"]
            step = ctx.content.step_by_id.get(current)
            title = f"{step.number}. {step.titles.get(ctx.lang) or step.titles['en']}" if step else current
            lines += ([""] if len(lines) > 2 else []) + [f"## {title}", ""]
        lines.append(f"- {n['written_at'][:10]}: {n['text']}")
    return "\n".join(lines) + "\n"


@router.command("export", personal=True)
async def export(ctx: Context) -> Reply:
    data = await export_user(ctx.session, ctx.user.id)
    data["exported_at"] = ctx.now().isoformat()
    data["step_notes_markdown"] = _notes_markdown(ctx, data["step_notes"])
    blob = json.dumps(data, ensure_ascii=False, indent=2).encode()
    return Reply(
        ctx.t("export.done", steps=len(data["roadmap_progress"]), logs=len(data["study_log"])),
        attachment=Attachment("study-buddy-export.json", blob, "application/json"),
    )


@router.command("forget", personal=True)
async def forget(ctx: Context) -> Reply:
    stamp = int(ctx.now().timestamp())
    me = ctx.event.user.user_id
    linked = len(await accounts.accounts_of(ctx.session, ctx.user.id))
    if linked > 1:  # a learner on several accounts: everywhere, or only this account
        buttons = (
            (
                Button(ctx.label("button.forget_everywhere"), ForgetPress("yes", stamp, me).pack()),
                Button(ctx.label("button.forget_here"), ForgetPress("here", stamp, me).pack()),
            ),
            (Button(ctx.label("button.forget_no"), ForgetPress("no").pack()),),
        )
        return ctx.reply(
            "forget.confirm_linked", buttons=buttons, accounts=linked, minutes=CONFIRM_SECONDS // 60
        )
    buttons = (
        (
            Button(ctx.label("button.forget_yes"), ForgetPress("yes", stamp, me).pack()),
            Button(ctx.label("button.forget_no"), ForgetPress("no").pack()),
        ),
    )
    return ctx.reply("forget.confirm", buttons=buttons, minutes=CONFIRM_SECONDS // 60)


@router.press(ForgetPress)
async def confirm(ctx: Context) -> Reply:
    p: ForgetPress = ctx.payload
    if p.answer == "no":
        return ctx.reply("forget.cancelled")
    age = ctx.now().timestamp() - p.stamp
    if not 0 <= age <= CONFIRM_SECONDS:
        return ctx.reply("forget.expired")
    if p.answer == "here" and len(await accounts.accounts_of(ctx.session, ctx.user.id)) > 1:
        u = ctx.event.user
        alone = await accounts.split(ctx.session, ctx.user.id, u.platform, u.user_id, ctx.now())
        await forget_user(ctx.session, alone)
        ctx.user = None
        return ctx.reply("forget.done_here")
    await forget_user(ctx.session, ctx.user.id)
    ctx.user = None
    return ctx.reply("forget.done")
