"""Degraded mode while the PostgreSQL server is unreachable: moves are journaled locally.

The station opens this flow when the store goes away and the site has an offline journal
(db/offline/). What works offline is what needs no answer from the server: moving goods
(put-away, transfers), and taking goods back from a customer. Scan the source location, the
items, then the destination; each line is journaled with its idempotency key and posts when
the server is back, in order. F5 takes a customer return instead: scan the sales order (or
its packing list), type the reason, scan the items, F10: the whole return is one journal
entry; on replay it goes to the warehouse's quarantine, or to the exceptions list if the
server refuses it (more than was shipped, a lot that never went to that customer). Barcodes
and locations decode from the journal's cache of master data. A move the server refuses on
replay (the stock was taken meanwhile) lands on the supervisor's exceptions list.

    source   scan the location goods come from
    items    scan items (F3 types a quantity for the next scan); scanning a location ends the
             basket there (the destination)
    lot      a lot-tracked item scanned without a lot: type or scan the lot
F10 (CMD-DONE) tries the server: when it answers and the queue is empty, the flow closes and
the station is back online.
"""
from __future__ import annotations

from gettext import gettext as _

from db.core.text import plural

from .base import DONE_KEY, ITEM_KINDS, QTY_KEY, Feedback, Flow, FlowKey, describe_scan, parse_qty
from .basket import Basket
from .quantity import StockItem, check_number, shown, total_text, typed_text
from terminal.i18n import N_

RETRY_KEY = FlowKey(DONE_KEY.key, "done", N_("Reconnect"), N_("try the server: back online when it answers (CMD-DONE)"))
RETURN_KEY = FlowKey("f5", "return", N_("Return"), N_("take goods back from a customer; F10 journals the return"))


class OfflineFlow(Flow):
    title = N_("OFFLINE")
    keys = (QTY_KEY, RETURN_KEY, RETRY_KEY)

    def __init__(self, session):
        super().__init__(session)
        self.runner = getattr(session, "offline", None)
        self.source: str | None = None
        self.basket = Basket()
        self.qty: str | None = None                      # typed for the next scan, read against its item
        self.pending: tuple[str, int] | None = None      # (sku, qty) waiting for its lot
        self.return_so: str | None = None                # taking goods back from this order
        self.reason: str | None = None
        self.to_source()

    def start(self) -> Feedback:
        if self.runner is None:
            return Feedback.error(_('this station has no offline journal ([offline] journal, PostgreSQL '
                                    'sites)'))
        return Feedback.warn(_('the store cannot be reached: OFFLINE. Moves are journaled ({queued} '
                               'waiting) and post when the server is back').format(queued=self.runner.queued))

    # --- state ---------------------------------------------------------------------------------

    def to_source(self) -> None:
        self.state, self.entry = "source", "scan"
        self.source, self.qty, self.pending = None, None, None
        self.return_so, self.reason = None, None
        self.basket.clear()
        self.prompt = _('OFFLINE: scan the location to move goods from')
        self.info = self.status_lines()

    def to_items(self) -> None:
        self.state, self.entry = "items", "scan"
        n = self.basket.units
        if self.return_so:
            self.prompt = (f"OFFLINE: scan the items coming back from {self.return_so}"
                           + (f"; F10 journals {self.basket.total()}" if n else ""))
        else:
            self.prompt = "OFFLINE: " + self.basket.prompt(self.source, self.qty)
        self.info = self.status_lines()

    def status_lines(self) -> list[str]:
        queued = self.runner.queued if self.runner is not None else 0
        return [_("{postings} wait in the journal · F10 tries the server").format(postings=plural(queued, 'posting'))]

    def heading(self) -> str:
        queued = self.runner.queued if self.runner is not None else 0
        if self.return_so:
            return f"OFFLINE · {queued} queued · return from {self.return_so}"
        return f"OFFLINE · {queued} queued" + (f" · from {self.source}" if self.source else "")

    def table(self):
        if not self.basket:
            return None
        return self.basket.table(names=False)

    # --- the cache -----------------------------------------------------------------------------

    def cached(self, kind: str, code: str) -> dict | None:
        return self.runner.journal.cached(kind, code) if self.runner is not None else None

    # --- inputs --------------------------------------------------------------------------------

    def on_scan(self, scan, key=None) -> Feedback:
        if self.runner is None:
            return self.start()
        kind = getattr(scan, "kind", None)
        if self.state == "lot":
            return self.on_text(getattr(scan, "lot", None) or getattr(scan, "raw", "") or "", key)
        if self.state == "so":
            return self.on_text(getattr(scan, "order_number", None) or scan.raw, key)
        if self.return_so and kind == "location":
            return Feedback.error("a customer return needs no location: scan the items, F10 journals it")
        if kind == "location" and not scan.error:
            loc = self.cached("location", scan.location)
            if loc is None or loc["kind"] not in ("storage", "receiving", "shipping", "quarantine"):
                return Feedback.error(_('expected a physical location, scanned {location}').format(
                                          location=scan.location))
            if self.state == "source":
                self.source = scan.location
                self.to_items()
                return Feedback.ok(_('OFFLINE: moving from {source}').format(source=self.source))
            if scan.location == self.source:
                return Feedback.error(_('that is the source {source}: scan the destination').format(
                                          source=self.source))
            if not self.basket:
                return Feedback.error(_('scan the items first, then the destination; scanned location '
                                        '{location}').format(location=scan.location))
            return self.journal(scan.location, key)
        if self.state == "source":
            return Feedback.error(_('expected the location to move from, scanned {describe_scan}').format(
                                      describe_scan=describe_scan(scan)))
        sku = getattr(scan, "sku", None)
        if kind not in ITEM_KINDS or not sku or scan.error:
            return Feedback.error(_('expected an item on {source} or the destination, scanned '
                                    '{describe_scan}').format(
                                      source=self.source, describe_scan=describe_scan(scan)))
        item = self.cached("item", sku) or {}
        known = self.item_of(sku, item)
        if self.qty:
            qty = self.typed_qty(self.qty, known)
        elif getattr(scan, "measure_needed", False):
            # A weighed item without its measure: offline nothing asks the store, F3 types it.
            return Feedback.error(_("{sku} is sold by measure: F3, type its measure, then scan it again").format(
                                      sku=sku))
        else:
            qty = getattr(scan, "qty", None) or 1
        lot = getattr(scan, "lot", None)
        if item.get("lot_tracked") and not lot:
            self.pending = (sku, qty)
            self.state, self.entry = "lot", "lot"
            self.prompt = _('OFFLINE: {sku} is lot-tracked: scan or type the lot').format(sku=sku)
            return Feedback.info(_('{sku}: which lot?').format(sku=sku))
        return self.add(sku, lot, qty)

    @staticmethod
    def item_of(sku: str, cached: dict):
        """What shown() and parse_qty need of SKU, from the offline cache (None: not cached)."""
        if not cached:
            return None
        return StockItem(sku, cached.get("uom", ""), cached.get("decimals", 0) or 0)

    @staticmethod
    def typed_qty(text: str, item) -> int:
        """TEXT as stored units: with the cached item's precision (12.5 m), else whole numbers
        as before; the cache knows no named units (2 箱 is refused, naming the base unit)."""
        if item is None:
            return parse_qty(text)
        return parse_qty(text, item=item, units=[])

    def add(self, sku: str, lot: str | None, qty: int) -> Feedback:
        item = self.item_of(sku, self.cached("item", sku) or {})
        self.basket.add(sku, lot, qty, item=item)
        self.qty, self.pending = None, None
        self.to_items()
        then = "F10 journals the return" if self.return_so else "scan the destination"
        shown_qty = shown(qty, item) if item is not None else qty
        return Feedback.ok(f"+{shown_qty} × {sku}" + (f" lot {lot}" if lot else "") + f" (not posted yet: {then})")

    def journal_return(self, key: str | None) -> Feedback:
        """The return's lines as ONE journaled entry (posted now if the server answers)."""
        from db.core.errors import WarehouseError
        key = key or self.session.next_key("offline-return")
        lines = [{"sku": l.sku, "qty": l.qty, "lot": l.lot} for l in self.basket]
        so, units = self.return_so, self.basket.total()
        try:
            outcome = self.runner.run("return_from_customer", key=key, so=so, lines=lines, reason=self.reason,
                                      operator=self.operator, station=self.station,
                                      warehouse=self.session.cfg.warehouse)
        except WarehouseError as exc:    # the server answered and refused: say so now
            return Feedback.error(f"return from {so} refused: {exc}")
        self.to_source()
        if outcome.done:
            return Feedback.ok(f"{units} back from {so}: {outcome.result[0].document.number}")
        return Feedback.warn(f"{units} back from {so} journaled ({self.runner.queued} waiting)")

    def journal(self, dest: str, key: str | None) -> Feedback:
        from db.core.errors import WarehouseError
        key = key or self.session.next_key("offline")
        queued, done = [], []           # (stored, item) journaled, posted
        refused = []
        for n, line in enumerate(self.basket, 1):
            try:
                outcome = self.runner.run("move", key=f"{key}:{n}", sku=line.sku, qty=line.qty,
                                          from_code=self.source, to_code=dest, lot=line.lot,
                                          operator=self.operator, station=self.station)
            except WarehouseError as exc:    # the server answered and refused: say so now
                refused.append(f"{line.sku}: {exc}")
                continue
            (done if outcome.done else queued).append((line.qty, line.item))
        source = self.source
        self.basket.clear()
        self.to_items()
        parts = []
        if queued:
            parts.append(_("{units} {source} → {dest} journaled ({waiting} waiting)").format(
                units=total_text(queued), source=source, dest=dest, waiting=self.runner.queued))
        if done:
            parts.append(f"{total_text(done)} {source} → {dest} posted")
        if refused:
            return Feedback.error("; ".join(parts + refused))
        return Feedback.warn("; ".join(parts)) if queued else Feedback.ok("; ".join(parts))

    def on_text(self, text: str, key=None) -> Feedback:
        if self.state == "so":
            if not text.strip():
                return Feedback.error("scan or type the sales order the goods come back from")
            self.return_so = text.strip()
            self.state, self.entry = "reason", "reason"
            self.prompt = f"OFFLINE: type the reason the goods of {self.return_so} come back (e.g. DAMAGED)"
            return Feedback.info(f"return from {self.return_so}")
        if self.state == "reason":
            if not text.strip():
                return Feedback.error("type a reason code such as DAMAGED")
            self.reason = text.strip().upper()
            self.to_items()
            return Feedback.info(f"reason {self.reason}: scan the items")
        if self.state == "qty":
            self.qty = check_number(text)
            self.to_items()
            return Feedback.info(_('next item scan moves {count}').format(count=typed_text(self.qty)))
        if self.state == "lot" and self.pending is not None:
            lot = text.strip()
            if not lot:
                return Feedback.error(_('type the lot of {value}, then Enter').format(value=self.pending[0]))
            sku, qty = self.pending
            return self.add(sku, lot, qty)
        return super().on_text(text, key)

    def on_action(self, name, value=None, key=None) -> Feedback:
        if name == "qty" and self.state == "items":
            self.state, self.entry = "qty", "qty"
            self.prompt = _('OFFLINE: type the quantity for the next item scan, then Enter')
            return None
        if name == "return" and self.state == "source" and self.runner is not None:
            self.state, self.entry = "so", "scan"
            self.prompt = "OFFLINE: scan the sales order or packing list the goods come back from"
            return None
        if name == "done" and self.return_so and self.basket:
            return self.journal_return(key)
        if name == "done":
            return self.reconnect()
        if name == "enter":
            return None
        if name == "undo":
            return Feedback.error(_('undo needs the server: it is not reachable (OFFLINE)'))
        return Feedback.error(_('{upper} does nothing here; {prompt}').format(
                                  upper=name.upper(), prompt=self.prompt))

    def reconnect(self) -> Feedback:
        if self.runner is None:
            return self.start()
        if self.basket:
            return Feedback.error(_('scan the destination of the basket first (or Esc to drop it)'))
        report = self.runner.replay()
        if not report.reached:
            self.info = self.status_lines()
            return Feedback.warn(_('still OFFLINE: the server does not answer; {count} wait').format(
                                     count=plural(report.left, 'posting')))
        try:
            self.call(self.runner.refresh_cache)
        except Exception:   # the cache is a convenience: being back online matters more
            pass
        self.next = ("leave", {})
        extra = _(", {n} refused (supervisor: exceptions list)").format(n=report.conflicts) if report.conflicts else ""
        return Feedback.ok(_('back ONLINE: {posted} journaled postings posted{extra}').format(
                               posted=report.posted, extra=extra))

    def back(self) -> Feedback | None:
        if self.state in ("so", "reason") or (self.return_so and self.state == "items"):
            self.to_source()
            return Feedback.info("return dropped: nothing journaled")
        if self.state in ("qty", "lot"):
            self.qty, self.pending = None, None
            self.to_items()
            return Feedback.info("cancelled")
        if self.state == "items" and self.basket:
            self.basket.clear()
            self.to_items()
            return Feedback.info(_('basket dropped: nothing journaled'))
        if self.state == "items":
            self.to_source()
            return Feedback.info(_('scan another location to move from'))
        return Feedback.info(_('OFFLINE: F10 tries the server and returns to work when it answers'))
