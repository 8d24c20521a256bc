from handlers.core.markup import Bold, Bullets, Code, Italic, Link, Para, Text, parse, to_plain


def test_inline_markup_becomes_nodes():
    (block,) = parse("Learn **Python** first, see *this* [course](https://example.org/c) and `pip`.")
    assert block == Para(
        (
            Text("Learn "),
            Bold((Text("Python"),)),
            Text(" first, see "),
            Italic((Text("this"),)),
            Text(" "),
            Link("course", "https://example.org/c"),
            Text(" and "),
            Code("pip"),
            Text("."),
        )
    )


def test_bullets_and_paragraphs():
    doc = parse("Intro line\n\n- one\n- two\n  continued\n\nOutro")
    assert doc == (
        Para((Text("Intro line"),)),
        Bullets(((Text("one"),), (Text("two"), Text(" "), Text("continued")))),
        Para((Text("Outro"),)),
    )


def test_placeholder_values_are_never_read_as_markup():
    doc = parse("Hi **{name}**!", {"name": "*evil* [x](http://bad) `code`"})
    assert doc == (Para((Text("Hi "), Bold((Text("*evil* [x](http://bad) `code`"),)), Text("!"))),)


def test_unknown_placeholders_stay_and_stray_markers_are_text():
    assert (
        to_plain(parse("{missing} costs 2*3 and a lone ** here")) == "{missing} costs 2*3 and a lone ** here"
    )


def test_soft_wrapped_lines_join_with_a_space_but_not_inside_chinese():
    assert to_plain(parse("one line\nwrapped")) == "one line wrapped"
    assert to_plain(parse("第一行\n第二行")) == "第一行第二行"


def test_plain_rendering_shows_link_targets():
    assert to_plain(parse("See [ISL](https://example.org) or https://x.org")) == (
        "See ISL (https://example.org) or https://x.org"
    )
