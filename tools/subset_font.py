"""Build the weekly review picture's font: a subset of Noto Sans CJK SC Regular (SIL OFL 1.1).

    .venv/bin/pip install fonttools        # a dev-time tool only, not a runtime dependency
    .venv/bin/python tools/subset_font.py [--deb PATH/TO/fonts-noto-cjk_*.deb]

Without --deb the script fetches Debian's fonts-noto-cjk package itself (`apt-get download` into a
temporary directory) and unpacks it with `dpkg-deb -x`. From the package it takes the Simplified Chinese
face of NotoSansCJK-Regular.ttc and keeps only the characters the picture can need:

- printable ASCII, Latin-1 punctuation and symbols (U+00A0-U+00BF, x and divide signs);
- general punctuation (U+2010-U+2027, U+2030-U+203B) and a few arrows, shapes and marks;
- CJK symbols and punctuation (U+3000-U+303F) and the full-width forms (U+FF01-U+FF5E);
- the 3,755 level-1 hanzi of GB2312 (rows 0xB0-0xD7);
- every character of content/ui/en.yaml and content/ui/zh.yaml (the raw text and the parsed values).

A character the source font has no glyph for (the UI's emoji, for instance) cannot be kept; the script
lists those it asked for in vain. Hinting, the layout tables (GSUB, GPOS, GDEF, BASE: Pillow's basic
layout uses none of them) and the vertical metrics are dropped; the punctuation Latin and Chinese text
share (middle dot, bullet, curly quotes) takes the collection's Latin glyphs instead of the SC face's
full-width ones; the font is renamed "Study Buddy Sans", as a Modified Version under the OFL should be.

It writes, in handlers/week/fonts/:
- StudyBuddySans-Regular.otf: the subset (CFF outlines, as in the source);
- coverage.txt: every character the subset maps, one UTF-8 string sorted by code point, no newline, so
  that handlers/week/picture.py can check coverage without fontTools;
- OFL.txt: the font's copyright notice and the SIL Open Font License 1.1 text from the package's
  copyright file;
- README.md: what the font is, where it came from, its version and how to rebuild it.

Idempotent: the same package gives byte-identical files (the head table keeps the source's timestamps).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import textwrap
import unicodedata
from pathlib import Path

import yaml
from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "handlers" / "week" / "fonts"
FONT_NAME = "StudyBuddySans-Regular.otf"
UI_FILES = (ROOT / "content" / "ui" / "en.yaml", ROOT / "content" / "ui" / "zh.yaml")
TTC_IN_DEB = "usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
COPYRIGHT_IN_DEB = "usr/share/doc/fonts-noto-cjk/copyright"
SC_FACE = "Noto Sans CJK SC"

FAMILY = "Study Buddy Sans"
POSTSCRIPT = "StudyBuddySans-Regular"

# The same words as pyftsubset's command line (fontTools.subset parses them).
SUBSET_OPTIONS = [
    "--layout-features=",
    "--drop-tables+=GSUB,GPOS,GDEF,BASE,VORG,vhea,vmtx",
    "--no-hinting",
    "--name-IDs=*",
    "--no-notdef-outline",
]

# Punctuation that Latin and Chinese text share and that the SC face maps to full-width glyphs: a middle
# dot as wide as a hanzi leaves gaps in "Your week · 23–29 Nov". The collection's faces share one glyph
# set, so these take the JP face's glyphs (the Latin ones) instead.
PROPORTIONAL = "·•‘’“”"
LATIN_FACE = "Noto Sans CJK JP"

# Marks the card (or a future label) may draw, beyond the ranges below.
EXTRA = "←↑→↓▲▼■□●○◆◇★☆✓✗×÷"


def wanted_characters() -> tuple[set[str], set[str]]:
    """Every character to keep, and those of them named one by one (the UI's, the marks), which the
    script reports when the source font lacks one; the ranges are kept as far as the font covers them."""
    named: set[str] = set(EXTRA)
    for path in UI_FILES:
        text = path.read_text(encoding="utf-8")
        named.update(text)
        for value in (yaml.safe_load(text) or {}).values():
            named.update(str(value))
    chars = set(named)
    chars.update(chr(c) for c in range(0x20, 0x7F))
    chars.update(chr(c) for c in range(0xA0, 0xC0))
    chars.update(chr(c) for c in range(0x2010, 0x2028))
    chars.update(chr(c) for c in range(0x2030, 0x203C))
    chars.update(chr(c) for c in range(0x3000, 0x3040))
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))
    chars.update(gb2312_level1())

    def drawable(c: str) -> bool:  # control characters (newlines, tabs) are never drawn
        return unicodedata.category(c) not in ("Cc", "Cs")

    return {c for c in chars if drawable(c)}, {c for c in named if drawable(c)}


def gb2312_level1() -> set[str]:
    found = set()
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                found.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # row 0xD7 ends at 0xF9
    return found


def fetch_deb(workdir: Path) -> Path:
    subprocess.run(["apt-get", "download", "fonts-noto-cjk"], cwd=workdir, check=True)
    debs = sorted(workdir.glob("fonts-noto-cjk_*.deb"))
    if not debs:
        sys.exit("apt-get download fonts-noto-cjk gave no .deb")
    return debs[-1]


def unpack(deb: Path, workdir: Path) -> tuple[Path, str, str]:
    """The .ttc, the package's version and its copyright file's text."""
    tree = workdir / "tree"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True)
    version = subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Version"], check=True, capture_output=True, text=True
    ).stdout.strip()
    return tree / TTC_IN_DEB, version, (tree / COPYRIGHT_IN_DEB).read_text(encoding="utf-8")


def face_number(ttc: Path, name: str) -> int:
    collection = TTCollection(str(ttc), lazy=True)
    for number, face in enumerate(collection.fonts):
        if face["name"].getDebugName(4) == name:
            return number
    sys.exit(f"no {name!r} face in {ttc}")


def use_latin_punctuation(font: TTFont, ttc: Path) -> None:
    """Map PROPORTIONAL to the glyphs the Latin face maps them to (see PROPORTIONAL)."""
    with TTFont(str(ttc), fontNumber=face_number(ttc, LATIN_FACE), lazy=True) as latin:
        latin_cmap = latin.getBestCmap()
    for table in font["cmap"].tables:
        if table.isUnicode():
            for c in PROPORTIONAL:
                if ord(c) in table.cmap and ord(c) in latin_cmap:
                    table.cmap[ord(c)] = latin_cmap[ord(c)]


def ofl_text(copyright_file: str) -> str:
    """The 'License: SIL-1.1' paragraph of a Debian copyright file, as plain text."""
    lines = copyright_file.splitlines()
    # The stand-alone licence paragraph: its first line is followed by the indented text (a "Files:"
    # paragraph only names the licence).
    start = next(
        i + 1
        for i, line in enumerate(lines[:-1])
        if line.strip() == "License: SIL-1.1" and lines[i + 1].startswith(" ")
    )
    body = []
    for line in lines[start:]:
        if not line.startswith(" "):
            break  # the next paragraph
        body.append("" if line.strip() == "." else line[1:])
    return "\n".join(body).strip("\n") + "\n"


def rename(font: TTFont, source_version: str) -> None:
    name = font["name"]
    unique = f"{POSTSCRIPT};subset of NotoSansCJKsc-Regular {source_version}"
    for record in list(name.names):
        if record.nameID in (16, 17, 21, 22):  # typographic family names: the plain ones say it all
            name.removeNames(nameID=record.nameID)
    for name_id, value in ((1, FAMILY), (3, unique), (4, f"{FAMILY} Regular"), (6, POSTSCRIPT)):
        name.setName(value, name_id, 3, 1, 0x409)
    cff = font["CFF "].cff
    cff.fontNames = [POSTSCRIPT]
    top = cff.topDictIndex[0]
    for key, value in (("FullName", f"{FAMILY} Regular"), ("FamilyName", FAMILY)):
        if hasattr(top, key):
            setattr(top, key, value)


def build(deb: Path, workdir: Path) -> None:
    ttc, package_version, copyright_file = unpack(deb, workdir)
    number = face_number(ttc, SC_FACE)
    wanted, named = wanted_characters()

    options = subset.Options()
    rest = options.parse_opts(SUBSET_OPTIONS)
    assert not rest, rest
    options.font_number = number
    font = subset.load_font(str(ttc), options, dontLoadGlyphNames=True)
    source_cmap = font.getBestCmap()
    source_version = font["name"].getDebugName(5).split(";")[0].removeprefix("Version ").strip()
    missing = sorted(c for c in named if ord(c) not in source_cmap)
    use_latin_punctuation(font, ttc)

    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in wanted])
    subsetter.subset(font)
    rename(font, source_version)

    OUT.mkdir(parents=True, exist_ok=True)
    font_path = OUT / FONT_NAME
    subset.save_font(font, str(font_path), options)
    font.close()

    with TTFont(str(font_path), lazy=True) as check:
        covered = "".join(chr(c) for c in sorted(check.getBestCmap()))
        glyphs = len(check.getGlyphOrder())
    (OUT / "coverage.txt").write_text(covered, encoding="utf-8", newline="")

    notice = source_copyright(ttc, number)
    (OUT / "OFL.txt").write_text(
        f"{notice}\n\nStudy Buddy Sans is a subset of Noto Sans CJK SC: a Modified Version under this"
        f" licence.\n\n{ofl_text(copyright_file)}",
        encoding="utf-8",
    )
    size = font_path.stat().st_size
    sha = hashlib.sha256(font_path.read_bytes()).hexdigest()
    (OUT / "README.md").write_text(
        readme(package_version, source_version, number, len(covered), glyphs, size, sha, missing),
        encoding="utf-8",
    )
    print(f"{font_path.relative_to(ROOT)}: {size:,} bytes, {len(covered):,} characters, {glyphs:,} glyphs")
    if missing:
        print(f"not in the source font, left out ({len(missing)}): {' '.join(missing)}")


def source_copyright(ttc: Path, number: int) -> str:
    with TTFont(str(ttc), fontNumber=number, lazy=True) as face:
        return face["name"].getDebugName(0)


def readme(
    package_version: str,
    source_version: str,
    number: int,
    characters: int,
    glyphs: int,
    size: int,
    sha: str,
    missing: list[str],
) -> str:
    missing_line = textwrap.fill(
        f"Asked for but not in the source font, so left out ({len(missing)}): "
        + " ".join(f"U+{ord(c):04X}" for c in missing)
        + ". The picture drops such characters before drawing (it logs a warning), so none shows as a box."
        if missing
        else "Every character asked for is in the source font.",
        width=104,
        subsequent_indent="  ",
    )
    options = " ".join(SUBSET_OPTIONS)
    return f"""# The weekly review picture's font

`{FONT_NAME}` ("{FAMILY}") is a subset of **Noto Sans CJK SC Regular**, version
{source_version}, by Adobe and Google, under the SIL Open Font License 1.1 (`OFL.txt`). It is what
`handlers/week/picture.py` draws every string with, so the /week picture shows English and Simplified
Chinese the same on every machine with no system fonts installed.

- Source: Debian's `fonts-noto-cjk` package, version `{package_version}`, file
  `/{TTC_IN_DEB}`, face {number} (Noto Sans CJK SC). Upstream:
  https://github.com/googlefonts/noto-cjk
- Kept: {characters:,} characters ({glyphs:,} glyphs): printable ASCII, Latin-1 punctuation and symbols,
  general punctuation, a few arrows and shapes, CJK symbols and punctuation (U+3000-U+303F), full-width
  forms (U+FF01-U+FF5E), the 3,755 level-1 hanzi of GB2312, and every character of
  `content/ui/en.yaml` and `content/ui/zh.yaml` at the time it was built.
- {missing_line}
- Changed: {PROPORTIONAL} map to the collection's Latin glyphs (the JP face's mapping), not the SC
  face's full-width ones, which leave gaps in Latin text.
- Dropped: hinting, the layout tables (GSUB, GPOS, GDEF, BASE) and vertical metrics; renamed
  "{FAMILY}" as the OFL asks of a Modified Version.
- Size: {size:,} bytes; SHA-256 `{sha}`.
- `coverage.txt`: every character the font maps, one UTF-8 string sorted by code point (no newline).

## Rebuilding

After adding rare characters to the UI strings (tests/test_week_picture.py says so when one is missing):

    .venv/bin/pip install fonttools
    .venv/bin/python tools/subset_font.py            # or: --deb path/to/fonts-noto-cjk_*.deb

The script fetches the package with `apt-get download fonts-noto-cjk`, unpacks it with `dpkg-deb -x`, and
subsets with fontTools' subsetter, given these pyftsubset options:

    {options}

then renames the font. The same package gives the same bytes.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--deb", type=Path, help="a downloaded fonts-noto-cjk .deb (default: apt-get download)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="subset-font-") as tmp:
        workdir = Path(tmp)
        deb = args.deb.resolve() if args.deb else fetch_deb(workdir)
        build(deb, workdir)


if __name__ == "__main__":
    main()
