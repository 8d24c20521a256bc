"""Telegram HTML rendering: escaping in one place, balanced tags, Telegram's length limit."""

from html.parser import HTMLParser

import pytest

from bot.adapters.telegram_render import MAX_TEXT, _units, keyboard, render
from handlers.core.markup import Bold, Bullets, Code, Italic, Link, Para, Pre, Text, parse
from handlers.core.types import Button, Reply

ALLOWED = {"b", "i", "code", "pre", "a"}


class TagCheck(HTMLParser):
    """Fails on tags Telegram does not take, or on unbalanced nesting; collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN201
        assert tag in ALLOWED, tag
        self.stack.append(tag)

    def handle_endtag(self, tag):  # noqa: ANN001, ANN201
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data):  # noqa: ANN001, ANN201
        self.text.append(data)


def visible(message: str) -> str:
    check = TagCheck()
    check.feed(message)
    check.close()
    assert check.stack == [], f"unclosed {check.stack}"
    return "".join(check.text)


def test_user_text_is_escaped_and_markup_becomes_tags():
    reply = Reply(
        parse('Hi **{name}**, see [the *course*](https://example.org/?a=1&b="2")', {"name": "<b>&x"})
    )
    (message,) = render(reply)
    assert message == (
        "Hi <b>&lt;b&gt;&amp;x</b>, see "
        '<a href="https://example.org/?a=1&amp;b=&quot;2&quot;">the *course*</a>'
    )
    assert visible(message) == "Hi <b>&x, see the *course*"


def test_nesting_code_pre_and_bullets():
    reply = Reply(
        (
            Para((Bold((Text("a "), Italic((Text("b<"),)))), Text(" "), Code("x < y"))),
            Bullets(((Text("one"),), (Text("two & three"),))),
            Pre('{"k": "<v>"}'),
        )
    )
    (message,) = render(reply)
    assert message == (
        "<b>a </b><b><i>b&lt;</i></b> <code>x &lt; y</code>\n\n• one\n• two &amp; three\n\n"
        '<pre>{"k": "&lt;v&gt;"}</pre>'
    )
    visible(message)


def test_only_web_links_are_links():
    (message,) = render(Reply((Para((Link("click", "javascript:alert(1)"),)),)))
    assert message == "click"


def test_long_replies_split_between_paragraphs_within_the_limit():
    paragraph = "word " * 300  # 1,500 characters
    reply = Reply(tuple(Para((Bold((Text(f"{i}. "),)), Text(paragraph))) for i in range(8)))
    messages = render(reply)
    assert len(messages) > 1
    for m in messages:
        assert _units(visible(m)) <= MAX_TEXT
    assert "".join(visible(m) for m in messages).count("word") == 8 * 300


@pytest.mark.parametrize("text", ["x" * 10_000, "漢字" * 3000, "🙂" * 3000, ("line\n" * 3000)])
def test_a_single_huge_block_is_cut_within_the_limit_and_loses_nothing(text):
    messages = render(Reply((Para((Italic((Text(text),)),)),)))
    assert len(messages) >= 2
    assert all(_units(visible(m)) <= MAX_TEXT for m in messages)
    assert "".join(visible(m) for m in messages).replace("\n", "").replace(" ", "") == text.replace(
        "\n", ""
    ).replace(" ", "")


def test_every_reply_of_the_repo_content_renders_cleanly(app):
    from handlers.replies import entry_reply

    for entry in app.store.content.faq:
        for lang in ("en", "zh"):
            for message in render(entry_reply(app.store.content, entry, lang)):
                assert _units(visible(message)) <= MAX_TEXT


def test_keyboard_rows_and_the_64_byte_callback_limit():
    reply = Reply((), ((Button("Done", "step:done:understand-the-role"), Button("Skip", "step:skip:x")),))
    assert keyboard(reply) == [[("Done", "step:done:understand-the-role"), ("Skip", "step:skip:x")]]
    with pytest.raises(ValueError, match="64 bytes"):
        keyboard(Reply((), ((Button("x", "faq:show:" + "a" * 60),),)))


LONE = "\ud800"


def _every_node(text: str) -> Reply:
    return Reply(
        (
            Para((Text(f"a{text}b "), Bold((Italic((Text(text),)),)), Code(f"c{text}"))),
            Para((Link(f"label{text}", f"https://example.org/{text}"),)),
            Bullets(((Text(text),),)),
            Pre(f"pre{text}"),
        ),
        ((Button(f"label{text}", f"faq:show:{text}"),),),
    )


def test_a_lone_surrogate_in_any_reply_text_is_sent_as_a_replacement_character():
    messages = render(_every_node(LONE))
    assert messages and all(m.encode("utf-8") for m in messages)  # sendable: no surrogate left
    text = "".join(visible(m) for m in messages)
    assert "\ufffd" in text and text.count("\ufffd") == 6
    ((label, payload),) = keyboard(_every_node(LONE))[0]
    assert label == "label\ufffd" and payload == "faq:show:\ufffd"
    # two halves of one emoji, each a code point of its own, are that emoji again
    assert "🙂" in visible(render(Reply((Para((Text("\ud83d\ude42"),)),)))[0])


def test_lone_surrogates_in_a_long_reply_split_within_the_limit():
    messages = render(Reply((Para((Text(("word" + LONE + " ") * 3000),)),)))
    assert len(messages) > 1
    assert all(_units(visible(m)) <= MAX_TEXT and m.encode("utf-8") for m in messages)
    assert "".join(visible(m) for m in messages).count("\ufffd") == 3000


def test_an_at_name_in_text_never_becomes_a_mention_but_code_stays_as_written():
    reply = Reply((Para((Text("@alice_real & @here, mail a@b"), Code("@timer"))),))
    (html,) = render(reply)
    assert "@\u2060alice_real &amp; @\u2060here, mail a@\u2060b" in html
    assert "<code>@timer</code>" in html
