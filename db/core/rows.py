"""Reading one row by a column with SQL written once per model and column.

The hot paths of a posting (a receipt: operator, item, supplier, location, item lock) ran
peewee's query builder for every look-up, which cost more than the look-ups themselves on
PostgreSQL (bench/RESULTS.md). These give the same model instances as
`Model.get_or_none(Model.column == value)` and `Model.select().where(Model.id == id)
.for_update(...)`, converted by the same fields, without building the SQL each time.
"""
from __future__ import annotations

import hashlib
import re
import weakref

from db.core.connection import database, is_postgres

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


# PostgreSQL plans a statement each time it is sent; a posting's statements are the same every
# time, so each is prepared once per connection and then only executed (bench/RESULTS.md).
_prepared: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()
_statements: dict[str, tuple[str, str]] = {}


def _statement(sql: str) -> str:
    """The name of SQL prepared on this PostgreSQL connection (prepared now if it was not)."""
    known = _statements.get(sql)
    if known is None:
        name = "wh_" + hashlib.sha1(sql.encode()).hexdigest()[:16]
        n = iter(range(1, 10_000))
        numbered = re.sub(r"%s", lambda _: f"${next(n)}", sql)
        known = _statements[sql] = (name, numbered)
    name, numbered = known
    conn = database.connection()
    done = _prepared.setdefault(conn, set())
    if name not in done:
        database.execute_sql(f"PREPARE {name} AS {numbered}")
        done.add(name)
    return name


def _execute_text(name: str, params) -> str:
    return f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"


def execute(sql: str, params: list | tuple = ()):
    """`database.execute_sql(SQL, PARAMS)`, SQL marking its parameters as the driver does
    (`?` or `%s`); on PostgreSQL through a prepared statement of this connection. Returns the
    cursor."""
    if not is_postgres():
        return database.execute_sql(sql, params)
    return database.execute_sql(_execute_text(_statement(sql), params), list(params) or None)


def execute_after(first: str, first_params: list | tuple, sql: str, params: list | tuple = ()):
    """Run FIRST, then SQL; SQL's cursor. On PostgreSQL both go in one round trip, as one
    message of two statements. Each statement still takes its own snapshot in READ COMMITTED,
    once the one before has finished, so SQL sees what was committed before a lock FIRST
    waited for was granted."""
    if not is_postgres():
        database.execute_sql(first, first_params)
        return database.execute_sql(sql, params)
    text = f"{_execute_text(_statement(first), first_params)}; {_execute_text(_statement(sql), params)}"
    return database.execute_sql(text, [*first_params, *params] or None)


def instance(model, data: dict):
    """A MODEL instance of a row read from the store, DATA its fields' values already converted
    (`field.python_value`), nothing dirty. What `model(__no_default__=1, **data)` then
    `_dirty.clear()` give, without a descriptor call per field (a third of a look-up's Python
    on the posting path)."""
    obj = model.__new__(model)
    obj.__data__ = data
    obj._dirty = set()
    obj.__rel__ = {}
    return obj


def _converted(fields, values) -> dict:
    return {f.name: f.python_value(v) for f, v in zip(fields, values)}


def row_by(model, column: str, value, *, lock: bool = False):
    """The row of MODEL whose field COLUMN equals VALUE as a model instance, or None. With LOCK
    the row is locked for the transaction on PostgreSQL (SELECT … FOR NO KEY UPDATE, see
    `operation_support.locked`)."""
    field = model._meta.fields[column]
    row = execute(_sql(model, column, lock), [field.db_value(value)]).fetchone()
    if row is None:
        return None
    return instance(model, _converted(model._meta.sorted_fields, row))


# "Look the row up yourself": the default of the look-up functions that can be given a row.
LOOK_UP = object()

_MANY: dict[tuple, str] = {}


def rows_by(wanted: list[tuple], scalar: str | None = None, scalar_params: list | tuple = ()) -> list:
    """Several rows, each of a different look-up, in one statement: for each (MODEL, COLUMN,
    VALUE) in WANTED the instance whose COLUMN equals VALUE, or None. With SCALAR (SQL for one
    value, `?` placeholders, its parameters SCALAR_PARAMS) its value comes first in the list.
    COLUMN must be unique in MODEL."""
    postgres = is_postgres()
    key = (tuple((m, c) for m, c, _ in wanted), scalar, postgres)
    text = _MANY.get(key)
    if text is None:
        selected = [f"({scalar})"] if scalar else []
        joins = []
        for n, (model, column, _) in enumerate(wanted):
            meta = model._meta
            selected += [f'"t{n}"."{f.column_name}"' for f in meta.sorted_fields]
            joins.append(f'LEFT JOIN "{meta.table_name}" AS "t{n}" '
                         f'ON "t{n}"."{meta.fields[column].column_name}" = ?')
        text = f'SELECT {", ".join(selected)} FROM (SELECT 1 AS "one") AS "one" ' + " ".join(joins)
        if postgres:
            text = text.replace("?", "%s")
        _MANY[key] = text
    params = list(scalar_params) + [m._meta.fields[c].db_value(v) for m, c, v in wanted]
    row = execute(text, params).fetchone()
    out = [row[0]] if scalar else []
    at = 1 if scalar else 0
    for model, _, _ in wanted:
        fields = model._meta.sorted_fields
        values = row[at:at + len(fields)]
        at += len(fields)
        if values[fields.index(model._meta.primary_key)] is None:     # no such row
            out.append(None)
            continue
        out.append(instance(model, _converted(fields, values)))
    return out


def locked(model, row_id):
    """Re-read a row inside the current transaction, locked on PostgreSQL (SELECT … FOR NO
    KEY UPDATE). On SQLite the IMMEDIATE write transaction already serialises writers.

    NO KEY UPDATE, not UPDATE: every movement inserted references its item, PO line or SO line,
    and PostgreSQL's foreign-key check takes a KEY SHARE lock on that row. FOR UPDATE conflicts
    with KEY SHARE, so a receipt holding its item locked while waiting for a balance deadlocked
    with a pick holding that balance while inserting its movement (bench: 16 stations on hot
    items). FOR NO KEY UPDATE still serialises writers of the row but lets references through.
    """
    row = row_by(model, "id", row_id, lock=True)
    if row is None:
        raise model.DoesNotExist(f"{model.__name__} {row_id} does not exist")
    return row
