"""Whole numbers typed by people or carried in button payloads, parsed in one place.

`str.isdigit()` is true for '²' and '①', which `int()` refuses; and an id of 30 digits overflows SQLite's
64-bit integers. `parse_int` accepts decimal digits only (any script's, e.g. full-width '３', which
`int()` reads), an optional leading '#', and values up to `MAX_INT`; everything else is None, so the caller
answers "not a number" or "not found" instead of raising.
"""

from __future__ import annotations

MAX_INT = 2**63 - 1  # the largest whole number a database column (BIGINT) holds; ids are smaller: db.sql


def parse_int(text: str, *, lo: int = 0, hi: int = MAX_INT, hash_ok: bool = True) -> int | None:
    """'42', '#42', '０４２' -> 42; '', '²', '①', '-1', '1e3', '4.0', or a value outside [lo, hi] -> None."""
    s = text.strip()
    if hash_ok and s.startswith("#"):
        s = s[1:]
    if not s or len(s) > 19 or not s.isdecimal():
        return None
    value = int(s)
    return value if lo <= value <= hi else None
