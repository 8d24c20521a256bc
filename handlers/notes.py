"""/note, /notes and /unnote: a learner's own notes on roadmap steps ("eigenvectors finally clicked after
3b1b ep. 14"). A step shows its notes (handlers/replies.step_reply); /export has them, as data and as
Markdown; /forget removes them."""

from __future__ import annotations

from db import notes as store
from db.users import lock_user
from handlers.core.context import Context
from handlers.core.markup import Bold, Bullets, Para, Text
from handlers.core.router import Router
from handlers.core.types import Option, Reply
from handlers.replies import note_items, step_not_found, step_title

router = Router("notes")

MAX_TEXT = 500
MAX_NOTES = 1000  # per learner: a lot of notes, but not an unbounded store


@router.command(
    "note",
    options=(Option("step", "option.step", required=True, suggest="steps"), Option("text", "option.note")),
    personal=True,
)
async def note(ctx: Context) -> Reply:
    ref, text = ctx.options["step"] or "", " ".join((ctx.options["text"] or "").split())
    if not ref:
        return ctx.reply("note.usage")
    step = ctx.content.find_step(ref)
    if step is None:
        return step_not_found(ctx, ref)
    if not text:
        return ctx.reply("note.usage")
    if len(text) > MAX_TEXT:
        return ctx.reply("note.too_long", max=MAX_TEXT, length=len(text))
    await lock_user(ctx.session, ctx.user.id)  # count, then add: one at a time per learner
    if await store.count_notes(ctx.session, ctx.user.id) >= MAX_NOTES:
        return ctx.reply("note.too_many", max=MAX_NOTES)
    saved = await store.add_note(ctx.session, ctx.user.id, step.id, text, ctx.now())
    ctx.outcome = "note:saved"
    return ctx.reply("note.saved", id=saved.id, n=step.number, title=step_title(ctx, step))


@router.command("notes", options=(Option("step", "option.step", suggest="steps"),), personal=True)
async def notes(ctx: Context) -> Reply:
    ref = ctx.options["step"] or ""
    step = ctx.content.find_step(ref) if ref else None
    if ref and step is None:
        return step_not_found(ctx, ref)
    rows = await store.notes(ctx.session, ctx.user.id, step.id if step else None)
    if not rows:
        return ctx.reply("note.none_on_step" if step else "note.none", n=step.number if step else 0)
    body: tuple = ctx.t("note.list_head", count=len(rows))
    by_step: dict[str, list] = {}
    for row in rows:
        by_step.setdefault(row.step_id, []).append(row)
    for s in ctx.content.steps:  # in roadmap order; notes on a step no longer in the roadmap last
        if s.id in by_step:
            body += (
                Para((Bold((Text(f"{s.number}. {step_title(ctx, s)}"),)),)),
                Bullets(note_items(ctx, by_step.pop(s.id))),
            )
    for step_id, rest in by_step.items():
        body += (Para((Bold((Text(step_id),)),)), Bullets(note_items(ctx, rest)))
    body += ctx.t("note.list_foot")
    return Reply(body)


@router.command(
    "unnote", options=(Option("id", "option.note_id", kind=int, required=True, min=1),), personal=True
)
async def unnote(ctx: Context) -> Reply:
    note_id = ctx.options["id"]
    if note_id is None:
        return ctx.reply("note.unnote_usage")
    if not await store.delete_note(ctx.session, ctx.user.id, note_id):
        return ctx.reply("note.not_found", id=note_id)
    return ctx.reply("note.deleted", id=note_id)
