"""/export and /forget, derived from what each table declares about whose data it holds
(db/personal_data.py). Nothing here names a table: a new table's declaration is all it takes.

The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, MetaData, Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Base
from db.personal_data import PERSON, Export, Owned, SharedCount, declaration, link, points_at, resolve

_MAPPED = {mapper.local_table: mapper.class_ for mapper in Base.registry.mappers}


def _model(table: Table) -> Any:  # noqa: ANN401
    """The mapped class of a table, so deletes and updates keep the session's loaded objects in step."""
    return _MAPPED.get(table, table)


def _theirs(table: Table, user_id: int) -> ColumnElement[bool]:
    """The condition that picks one person's rows of an Owned table, following `by` to users.id."""
    owned = declaration(table)
    assert isinstance(owned, Owned), table.name
    column = table.c[owned.by]
    target = points_at(column)
    if target is None or str(target) == PERSON:  # users.id itself, or a column holding it
        return column == user_id
    return column.in_(select(target).where(_theirs(target.table, user_id)))


def _json_value(value: Any, convert: Callable[[Any], Any] | None) -> Any:  # noqa: ANN401
    if value is not None and convert is not None:
        value = convert(value)
    return value.isoformat() if isinstance(value, datetime) else value


async def _section(session: AsyncSession, table: Table, export: Export, user_id: int) -> list[dict[str, Any]]:
    """One person's rows of `table`, as `export` describes them."""
    names, columns, converters = [], [], []
    source, joined = table, {table}
    for name, spec in export.fields.items():
        column_name, convert = spec if isinstance(spec, tuple) else (spec, None)
        column = resolve(table, column_name)
        if column.table not in joined:  # a field of a table this one points at: join it
            source = source.join(column.table)
            joined.add(column.table)
        names.append(name)
        columns.append(column)
        converters.append(convert)
    query = (
        select(*columns)
        .select_from(source)
        .where(_theirs(table, user_id))
        .order_by(*(resolve(table, name) for name in export.order_by))
    )
    return [
        {
            name: _json_value(value, convert)
            for name, value, convert in zip(names, row, converters, strict=True)
        }
        for row in await session.execute(query)
    ]


async def export_user(
    session: AsyncSession, user_id: int, metadata: MetaData = Base.metadata
) -> dict[str, Any]:
    """Everything stored about one person: one section per exported table, in the models' order (the
    person's own row first); {} for an unknown id. (`metadata`: other tables, for tests.)"""
    out: dict[str, Any] = {}
    exports = [
        (table, found.export)
        for table in metadata.tables.values()
        if isinstance(found := declaration(table), Owned) and found.export is not None
    ]
    for table, export in sorted(exports, key=lambda pair: not pair[1].single):
        section = await _section(session, table, export, user_id)
        if not export.single:
            out[export.key] = section
        elif section:
            out[export.key] = section[0]
        else:
            return {}
    return out


async def forget_user(session: AsyncSession, user_id: int, metadata: MetaData = Base.metadata) -> None:
    """Delete everything stored about one person (explicitly, not relying on foreign-key cascades).
    Shared rows first lose the person's share, and go when nobody else is left in them; then every
    Owned table's rows go, children before the rows they hang off, the person last."""
    tables = metadata.sorted_tables
    for table in tables:
        shared = declaration(table)
        if not isinstance(shared, SharedCount):
            continue
        through = metadata.tables[shared.through]
        key = link(through, table)
        target = points_at(key)
        asked = select(key).where(_theirs(through, user_id))
        share = (
            select(through.c[shared.share]).where(key == target, _theirs(through, user_id)).scalar_subquery()
        )
        model = _model(table)
        await session.execute(
            update(model)
            .where(target.in_(asked))
            .values({shared.count: table.c[shared.count] - share})
            .execution_options(synchronize_session=False)
        )
        await session.execute(  # the rows nobody else is in
            delete(model)
            .where(target.in_(asked), table.c[shared.count] <= 0)
            .execution_options(synchronize_session=False)
        )
    for table in reversed(tables):
        if isinstance(declaration(table), Owned):
            await session.execute(delete(_model(table)).where(_theirs(table, user_id)))
