"""What the station's Return job shows: an open RTV's lines to send, in walking order, and
what a sales order shipped and got back, per line and lot."""
from __future__ import annotations

from dataclasses import dataclass
from gettext import gettext as _

from db.core.errors import RuleViolation
from db.core.models import Location, Lot, Movement, SalesOrderLine
from db.masterdata.lookup import get_so
from db.returns.documents import get_return
from db.returns.models import ReturnLine


@dataclass
class SendTask:
    line_no: int
    sku: str
    name: str
    location: str
    lot: str | None
    qty: int               # still to send


def send_tasks(number: str) -> list[SendTask]:
    """The open RTV's lines with units left to send, by the locations' walking order."""
    doc = get_return(number, "supplier")
    if doc.status != "open":
        raise RuleViolation(_("return {number} is {status}: expected an open one to send").format(
            number=doc.number, status=_(doc.status)))
    tasks = []
    for line in (doc.lines.join(Location, on=(ReturnLine.location == Location.id))
                 .order_by(Location.pick_sequence, Location.code, ReturnLine.line_no)):
        left = line.qty - line.qty_sent
        if left > 0:
            tasks.append(SendTask(line.line_no, line.item.sku, line.item.name, line.location.code,
                                  line.lot.code if line.lot_id else None, left))
    return tasks


@dataclass
class ShippedLine:
    line_no: int
    sku: str
    name: str
    lot: str | None
    shipped: int
    returned: int


def shipped_lines(so: str) -> list[ShippedLine]:
    """What sales order SO shipped (per line and lot) and what came back of it."""
    order = get_so(so)
    out: dict = {}
    lines = {l.id: l for l in SalesOrderLine.select().where(SalesOrderLine.so == order.id)}
    if not lines:
        return []
    for m in Movement.select().where(Movement.so_line.in_(list(lines)), Movement.kind.in_(("ship", "rma"))):
        key = (m.so_line_id, m.lot_id)
        shipped, back = out.get(key, (0, 0))
        out[key] = (shipped + m.qty, back) if m.kind == "ship" else (shipped, back + m.qty)
    rows = []
    for (line_id, lot_id), (shipped, back) in sorted(out.items(), key=lambda kv: (lines[kv[0][0]].line_no, kv[0][1] or 0)):
        line = lines[line_id]
        rows.append(ShippedLine(line.line_no, line.item.sku, line.item.name,
                                Lot.get_by_id(lot_id).code if lot_id else None, shipped, back))
    return rows
