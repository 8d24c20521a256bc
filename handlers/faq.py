"""/faq, /ask and free text: answers from the FAQ, in the language of the question."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from db.faq_stats import record_faq_answer, record_question, record_unanswered
from handlers.content import Content, FaqEntry
from handlers.context import Context
from handlers.faq_match import HybridMatcher, LexicalMatcher, Match
from handlers.i18n import DEFAULT_LANG, Strings, detect_lang
from handlers.markup import Bold, Bullets, Code, Link, Para, Text, parse
from handlers.payloads import ANYONE, Owner, Payload
from handlers.roadmap import StepPress
from handlers.router import Router
from handlers.types import Button, Option, Reply

router = Router("faq")

_GREETING = re.compile(
    r"^\s*(hi+|hello+|hey+|hiya|yo|good (morning|afternoon|evening)|namaste|你好|您好|嗨|哈喽|早上好|晚上好|在吗)"  # noqa: E501
    r"[\s!！.,，。~～]*(there|buddy|bot|study buddy)?[\s!！.,，。~～]*$",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"^\s*(thanks?( you)?( so much| a lot)?|thx|ty|cheers|thank u|谢谢(你|啦)?|多谢|感谢)"
    r"[\s!！.,，。~～]*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Understood:
    kind: str  # "greeting" | "thanks" | "answer" | "unknown"
    lang: str  # the language of the question, which is the language of the answer
    entry_id: str | None = None
    score: float = 0.0
    candidates: tuple[tuple[str, float], ...] = ()


def question_lang(question: str, fallback: str = DEFAULT_LANG) -> str:
    """The language of a question's text; text with no letters at all ("🤔🤔", "5") says nothing about
    its language, so it gets `fallback`, the learner's."""
    return detect_lang(question) if any(c.isalpha() for c in question) else fallback


def small_talk(question: str, fallback: str = DEFAULT_LANG) -> Understood | None:
    """Greetings and thanks get a friendly word, not an FAQ answer."""
    lang = question_lang(question, fallback)
    if _GREETING.match(question):
        return Understood("greeting", lang)
    if _THANKS.match(question):
        return Understood("thanks", lang)
    return None


def from_match(question: str, m: Match, fallback: str = DEFAULT_LANG) -> Understood:
    kind = "answer" if m.entry_id else "unknown"
    return Understood(kind, question_lang(question, fallback), m.entry_id, m.score, m.candidates)


def understand(question: str, matcher: LexicalMatcher | HybridMatcher) -> Understood:
    """The same decision as the chat makes, synchronously (for the CLI and the evaluation)."""
    return small_talk(question) or from_match(question, matcher.match(question))


def entry_reply(content: Content, entry: FaqEntry, lang: str) -> Reply:
    """One FAQ answer in `lang` (falling back to the other language if a translation is missing).
    Replies are immutable and depend on the content only, so each is built once per content version."""
    return content.memo(("faq-answer", entry.id, lang), lambda: _build_entry_reply(content, entry, lang))


def _build_entry_reply(content: Content, entry: FaqEntry, lang: str) -> Reply:
    text = entry.texts.get(lang) or next(iter(entry.texts.values()))
    strings = Strings(content.strings, lang)
    body: list = [Para((Bold((Text(text.title),)),)), *parse(text.answer)]
    see: list = []
    for sid in entry.steps:
        step = content.step_by_id.get(sid)
        if step:
            see.append(
                (Code(f"/step {step.number}"), Text(" " + (step.titles.get(lang) or step.titles["en"])))
            )
    for pid in entry.posts:
        post = content.posts.get(pid)
        if post:
            see.append((Link(post.titles.get(lang) or post.titles["en"], post.url),))
    see.extend((Link(link.title, link.url),) for link in entry.links)
    if see:
        body.extend(strings.doc("faq.see_also"))
        body.append(Bullets(tuple(see)))
    buttons = tuple(
        Button(strings.raw("button.step", n=content.step_by_id[sid].number), StepPress("show", sid).pack())
        for sid in entry.steps
        if sid in content.step_by_id
    )
    return Reply(tuple(body), (buttons,) if buttons else ())


def understood_reply(content: Content, u: Understood) -> Reply:
    strings = Strings(content.strings, u.lang)
    if u.kind in ("greeting", "thanks"):
        return Reply(strings.doc(f"faq.{u.kind}"))
    if u.entry_id is not None:
        return entry_reply(content, content.faq_by_id[u.entry_id], u.lang)
    suggestions = tuple(
        (
            Button(
                (content.faq_by_id[fid].texts.get(u.lang) or content.faq_by_id[fid].texts["en"]).title,
                FaqPress("show", fid).pack(),
            ),
        )
        for fid, _ in u.candidates[:3]
        if fid in content.faq_by_id
    )
    return Reply(strings.doc("faq.unknown_suggest" if suggestions else "faq.unknown"), suggestions)


async def answer_question(ctx: Context, question: str) -> Reply:
    u = small_talk(question, ctx.lang) or from_match(question, await ctx.store.match(question), ctx.lang)
    if u.kind in ("answer", "unknown"):  # a question (not small talk): counted, with no text nor asker
        await record_question(ctx.session, u.lang, u.kind == "answer", ctx.now())
    if u.kind == "answer":
        await record_faq_answer(ctx.session, u.entry_id, u.lang)
    elif u.kind == "unknown":
        await record_unanswered(ctx.session, question, u.lang, ctx.now(), ctx.user.id)
    ctx.outcome = f"faq:{'abstained' if u.kind == 'unknown' else u.kind}"
    return understood_reply(ctx.content, u)


def topic_list(ctx: Context) -> Reply:
    items = tuple(
        (Code(f"/faq {e.id}"), Text(" — " + (e.texts.get(ctx.lang) or e.texts["en"]).title))
        for e in ctx.content.faq
    )
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
async def free_text(ctx: Context) -> Reply:
    text = ctx.event.what.text.strip()
    if text.isdecimal():  # the console presses the button of a typed number: this one matched none
        ctx.outcome = "faq:no_button"
        return ctx.reply("faq.no_such_button", n=text if len(text) <= 6 else text[:6] + "…")
    return await answer_question(ctx, text)


@dataclass(frozen=True)
class FaqPress(Payload, prefix="faq"):
    """FAQ buttons: the topic list, or one answer (content anyone may open)."""

    action: Literal["list", "show"]
    topic: str = ""

    async def owner(self, ctx: Context) -> Owner | None:
        if self.action == "list":
            return ANYONE
        entry = ctx.content.faq_by_id.get(self.topic)
        return Owner(anyone=True, obj=entry) if entry is not None else None


@router.press(FaqPress)
async def pressed(ctx: Context) -> Reply:
    if ctx.payload.action == "list":
        return topic_list(ctx)
    return entry_reply(ctx.content, ctx.target, ctx.lang)
