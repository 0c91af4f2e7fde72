"""Ship a picked sales order: confirm what was picked, ship it, print the packing list.

A partial shipment leaves a backorder (the store makes it). The packing list goes to the
station's printer target ([station] printer: a file, serial:// or tcp://host:9100). A printer
that fails does not undo the shipment: the banner says the goods shipped and the list did not
print, and F7 prints it again.
"""
from __future__ import annotations

from gettext import gettext as _

import datetime as dt

from devices.text_cells import cell_len, fit


from .base import Feedback, Flow, FlowKey, Table, listed, status_text
from terminal.i18n import N_

from .quantity import in_line_unit, shown, total_text

SHIP_KEY = FlowKey("f10", "done", N_("Ship"), N_("ship what was picked (CMD-DONE)"))
PRINT_KEY = FlowKey("f7", "print", N_("Reprint"), N_("print the packing list again"))


class ShippingFlow(Flow):
    title = N_("Ship")
    keys = (PRINT_KEY, SHIP_KEY)

    def __init__(self, session, so: str | None = None, from_pick: bool = False):
        super().__init__(session)
        self.from_pick = from_pick     # came from Pick (F10): Esc goes back there
        self.so = None
        self.lines: list = []
        self.orders: list = []
        self.shipped = None          # the ShipResult once shipped
        self.packing_list = ""
        self.state = "choose"
        self._first_so = so

    def start(self):
        if self._first_so:
            return self.choose(self._first_so)
        return self.show_list()

    def show_list(self, feedback=None):
        from db import sales
        self.orders = self.call(sales.orders_to_ship)
        self.choices, self.info = listed(
            self.orders, lambda o: _("{number:<10} {customer:<10} {status} station {station}").format(
                number=o.number, customer=o.customer.code, status=status_text(o.status, 8), station=o.assigned_station or '-'),
            N_("to ship"), N_("an SO number"), self.list_limit())
        self.state, self.entry, self.so = "choose", "choice", None
        self.prompt = (_('Scan or type the SO number to ship, or the number of a line in the list')
                       if self.orders else _('No picked orders. Scan an SO number, or Esc to go back'))
        return feedback

    def choose(self, number: str) -> Feedback:
        from db.core.statuses import TO_SHIP_SO_STATUSES
        from db.masterdata.lookup import get_so
        order = self.call(get_so, number.strip())
        if order.status not in TO_SHIP_SO_STATUSES:
            return Feedback.error(_('sales order {number} is {status}: expected a picked order to ship').format(
                                      number=order.number, status=status_text(order.status)))
        self.so = order
        self.choices = []
        self.reload()
        self.state, self.entry = "confirm", "scan"
        picked = self.lines_text([(self.to_ship(l), l) for l in self.lines if self.to_ship(l)])
        open_lines = [(l.qty_ordered - self.to_ship(l) - l.qty_shipped, l) for l in self.lines]
        short = [(q, l) for q, l in open_lines if q > 0]
        back = _("Esc goes back to Pick") if self.from_pick else _("Esc goes back")
        self.prompt = _('Ship {count} of {number}? F10 (or CMD-DONE) ships; {back}').format(
                          count=picked, number=order.number, back=back)
        self.info = ([_("{units} not picked go to a backorder").format(units=self.lines_text(short))] if short
                     else [_("Everything ordered is picked")])
        return Feedback.info(_('{number}: {count} picked').format(number=order.number, count=picked))

    def reload(self) -> None:
        from db import sales
        from db.masterdata.lookup import get_so
        self.so = self.call(get_so, self.so.number)
        self.lines = self.call(sales.so_lines, self.so.id)

    @staticmethod
    def lines_text(pairs) -> str:
        """(stored, line) pairs in words: `24 units` for plain items as before, one line's
        `2 箱 (48 瓶)`, else what they add up to by the items' units (total_text)."""
        if len(pairs) == 1 and not isinstance(shown(pairs[0][0], pairs[0][1].item, pairs[0][1]), int):
            return shown(pairs[0][0], pairs[0][1].item, pairs[0][1])
        return total_text((q, l.item) for q, l in pairs)

    @staticmethod
    def to_ship(line) -> int:
        return line.qty_picked - line.qty_shipped

    def heading(self) -> str:
        return _("Ship · {number}").format(number=self.so.number) if self.so is not None else _("Ship")

    def table(self):
        if self.so is None:
            return None
        # Ordered in the line's own unit (1 箱), the rest in base units (24 瓶): a column stays
        # narrow enough for the names; Short only once something was short.
        short = any(l.qty_short for l in self.lines)
        rows = [[l.line_no, l.item.sku, l.item.name, in_line_unit(l.qty_ordered, l)]
                + [shown(q, l.item) for q in (l.qty_picked, *((l.qty_short,) if short else ()), l.qty_shipped)]
                for l in self.lines]
        columns = [N_("#"), N_("SKU"), N_("Name"), N_("Ordered"), N_("Picked"), *([N_("Short")] if short else []),
                   N_("Shipped")]
        return Table(columns, rows)

    def on_scan(self, scan, key=None) -> Feedback:
        if self.state == "choose":
            return self.choose(getattr(scan, "order_number", None) or scan.raw)
        return Feedback.error(_('{prompt}; a scan does not answer that').format(prompt=self.prompt))

    def on_text(self, text: str, key=None) -> Feedback:
        if self.state == "choose":
            t = text.strip()
            if t.isdecimal() and 1 <= int(t) <= len(self.choices):
                return self.choose(self.orders[int(t) - 1].number)
            return self.choose(t)
        return super().on_text(text, key)

    def on_action(self, name, value=None, key=None) -> Feedback:
        if name == "done" and self.state == "confirm":
            return self.ship(key)
        if name == "done" and self.state == "shipped":
            self.next = ("leave", {})
            return None
        if name == "print" and self.packing_list:
            return self.print_list(_('{number} packing list').format(number=self.so.number))
        if name == "enter":
            return None
        if name == "undo":
            return Feedback.error(_('a shipment cannot be undone: the goods have left'))
        return Feedback.error(_('{upper} does nothing here; {prompt}').format(
                                  upper=name.upper(), prompt=self.prompt))

    def ship(self, key) -> Feedback:
        from db import sales
        res = self.call(sales.ship, self.so.number, operator=self.operator, station=self.station, key=key)
        self.shipped = res
        self.reload()
        by_line = {l.id: l for l in self.lines}
        units = self.lines_text([(m.qty, by_line[m.so_line_id]) for m in res.movements if m.so_line_id in by_line])
        self.packing_list = packing_list(self.so, self.lines, res, self.session)
        self.state, self.entry = "shipped", "scan"
        bo = _("; backorder {number} holds the rest").format(number=res.backorder.number) if res.backorder else ""
        self.prompt = _('{number} shipped. F10 or Esc goes back; F7 prints the list again').format(
                          number=self.so.number)
        self.info = [_("Packing list → {printer}").format(printer=self.session.printer or _("(no printer)"))]
        fb = self.print_list(_('shipped {count} of {number}{bo}').format(
                                 count=units, number=self.so.number, bo=bo))
        return fb

    def print_list(self, message: str) -> Feedback:
        from devices.printers import send
        target = self.session.printer
        try:
            send(target, self.packing_list.encode("utf-8"))
        except OSError as exc:
            return Feedback.error(_('{message}, but the packing list did not print: {exc}').format(
                                      message=message, exc=exc))
        return Feedback.ok(_('{message}; packing list sent to {target}').format(
                               message=message, target=target))

    def back(self) -> Feedback | None:
        if self.state == "confirm" and self.from_pick:
            self.next = ("pick", {"so": self.so.number})
            return Feedback.info(_('back to picking {number}').format(number=self.so.number))
        if self.state == "confirm" and not self._first_so:
            return self.show_list(Feedback.info(_('choose another order')))
        return None


def packing_list(so, lines, res, session) -> str:
    """A plain-text packing list (it prints on a receipt printer or lands in a file)."""
    shipped: dict[int, list[str]] = {}
    for m in res.movements:
        lot = _(" lot {lot}").format(lot=m.lot.code) if m.lot_id else ""
        line = next((l for l in lines if l.id == m.so_line_id), None)
        qty = shown(m.qty, line.item, line) if line is not None else m.qty
        shipped.setdefault(m.so_line_id, []).append(f"{qty}{lot}")
    cust = so.customer
    at = dt.datetime.now().strftime('%Y-%m-%d %H:%M')
    out = [
        _("PACKING LIST  {number}").format(number=so.number),
        _("Customer: {code} {name}").format(code=cust.code, name=cust.name),
        f"{cust.address}" if cust.address else "",
        _("Shipped: {at}  station {station}  by {operator}").format(at=at, station=session.station,
                                                                   operator=session.operator),
        "",
        # The headers fitted in printer cells, as the rows are (a Chinese header is two cells a character).
        " ".join(["{:>2}".format("#"), fit(_("SKU"), 12), fit(_("Name"), 24), fit(_("Ordered"), 7, right=True),
                  fit(_("Shipped"), 7, right=True)]) + "  " + _("Lots"),
    ]
    # Columns in printer cells: a Chinese name is cut between characters (devices/text_cells);
    # a quantity in its unit (`2 箱 (48 瓶)`) is never cut, its column widens instead.
    qtys = [(str(shown(l.qty_ordered, l.item, l)),
             str(shown(sum(m.qty for m in res.movements if m.so_line_id == l.id), l.item, l))) for l in lines]
    wide = max([7] + [cell_len(t) for pair in qtys for t in pair])
    if wide > 7:
        out[-1] = " ".join(["{:>2}".format("#"), fit(_("SKU"), 12), fit(_("Name"), 24),
                            fit(_("Ordered"), wide, right=True), fit(_("Shipped"), wide, right=True)]) + "  " + _("Lots")
    for l, (ordered, sent) in zip(lines, qtys):
        out.append(f"{l.line_no:>2} {fit(l.item.sku, 12)} {fit(l.item.name, 24)} {fit(ordered, wide, right=True)} "
                   f"{fit(sent, wide, right=True)}  "
                   f"{', '.join(shipped.get(l.id, []))}")
    if res.backorder is not None:
        out += ["", _("Backorder {number} holds what is not shipped.").format(number=res.backorder.number)]
    out += ["", ""]
    return "\n".join(x for x in out if x is not None)
