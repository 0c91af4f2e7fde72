"""The Return job, both ways.

To a supplier: choose an open RTV (its number, or its line in the list) and the job directs the
picker to each location and lot like a pick: scan the location, then the goods; each item scan
sends what it counts (one, or a case's units). From a customer: scan the sales order, or the
packing list's barcode (its GS1 order number), type the reason, then scan each item coming
back; the lot comes from what was shipped (a scanned lot must be one that went to that
customer). The goods go to the warehouse's quarantine, to be inspected (restock or scrap).

Quantities: F3 types the quantity of the next item scan in the item's unit (0.5 kg, 2 箱 + 3
瓶), read against the item when it is scanned; a weighed item scanned without its measure asks
for it (state `measure`) and that scan then counts it. Every quantity is shown in its unit.
"""
from __future__ import annotations

from gettext import gettext as _

from terminal.i18n import N_

from .base import (DONE_KEY, QTY_KEY, UNDO_KEY, Feedback, Flow, Table, describe_scan, expect_item, listed,
                   parse_qty, scan_text)
from .quantity import check_number, measure_prompt, scan_quantity, shown, total_text, typed_text


class ReturnsFlow(Flow):
    title = N_("Returns")

    @property
    def keys(self):
        # A quantity is typed only where an item scan comes next.
        if self.state in ("item", "receive"):
            return (QTY_KEY, UNDO_KEY, DONE_KEY)
        return (UNDO_KEY, DONE_KEY)

    def __init__(self, session):
        super().__init__(session)
        self.state = "choose"
        self.rtvs: list[dict] = []
        self.number: str | None = None     # the RTV being sent, or the RMA being received
        self.so: str | None = None
        self.reason: str | None = None
        self.tasks: list = []
        self.lines: list = []
        self.received: list[tuple] = []    # (stored, item) taken back on this RMA
        self.items: dict = {}              # sku -> item (its unit and precision)
        self.qty: str | None = None        # typed (F3) for the next item scan, read against its item
        self.measuring = None              # (scan, key) of a measured item waiting for its measure
        self.resume: str = "choose"        # the scanning state F3 and a measure come back to

    def start(self):
        return self.show_list()

    def show_list(self, feedback=None):
        from db import returns
        self.rtvs = self.call(returns.list_returns, open_only=True, direction="supplier")
        self.choices, self.info = listed(
            self.rtvs, lambda r: _("{number:<11} {party:<8} {qty:>5} to send").format(
                number=r['return'], party=r['party'], qty=r['qty'] - r['qty_done']),
            N_("to send"), N_("an RTV number"))
        self.state, self.entry, self.number, self.so, self.reason = "choose", "choice", None, None, None
        self.tasks, self.lines, self.qty, self.measuring = [], [], None, None
        self.prompt = _("Scan an SO or packing list to take goods back, or choose an RTV to send")
        return feedback

    def heading(self) -> str:
        if self.so:
            return _("Returns · from {so}").format(so=self.so) + (f" · {self.number}" if self.number else "")
        return _("Returns · {number}").format(number=self.number) if self.number else _("Returns")

    def item_of(self, sku: str):
        if sku not in self.items:
            from db.masterdata.lookup import get_item
            self.items[sku] = self.call(get_item, sku)
        return self.items[sku]

    def q(self, stored: int, sku: str):
        """STORED units of SKU as the screen shows them: `3` as before, `0.500 kg`."""
        return shown(stored, self.item_of(sku))

    def table(self):
        if self.state in ("location", "item") and self.tasks:
            rows = [[t.location, t.sku, t.name, t.lot or "", self.q(t.qty, t.sku)] for t in self.tasks]
            return Table([N_("Location"), N_("SKU"), N_("Name"), N_("Lot"), N_("Qty")], rows, 0)
        if self.so and self.lines:
            rows = [[l.line_no, l.sku, l.name, l.lot or "", self.q(l.shipped, l.sku), self.q(l.returned, l.sku)]
                    for l in self.lines]
            return Table([N_("#"), N_("SKU"), N_("Name"), N_("Lot"), N_("Shipped"), N_("Back")], rows)
        return None

    # --- choosing ---------------------------------------------------------------------------

    def choose(self, text: str) -> Feedback:
        text = text.strip()
        if text.isdecimal() and 1 <= int(text) <= len(self.rtvs):
            text = self.rtvs[int(text) - 1]["return"]
        if text.upper().startswith("RTV-"):
            return self.open_rtv(text.upper())
        return self.open_so(text)

    def open_rtv(self, number: str) -> Feedback:
        from db import returns
        self.tasks = self.call(returns.send_tasks, number)
        self.number, self.choices, self.info = number, [], []
        self.to_task()
        return Feedback.ok(_("{number}: {count} to send").format(
            number=number, count=total_text((t.qty, self.item_of(t.sku)) for t in self.tasks)))

    def to_task(self) -> None:
        if not self.tasks:
            self.state, self.entry = "done", "scan"
            self.prompt = _("{number} is shipped. F10 or Esc to finish").format(number=self.number)
            return
        t = self.tasks[0]
        lot = _(" lot {lot}").format(lot=t.lot) if t.lot else ""
        self.state, self.entry = "location", "scan"
        self.prompt = _("Go to {location} · send {qty} × {sku}{lot} {name}").format(
            location=t.location, qty=self.q(t.qty, t.sku), sku=t.sku, lot=lot, name=t.name)

    def at_task(self) -> None:
        """At the task's location: scan its item."""
        t = self.tasks[0]
        self.state, self.entry = "item", "scan"
        lot = _(" lot {lot}").format(lot=t.lot) if t.lot else ""
        self.prompt = _("At {location}: scan {sku}{lot} ({qty} to send)").format(
            location=t.location, sku=t.sku, lot=lot, qty=self.q(t.qty, t.sku))
        if self.qty:
            self.prompt += _("; the next scan sends {count}").format(count=typed_text(self.qty))

    def open_so(self, number: str) -> Feedback:
        from db import returns
        lines = self.call(returns.shipped_lines, number)
        if not lines:
            return Feedback.error(_("sales order {number} shipped nothing: expected a shipped order to take goods "
                                    "back").format(number=number))
        self.so, self.lines, self.choices, self.info = number, lines, [], []
        self.state, self.entry = "reason", "reason"
        self.prompt = _("Type the reason the goods of {number} come back (e.g. DAMAGED, WRONG-ITEM)").format(
            number=number)
        return Feedback.ok(_("{number}: {count} may come back").format(
            number=number, count=total_text((l.shipped - l.returned, self.item_of(l.sku)) for l in lines)))

    def to_receive(self) -> None:
        self.state, self.entry = "receive", "scan"
        self.prompt = _("Scan each item coming back from {so}; F10 when done").format(so=self.so)
        if self.qty:
            self.prompt = _("Scan the item coming back from {so}: it counts {count}").format(
                so=self.so, count=typed_text(self.qty))

    # --- scans ------------------------------------------------------------------------------

    def on_scan(self, scan, key=None) -> Feedback:
        if self.state == "choose":
            return self.choose(getattr(scan, "order_number", None) or scan.raw)
        if self.state in ("qty", "measure"):
            return self.on_text(scan.raw, key)
        if self.state == "location":
            t = self.tasks[0]
            if getattr(scan, "kind", None) != "location" or scan.error:
                return Feedback.error(_("wrong scan: expected location {location}, scanned {describe_scan}").format(
                    location=t.location, describe_scan=describe_scan(scan)))
            if scan.location != t.location:
                return Feedback.error(_("wrong location: expected {location}, scanned {location2}").format(
                    location=t.location, location2=scan.location))
            self.at_task()
            return Feedback.ok(_("at {location}").format(location=t.location))
        if self.state == "item":
            return self.send(scan, key)
        if self.state == "receive":
            return self.take_back(scan, key)
        return Feedback.error(_("{prompt}; scanned {scan_text}").format(prompt=self.prompt, scan_text=scan_text(scan)))

    def scanned_qty(self, d, key, item) -> int | None:
        """The stored units this scan of ITEM stands for (typed with F3, else the scan's own);
        None when a measured item came without its measure: the flow now asks for it."""
        qty = scan_quantity(self.qty, d, item)
        if qty is None:
            self.measuring, self.resume = (d, key), self.state
            self.state, self.entry = "measure", "qty"
            self.prompt = measure_prompt(item)
        return qty

    def send(self, scan, key, qty: int | None = None) -> Feedback:
        from db import returns
        t = self.tasks[0]
        d = expect_item(scan, _("item {sku}").format(sku=t.sku))
        if d.sku != t.sku:
            return Feedback.error(_("wrong item: expected {sku} {name}, scanned {sku2}").format(
                sku=t.sku, name=t.name, sku2=d.sku))
        if t.lot and d.lot and d.lot != t.lot:
            return Feedback.error(_("wrong lot: expected {lot}, scanned {lot2}").format(lot=t.lot, lot2=d.lot))
        item = self.item_of(t.sku)
        qty = qty if qty is not None else self.scanned_qty(d, key, item)
        if qty is None:
            return Feedback.info(_("{sku}: type its measure").format(sku=t.sku))
        if qty > t.qty:
            return Feedback.error(_("too many: {qty} × {sku} scanned, {left} left to send from {location}").format(
                qty=shown(qty, item), sku=t.sku, left=shown(t.qty, item), location=t.location))
        self.call(returns.send_return_line, self.number, t.sku, qty, t.location, lot=t.lot,
                  operator=self.operator, station=self.station, key=key)
        self.qty = None
        self.tasks = self.call(returns.send_tasks, self.number) if qty < t.qty or len(self.tasks) > 1 else []
        self.to_task()
        if self.tasks and self.tasks[0].location == t.location:
            self.at_task()          # still at the same place: no need to scan it again
        done = _("; {number} is shipped").format(number=self.number) if self.state == "done" else ""
        return Feedback.ok(_("sent {qty} × {sku} from {location} to the supplier").format(
            qty=shown(qty, item), sku=t.sku, location=t.location) + done)

    def take_back(self, scan, key, qty: int | None = None) -> Feedback:
        from db import returns
        d = expect_item(scan, _("an item shipped on {so}").format(so=self.so))
        item = self.item_of(d.sku)
        qty = qty if qty is not None else self.scanned_qty(d, key, item)
        if qty is None:
            return Feedback.info(_("{sku}: type its measure").format(sku=d.sku))
        result = self.call(returns.return_from_customer, self.so, d.sku, qty, lot=d.lot,
                           reason=self.reason, operator=self.operator, station=self.station,
                           warehouse=self.session.cfg.warehouse, document=self.number, key=key)
        self.qty = None
        self.to_receive()
        self.number = result.document.number
        self.received.append((result.line.qty, item))
        self.lines = self.call(returns.shipped_lines, self.so)
        lot = _(" lot {lot}").format(lot=result.line.lot.code) if result.line.lot_id else ""
        return Feedback.ok(_("took back {qty} × {sku}{lot} to {location} ({number})").format(
            qty=shown(result.line.qty, item), sku=d.sku, lot=lot, location=result.line.location.code,
            number=self.number))

    # --- typing and keys --------------------------------------------------------------------

    def back_to_scanning(self) -> None:
        self.measuring = None
        if self.resume == "item":
            self.at_task()
        else:
            self.to_receive()

    def on_text(self, text: str, key=None) -> Feedback:
        if self.state == "choose":
            return self.choose(text)
        if self.state == "reason":
            from db import returns
            self.reason = self.call(returns.check_reason, text.strip().upper())
            self.to_receive()
            return Feedback.ok(_("reason {reason}").format(reason=self.reason))
        if self.state == "qty":
            self.qty = check_number(text)
            self.back_to_scanning()
            return Feedback.info(_("the next item scan counts {count}").format(count=typed_text(self.qty)))
        if self.state == "measure" and self.measuring:
            d, scan_key = self.measuring
            qty = parse_qty(text, item=self.item_of(d.sku))
            try:
                if self.resume == "item":
                    return self.send(d, scan_key, qty)
                return self.take_back(d, scan_key, qty)
            finally:
                # Posted or refused: the scan is done with, the flow scans again.
                if self.state == "measure":
                    self.back_to_scanning()
        return super().on_text(text, key)

    def on_action(self, name, value=None, key=None) -> Feedback:
        if name == "undo":
            return self.undo(key)
        if name == "qty" and self.state in ("item", "receive"):
            self.resume = self.state
            self.state, self.entry = "qty", "qty"
            self.prompt = _("Type the quantity for the next item scan in its unit (0.5, or 2 箱 + 3 瓶), "
                            "then press Enter")
            return None
        if name == "done":
            if self.state == "receive" and self.number:
                done = _("{number}: {count} taken back from {so}, to inspect").format(
                    number=self.number, count=total_text(self.received), so=self.so)
                self.received = []
                return self.show_list(Feedback.ok(done))
            if self.state in ("done", "location", "item", "receive", "reason", "qty", "measure"):
                return self.show_list(Feedback.info(_("back to the list of returns")))
            self.next = ("leave", {})
            return None
        if name == "enter":
            return None
        return Feedback.error(_("{upper} does nothing here; {prompt}").format(upper=name.upper(), prompt=self.prompt))

    def back(self) -> Feedback | None:
        if self.state in ("qty", "measure"):
            dropped = _(" (scan of {sku} dropped)").format(sku=self.measuring[0].sku) if self.measuring else ""
            self.qty = None
            self.back_to_scanning()
            return Feedback.info(_("cancelled{what}").format(what=dropped))
        if self.state == "choose":
            return None
        return self.show_list(Feedback.info(_("back to the list of returns")))
