"""The weekly review's picture (handlers/week/picture.py) and its font subset (handlers/week/fonts/): valid,
small PNGs in English and Chinese, text really drawn, characters the font lacks left out without error,
the coverage list true to the font, and every UI string covered."""

from __future__ import annotations

import io
import logging
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import yaml
from PIL import Image, ImageChops

from bot.settings import REPO_CONTENT
from handlers.week import picture
from handlers.week.picture import HEIGHT, WIDTH, WeekCard, covers, render

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 200_000
UI_FILES = {lang: REPO_CONTENT / "ui" / f"{lang}.yaml" for lang in ("en", "zh")}


def sample_days() -> tuple[int | None, ...]:
    """12 weeks of varied minutes, this week's Thursday to Sunday still to come."""
    days: list[int | None] = [(i * 37) % 130 if i % 5 else 0 for i in range(84)]
    days[-4:] = [None] * 4
    return tuple(days)


def card(lang: str = "en", **changes: object) -> WeekCard:
    if lang == "en":
        base = WeekCard(
            heading="Your week · 23–29 Nov 2026",
            weekday_labels=("M", "T", "W", "T", "F", "S", "S"),
            days=sample_days(),
            frozen=frozenset({12, 40, 41}),
            heatmap_label="Last 12 weeks",
            legend=("less", "more"),
            frozen_label="frozen day",
            progress_label="Roadmap: 4 of 12 steps",
            progress=4 / 12,
            goal_label="This week 5 h 30 min of 6 h",
            goal_progress=330 / 360,
            week_bars=tuple(
                zip(
                    ("M", "T", "W", "T", "F", "S", "S"),
                    (45, 90, 0, 195, 0, 0, 0),
                    (30, 0, 60, 25, 50, 120, 15),
                    strict=True,
                )
            ),
            bars_label="This week vs last week",
        )
    else:
        base = WeekCard(
            heading="你的一周 · 2026-11-23 至 11-29",
            weekday_labels=("一", "二", "三", "四", "五", "六", "日"),
            days=sample_days(),
            frozen=frozenset({12, 40, 41}),
            heatmap_label="最近 12 周",
            legend=("少", "多"),
            frozen_label="冻结日",
            progress_label="路线图：已完成 4 / 12 步",
            progress=4 / 12,
            goal_label="本周 5 小时 30 分钟，目标 6 小时",
            goal_progress=330 / 360,
            week_bars=tuple(
                zip(
                    ("一", "二", "三", "四", "五", "六", "日"),
                    (45, 90, 0, 195, 0, 0, 0),
                    (30, 0, 60, 25, 50, 120, 15),
                    strict=True,
                )
            ),
            bars_label="本周与上周对比",
        )
    return replace(base, **changes)  # type: ignore[arg-type]


def opened(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT)
    return image


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_renders_a_small_valid_png(lang: str) -> None:
    png = render(card(lang))
    opened(png)
    assert len(png) < MAX_BYTES


def heading_region(png: bytes) -> Image.Image:
    return opened(png).convert("RGB").crop((0, 0, WIDTH, 60))


def test_chinese_heading_is_really_drawn() -> None:
    drawn = heading_region(render(card("zh")))
    blank = heading_region(render(card("zh", heading="")))
    assert ImageChops.difference(drawn, blank).getbbox() is not None
    # and the Chinese characters themselves, not only the digits: a heading of hanzi alone differs too
    only_hanzi = heading_region(render(card("zh", heading="你的一周")))
    assert ImageChops.difference(only_hanzi, blank).getbbox() is not None
    assert covers("你的一周") and covers(card("zh").heading)


def test_a_character_outside_the_font_is_left_out_without_error(caplog: pytest.LogCaptureFixture) -> None:
    for odd in ("\U00020000", "🔥", "👍\ufe0f"):
        assert not covers(odd)
        assert not covers(f"你的一周 {odd}")
    assert covers(" \t\n\u3000")  # whitespace counts as covered
    with caplog.at_level(logging.WARNING, logger=picture.__name__):
        png = render(card("zh", heading="你的一周 \U00020000🔥", frozen_label="冻结日 👍\ufe0f"))
    opened(png)
    # what is left is drawn exactly as if the missing characters had never been there
    same = render(card("zh", heading="你的一周 ", frozen_label="冻结日 "))
    assert ImageChops.difference(opened(png).convert("RGB"), opened(same).convert("RGB")).getbbox() is None
    assert picture.drawable("a\U00020000b") == "ab"
    with caplog.at_level(logging.WARNING, logger=picture.__name__):
        picture.drawable("x\U0002b740")  # a character no other test draws: its first time, so logged
    assert "U+2B740" in caplog.text
    assert picture.drawable("a\u2009b") == "a b"  # a thin space the font lacks is drawn as a space


def test_worker_threads_draw_the_same_picture() -> None:
    """render() runs in asyncio.to_thread: cards drawn at once in several threads come out as drawn alone."""
    cards = [card(lang, progress=i / 2) for i in range(2) for lang in ("en", "zh")]
    alone = [render(c) for c in cards]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(render, cards)) == alone


def test_coverage_list_matches_the_fonts_cmap() -> None:
    ttlib = pytest.importorskip("fontTools.ttLib")
    with ttlib.TTFont(str(picture.FONT_FILE), lazy=True) as font:
        cmap = font.getBestCmap()
    text = picture.COVERAGE_FILE.read_bytes().decode("utf-8")
    assert text == "".join(chr(c) for c in sorted(cmap))
    assert picture.coverage() == frozenset(text)


@pytest.mark.parametrize(
    "changes",
    [
        {"days": (0,) * 84, "week_bars": tuple((d, 0, 0) for d in "MTWTFSS"), "goal_progress": 0.0},
        {"days": (None,) * 84, "frozen": frozenset()},
        {"goal_progress": 2.5, "goal_label": "This week 15 h of 6 h"},
        {"goal_progress": None, "goal_label": "This week 5 h 30 min (no goal)"},
        {"progress": 0.0},
        {"progress": 1.0},
        {
            "days": (600,) * 84,
            "frozen": frozenset(range(84)),
            "week_bars": tuple((d, 900, 1) for d in "MTWTFSS"),
        },
        {"heading": "A heading far too long for the card " * 5, "goal_label": "x" * 300, "bars_label": ""},
    ],
    ids=[
        "all-zero",
        "all-future",
        "goal-exceeded",
        "no-goal",
        "progress-0",
        "progress-1",
        "extremes",
        "long",
    ],
)
def test_edge_cases_render(changes: dict[str, object]) -> None:
    for lang in ("en", "zh"):
        png = render(card(lang, **changes))
        opened(png)
        assert len(png) < MAX_BYTES


def ui_strings(lang: str) -> dict[str, str]:
    return {key: str(value) for key, value in yaml.safe_load(UI_FILES[lang].read_text("utf-8")).items()}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_pictures_ui_strings_are_covered(lang: str) -> None:
    """Every week.picture.* string is drawn on the card: all of it must be in the font."""
    missing = {
        key: "".join(sorted({c for c in value if not covers(c)}))
        for key, value in ui_strings(lang).items()
        if key.startswith("week.picture.") and not covers(value)
    }
    assert not missing, f"characters not in the picture's font (rebuild it: tools/subset_font.py): {missing}"


def emoji_like(c: str) -> bool:
    """Pictographs and their variation selector: no text font has them, and the subset's source lacks
    them too (fonts/README.md lists those the UI uses); the picture leaves them out."""
    return unicodedata.category(c) == "So" or c == "\ufe0f"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_ui_string_is_covered(lang: str) -> None:
    """The font was built with every character of the UI files, so a UI edit that brings a rare character
    (a hanzi outside GB2312 level 1, say) fails here until the font is rebuilt. Emoji excepted."""
    missing = {
        key: "".join(sorted({c for c in value if not covers(c) and not emoji_like(c)}))
        for key, value in ui_strings(lang).items()
    }
    missing = {key: chars for key, chars in missing.items() if chars}
    assert not missing, f"characters not in the picture's font (rebuild it: tools/subset_font.py): {missing}"
