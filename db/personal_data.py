"""How each table says whose data it holds, so /export and /forget are derived, not listed by hand.

Every model declares one of three things in its `__table_args__` with `declare(...)`:

- `Owned(by=...)`: each row belongs to one person. `by` names the column that finds the row from the
  person: it holds `users.id` itself, or is a foreign key to a row of another `Owned` table (deliveries
  are found through `reminder_id` -> reminders -> `owner_id`). /forget deletes these rows; with an
  `Export`, /export lists them, and every column is either exported or named in `kept_back`.
- `SharedCount(through=...)`: rows several people can share, with a count of how often (the same words
  asked by many). `through` is an `Owned` table with a foreign key here and a count of the person's
  share; /forget subtracts that share and deletes the rows nobody else is left in.
- `Anonymous(why=...)`: no person's data (counts without user ids, platform event ids, chat state).

`problems(metadata)` lists what is missing or inconsistent; tests/test_personal_data.py fails on any,
so a new table with a person's data cannot be left out of /export and /forget. It can only check what a
table says about itself and its foreign keys: a column that names a person without a foreign key to
`users.id` must still be declared honestly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, MetaData, Table

PERSON = "users.id"  # the column every personal row leads back to
INFO_KEY = "personal_data"
MERGES = ("ours", "newest", "oldest", "add")

Field = str | tuple[str, Callable[[Any], Any]]  # "column" or "other_table.column", optionally converted


@dataclass(frozen=True)
class Export:
    """One section of /export: `key` in the JSON, one object per row (or a single object, for the
    person themself), each with `fields` (JSON name -> column). A column of another table is named
    "table.column" and joined through this table's foreign key. Datetimes are written as ISO 8601."""

    key: str
    fields: Mapping[str, Field]
    order_by: tuple[str, ...] = ()
    single: bool = False


@dataclass(frozen=True)
class Owned:
    """Each row is one person's: found by `by`, deleted by /forget, exported by `export` (if any).
    `kept_back`: columns stored but deliberately left out of the export; `why`: why a table has no
    export at all.

    `merge`: when two learners become one (`/link`, db/accounts.py) and both have a row with the same
    key (a unique key holding `by`: the same step's state, the same card), which one is kept: "ours"
    (the learner kept, the default), "newest:<column>" / "oldest:<column>" (the row with the later /
    earlier value there), or "add:<column>" (one row, the two counts added)."""

    by: str
    export: Export | None = None
    kept_back: tuple[str, ...] = ()
    why: str = ""
    merge: str = "ours"

    @property
    def merge_rule(self) -> tuple[str, str | None]:
        """("ours", None), ("newest", column), ("oldest", column) or ("add", column)."""
        how, _, column = self.merge.partition(":")
        return how, column or None


@dataclass(frozen=True)
class SharedCount:
    """Rows shared by the people in `through` (an Owned table), counted in `count` here and `share`
    there. /forget takes a person's share off and deletes the rows that reach zero."""

    through: str
    count: str = "count"
    share: str = "count"
    kept_back: tuple[str, ...] = ()


@dataclass(frozen=True)
class Anonymous:
    """No person's data: `why` says what the table holds instead."""

    why: str


Declaration = Owned | SharedCount | Anonymous


def declare(declaration: Declaration) -> dict[str, Any]:
    """The `__table_args__` entry (put it last) that records a table's declaration in `Table.info`."""
    return {"info": {INFO_KEY: declaration}}


def declaration(table: Table) -> Declaration | None:
    return table.info.get(INFO_KEY)


def points_at(column: Column) -> Column | None:
    """The column `column`'s foreign key points at (None without one)."""
    for fk in column.foreign_keys:
        return fk.column
    return None


def link(table: Table, other: Table) -> Column:
    """`table`'s foreign-key column that points at `other`."""
    for column in table.columns:
        target = points_at(column)
        if target is not None and target.table is other:
            return column
    raise LookupError(f"{table.name} has no foreign key to {other.name}")


def export_columns(table: Table, export: Export) -> Iterator[Column]:
    """The columns an export reads, of `table` or of a table it joins."""
    for spec in [*export.fields.values(), *export.order_by]:
        name = spec[0] if isinstance(spec, tuple) else spec
        yield resolve(table, name)


def resolve(table: Table, name: str) -> Column:
    """ "column" on `table`, or "other_table.column" on a table `table` has a foreign key to."""
    if "." not in name:
        return table.c[name]
    other_name, column = name.split(".", 1)
    other = table.metadata.tables[other_name]
    link(table, other)  # raises when there is no way to join it
    return other.c[column]


def problems(metadata: MetaData) -> list[str]:
    """Everything undeclared or inconsistent, one sentence each with the fix; [] when all is well."""
    out: list[str] = []
    exported: set[Column] = set()
    keys: set[str] = set()
    for table in metadata.tables.values():
        found = declaration(table)
        name = table.name
        if found is None:
            out.append(
                f"{name}: declare whose data it holds (db/personal_data.py): __table_args__ = (..., "
                "declare(Owned(by='user_id', export=Export(...)))) for a person's rows, "
                "or declare(Anonymous(why='...'))"
            )
        elif isinstance(found, Anonymous):
            people = [c.name for c in table.columns if _leads_to_person(c)]
            if people:
                out.append(
                    f"{name}: declared Anonymous but {', '.join(people)} leads to {PERSON}: declare Owned"
                )
            if not found.why:
                out.append(f"{name}: say why it is anonymous (Anonymous(why=...))")
        elif isinstance(found, Owned):
            out += _owned_problems(table, found, exported, keys)
        else:
            out += _shared_problems(table, found)
    for table in metadata.tables.values():  # every column of a personal table exported, or kept back
        found = declaration(table)
        if isinstance(found, Owned) and found.export is None:
            continue
        if isinstance(found, Owned | SharedCount):
            kept = set(found.kept_back)
            missing = [c.name for c in table.columns if c not in exported and c.name not in kept]
            if missing:
                out.append(
                    f"{table.name}: columns {', '.join(missing)} are neither exported nor in kept_back: "
                    "add them to an Export's fields, or to kept_back"
                )
            stale = sorted(kept - set(table.c.keys()))
            if stale:
                out.append(f"{table.name}: kept_back names no column: {', '.join(stale)}")
    return out


def _owned_problems(table: Table, found: Owned, exported: set[Column], keys: set[str]) -> list[str]:
    name = table.name
    if found.by not in table.c:
        return [f"{name}: Owned(by={found.by!r}) names no column"]
    out = []
    how, column = found.merge_rule
    if how not in MERGES or (how == "ours") != (column is None) or (column and column not in table.c):
        out.append(
            f"{name}: Owned(merge={found.merge!r}) must be 'ours', 'newest:<column>', 'oldest:<column>' "
            "or 'add:<column>' with a column of the table"
        )
    if not _leads_to_person(table.c[found.by]):
        out.append(
            f"{name}: Owned(by={found.by!r}) must hold {PERSON} or be a foreign key to an Owned table's row"
        )
    if found.export is None:
        if not found.why:
            out.append(f"{name}: Owned without an export: say why it is not exported (Owned(why=...))")
        return out
    if found.export.key in keys:
        out.append(f"{name}: export key {found.export.key!r} is used twice")
    keys.add(found.export.key)
    try:
        exported.update(export_columns(table, found.export))
    except (KeyError, LookupError) as exc:
        out.append(f"{name}: its Export names {exc}, which is not a column of it or of a table it joins")
    return out


def _shared_problems(table: Table, found: SharedCount) -> list[str]:
    through = table.metadata.tables.get(found.through)
    if through is None or not isinstance(declaration(through), Owned):
        return [f"{table.name}: SharedCount(through={found.through!r}) must name an Owned table"]
    try:
        link(through, table)
    except LookupError as exc:
        return [f"{table.name}: {exc}"]
    if found.count not in table.c or found.share not in through.c:
        return [f"{table.name}: SharedCount count/share columns {found.count!r}/{found.share!r} do not exist"]
    return []


def _leads_to_person(column: Column, seen: frozenset[str] = frozenset()) -> bool:
    """Whether `column` is users.id or reaches it through foreign keys and Owned tables' `by` columns."""
    table = column.table
    if f"{table.name}.{column.name}" == PERSON:
        return True
    target = points_at(column)
    if target is None or table.name in seen:
        return False
    if f"{target.table.name}.{target.name}" == PERSON:
        return True
    owner = declaration(target.table)
    if not isinstance(owner, Owned) or owner.by not in target.table.c:
        return False
    return _leads_to_person(target.table.c[owner.by], seen | {table.name})
