"""Characters that must not reach storage or a screen, defined once for the input guard and renderers.

- Control characters (Unicode Cc, less tab and line breaks): terminal escapes, NULs.
- Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): invisible, they reorder how
  the text around them is shown, so a reminder text or a note echoed in a group can be made to read as
  something else ("gnp.exe" shown as "exe.png").
- Lone surrogates (U+D800-U+DFFF): not characters at all. JSON can carry one ("\\ud800") but no UTF
  encoding can, so a reply that echoes one cannot be sent.

Text a learner typed with any of these is refused (`refusal`, used by handlers.core.middleware.input_guard,
which says why it refuses rather than strips). Text they did not type in the message (the platform's
display name) cannot be refused and is cleaned instead (`clean`). Renderers replace lone surrogates in
whatever they send (`replace_surrogates`), so no reply ever fails to render.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# (pattern, UI string explaining the refusal), checked in this order
_REFUSALS = (
    (_SURROGATE, "error.broken_chars"),
    (_CONTROL, "error.control_chars"),
    (_BIDI, "error.bidi_chars"),
)


def refusal(text: str) -> str | None:
    """The UI string key saying why typed `text` is refused, or None when it is fine."""
    for pattern, key in _REFUSALS:
        if pattern.search(text):
            return key
    return None


def clean(text: str) -> str:
    """`text` without control, bidi or surrogate characters, its whitespace runs made single spaces
    (for one-line values such as a display name)."""
    invisible = _SURROGATE.sub("", _BIDI.sub("", text))
    return " ".join(_CONTROL.sub(" ", invisible).split())


def replace_surrogates(text: str) -> str:
    """Lone surrogates become U+FFFD; a surrogate pair left as two code points becomes its character.
    Never longer than `text`, in code points or in UTF-16 units."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
