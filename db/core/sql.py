"""Hand-written and once-built SQL for the hot paths, in one place with one dialect helper.

Building a query's SQL through peewee is most of what a look-up costs on the scan path (a pick
claim spent 56 % of its time in peewee's SQL building and 7 % in SQLite; a receipt's look-ups
cost more to build than to run on PostgreSQL: bench/RESULTS.md). So:

- SQL is written with `?` placeholders and table and column names taken from the models'
  metadata (`table`, `column`); `dialect(sql)` gives it in the driver's style (`%s` on
  PostgreSQL). It is the one place that knows the two dialects' placeholders.
- `execute(sql, params)` runs such SQL; on PostgreSQL through a statement prepared once per
  connection. `execute_after` sends two statements in one round trip.
- `row_by`, `rows_by` and `locked` read rows by a column with SQL written once per model and
  column: the same model instances as `Model.get_or_none(Model.column == value)`.
- `Prepared(build)` runs a peewee query whose SQL was built once (see its docstring).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import weakref

import peewee as pw

from db.core.connection import database, is_postgres

# --- the dialect ---------------------------------------------------------------------------------

_DIALECT: dict[tuple[str, bool], str] = {}


def dialect(sql: str, postgres: bool | None = None) -> str:
    """SQL written with `?` placeholders in the driver's style: `%s` on PostgreSQL (POSTGRES:
    the store's kind, or the one named)."""
    postgres = is_postgres() if postgres is None else postgres
    key = (sql, postgres)
    text = _DIALECT.get(key)
    if text is None:
        text = _DIALECT[key] = sql.replace("?", "%s") if postgres else sql
    return text


def table(model) -> str:
    """MODEL's table name, quoted for SQL."""
    return f'"{model._meta.table_name}"'


def column(model, name: str) -> str:
    """The column of MODEL's field NAME, quoted for SQL."""
    return f'"{model._meta.fields[name].column_name}"'


# --- running SQL ------------------------------------------------------------------------------------
_SQL: dict[tuple, str] = {}


def _sql(model, name: str, lock: bool) -> str:
    postgres = is_postgres()
    key = (model, name, lock, postgres)
    text = _SQL.get(key)
    if text is None:
        meta = model._meta
        columns = ", ".join(f'"t1"."{f.column_name}"' for f in meta.sorted_fields)
        text = dialect(f'SELECT {columns} FROM {table(model)} AS "t1" '
                       f'WHERE "t1".{column(model, name)} = ? LIMIT 1', postgres)
        if lock and postgres:
            text += " FOR NO KEY UPDATE"
        _SQL[key] = text
    return text


# --- statements prepared on PostgreSQL ----------------------------------------------------------------

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


# --- rows as model instances ---------------------------------------------------------------------------

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
    `locked`)."""
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
        for n, (model, name, _) in enumerate(wanted):
            meta = model._meta
            selected += [f'"t{n}"."{f.column_name}"' for f in meta.sorted_fields]
            joins.append(f'LEFT JOIN {table(model)} AS "t{n}" ON "t{n}".{column(model, name)} = ?')
        text = _MANY[key] = dialect(f'SELECT {", ".join(selected)} FROM (SELECT 1 AS "one") AS "one" '
                                    + " ".join(joins), postgres)
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


# --- peewee queries built once ------------------------------------------------------------------------

# Stand-ins nobody stores: a huge negative id, a string with NULs, a moment in the year 1.
_INT_MARK = -(2 ** 62)
_TIME_MARK = dt.datetime(1, 1, 1)
_TYPES = (int, str, dt.datetime)


def _kind(value) -> type:
    kind = type(value)
    if kind in _TYPES:
        return kind
    if isinstance(value, str):      # a StrEnum status: the driver binds it as its string
        return str
    raise TypeError(f"a prepared query takes ints, strings and datetimes, got {kind.__name__}")


def _mark(value, n: int):
    kind = _kind(value)
    if kind is int:
        return _INT_MARK - n
    if kind is str:
        return f"\x00prepared-{n}\x00"
    return _TIME_MARK + dt.timedelta(microseconds=n)


class Prepared:
    def __init__(self, build):
        self.build = build
        self._built: dict[tuple, tuple] = {}

    def _compile(self, values: tuple) -> tuple:
        key = (is_postgres(), tuple(map(_kind, values)))
        built = self._built.get(key)
        if built is None:
            marks = [_mark(v, n) for n, v in enumerate(values)]
            query = self.build(*marks)
            sql, params = query.sql()
            where = {m: n for n, m in enumerate(marks)}
            slots = [(where[p], None) if type(p) in _TYPES and p in where else (None, p) for p in params]
            missing = set(range(len(values))) - {n for n, _ in slots if n is not None}
            if missing:
                raise ValueError(f"prepared query: values {sorted(missing)} do not reach its SQL")
            maker = row_builder(query) if isinstance(query, pw.SelectBase) else None
            built = self._built[key] = (query, sql, slots, maker)
        return built

    def _execute(self, values: tuple):
        query, sql, slots, build_row = self._compile(values)
        params = [values[n] if n is not None else constant for n, constant in slots]
        return query, build_row, execute(sql, params)

    def __call__(self, *values) -> list:
        """The rows of the query built with VALUES."""
        query, build_row, cursor = self._execute(values)
        if build_row is not None:
            return [build_row(row) for row in cursor.fetchall()]
        return list(query._get_cursor_wrapper(cursor))

    def run(self, *values) -> int:
        """Run a statement that writes, built with VALUES; the number of rows it changed."""
        return self._execute(values)[2].rowcount

    def first(self, *values):
        """The first row, or None."""
        rows = self(*values)
        return rows[0] if rows else None


def _instance(model, spec, row):
    return instance(model, {name: convert(row[i]) for i, name, convert in spec})


def row_builder(query):
    """A faster maker of QUERY's rows than peewee's cursor wrapper (whose per-column descriptor
    calls were most of a pick list's time once its SQL was built once), for the shape the scan
    path uses: instances of the query's model, with the models it joins through its own foreign
    keys attached as peewee attaches them (a left join that found nothing: None). None for any
    other shape, which then goes through peewee's wrapper."""
    if query._row_type is not None:
        return None
    base = query.model
    columns: dict = {}
    for i, node in enumerate(query._returning):
        if not isinstance(node, pw.Field) or isinstance(node, pw.FieldAlias) or not isinstance(node.model, type):
            return None
        columns.setdefault(node.model, []).append((i, node.name, node.python_value))
    if base not in columns:
        return None
    links = {}
    for src, targets in query._joins.items():
        for dest, attr, constructor, join_type in targets:
            if dest not in columns:
                continue
            fk = base._meta.fields.get(attr) if src is base else None
            if (not isinstance(fk, pw.ForeignKeyField) or fk.rel_model is not dest or constructor is not dest
                    or dest in links):
                return None
            links[dest] = (attr, "LEFT" in join_type or "FULL" in join_type)
    if set(columns) - {base} - set(links):
        return None
    base_spec = columns[base]
    joined = [(dest, attr, outer, columns[dest]) for dest, (attr, outer) in links.items()]

    def build(row):
        obj = _instance(base, base_spec, row)
        for dest, attr, outer, spec in joined:
            if all(row[i] is None for i, _, _ in spec):
                if outer:
                    obj.__rel__[attr] = None        # looked for, not there (peewee's mark)
                continue
            obj.__rel__[attr] = _instance(dest, spec, row)
        return obj
    return build
