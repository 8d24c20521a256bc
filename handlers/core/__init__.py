"""The neutral machinery every feature builds on; it knows no platform and no feature.

types.py       events, replies, buttons, command declarations (`Command`, `Option`): what a handler sees
router.py      `Router`: a feature's commands, text and button handlers, declared once
middleware.py  what runs around every handler (language, argument parsing, errors, the press guard)
context.py     `Context`: the event, the learner, the session, the content, strings, the clock
payloads.py    typed button payloads (pack/unpack, at most 64 bytes) and whose object each names
markup.py      the neutral rich text (`Doc`) that adapters render per platform
i18n.py        strings in en and zh, language detection
plurals.py     plural forms (Babel)
numbers.py     reading numbers people type (full-width digits, 30-digit ids)
chars.py       stripping controls, bidi and surrogates from what users type
zones.py       time-zone names, cities and offsets -> a zone
"""
