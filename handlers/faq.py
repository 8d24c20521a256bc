"""/faq, /ask and free text: answers from the FAQ, in the language of the question.

What a message gets (`Understood.kind`, also `ask --json`'s "kind"):
- "answer": an FAQ entry, answer first, with a "More" button for the details and two buttons to say
  whether it answered the question ("not what I asked" offers the closest other topics and records the
  miss for content admins);
- "refusal": a question about something else (closer to offtopic.yaml than to any topic);
- "not-a-tutor": homework, code help, writing for the learner, prompt injection (not-a-tutor.yaml): the
  bot says what it is, and points to the roadmap step that teaches the concept asked about, if one does;
- "unsure": close to no topic: "did you mean" the nearest ones;
- "greeting", "thanks", "acknowledgement" ("ok", "好的", 👍): a short word, never an FAQ answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from db.faq_feedback import YES, record_ask, record_feedback
from db.faq_stats import record_faq_answer, record_question, record_unanswered
from db.stats import group_today
from handlers.content import Content, Step
from handlers.content.match import HybridMatcher, LexicalMatcher, Match
from handlers.core.context import Context
from handlers.core.i18n import DEFAULT_LANG, Strings, detect_lang
from handlers.core.markup import Bullets, Code, Text
from handlers.core.router import Router
from handlers.core.types import Button, Option, Reply
from handlers.replies import FaqPress, FeedbackPress, StepPress, entry_reply, faq_text

router = Router("faq")

KINDS = ("answer", "refusal", "not-a-tutor", "unsure", "greeting", "thanks", "acknowledgement")
QUESTION_KINDS = ("answer", "refusal", "not-a-tutor", "unsure")  # counted in the tallies and /gaps

_END = r"[\s!！.,，。~～?？…:)）(（\-]*"
_GREETING = re.compile(
    r"^\s*(hi+|hello+|hey+|hiya|yo|good (morning|afternoon|evening)|namaste|你好|您好|嗨|哈喽|早上好|晚上好|在吗)"  # noqa: E501
    r"[\s!！.,，。~～]*(there|buddy|bot|study buddy)?" + _END + "$",
    re.IGNORECASE,
)
_THANKS_WORDS = r"thank (you|u)|thanks?|thx|thnx|thnks|ty|tysm|cheers|谢谢(你|您|啦)?|多谢|感谢|谢啦|3q"
_ACK_WORDS = (
    r"ok(ay|k+)?|k+|cool|nice|great|good|fine|sure|alright|all right|right|yes|yeah|yep|yup|no|nope|nah|"
    r"got it|gotcha|noted|understood|i see|makes sense|awesome|perfect|wow|oh|ah|hmm+|hm+|lol|haha+|done|"
    r"so much|a lot|very much|many|sir|madam|maam|bro|dude|man|mate|buddy|again|"
    r"好的|好滴|好哒|好嘞|好吧|好呀|好哦|好|嗯+|哦+|噢+|喔+|收到|明白了?|知道了?|懂了?|了解|行吧?|可以|哈+|对+|是的|"
    r"没问题|666+|牛|厉害|啦|呀|哈"
)
_SMALL_WORD = re.compile(rf"(?:{_THANKS_WORDS}|{_ACK_WORDS})", re.IGNORECASE)
_THANKS = re.compile(_THANKS_WORDS, re.IGNORECASE)
_PUNCT = re.compile(r"[\s!！.,，。~～?？…:;；、)）(（\-\"'“”]+")


@dataclass(frozen=True)
class Understood:
    kind: str  # one of KINDS
    lang: str  # the language of the question, which is the language of the answer
    entry_id: str | None = None
    score: float = 0.0
    candidates: tuple[tuple[str, float], ...] = ()
    step_id: str | None = None  # not-a-tutor: the roadmap step that teaches what was asked about
    concept: str = ""  # ...and the concept's name as the content gives it


def question_lang(question: str, fallback: str = DEFAULT_LANG) -> str:
    """The language of a question's text; text with no letters at all ("🤔🤔", "5") says nothing about
    its language, so it gets `fallback`, the learner's."""
    return detect_lang(question) if any(c.isalpha() for c in question) else fallback


def _only_small_words(text: str) -> bool:
    """Nothing but acknowledgement or thanks words ("ok thanks", "好的谢谢", "got it 👍")."""
    rest = _PUNCT.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()
    rest = "".join(c for c in rest if c.isalnum() or c == " ")  # emoji and symbols say nothing
    rest = _SMALL_WORD.sub(" ", rest)
    return not rest.strip()


def small_talk(question: str, fallback: str = DEFAULT_LANG) -> Understood | None:
    """Greetings, thanks and acknowledgements get a short word, not an FAQ answer."""
    lang = question_lang(question, fallback)
    if _GREETING.match(question):
        return Understood("greeting", lang)
    if not any(c.isalnum() for c in question):  # bare emoji or punctuation
        return Understood("acknowledgement", lang)
    if len(question) <= 60 and _only_small_words(question):
        return Understood("thanks" if _THANKS.search(question) else "acknowledgement", lang)
    return None


def teaching_step(content: Content, question: str) -> tuple[Step, str] | None:
    """The roadmap step whose concepts the question names (the longest name found wins)."""
    index = content.memo(("concepts",), lambda: _concept_index(content))
    text = _fold(question)
    for pattern, step, name in index:
        if pattern.search(text):
            return step, name
    return None


def _fold(text: str) -> str:
    """Lower case, with hyphens as spaces and apostrophes dropped, so "cross validation" finds
    cross-validation and "bayes theorem" finds Bayes' theorem."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("'", "")
    return re.sub(r"(?<=\w)-(?=\w)", " ", text)


def _concept_index(content: Content) -> list[tuple[re.Pattern[str], Step, str]]:
    found = [(name, step) for step in content.steps for names in step.concepts.values() for name in names]
    found.sort(key=lambda item: -len(item[0]))
    out = []
    for name, step in found:
        low = _fold(name)
        # English names are whole words (plural allowed); Chinese ones are found anywhere
        body = re.escape(low) if not low.isascii() else rf"(?<![a-z0-9]){re.escape(low)}(?:s|es)?(?![a-z0-9])"
        out.append((re.compile(body), step, name))
    return out


def from_match(question: str, m: Match, content: Content, fallback: str = DEFAULT_LANG) -> Understood:
    lang = question_lang(question, fallback)
    if m.entry_id:
        return Understood("answer", lang, m.entry_id, m.score, m.candidates)
    if m.declined == "offtopic":
        return Understood("refusal", lang, None, m.score)
    if m.declined == "not-a-tutor":
        # a question the matcher is merely unsure of is not a request because it names a concept ("I
        # finished a python course, what now?"): only a declined request points to the teaching step
        found = teaching_step(content, question)
        step, concept = found if found is not None else (None, "")
        return Understood("not-a-tutor", lang, None, m.score, (), step.id if step else None, concept)
    return Understood("unsure", lang, None, m.score, m.candidates)


def understand(question: str, matcher: LexicalMatcher | HybridMatcher, content: Content) -> Understood:
    """The same decision as the chat makes, synchronously (for the CLI and the evaluation)."""
    return small_talk(question) or from_match(question, matcher.match(question), content)


def _suggestions(content: Content, lang: str, topics: list[str]) -> tuple[tuple[Button, ...], ...]:
    return tuple(
        (Button(faq_text(content.faq_by_id[fid], lang).title, FaqPress("show", fid).pack()),)
        for fid in topics[:3]
        if fid in content.faq_by_id
    )


def understood_reply(content: Content, u: Understood, ask: int = 0) -> Reply:
    strings = Strings(content.strings, u.lang)
    if u.kind in ("greeting", "thanks", "acknowledgement"):
        return Reply(strings.doc(f"faq.{u.kind}"))
    if u.kind == "answer" and u.entry_id is not None:
        return entry_reply(content, content.faq_by_id[u.entry_id], u.lang, ask=ask)
    topics = (Button(strings.raw("button.faq"), FaqPress("list").pack()),)
    if u.kind == "refusal":
        return Reply(strings.doc("faq.refusal"), (topics,))
    if u.kind == "not-a-tutor":
        step = content.step_by_id.get(u.step_id or "")
        if step is None:
            return Reply(strings.doc("faq.not_a_tutor") + strings.doc("faq.not_a_tutor_roadmap"), (topics,))
        title = step.titles.get(u.lang) or step.titles["en"]
        body = strings.doc("faq.not_a_tutor") + strings.doc(
            "faq.not_a_tutor_step", concept=u.concept, n=step.number, title=title
        )
        return Reply(
            body,
            ((Button(strings.raw("button.open_step", n=step.number), StepPress("show", step.id).pack()),),),
        )
    suggestions = _suggestions(content, u.lang, [fid for fid, _ in u.candidates])
    return Reply(strings.doc("faq.unknown_suggest" if suggestions else "faq.unknown"), suggestions)


async def answer_question(ctx: Context, question: str) -> Reply:
    u = small_talk(question, ctx.lang)
    if u is None:
        u = from_match(question, await ctx.match(question), ctx.content, ctx.lang)
    ask = 0
    chat = ctx.event.chat
    group = None
    if u.kind in QUESTION_KINDS and not chat.is_direct:  # counted for the group's /stats too
        group = await group_today(ctx.session, chat.platform, chat.chat_id, ctx.now())
    if u.kind in QUESTION_KINDS:  # a question (not small talk): counted, with no text nor asker
        await record_question(ctx.session, u.lang, u.kind == "answer", ctx.now(), group)
    if u.kind == "answer":
        await record_faq_answer(ctx.session, u.entry_id, u.lang)
        ask = await record_ask(ctx.session, ctx.user.id, question, u.lang, u.entry_id, ctx.now())
    elif u.kind in QUESTION_KINDS:
        await record_unanswered(ctx.session, question, u.lang, ctx.now(), ctx.user.id, group)
    ctx.outcome = f"faq:{'abstained' if u.kind == 'unsure' else u.kind}"
    return understood_reply(ctx.content, u, ask)


def topic_list(ctx: Context) -> Reply:
    items = tuple((Code(f"/faq {e.id}"), Text(" — " + faq_text(e, ctx.lang).title)) for e in ctx.content.faq)
    return Reply(ctx.t("faq.list_intro", count=len(items)) + (Bullets(items),))


@router.command("faq", options=(Option("topic", "option.topic", suggest="topics"),))
async def faq(ctx: Context) -> Reply:
    arg = ctx.options["topic"]
    if not arg:
        return topic_list(ctx)
    entry = ctx.content.faq_by_id.get(arg.lower())
    if entry is not None:
        return entry_reply(ctx.content, entry, ctx.lang)
    return await answer_question(ctx, arg)


@router.command("ask", options=(Option("question", "option.question", required=True),))
async def ask(ctx: Context) -> Reply:
    question = ctx.options["question"]
    if not question:
        return ctx.reply("faq.ask_usage")
    return await answer_question(ctx, question)


@router.text()
async def freefaq_text(ctx: Context) -> Reply:
    text = ctx.event.what.text.strip()
    if text.isdecimal():  # the console presses the button of a typed number: this one matched none
        ctx.outcome = "faq:no_button"
        return ctx.reply("faq.no_such_button", n=text if len(text) <= 6 else text[:6] + "…")
    return await answer_question(ctx, text)


@router.press(FaqPress)
async def pressed(ctx: Context) -> Reply:
    if ctx.payload.action == "list":
        return topic_list(ctx)
    if ctx.payload.action == "more":
        return entry_reply(ctx.content, ctx.target, ctx.lang, full=True, ask=ctx.payload.ask)
    return entry_reply(ctx.content, ctx.target, ctx.lang)


@router.press(FeedbackPress)
async def feedback(ctx: Context) -> Reply:
    ask = ctx.target
    counted = await record_feedback(ctx.session, ask, ctx.payload.verdict, ctx.now())
    lang = ask.lang
    strings = Strings(ctx.content.strings, lang)
    if ctx.payload.verdict == YES:
        ctx.outcome = "faq:feedback_yes"
        return Reply(strings.doc("faq.feedback_thanks" if counted else "faq.feedback_again"))
    ctx.outcome = "faq:feedback_no"
    match = await ctx.match(ask.text)
    others = [fid for fid, _ in match.candidates if fid != ask.faq_id]
    body = strings.doc("faq.misfire" if others else "faq.misfire_none")
    if not counted:
        body = strings.doc("faq.feedback_again") + body
    return Reply(body, _suggestions(ctx.content, lang, others))
