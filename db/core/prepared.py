"""Peewee queries whose SQL is built once, then run again with other values.

Building a query's SQL is most of what a look-up costs on the scan path: a pick claim spent
56 % of its time in peewee's SQL building and 7 % in SQLite (bench/RESULTS.md).
`Prepared(build)` calls BUILD once per store kind and number of values, with stand-in values,
finds where each value lands among the SQL's parameters, and from then on runs that SQL with
the real values. The rows are made by the query's own cursor wrapper: the same model instances,
joined models included, as running the query itself.

    _LINES = Prepared(lambda so_id: SalesOrderLine.select(SalesOrderLine, Item).join(Item)
                      .where(SalesOrderLine.so == so_id).order_by(SalesOrderLine.line_no))
    lines = _LINES(order.id)

Values must be ints, strings or datetimes, the ones the query compares with or writes (ids,
codes, a time stamp): peewee passes those to the driver as they are. A query whose SQL depends
on the values themselves (an IN list of varying length) is built once per length. Statements
that write (update, insert, delete) are run with `.run(*values)`, which returns the rows changed.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from db.core.connection import is_postgres
from db.core.rows import execute, instance

# Stand-ins nobody stores: a huge negative id, a string with NULs, a moment in the year 1.
_INT_MARK = -(2 ** 62)
_TIME_MARK = dt.datetime(1, 1, 1)
_TYPES = (int, str, dt.datetime)


def _kind(value) -> type:
    kind = type(value)
    if kind not in _TYPES:
        raise TypeError(f"a prepared query takes ints, strings and datetimes, got {kind.__name__}")
    return kind


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
