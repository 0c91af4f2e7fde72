"""Reading one row by a column with SQL written once per model and column.

The hot paths of a posting (a receipt: operator, item, supplier, location, item lock) ran
peewee's query builder for every look-up, which cost more than the look-ups themselves on
PostgreSQL (bench/RESULTS.md, fix 8). These give the same model instances as
`Model.get_or_none(Model.column == value)` and `Model.select().where(Model.id == id)
.for_update(...)`, converted by the same fields, without building the SQL each time.
"""
from __future__ import annotations

from .connection import database, is_postgres

_SQL: dict[tuple, str] = {}


def _sql(model, column: str, lock: bool) -> str:
    postgres = is_postgres()
    key = (model, column, lock, postgres)
    text = _SQL.get(key)
    if text is None:
        meta = model._meta
        columns = ", ".join(f'"t1"."{f.column_name}"' for f in meta.sorted_fields)
        text = (f'SELECT {columns} FROM "{meta.table_name}" AS "t1" '
                f'WHERE "t1"."{meta.fields[column].column_name}" = {"%s" if postgres else "?"} LIMIT 1')
        if lock and postgres:
            text += " FOR NO KEY UPDATE"
        _SQL[key] = text
    return text


def row_by(model, column: str, value, *, lock: bool = False):
    """The row of MODEL whose field COLUMN equals VALUE as a model instance, or None. With LOCK
    the row is locked for the transaction on PostgreSQL (SELECT … FOR NO KEY UPDATE, see
    `operation_support.locked`)."""
    field = model._meta.fields[column]
    row = database.execute_sql(_sql(model, column, lock), [field.db_value(value)]).fetchone()
    if row is None:
        return None
    obj = model(__no_default__=1, **{f.name: f.python_value(v)
                                     for f, v in zip(model._meta.sorted_fields, row)})
    obj._dirty.clear()
    return obj
