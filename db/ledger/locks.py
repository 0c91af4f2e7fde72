"""The one lock order of every operation that changes stock (docs/architecture.md, "Lock order").

On PostgreSQL two transactions that lock the same rows in different orders can deadlock: 16
stations picking and moving on the same shelves failed 12-71 % of their operations with
"deadlock detected" (issue 15). A pick locked its two balances in location order, then freed
a leftover allocation at a third location; a move had locked that third balance first.

The order, for every operation (receive, pick, short pick, ship, claim, release, move, transfer,
adjust, count approval, undo, import of stock, offline replay):

1. the document's header row: the purchase order, sales order or count (`document`);
2. its lines, each locked only by a holder of its header;
3. the items whose stock the operation changes, all of them at once, in item id order
   (`lock_items`; the ledger's `post` takes its own item's lock, so an operation of one item
   needs nothing more);
4. then the balances of those items, in any order: only the holder of an item's lock locks or
   writes that item's balances, so two transactions never wait for each other's balances.

Asking for an item lock below one already held, or for a document once an item is held, is a
bug that could deadlock: it raises `LockOrderError` at once, on the first test that takes
that path, instead of deadlocking one day under load.

On SQLite none of this takes a lock: BEGIN IMMEDIATE holds the store's one write lock for the
whole transaction, so nothing can deadlock there.
"""
from __future__ import annotations

import weakref
from typing import Iterable

from db.core.connection import database, is_postgres
from db.core.models import Item
from db.core.sql import dialect, execute, execute_after, locked, table

# PostgreSQL only (SQLite takes no row locks: see above).
_LOCK_ITEMS_SQL = dialect(f'SELECT "id" FROM {table(Item)} WHERE "id" = ANY(?) ORDER BY "id" FOR NO KEY UPDATE', postgres=True)
_LOCK_ITEM_SQL = dialect(f'SELECT 1 FROM {table(Item)} WHERE "id" = ? FOR NO KEY UPDATE', postgres=True)

# The items each open transaction holds, keyed by peewee's outermost transaction object (a new
# one for each transaction, so nothing carries over to the next).
_held: "weakref.WeakKeyDictionary[object, set[int]]" = weakref.WeakKeyDictionary()


class LockOrderError(RuntimeError):
    """A lock asked for out of the one order: a bug, caught before it can deadlock."""


def _items_held() -> set[int] | None:
    """The item ids this thread's open transaction holds (None outside a transaction)."""
    stack = database._state.transactions
    if not stack:
        return None
    return _held.setdefault(stack[0], set())


def _check(held: set[int], ids: list[int]) -> list[int]:
    """IDS not held yet, after checking they all come after every item held."""
    new = [i for i in ids if i not in held]
    if new and held and new[0] < max(held):
        raise LockOrderError(f"item {new[0]} locked after item {max(held)}: lock every item "
                             "an operation changes at once, before the first (db/ledger/locks.py)")
    return new


def lock_items(item_ids: Iterable[int]) -> None:
    """Lock the rows of ITEM_IDS (PostgreSQL: FOR NO KEY UPDATE, which lets the foreign-key
    checks of new movements through, see `sql.locked`), in id order, in one statement. Call it
    inside the operation's transaction, before any of those items' balances is read for update
    or written. Items already held are not asked for again."""
    if not is_postgres():
        return
    held = _items_held()
    if held is None:
        raise LockOrderError("item locks are taken inside the operation's transaction")
    new = _check(held, sorted({int(i) for i in item_ids}))
    if not new:
        return
    if len(new) == 1:
        execute(_LOCK_ITEM_SQL, [new[0]])
    else:
        execute(_LOCK_ITEMS_SQL, [new])
    held.update(new)


def after_item_lock(item_id: int, sql: str, params: list | tuple):
    """SQL's cursor, run once ITEM_ID is locked for the transaction: on PostgreSQL the lock (if
    not held yet) and SQL go in one round trip (`sql.execute_after`)."""
    if not is_postgres():
        return execute(sql, params)
    held = _items_held()
    if held is None:
        raise LockOrderError("item locks are taken inside the operation's transaction")
    if not _check(held, [item_id]):
        return execute(sql, params)
    cursor = execute_after(_LOCK_ITEM_SQL, [item_id], sql, params)
    held.add(item_id)
    return cursor


def document(model, row_id):
    """The header (or line) row of a document, re-read and locked for the transaction
    (`sql.locked`): before any item, as the order says."""
    if is_postgres():
        held = _items_held()
        if held:
            raise LockOrderError(f"{model.__name__} {row_id} locked after items {sorted(held)}: "
                                 "documents come before items (db/ledger/locks.py)")
    return locked(model, row_id)
