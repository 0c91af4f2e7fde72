"""Peewee queries whose SQL is built once, then run again with other values.

Building a query's SQL is most of what a look-up costs on the scan path: a pick claim spent
56 % of its time in peewee's SQL building and 7 % in SQLite (bench/RESULTS.md, fix 16).
`Prepared(build)` calls BUILD once per store kind and number of values, with stand-in values,
finds where each value lands among the SQL's parameters, and from then on runs that SQL with
the real values. The rows are made by the query's own cursor wrapper: the same model instances,
joined models included, as running the query itself.

    _LINES = Prepared(lambda so_id: SalesOrderLine.select(SalesOrderLine, Item).join(Item)
                      .where(SalesOrderLine.so == so_id).order_by(SalesOrderLine.line_no))
    lines = _LINES(order.id)

Values must be ints or strings, the ones the query compares with (ids, codes): peewee
passes those to the driver as they are. A query whose SQL depends on the values themselves
(an IN list of varying length) is built once per length.
"""
from __future__ import annotations

from .connection import database, is_postgres
from .rows import execute

# Stand-ins nobody stores: a huge negative id, a string with NULs.
_INT_MARK = -(2 ** 62)


def _mark(value, n: int):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"a prepared query takes ints and strings, got {type(value).__name__}")
    return _INT_MARK - n if isinstance(value, int) else f"\x00prepared-{n}\x00"


class Prepared:
    def __init__(self, build):
        self.build = build
        self._built: dict[tuple, tuple] = {}

    def _compile(self, values: tuple) -> tuple:
        key = (is_postgres(), len(values), tuple(isinstance(v, int) for v in values))
        built = self._built.get(key)
        if built is None:
            marks = [_mark(v, n) for n, v in enumerate(values)]
            query = self.build(*marks)
            sql, params = query.sql()
            where = {m: n for n, m in enumerate(marks)}
            slots = [(where[p], None) if isinstance(p, (int, str)) and not isinstance(p, bool) and p in where
                     else (None, p) for p in params]
            missing = set(range(len(values))) - {n for n, _ in slots if n is not None}
            if missing:
                raise ValueError(f"prepared query: values {sorted(missing)} do not reach its SQL")
            built = self._built[key] = (query, sql, slots)
        return built

    def __call__(self, *values) -> list:
        """The rows of the query built with VALUES."""
        for v in values:
            _mark(v, 0)          # the same type check as when building
        query, sql, slots = self._compile(values)
        params = [values[n] if n is not None else constant for n, constant in slots]
        cursor = execute(sql, params) if is_postgres() else database.execute_sql(sql, params)
        return list(query._get_cursor_wrapper(cursor))

    def first(self, *values):
        """The first row, or None."""
        rows = self(*values)
        return rows[0] if rows else None
