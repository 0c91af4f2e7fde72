"""Finding a count, one of its lines, and the books at a location a count looks at."""
from __future__ import annotations

from gettext import gettext as _

import peewee as pw

from db.core.errors import NotFound
from db.core.models import Balance, Item, Location, Lot
from db.counts.models import Count, CountLine


def get_count(count_id: int) -> Count:
    count = Count.get_or_none(Count.id == count_id)
    if count is None:
        raise NotFound(_("unknown count {count}").format(count=count_id))
    return count


def get_line(count_id: int, line_no: int) -> CountLine:
    line = CountLine.get_or_none(CountLine.count == count_id, CountLine.line_no == line_no)
    if line is None:
        get_count(count_id)
        top = CountLine.select(pw.fn.MAX(CountLine.line_no)).where(CountLine.count == count_id).scalar()
        have = _("its lines are 1 to {top}").format(top=top) if top else _("it has no lines yet")
        raise NotFound(_("count {count} has no line {line}; {have}").format(count=count_id, line=line_no, have=have))
    return line


def balances_at(loc: Location, item_ids: set[int] | None) -> list[Balance]:
    """The non-zero balances at LOC (of ITEM_IDS only, when given), by SKU then lot."""
    query = (Balance.select(Balance, Item, Lot).join(Item)
             .switch(Balance).join(Lot, pw.JOIN.LEFT_OUTER)
             .where(Balance.location == loc.id, Balance.qty != 0))
    if item_ids is not None:
        query = query.where(Balance.item.in_(list(item_ids)))
    return sorted(query, key=lambda b: (b.item.sku, b.lot.code if b.lot_id else ""))
