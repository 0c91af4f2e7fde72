"""The Return job, both ways.

To a supplier: choose an open RTV (its number, or its line in the list) and the job directs the
picker to each location and lot like a pick: scan the location, then the goods; each item scan
sends what it counts (one, or a case's units). From a customer: scan the sales order, or the
packing list's barcode (its GS1 order number), type the reason, then scan each item coming
back; the lot comes from what was shipped (a scanned lot must be one that went to that
customer). The goods go to the warehouse's quarantine, to be inspected (restock or scrap).
"""
from __future__ import annotations

from db.core.text import plural

from .base import DONE_KEY, UNDO_KEY, Feedback, Flow, Table, describe_scan, expect_item, listed, scan_text


class ReturnsFlow(Flow):
    title = "Returns"
    keys = (UNDO_KEY, DONE_KEY)

    def __init__(self, session):
        super().__init__(session)
        self.state = "choose"
        self.rtvs: list[dict] = []
        self.number: str | None = None     # the RTV being sent, or the RMA being received
        self.so: str | None = None
        self.reason: str | None = None
        self.tasks: list = []
        self.lines: list = []
        self.received = 0

    def start(self):
        return self.show_list()

    def show_list(self, feedback=None):
        from db import returns
        self.rtvs = self.call(returns.list_returns, open_only=True, direction="supplier")
        self.choices, self.info = listed(
            self.rtvs, lambda r: f"{r['return']:<11} {r['party']:<8} {r['qty'] - r['qty_done']:>5} to send",
            "to send", "an RTV number")
        self.state, self.entry, self.number, self.so, self.reason = "choose", "choice", None, None, None
        self.tasks, self.lines = [], []
        self.prompt = "Scan an SO or packing list to take goods back, or choose an RTV to send"
        return feedback

    def heading(self) -> str:
        if self.so:
            return f"Returns · from {self.so}" + (f" · {self.number}" if self.number else "")
        return f"Returns · {self.number}" if self.number else "Returns"

    def table(self):
        if self.state in ("location", "item") and self.tasks:
            rows = [[t.location, t.sku, t.name, t.lot or "", t.qty] for t in self.tasks]
            return Table(["Location", "SKU", "Name", "Lot", "Qty"], rows, 0)
        if self.so and self.lines:
            rows = [[l.line_no, l.sku, l.name, l.lot or "", l.shipped, l.returned] for l in self.lines]
            return Table(["#", "SKU", "Name", "Lot", "Shipped", "Back"], rows)
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
        return Feedback.ok(f"{number}: {plural(sum(t.qty for t in self.tasks), 'unit')} to send")

    def to_task(self) -> None:
        if not self.tasks:
            self.state, self.entry = "done", "scan"
            self.prompt = f"{self.number} is shipped. F10 or Esc to finish"
            return
        t = self.tasks[0]
        lot = f" lot {t.lot}" if t.lot else ""
        self.state, self.entry = "location", "scan"
        self.prompt = f"Go to {t.location} · send {t.qty} × {t.sku}{lot} {t.name}"

    def open_so(self, number: str) -> Feedback:
        from db import returns
        lines = self.call(returns.shipped_lines, number)
        if not lines:
            return Feedback.error(f"sales order {number} shipped nothing: expected a shipped order to take goods back")
        self.so, self.lines, self.choices, self.info = number, lines, [], []
        self.state, self.entry = "reason", "reason"
        self.prompt = f"Type the reason the goods of {number} come back (e.g. DAMAGED, WRONG-ITEM)"
        return Feedback.ok(f"{number}: {plural(sum(l.shipped - l.returned for l in lines), 'unit')} may come back")

    # --- scans ------------------------------------------------------------------------------

    def on_scan(self, scan, key=None) -> Feedback:
        if self.state == "choose":
            return self.choose(getattr(scan, "order_number", None) or scan.raw)
        if self.state == "location":
            t = self.tasks[0]
            if getattr(scan, "kind", None) != "location" or scan.error:
                return Feedback.error(f"wrong scan: expected location {t.location}, scanned {describe_scan(scan)}")
            if scan.location != t.location:
                return Feedback.error(f"wrong location: expected {t.location}, scanned {scan.location}")
            self.state = "item"
            self.prompt = f"At {t.location}: scan {t.sku}" + (f" lot {t.lot}" if t.lot else "") + f" ({t.qty} to send)"
            return Feedback.ok(f"at {t.location}")
        if self.state == "item":
            return self.send(scan, key)
        if self.state == "receive":
            return self.take_back(scan, key)
        return Feedback.error(f"{self.prompt}; scanned {scan_text(scan)}")

    def send(self, scan, key) -> Feedback:
        from db import returns
        t = self.tasks[0]
        d = expect_item(scan, f"item {t.sku}")
        if d.sku != t.sku:
            return Feedback.error(f"wrong item: expected {t.sku} {t.name}, scanned {d.sku}")
        if t.lot and d.lot and d.lot != t.lot:
            return Feedback.error(f"wrong lot: expected {t.lot}, scanned {d.lot}")
        qty = d.qty or 1
        if qty > t.qty:
            return Feedback.error(f"too many: {qty} × {t.sku} scanned, {t.qty} left to send from {t.location}")
        self.call(returns.send_return_line, self.number, t.sku, qty, t.location, lot=t.lot,
                  operator=self.operator, station=self.station, key=key)
        self.tasks = self.call(returns.send_tasks, self.number) if qty < t.qty or len(self.tasks) > 1 else []
        self.to_task()
        if self.tasks and self.tasks[0].location == t.location:
            # Still at the same place: no need to scan it again.
            n = self.tasks[0]
            self.state = "item"
            self.prompt = f"At {n.location}: scan {n.sku}" + (f" lot {n.lot}" if n.lot else "") + f" ({n.qty} to send)"
        return Feedback.ok(f"sent {qty} × {t.sku} from {t.location} to the supplier"
                           + (f"; {self.number} is shipped" if self.state == "done" else ""))

    def take_back(self, scan, key) -> Feedback:
        from db import returns
        d = expect_item(scan, f"an item shipped on {self.so}")
        result = self.call(returns.return_from_customer, self.so, d.sku, d.qty or 1, lot=d.lot,
                           reason=self.reason, operator=self.operator, station=self.station,
                           warehouse=self.session.cfg.warehouse, document=self.number, key=key)
        self.number = result.document.number
        self.received += result.line.qty
        self.lines = self.call(returns.shipped_lines, self.so)
        lot = f" lot {result.line.lot.code}" if result.line.lot_id else ""
        return Feedback.ok(f"took back {result.line.qty} × {d.sku}{lot} to {result.line.location.code} "
                           f"({self.number})")

    # --- typing and keys --------------------------------------------------------------------

    def on_text(self, text: str, key=None) -> Feedback:
        if self.state == "choose":
            return self.choose(text)
        if self.state == "reason":
            from db import returns
            self.reason = self.call(returns.check_reason, text.strip().upper())
            self.state, self.entry = "receive", "scan"
            self.prompt = f"Scan each item coming back from {self.so}; F10 when done"
            return Feedback.ok(f"reason {self.reason}")
        return super().on_text(text, key)

    def on_action(self, name, value=None, key=None) -> Feedback:
        if name == "undo":
            return self.undo(key)
        if name == "done":
            if self.state == "receive" and self.number:
                done = f"{self.number}: {plural(self.received, 'unit')} taken back from {self.so}, to inspect"
                self.received = 0
                return self.show_list(Feedback.ok(done))
            if self.state in ("done", "location", "item", "receive", "reason"):
                return self.show_list(Feedback.info("back to the list of returns"))
            self.next = ("leave", {})
            return None
        if name == "enter":
            return None
        return Feedback.error(f"{name.upper()} does nothing here; {self.prompt}")

    def back(self) -> Feedback | None:
        if self.state == "choose":
            return None
        return self.show_list(Feedback.info("back to the list of returns"))
