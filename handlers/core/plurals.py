"""Plural forms in UI strings, ICU style, chosen by each language's CLDR plural rules (Babel).

    "Streak: **{streak}** {streak, plural, one {day} other {days}}"
    "{count, plural, =0 {no reminders} one {# reminder} other {# reminders}}"

A plural block is `{name, plural, FORM {text} ...}`. FORM is a CLDR category of the language (`zero`,
`one`, `two`, `few`, `many`, `other`; English has one and other, Chinese only other) or an exact
value `=N`, which wins over the category. `other` is required. Inside a form, `#` is the number and
`{placeholders}` work as everywhere. `select` replaces each block by the form its number picks, so the
rest of the string machinery (markup, placeholders) never sees the plural syntax.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError

PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
_START = re.compile(r"\{\s*(\w+)\s*,\s*plural\s*,")
_FORM = re.compile(r"\s*(=\d+|zero|one|two|few|many|other)\s*\{")
CATEGORIES = ("zero", "one", "two", "few", "many", "other")


class PluralSyntaxError(ValueError):
    """A malformed plural block; the message says what to fix."""


@dataclass(frozen=True)
class Plural:
    name: str  # the value that picks the form
    start: int  # the block's span in the text
    end: int
    forms: tuple[tuple[str, str], ...]  # (form, text), in the order written


@lru_cache(maxsize=2048)
def blocks(text: str) -> tuple[Plural, ...]:
    """The plural blocks at the top level of `text` (nested ones are inside their forms)."""
    out: list[Plural] = []
    pos = 0
    while m := _START.search(text, pos):
        i, forms = m.end(), []
        while True:
            while i < len(text) and text[i].isspace():
                i += 1
            if i < len(text) and text[i] == "}":
                i += 1
                break
            f = _FORM.match(text, i)
            if f is None:
                raise PluralSyntaxError(
                    f"plural '{m[1]}': expected forms like 'one {{...}}' and 'other {{...}}', then '}}'"
                )
            depth, j = 1, f.end()
            while j < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            if depth:
                raise PluralSyntaxError(f"plural '{m[1]}': the form '{f[1]}' is not closed with '}}'")
            forms.append((f[1], text[f.end() : j - 1]))
            i = j
        if "other" not in (form for form, _ in forms):
            raise PluralSyntaxError(f"plural '{m[1]}' needs an 'other {{...}}' form")
        out.append(Plural(m[1], m.start(), i, tuple(forms)))
        pos = i
    return tuple(out)


@lru_cache(maxsize=16)
def _locale(lang: str) -> Locale | None:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def categories(lang: str) -> frozenset[str]:
    """The plural categories a language uses: en {'one', 'other'}, zh {'other'}."""
    loc = _locale(lang)
    return frozenset({"other"} | (set(loc.plural_form.tags) if loc else set()))


def category(n: object, lang: str) -> str:
    """'one' for 1 in English, 'other' for 0 and 2; always 'other' in Chinese and for non-numbers."""
    if isinstance(n, bool) or not isinstance(n, int | float | Decimal):
        return "other"
    if isinstance(n, int):
        return _int_category(abs(n), lang)
    loc = _locale(lang)
    return loc.plural_form(abs(n)) if loc is not None else "other"


@lru_cache(maxsize=4096)
def _int_category(n: int, lang: str) -> str:
    """A whole number's category, remembered: Babel evaluates the CLDR rule each time (~10 µs)."""
    loc = _locale(lang)
    return loc.plural_form(n) if loc is not None else "other"


def select(text: str, values: Mapping[str, object], lang: str) -> str:
    """`text` with each plural block replaced by the form its value picks (`#` becomes `{name}`)."""
    if "plural" not in text:
        return text
    try:
        found = blocks(text)
    except PluralSyntaxError:  # refused by the content check; never raise while replying
        return text
    out, pos = [], 0
    for b in found:
        n = values.get(b.name)
        forms = dict(b.forms)
        exact = f"={n}" if isinstance(n, int) and not isinstance(n, bool) else None
        chosen = forms.get(exact) if exact in forms else forms.get(category(n, lang), forms["other"])
        out += [text[pos : b.start], select(chosen, values, lang).replace("#", "{" + b.name + "}")]
        pos = b.end
    out.append(text[pos:])
    return "".join(out)


def placeholders(text: str) -> set[str]:
    """Every value a string uses: `{name}` anywhere (inside plural forms too), and the names that pick
    plural forms. A form's own braces (`one {day}`) are not placeholders."""
    try:
        found = blocks(text)
    except PluralSyntaxError:
        found = ()
    names, pos = set(), 0
    for b in found:
        names |= set(PLACEHOLDER_RE.findall(text[pos : b.start])) | {b.name}
        for _, form in b.forms:
            names |= placeholders(form)
        pos = b.end
    return names | set(PLACEHOLDER_RE.findall(text[pos:]))


def problems(text: str, lang: str) -> list[str]:
    """What is wrong with the plural blocks of one string, for the content check (empty when fine)."""
    try:
        found = blocks(text)
    except PluralSyntaxError as exc:
        return [str(exc)]
    out: list[str] = []
    allowed = categories(lang)
    for b in found:
        for form, inner in b.forms:
            if not form.startswith("=") and form not in allowed:
                out.append(
                    f"plural '{b.name}': '{form}' is not a plural form in {lang} "
                    f"(it uses: {', '.join(c for c in CATEGORIES if c in allowed)})"
                )
            out += problems(inner, lang)
    return out
