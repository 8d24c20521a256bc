"""/review and /quiz: spaced-repetition cards and multiple-choice questions, answered with buttons.

common.py  the payloads every practice button carries, and the small reply pieces they share
review.py  /review: a due card's front, "Show answer", its back with Again / Hard / Good / Easy (FSRS),
           the next card, all in one message where the platform can edit it; a summary at the end
quiz.py    /quiz: up to 5 questions of one step (or of the steps in progress or done), options
           shuffled, feedback at once; a wrong answer makes the card that teaches it due now
daily.py   every day: a learner's review nudge (/review daily 19:00), sent only when cards are due, and a
           group's quiz question of the day (/quiz daily 12:00), answered privately, tallied the next day.
           Both are reminders of their own kind: the reminder service claims and sends them
start.py   the "Review cards" / "Take a quiz" buttons (and a nudge's "Start review")

A review or quiz is a `PracticeSession` row: every button names the session and the position it was made
at, so a press on an earlier card, on a finished session or on someone else's session changes nothing
("that session has ended").
"""

from handlers.core.router import Router

router = Router("practice")

from handlers.practice import daily, quiz, review, start  # noqa: E402  (their routes join the router)
from handlers.practice.daily import compose  # noqa: E402

__all__ = ["compose", "daily", "quiz", "review", "router", "start"]
