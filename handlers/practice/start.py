"""The "Review cards" / "Take a quiz" buttons: from a summary (a new message), or from the learner's
review nudge (the session fills that message, and the nudge counts as answered for the day)."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.types import Reply
from handlers.practice import router
from handlers.practice.common import PracticePress
from handlers.practice.quiz import start_quiz
from handlers.practice.review import start_review


@router.press(PracticePress)
async def practice_pressed(ctx: Context) -> Reply:
    p: PracticePress = ctx.payload
    if p.action == "quiz":
        return await start_quiz(ctx)
    if p.delivery:
        ctx.target.answered_at = ctx.target.answered_at or ctx.now()
        return await start_review(ctx, in_place=True)
    return await start_review(ctx)
