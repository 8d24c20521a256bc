"""Discord markdown rendering: escaping in one place, balanced markup, Discord's 2000-character limit."""

import random
import re

import discord.utils
import pytest

from bot.adapters.discord_render import EMPTY, MAX_CONTENT, ZWSP, components, embed, escape_text, render
from handlers.core.markup import Bold, Bullets, Code, Italic, Link, Para, Pre, Text, parse
from handlers.core.types import Button, Reply

# A line that Discord would read as a heading, subtext, quote or list item.
LINE_START = re.compile(r"[ \t]*(?:[#>+-]|\d+[.)](?:\s|$)|\*\s)")


class Scan:
    """Reads a rendered message the way these tests expect Discord to: fails on markup the renderer never
    writes (an unescaped `_`, `~`, `|`, a stray `[` or `<`, a block syntax at a line start, a mention),
    and collects the visible text and the runs of `*` that open or close bold and italic."""

    def __init__(self, message: str, line_start: bool = True) -> None:
        self.text: list[str] = []
        self.runs: list[int] = []
        self.fences = message.count("```")
        i, md = 0, message
        while i < len(md):
            if line_start and not md.startswith("```", i):
                line = md[i:].split("\n", 1)[0]
                assert not LINE_START.match(line), f"block syntax at a line start: {line!r}"
            line_start = False
            c = md[i]
            if md.startswith("```", i):  # a code block: the fence lines and all between them
                assert i == 0 or md[i - 1] == "\n", "a code fence not at a line start"
                end = md.index("\n```", i + 3)
                self.text.append(md[i + 4 : end])
                i = end + 4
            elif c == "\\":
                assert i + 1 < len(md) and not md[i + 1].isalnum() and not md[i + 1].isspace()
                self.text.append(md[i + 1])
                i += 2
            elif c == "`":
                n = 2 if md.startswith("``", i) else 1
                end = md.index("`" * n, i + n)
                body = md[i + n : end]
                if n == 2:
                    body = body.removeprefix(" ") if body.startswith(" `") else body
                    body = body.removesuffix(" ") if body.endswith("` ") else body
                self.text.append(body)
                i = end + n
            elif c == "*":
                n = len(md[i:]) - len(md[i:].lstrip("*"))
                assert n <= 3, f"a run of {n} stars"
                self.runs.append(n)
                i += n
            elif c == "<":  # ours only: an autolink
                end = md.index(">", i)
                assert md.startswith(("<http://", "<https://"), i), md[i : end + 1]
                self.text.append(md[i + 1 : end])
                i = end + 1
            elif c == "[":  # ours only: a masked link
                label_end = md.index("](<", i)
                end = md.index(">)", label_end)
                assert md.startswith(("](<http://", "](<https://"), label_end)
                self.text.append(Scan(md[i + 1 : label_end], line_start=False).visible)
                i = end + 2
            else:
                assert c not in "_~|", f"unescaped {c!r} in {md[max(0, i - 20) : i + 20]!r}"
                if c == "\n":
                    line_start = True
                for word in ("@everyone", "@here"):
                    assert not md.startswith(word, i), f"{word} in {md!r}"
                self.text.append(c)
                i += 1

    @property
    def visible(self) -> str:
        return "".join(self.text).replace(ZWSP, "")

    def assert_balanced(self) -> None:
        assert self.fences % 2 == 0, "an unclosed code block"
        assert sum(n >= 2 for n in self.runs) % 2 == 0, "an unclosed bold"
        assert sum(n != 2 for n in self.runs) % 2 == 0, "an unclosed italic"


def check(messages: list[str], limit: int = MAX_CONTENT) -> str:
    """Every message within the limit, not blank, balanced and inert; returns the visible text."""
    assert messages
    seen = []
    for m in messages:
        assert 0 < len(m) <= limit
        assert m.strip()
        scan = Scan(m)
        scan.assert_balanced()
        seen.append(scan.visible)
    return "".join(seen)


def one(*blocks: Para | Bullets | Pre) -> str:
    (message,) = render(Reply(tuple(blocks)))
    return message


def squash(text: str) -> str:
    return "".join(text.split())


SPECIALS = [
    ("*a* **b** ***c***", r"\*a\* \*\*b\*\* \*\*\*c\*\*\*"),
    ("_a_ __b__", r"\_a\_ \_\_b\_\_"),
    ("~~gone~~", r"\~\~gone\~\~"),
    ("||spoiler||", r"\|\|spoiler\|\|"),
    ("`code` ```block```", r"\`code\` \`\`\`block\`\`\`"),
    ("back\\slash \\*", r"back\\slash \\\*"),
    ("> quote", r"\> quote"),
    (">>> quote", r"\>>> quote"),
    ("  > indented quote", r"\> indented quote"),  # leading spaces of a message are dropped
    ("a\n> quote", "a\n\\> quote"),
    ("# heading", r"\# heading"),
    ("### heading", r"\### heading"),
    ("a\n## heading", "a\n\\## heading"),
    ("-# subtext", r"\-# subtext"),
    ("- item", r"\- item"),
    ("* item", r"\* item"),
    ("+ item", r"\+ item"),
    ("1. item", r"1\. item"),
    ("a\n  2) item", "a\n  2\\) item"),
    ("[x](https://evil.example)", r"\[x]\(<https://evil.example>)"),
    ("[x](javascript:alert(1))", r"\[x]\(javascript:alert(1))"),
    ("a [b] c", r"a \[b] c"),
    ("¯\\_(ツ)_/¯", r"¯\\\_(ツ)\_/¯"),
]


@pytest.mark.parametrize(("text", "expected"), SPECIALS)
def test_every_markdown_special_in_text_is_escaped(text, expected):
    message = one(Para((Text(text),)))
    assert message == expected
    assert check([message]) == text.lstrip()


def test_what_escape_markdown_leaves_to_the_renderer():
    """discord.utils.escape_markdown is the base; these are the gaps the renderer fills (if the library
    starts covering them, the extra escaping here is harmless)."""
    esc = discord.utils.escape_markdown
    assert esc("1. item", ignore_links=False) == "1. item"  # numbered lists
    assert esc("+ item", ignore_links=False) == "+ item"
    assert esc("<@123456789012345678>", ignore_links=False) == "<@123456789012345678>"  # mentions
    assert esc("[x](y **b**)", ignore_links=False) == r"\[x](y **b**)"  # nothing inside a link
    assert esc("  - item", ignore_links=False) == r"\  - item"  # a backslash Discord would show
    assert esc("https://e.com/a_b") == "https://e.com/a_b"  # links left alone, then autolinked
    assert escape_text("[x](y **b**)") == r"\[x]\(y \*\*b\*\*)"
    assert escape_text("<@123456789012345678>") == "\\<@\u200b123456789012345678>"
    assert escape_text("https://e.com/a_b") == r"https\://e.com/a\_b"


def test_mentions_do_not_ping_or_render():
    text = "@everyone @here <@123456789012345678> <@!123456789012345678> <@&123456789012345678> "
    text += "<#123456789012345678> <t:1700000000:R> <:blob:123456789012345678> </cmd:123456789012345678>"
    message = one(Para((Text(text),)))
    assert "@everyone" not in message and "@here" not in message
    assert f"@{ZWSP}everyone" in message and f"@{ZWSP}here" in message
    assert all(message[i - 1] == "\\" for i, c in enumerate(message) if c == "<")
    assert check([message]) == text


def test_user_text_is_escaped_and_markup_becomes_markdown():
    reply = Reply(
        parse("Hi **{name}**, see [the *course*](https://example.org/?a=1&b=2)", {"name": "*x* @here"})
    )
    (message,) = render(reply)
    assert message == f"Hi **\\*x\\* @{ZWSP}here**, see [the \\*course\\*](<https://example.org/?a=1&b=2>)"
    assert check([message]) == "Hi *x* @here, see the *course*"


def test_links_only_for_web_urls_with_safe_labels_and_targets():
    assert one(Para((Link("click", "javascript:alert(1)"),))) == "click"
    assert one(Para((Link("mail", "mailto:a@b.c"),))) == "mail"
    assert one(Para((Link("a]b", "https://e.com"),))) == r"[a\]b](<https://e.com>)"
    assert one(Para((Link("a](b", "https://e.com"),))) == r"[a\]\(b](<https://e.com>)"
    assert one(Para((Link("x", "https://w.org/A_(b) c>d"),))) == "[x](<https://w.org/A_%28b%29%20c%3Ed>)"
    assert one(Para((Link("https://e.com", "https://e.com"),))) == "<https://e.com>"
    assert one(Para((Link("[x]", "https://e.com"),))) == r"\[x] <https://e.com>"  # no `[` in a label
    assert one(Para((Link("two\nlines", "HTTPS://E.COM"),))) == "[two lines](<HTTPS://E.COM>)"


def test_web_urls_in_text_are_clickable_without_embeds():
    assert one(Para((Text("see https://e.com/a_b, then (https://e.com/x)."),))) == (
        r"see <https://e.com/a_b>, then \(<https://e.com/x>)."
    )
    # A URL with `*` in it could end a surrounding italic: it is sent as escaped, unlinked text.
    assert one(Para((Italic((Text("https://e.com/a*b"),)),))) == r"*https\://e.com/a\*b*"


def test_code_with_a_link_pattern_in_it_turns_links_into_plain_urls():
    reply = Reply((Para((Link("docs", "https://e.com"), Text(" then "), Code("x](y)"))),))
    (message,) = render(reply)
    assert message == "docs <https://e.com> then `x](y)`"


def test_bold_italic_code_nesting():
    assert one(Para((Bold((Text("a "), Italic((Text("b"),)), Text(" c"))),))) == "**a *b* c**"
    assert one(Para((Italic((Bold((Text("x"),)),)),))) == "***x***"
    assert one(Para((Bold((Text("a"),)), Italic((Text("b"),))))) == f"**a**{ZWSP}*b*"
    assert one(Para((Text("a"), Italic((Text(" b "),)), Text("c")))) == "a *b* c"  # no `*b *`
    assert one(Para((Bold((Bold((Text("x"),)),)),))) == "**x**"
    assert one(Para((Bold((Text("see "), Code("x"))),))) == "**see `x`**"
    assert one(Para((Bold((Text("see "), Code("x*y"))),))) == "**see** `x*y`"  # `*` would end the bold
    assert one(Para((Code("a"), Code("b")))) == f"`a`{ZWSP}`b`"
    assert one(Para((Bold((Text("   "),)), Text("x")))) == "x"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x < y", "`x < y`"),
        ("a`b", "``a`b``"),
        ("`a", "`` `a``"),
        ("a`", "``a` ``"),
        ("a``b", f"``a`{ZWSP}`b``"),
        ("**not bold** @everyone", "`**not bold** @everyone`"),
    ],
)
def test_inline_code_keeps_its_characters(value, expected):
    message = one(Para((Code(value),)))
    assert message == expected
    assert check([message]) == value


def test_code_blocks_cannot_be_broken_out_of():
    message = one(Pre("x\n```\n# not a heading\n````y"))
    assert message == f"```\nx\n``{ZWSP}`\n# not a heading\n``{ZWSP}`{ZWSP}`y\n```"
    assert message.count("```") == 2
    assert check([message]) == "x\n```\n# not a heading\n````y"


def test_bullets_paragraphs_and_chinese():
    reply = Reply(
        (
            *parse("学习 **机器学习** 和 *深度学习*，见 `torch`。\n\n- 第一步\n- 第二步"),
            Para((Text("用户说：**不加粗** # 不是标题"),)),
        )
    )
    (message,) = render(reply)
    assert message == (
        "学习 **机器学习** 和 *深度学习*，见 `torch`。\n\n• 第一步\n• 第二步\n\n"
        r"用户说：\*\*不加粗\*\* \# 不是标题"
    )
    check([message])


def test_long_replies_split_between_paragraphs_within_the_limit():
    paragraph = "word " * 300  # 1,500 characters
    reply = Reply(tuple(Para((Bold((Text(f"Part {i}:"),)), Text(" " + paragraph))) for i in range(8)))
    messages = render(reply)
    assert len(messages) == 8
    for i, m in enumerate(messages):
        assert m.startswith(f"**Part {i}:** word")  # one paragraph each: none is cut
        assert m.count("**") % 2 == 0 and m.count("```") % 2 == 0
    assert check(messages).count("word") == 8 * 300


def test_a_bold_span_cut_in_two_is_closed_and_reopened():
    messages = render(Reply((Para((Text("intro "), Bold((Text("word " * 1000),)))),)))
    assert len(messages) == 3
    assert messages[0].startswith("intro **")
    for m in messages:
        assert m.endswith("**") and m.count("**") == 2
    assert all(m.startswith("**") for m in messages[1:])
    assert check(messages).count("word") == 1000


def test_a_code_block_cut_in_two_is_closed_and_reopened_at_line_breaks():
    lines = [f"print({i})" for i in range(600)]
    messages = render(Reply((Pre("\n".join(lines)),)))
    assert len(messages) >= 3
    for m in messages:
        assert m.startswith("```\n") and m.endswith("\n```") and m.count("```") == 2
        assert m[4:-4].split("\n")[-1].startswith("print(")  # whole lines
    assert squash(check(messages)) == squash("".join(lines))


def test_a_paragraph_splits_at_line_breaks_before_spaces():
    text = "\n".join(f"line {i} of the list" for i in range(200))
    messages = render(Reply((Para((Text(text),)),)))
    assert len(messages) >= 2
    for m in messages:
        assert re.fullmatch(r"line \d+ of the list", m.split("\n")[-1])
    assert squash(check(messages)) == squash(text)


@pytest.mark.parametrize("text", ["x" * 10_000, "漢字" * 3000, "🙂" * 3000, "*" * 3000, "@everyone" * 500])
def test_a_single_huge_word_is_cut_anywhere_and_loses_nothing(text):
    messages = render(Reply((Para((Italic((Text(text),)),)),)))
    assert len(messages) >= 2
    assert all(m.startswith("*") and m.endswith("*") for m in messages)
    assert check(messages) == text


def test_huge_inline_code_and_links_are_cut_too():
    messages = render(Reply((Para((Code("c" * 5000),)),)))
    assert all(m.startswith("`") and m.endswith("`") for m in messages)
    assert check(messages) == "c" * 5000
    messages = render(Reply((Para((Link("label " * 500, "https://e.com/" + "p" * 3000),)),)))
    assert squash(check(messages)) == squash("label " * 500) + "https://e.com/" + "p" * 3000


def test_a_reply_of_ten_thousand_characters():
    section = (
        "**Step {n}.** Read the *whole* chapter on `torch.nn` and the [docs](https://pytorch.org/docs/).\n"
        "Then try it with a friend (tell @everyone) and note what_you_learned ~~twice~~.\n\n"
        "- one thing\n- another *thing*\n\n"
    )
    doc = parse("".join(section.format(n=n) for n in range(50)))
    doc += (Pre("for x in range(10):\n    print(x)  # ``` inside\n" * 30),)
    messages = render(Reply(doc))
    assert sum(map(len, messages)) > 10_000
    assert all(len(m) <= MAX_CONTENT for m in messages)
    assert sum(m.count("[docs](<https://pytorch.org/docs/>)") for m in messages) == 50
    visible = check(messages)
    assert squash(visible) == squash(Reply(doc).plain().replace(" (https://pytorch.org/docs/)", ""))


def test_empty_replies_are_one_message_discord_accepts():
    for body in ((), (Para(()),), (Para((Text("  \n "),)),), (Pre("\n"),), (Bullets(()),)):
        assert render(Reply(body)) == [EMPTY]
    assert EMPTY == "\u200b" and EMPTY.strip()  # not whitespace: Discord refuses only empty/blank content


def test_a_limit_below_the_minimum_is_refused():
    with pytest.raises(ValueError, match="below"):
        render(Reply((Para((Text("x"),)),)), limit=10)


def test_every_reply_of_the_repo_content_renders_cleanly(app):
    from handlers.replies import entry_reply

    for entry in app.store.content.faq:
        for lang in ("en", "zh"):
            reply = entry_reply(app.store.content, entry, lang)
            assert expected_pattern(reply.body).fullmatch(squash(check(render(reply))))


# A few hundred random documents made of strings full of markdown, mentions and URLs.

PIECES = [*"ab xy 中文 *_~`|>#-+[]()<!@\\:/.1\n\t", "@everyone", "@here", "<@123456789012345678>"]
PIECES += ["<#123456789012345678>", "<@&123456789012345678>", "<t:1700000000:R>", "```", "**", "||", "__"]
PIECES += ["~~", "-# ", "# ", "## ", "> ", ">>> ", "1. ", "- ", "* ", "https://ex.com/a_b", "](x)", "\n\n"]
PIECES += ["https://ex.com/a*b", "[x](https://e.com)", "¯\\_(ツ)_/¯", "  ", "a[0](b)"]
URLS = ["https://e.com/a_b", "http://x.org/?q=1&r=2", "javascript:alert(1)"]


def random_text(rng: random.Random, most: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, most)))


def random_inline(rng: random.Random, depth: int = 0) -> Text | Bold | Italic | Code | Link:
    k = rng.random()
    if depth < 3 and k < 0.15:
        return Bold(tuple(random_inline(rng, depth + 1) for _ in range(rng.randint(1, 3))))
    if depth < 3 and k < 0.3:
        return Italic(tuple(random_inline(rng, depth + 1) for _ in range(rng.randint(1, 3))))
    if k < 0.4:
        return Code(random_text(rng, 5))
    if k < 0.47:
        return Link(random_text(rng, 2), rng.choice(URLS))
    return Text(random_text(rng, 12))


def random_doc(rng: random.Random) -> tuple:
    blocks = []
    for _ in range(rng.randint(0, 5)):
        k = rng.random()
        if k < 0.6:
            blocks.append(Para(tuple(random_inline(rng) for _ in range(rng.randint(1, 5)))))
        elif k < 0.8:
            items = tuple(tuple(random_inline(rng) for _ in range(rng.randint(1, 3))) for _ in range(3))
            blocks.append(Bullets(items))
        else:
            blocks.append(Pre(random_text(rng, 10)))
    return tuple(blocks)


def expected_pattern(doc: tuple) -> re.Pattern[str]:
    """The visible characters, without whitespace; a link may also show its URL (when it is sent as
    "label <url>", or cut because it is longer than a message)."""
    out: list[str] = []

    def inline(nodes: tuple) -> None:
        for n in nodes:
            if isinstance(n, Text | Code):
                out.append(re.escape(squash(n.value)))
            elif isinstance(n, Bold | Italic):
                inline(n.children)
            elif n.url.startswith("http"):
                label = squash(n.label)
                out.append(f"(?:{re.escape(label)}(?:{re.escape(n.url)})?)" if label else re.escape(n.url))
            else:
                out.append(re.escape(squash(n.label)))

    for block in doc:
        if isinstance(block, Para):
            inline(block.children)
        elif isinstance(block, Bullets):
            for item in block.items:
                out.append("•")
                inline(item)
        elif block.value.strip():
            out.append(re.escape(squash(block.value)))
    return re.compile("".join(out))


@pytest.mark.parametrize("limit", [MAX_CONTENT, 300, 64])
def test_random_documents_render_within_limits_balanced_and_lossless(limit):
    rng = random.Random(20240611 + limit)
    for _ in range(300):
        doc = random_doc(rng)
        messages = render(Reply(doc), limit=limit)
        visible = check(messages, limit)  # within the limit, not blank, fences and stars balanced, inert
        assert expected_pattern(doc).fullmatch(squash(visible)), (doc, messages)


def test_buttons_become_rows_of_label_and_custom_id():
    reply = Reply((), ((Button("Done", "step:done:x"), Button("Skip", "step:skip:x")),))
    assert components(reply) == [[("Done", "step:done:x"), ("Skip", "step:skip:x")]]
    assert components(Reply(())) == []


def row(prefix: str, n: int) -> tuple[Button, ...]:
    return tuple(Button(f"{prefix}{i}", f"{prefix}:{i}") for i in range(n))


def test_button_limits():
    long_label = components(Reply((), ((Button("L" * 100, "a"),),)))[0][0][0]
    assert len(long_label) == 80 and long_label.endswith("…")
    assert components(Reply((), ((Button("", "a"),),))) == [[("…", "a")]]  # Discord needs a label
    assert components(Reply((), ((Button("ok", "p" * 100),),))) == [[("ok", "p" * 100)]]
    with pytest.raises(ValueError, match="100"):
        components(Reply((), ((Button("x", "p" * 101),),)))
    with pytest.raises(ValueError, match="twice"):  # Discord refuses two components with one custom_id
        components(Reply((), ((Button("x", "same"), Button("y", "same")),)))


def test_rows_of_more_than_five_are_reflowed_within_five_rows():
    assert [len(r) for r in components(Reply((), (row("a", 7),)))] == [5, 2]
    assert [len(r) for r in components(Reply((), (row("a", 7), row("b", 7), row("c", 1))))] == [5, 2, 5, 2, 1]
    assert [len(r) for r in components(Reply((), (row("a", 25),)))] == [5] * 5
    with pytest.raises(ValueError, match="rows"):
        components(Reply((), (row("a", 7), row("b", 7), row("c", 6))))
    with pytest.raises(ValueError, match="rows"):
        components(Reply((), tuple(row(f"r{i}", 1) for i in range(6))))


def test_a_reply_with_a_title_line_becomes_an_embed() -> None:
    reply = Reply(parse("**Do I need a *GPU*?**\n\nNot to start.\n\n- one\n- two"))
    assert embed(reply) == ("Do I need a GPU?", "Not to start.\n\n• one\n• two")  # titles are plain
    reply = Reply(parse("**Do I need a GPU? @everyone**\n\nNot to start: use [Colab](https://colab.google)."))
    title, description = embed(reply)
    assert title.startswith("Do I need a GPU?") and "@everyone" not in title
    assert description == render(Reply(reply.body[1:]), limit=4096)[0]
    assert "[Colab](<https://colab.google>)" in description


def test_replies_without_a_title_or_too_long_for_one_embed_stay_text() -> None:
    assert embed(Reply(parse("Just a sentence with **bold** inside."))) is None
    assert embed(Reply(())) is None
    long = Reply(parse("**Title**\n\n" + "\n\n".join("word " * 200 for _ in range(6))))
    assert embed(long) is None  # over 4096 characters: split messages read better
    (title, description) = embed(Reply(parse("**Only a title**")))
    assert (title, description) == ("Only a title", "")


def test_a_lone_surrogate_in_any_reply_text_is_sent_as_a_replacement_character() -> None:
    lone = "\ud800"
    reply = Reply(
        (
            Para((Bold((Text(f"Title {lone}"),)),)),
            Para((Text(f"a{lone}b "), Italic((Text(lone),)), Code(f"c{lone}"))),
            Para((Link(f"label{lone}", "https://example.org/x"),)),
            Bullets(((Text(lone),),)),
            Pre(f"pre{lone}"),
        ),
        ((Button(f"label{lone}", f"faq:show:{lone}"),),),
    )
    messages = render(reply) + render(reply, limit=40)
    assert all(m.encode("utf-8") and len(m) <= MAX_CONTENT for m in messages)  # sendable: none left
    assert "".join(render(reply)).count("\ufffd") == 7
    assert all(len(m) <= 40 for m in render(reply, limit=40))
    title, description = embed(reply)
    assert title == "Title \ufffd" and (title + description).encode("utf-8")
    assert components(reply) == [[("label\ufffd", "faq:show:\ufffd")]]
    assert render(Reply((Para((Text("\ud83d\ude42"),)),))) == ["🙂"]  # two halves of one emoji: the emoji
