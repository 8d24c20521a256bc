"""The weekly review's picture (/week): a pure function from a WeekCard to PNG bytes.

The card shows the heading, a calendar heatmap of the last 12 weeks (7 rows Monday..Sunday x 12 columns;
a grey and four greens by minutes studied, streak-freeze days light blue with a snowflake mark, days still
to come as an outline), its legend, a small bar chart of this week against last week per weekday, and two
progress bars: the roadmap's steps and this week's study time against the goal (drawn capped at 100%;
the label says the truth).

Every string is drawn with the font shipped in fonts/ (a subset of Noto Sans CJK SC, see fonts/README.md),
so the picture looks the same on every machine. A character the font lacks is dropped before drawing (and
logged once), so a missing-glyph box cannot appear; `covers` tells callers whether a text survives whole.

render() is called in worker threads (asyncio.to_thread): it keeps no state between calls. The only
shared things are read-only: the font's bytes and coverage, and one Pillow font per size, each made once
under a lock and then used under its own lock (a FreeType face is not safe to use from two threads at
once, and Pillow calls back into Python in the middle of drawing a string).
"""

from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FILE = FONTS / "StudyBuddySans-Regular.otf"
COVERAGE_FILE = FONTS / "coverage.txt"

WIDTH, HEIGHT = 800, 400
PAD = 28
DAYS, WEEKS = 84, 12

# Colours. The heatmap is one hue (GitHub's greens) whose lightness steps carry the level, so it reads
# without colour vision too; a frozen day is blue and marked; this week is blue, last week grey; the
# roadmap and the goal use Okabe-Ito colours (orange, bluish green), told apart by place and label.
BACKGROUND = (255, 255, 255)
INK = (31, 35, 40)
MUTED = (101, 109, 118)
FAINT = (208, 215, 222)
TRACK = (234, 238, 242)
LEVELS = ((235, 237, 240), (155, 233, 168), (64, 196, 99), (48, 161, 78), (33, 110, 57))
LEVEL_FLOORS = (1, 15, 45, 90)  # minutes at which levels 1..4 start
FROZEN_FILL = (179, 220, 245)
FROZEN_MARK = (0, 94, 150)
THIS_WEEK = (0, 114, 178)
LAST_WEEK = (175, 184, 193)
LAST_WEEK_TEXT = (110, 119, 129)
ROADMAP = (0, 158, 115)
GOAL = (230, 159, 0)
GOAL_MET = (0, 114, 178)

HEADING_SIZE, LABEL_SIZE, SMALL_SIZE = 24, 15, 12
ELLIPSIS = "…"


@dataclass(frozen=True)
class WeekCard:
    """What the picture shows; every string already localised and formatted."""

    heading: str  # "Your week · 23–29 Nov 2026" / "你的一周 · 2026-11-23 至 11-29"
    weekday_labels: tuple[str, ...]  # 7 short labels, Monday first ("M".."S" / "一".."日")
    # 84 values: minutes studied per day for the last 12 weeks, oldest first, Monday-aligned (index 0 is a
    # Monday, 83 this week's Sunday); None = a day still to come
    days: tuple[int | None, ...]
    frozen: frozenset[int]  # indexes into `days` that a streak freeze covered
    heatmap_label: str  # "Last 12 weeks" / "最近 12 周"
    legend: tuple[str, str]  # ("less", "more") / ("少", "多")
    frozen_label: str  # "frozen day" / "冻结日"
    progress_label: str  # "Roadmap: 4 of 12 steps"
    progress: float  # 0..1
    goal_label: str  # "This week 5 h 30 min of 6 h" / "This week 5 h 30 min (no goal)"
    goal_progress: float | None  # this week / goal, may exceed 1; None without a goal
    week_bars: tuple[tuple[str, int, int], ...]  # 7 rows: (weekday label, minutes this week, last week)
    bars_label: str  # "This week vs last week" / "本周 vs 上周"


# ---------------------------------------------------------------------------------------------------
# The font, loaded once


class _Font:
    """One size of the font and the lock its FreeType face is used under."""

    __slots__ = ("face", "lock")

    def __init__(self, face: ImageFont.FreeTypeFont) -> None:
        self.face = face
        self.lock = threading.Lock()


_load_lock = threading.Lock()
_font_bytes: bytes | None = None
_coverage: frozenset[str] | None = None
_fonts: dict[int, _Font] = {}
_warn_lock = threading.Lock()
_warned: set[str] = set()  # characters already logged as missing (logging only; drawing never reads it)


def coverage() -> frozenset[str]:
    """Every character the font has a glyph for (fonts/coverage.txt)."""
    global _coverage
    if _coverage is None:
        with _load_lock:
            if _coverage is None:
                # bytes decoded, not read_text: no newline translation, every character kept as written
                _coverage = frozenset(COVERAGE_FILE.read_bytes().decode("utf-8"))
    return _coverage


def _font(size: int) -> _Font:
    global _font_bytes
    font = _fonts.get(size)
    if font is None:
        with _load_lock:
            font = _fonts.get(size)
            if font is None:
                if _font_bytes is None:
                    _font_bytes = FONT_FILE.read_bytes()
                face = ImageFont.truetype(io.BytesIO(_font_bytes), size, layout_engine=ImageFont.Layout.BASIC)
                font = _fonts[size] = _Font(face)
    return font


def covers(text: str) -> bool:
    """True if every character of `text` is in the font, or is whitespace (drawn as a space)."""
    have = coverage()
    return all(c in have or c.isspace() for c in text)


def drawable(text: str) -> str:
    """`text` as it will be drawn: whitespace the font lacks becomes a space, other characters it lacks
    are dropped (each logged once per process)."""
    have = coverage()
    if all(c in have for c in text):
        return text
    kept: list[str] = []
    dropped: list[str] = []
    for c in text:
        if c in have:
            kept.append(c)
        elif c.isspace():
            kept.append(" ")
        else:
            dropped.append(c)
    shown = "".join(kept)
    if dropped:
        _warn_missing(dropped)
        shown = re.sub(r" {2,}", " ", shown)  # "Your week 🔥 · 23-29 Nov": one space where 🔥 was, not two
    return shown


def _warn_missing(chars: Iterable[str]) -> None:
    """Log each character once per process (the characters only: a string may hold a learner's data)."""
    with _warn_lock:
        new = sorted(set(chars) - _warned)
        _warned.update(new)
    if new:
        log.warning(
            "week picture: the font has no glyph for %s; left out (tools/subset_font.py adds characters)",
            " ".join(f"U+{ord(c):04X} {c}" for c in new),
        )


# ---------------------------------------------------------------------------------------------------
# Drawing


class _Canvas:
    """An image and its drawing context, with text drawn only in characters the font has."""

    def __init__(self) -> None:
        self.image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)

    def width_of(self, text: str, size: int) -> float:
        font = _font(size)
        with font.lock:
            return font.face.getlength(text)

    def fit(self, text: str, size: int, max_width: float) -> str:
        """`text` (already drawable), cut with an ellipsis to fit `max_width`."""
        if self.width_of(text, size) <= max_width:
            return text

        # The font's "…" is the Chinese one (centred, a hanzi wide): after Latin text three full stops
        # look right.
        def cut(n: int) -> str:
            head = text[:n].rstrip()
            return head + (ELLIPSIS if head and head[-1] >= "\u2e80" else "...")

        low, high = 0, len(text)  # the longest prefix that fits with its ellipsis
        while low < high:
            middle = (low + high + 1) // 2
            if self.width_of(cut(middle), size) <= max_width:
                low = middle
            else:
                high = middle - 1
        return cut(low) if low else ""

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        size: int,
        fill: tuple[int, int, int],
        *,
        max_width: float | None = None,
        anchor: str = "la",
    ) -> float:
        """Draw `text` (dropping characters the font lacks) and return its width."""
        shown = drawable(text)
        if max_width is not None:
            shown = self.fit(shown, size, max_width)
        if not shown.strip():
            return 0.0
        font = _font(size)
        with font.lock:
            self.draw.text(xy, shown, fill=fill, font=font.face, anchor=anchor)
            return font.face.getlength(shown)

    def bar(self, box: tuple[float, float, float, float], share: float, colour: tuple[int, int, int]) -> None:
        """A horizontal progress bar: the track, then `share` (clamped to 0..1) of it filled."""
        x0, y0, x1, y1 = box
        radius = (y1 - y0) / 2
        self.draw.rounded_rectangle(box, radius=radius, fill=TRACK)
        share = min(max(share, 0.0), 1.0)
        if share > 0:
            end = max(x0 + share * (x1 - x0), x0 + 2 * radius)  # a sliver still shows as a round dot
            self.draw.rounded_rectangle((x0, y0, end, y1), radius=radius, fill=colour)


def level(minutes: int) -> int:
    """The heatmap's shade for a day: 0 (none), 1 (1-14 min), 2 (15-44), 3 (45-89), 4 (90+)."""
    return sum(minutes >= floor for floor in LEVEL_FLOORS)


CELL, GAP = 21, 4
PITCH = CELL + GAP
TOP = 76  # the sections' labels
GRID_TOP = TOP + 28
GRID_LEFT = PAD + 26
GRID_RIGHT = GRID_LEFT + WEEKS * PITCH - GAP
GRID_BOTTOM = GRID_TOP + 7 * PITCH - GAP
CHART_LEFT = GRID_RIGHT + 56
CHART_RIGHT = WIDTH - PAD
BOTTOM = GRID_BOTTOM + 46  # the progress bars' labels


def _heatmap(canvas: _Canvas, card: WeekCard) -> None:
    draw = canvas.draw
    canvas.text((PAD, TOP), card.heatmap_label, LABEL_SIZE, INK, max_width=GRID_RIGHT - PAD)
    for row, label in enumerate(card.weekday_labels[:7]):
        y = GRID_TOP + row * PITCH + CELL / 2
        canvas.text((PAD, y), label, SMALL_SIZE, MUTED, max_width=GRID_LEFT - PAD - 4, anchor="lm")
    days = tuple(card.days[:DAYS]) + (None,) * max(0, DAYS - len(card.days))
    for index, minutes in enumerate(days):
        column, row = divmod(index, 7)
        x, y = GRID_LEFT + column * PITCH, GRID_TOP + row * PITCH
        box = (x, y, x + CELL - 1, y + CELL - 1)
        if index in card.frozen:
            _frozen_cell(draw, box)
        elif minutes is None:
            draw.rounded_rectangle(box, radius=3, outline=FAINT, width=1)
        else:
            draw.rounded_rectangle(box, radius=3, fill=LEVELS[level(max(minutes, 0))])
    _legend(canvas, card)


def _frozen_cell(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float]) -> None:
    """Light blue with a small snowflake (three crossed strokes)."""
    draw.rounded_rectangle(box, radius=3, fill=FROZEN_FILL)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    r = (box[2] - box[0]) * 0.28
    draw.line((cx, cy - r, cx, cy + r), fill=FROZEN_MARK, width=1)
    draw.line((cx - r * 0.87, cy - r / 2, cx + r * 0.87, cy + r / 2), fill=FROZEN_MARK, width=1)
    draw.line((cx - r * 0.87, cy + r / 2, cx + r * 0.87, cy - r / 2), fill=FROZEN_MARK, width=1)


def _legend(canvas: _Canvas, card: WeekCard) -> None:
    swatch, step = 12, 15
    y = GRID_BOTTOM + 12
    middle = y + swatch / 2
    x = GRID_LEFT
    less, more = (tuple(card.legend) + ("", ""))[:2]
    x += canvas.text((x, middle), less, SMALL_SIZE, MUTED, max_width=60, anchor="lm") + 6
    for shade in LEVELS:
        canvas.draw.rounded_rectangle((x, y, x + swatch - 1, y + swatch - 1), radius=2, fill=shade)
        x += step
    x += 3
    x += canvas.text((x, middle), more, SMALL_SIZE, MUTED, max_width=60, anchor="lm") + 18
    _frozen_cell(canvas.draw, (x, y, x + swatch - 1, y + swatch - 1))
    x += swatch + 6
    canvas.text(
        (x, middle), card.frozen_label, SMALL_SIZE, MUTED, max_width=max(GRID_RIGHT + 40 - x, 0), anchor="lm"
    )


# Where a chart label like "This week vs last week" divides into its two weeks.
SEPARATORS = (" vs. ", " vs ", " versus ", " against ", " compared with ", "与", "对比", "和")


def _bars_label(canvas: _Canvas, label: str) -> None:
    """The chart's label. When it reads "A vs B" (or "A against B", "A与B"...), A is drawn in this week's
    colour and B in last week's, so that the label is the chart's legend too."""
    found = [(label.find(sep), sep) for sep in SEPARATORS if sep in label]
    if not found:
        canvas.text((CHART_LEFT, TOP), label, LABEL_SIZE, INK, max_width=CHART_RIGHT - CHART_LEFT)
        return
    at, sep = min(found)
    x = CHART_LEFT
    for part, colour in ((label[:at], THIS_WEEK), (sep, MUTED), (label[at + len(sep) :], LAST_WEEK_TEXT)):
        x += canvas.text((x, TOP), part, LABEL_SIZE, colour, max_width=max(CHART_RIGHT - x, 0))


def _week_chart(canvas: _Canvas, card: WeekCard) -> None:
    draw = canvas.draw
    _bars_label(canvas, card.bars_label)
    rows = tuple(card.week_bars[:7])
    top, base = GRID_TOP + 4, GRID_BOTTOM - 18  # bars grow up from the base line; labels under it
    draw.line((CHART_LEFT, base, CHART_RIGHT, base), fill=FAINT, width=1)
    if not rows:
        return
    # the scale's top: the longest day, and at least an hour (a 5-minute day is not drawn full height)
    most = max(60, *(max(this, last) for _, this, last in rows))
    group = (CHART_RIGHT - CHART_LEFT) / 7
    bar = min(16.0, (group - 10) / 2)
    for i, (label, this, last) in enumerate(rows):
        middle = CHART_LEFT + group * (i + 0.5)
        for minutes, colour, left in ((this, THIS_WEEK, middle - bar - 1), (last, LAST_WEEK, middle + 1)):
            if minutes > 0:
                height = max(2.0, (base - top) * min(minutes, most) / most)
                draw.rounded_rectangle(
                    (left, base - height, left + bar - 1, base - 1), radius=min(3, height / 2), fill=colour
                )
        canvas.text((middle, base + 6), label, SMALL_SIZE, MUTED, max_width=group - 4, anchor="mt")


def _progress(canvas: _Canvas, card: WeekCard) -> None:
    half = (WIDTH - 2 * PAD - 40) / 2
    left, right = PAD, PAD + half + 40
    y = BOTTOM
    canvas.text((left, y), card.progress_label, LABEL_SIZE, INK, max_width=half)
    canvas.bar((left, y + 28, left + half, y + 40), card.progress, ROADMAP)
    canvas.text((right, y), card.goal_label, LABEL_SIZE, INK, max_width=half)
    if card.goal_progress is None:
        # no goal: a faint track, nothing to fill
        canvas.draw.rounded_rectangle((right, y + 28, right + half, y + 40), radius=6, outline=TRACK, width=2)
    else:
        met = card.goal_progress >= 1
        canvas.bar((right, y + 28, right + half, y + 40), card.goal_progress, GOAL_MET if met else GOAL)


def render(card: WeekCard) -> bytes:
    """The card as PNG bytes (WIDTH x HEIGHT, a palette image)."""
    canvas = _Canvas()
    canvas.text((PAD, PAD - 4), card.heading, HEADING_SIZE, INK, max_width=WIDTH - 2 * PAD)
    _heatmap(canvas, card)
    _week_chart(canvas, card)
    _progress(canvas, card)
    # Drawn in RGB (text needs blending), saved as a palette image: the card has a few dozen colours plus
    # the text's anti-aliasing, so quantising loses nothing visible (at most 15 levels on an edge pixel)
    # and the PNG is a third the size and quicker to write (about 9 KB and 8 ms, against 25 KB and 15 ms
    # for RGB at the default compression).
    image = canvas.image.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
