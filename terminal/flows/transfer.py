"""Transfer: scan the source location, the items, then the destination.

Items are gathered in a basket and posted when the destination is scanned, so a wrong item is
caught before anything moves. F8 moves the whole content of the source instead. A destination
in another warehouse goes through transit (the store posts both legs in one transaction).
"""
from __future__ import annotations

from gettext import gettext as _

from db.core.text import plural

from .base import DONE_KEY, QTY_KEY, UNDO_KEY, Feedback, Flow, FlowKey, Table, describe_scan, expect_item
from .quantity import check_number, measure_prompt, scan_quantity, shown, stock_rows, total_text, typed_text
from .basket import Basket
from terminal.i18n import N_

ALL_KEY = FlowKey("f8", "all", N_("All"), N_("move the whole content of the source location"))


class TransferFlow(Flow):
    title = N_("Transfer")
    keys = (QTY_KEY, ALL_KEY, UNDO_KEY, DONE_KEY)

    def __init__(self, session, source: str | None = None):
        super().__init__(session)
        self.source: str | None = None
        self.rows: list[dict] = []      # free stock at the source
        self.basket = Basket()
        self.qty: str | None = None     # typed for the next item scan, read against its item
        self.measuring = None           # (scan, lot) of a measured item waiting for its measure
        self.pending = None             # an item scan waiting for its lot
        self.everything = False
        self.last_move: list[int] | None = None     # the movements of the last move, for one F9
        self.last_source: str | None = None
        self._first = source
        self.to_source()

    def start(self):
        if self._first:
            return self.set_source(self._first)
        return None

    def to_source(self) -> None:
        self.state, self.entry = "source", "scan"
        self.source, self.rows, self.everything = None, [], False
        self.basket.clear()
        self.prompt = _('Scan the source location')
        self.info = []

    def set_source(self, code: str) -> Feedback:
        from db import inventory
        from db.masterdata.lookup import get_location
        loc = self.call(get_location, code)
        if not loc.is_physical:
            return Feedback.error(_('expected a physical location to move from, scanned {code} ({kind})').format(
                                      code=loc.code, kind=loc.kind))
        self.source = loc.code
        # In stored units, as a move takes them (stock() shows 12.5 m as a Qty).
        self.rows = [r for r in stock_rows(self.call(inventory.stock, location=loc.code)) if r["available"] > 0]
        if not self.rows:
            self.source = None
            return Feedback.error(_('{code} holds no free stock to move').format(code=loc.code))
        self.to_items()
        return Feedback.ok(_('from {code}: {count}').format(
                               code=loc.code, count=plural(len(self.rows), 'line')))

    def to_items(self) -> None:
        self.state, self.entry = "items", "scan"
        if self.everything:
            self.prompt = _('Move EVERYTHING on {source}: scan the destination').format(source=self.source)
        else:
            prompt = self.basket.prompt(self.source, self.qty)
            self.prompt = prompt[0].upper() + prompt[1:] + ("" if self.basket or self.qty else " (F8: everything)")
        self.info = [_("F3 quantity · F8 everything · Esc clears the basket")]

    def heading(self) -> str:
        return _("Transfer · from {source}").format(source=self.source) if self.source else _("Transfer")

    def table(self):
        if self.source is None:
            return None
        if self.basket:
            return self.basket.table()
        return Table([N_("SKU"), N_("Name"), N_("Lot"), N_("Free")],
                     [[r["sku"], r["name"], r["lot"] or "", shown(r["available"], r["item"])] for r in self.rows])

    def free(self, sku: str, lot: str | None) -> int:
        return sum(r["available"] for r in self.rows if r["sku"] == sku and (lot is None or r["lot"] == lot))

    # --- scans -----------------------------------------------------------------------------

    def on_scan(self, scan, key=None) -> Feedback:
        kind = getattr(scan, "kind", None)
        if self.state == "source":
            if kind != "location" or scan.error:
                return Feedback.error(_('expected the source location, scanned {describe_scan}').format(
                                          describe_scan=describe_scan(scan)))
            return self.set_source(scan.location)
        if self.state == "lot":
            return self.on_text(scan.lot if getattr(scan, "lot", None) else scan.raw, key)
        if self.state == "items":
            if kind == "location" and not scan.error:
                if scan.location == self.source:
                    return Feedback.error(_('that is the source {source}: scan the destination').format(
                                              source=self.source))
                if not self.basket and not self.everything:
                    return Feedback.error(_('scan the items first (or F8 for everything), then the '
                                            'destination; scanned location {location}').format(
                                              location=scan.location))
                return self.move_to(scan.location, key)
            return self.add(expect_item(scan, _("an item on {code}").format(code=self.source)))
        return Feedback.error(_('{prompt}; scanned {describe_scan}').format(
                                  prompt=self.prompt, describe_scan=describe_scan(scan)))

    def add(self, d, lot: str | None = None) -> Feedback:
        if self.everything:
            return Feedback.error(_('everything on {source} is moving: scan the destination, or Esc').format(
                                      source=self.source))
        lot = lot or d.lot
        rows = [r for r in self.rows if r["sku"] == d.sku]
        if not rows:
            return Feedback.error(_('no free {sku} on {source}').format(sku=d.sku, source=self.source))
        lots = sorted({r["lot"] for r in rows if r["lot"]})
        if lot is None and len(lots) > 1:
            self.pending = d
            self.state, self.entry = "lot", "lot"
            self.prompt = _('{sku} has lots {items} on {source}: scan or type the lot').format(
                              sku=d.sku, items=', '.join(lots), source=self.source)
            return Feedback.info(_('{sku}: which lot?').format(sku=d.sku))
        if lot is None and lots:
            lot = lots[0]
        item = rows[0]["item"]        # what the source's stock rows said: no round trip per scan
        if self.qty or getattr(d, "measure_needed", False):
            # Typed text may name a unit (2 箱), and the measure prompt names the item: the item
            # itself. Offline the move goes through the offline flow, never here.
            from db.masterdata.lookup import get_item
            item = self.call(get_item, d.sku)
        qty = scan_quantity(self.qty, d, item)
        if qty is None:
            # A measured item without its measure: ask it, then read this scan again with it.
            self.measuring = (d, lot)
            self.state, self.entry = "qty", "qty"
            self.prompt = measure_prompt(item)
            return Feedback.info(_('{sku}: type its measure').format(sku=d.sku))
        self.measuring = None
        free = self.free(d.sku, lot)
        lot_txt = _(" lot {lot}").format(lot=lot) if lot else ""
        if self.basket.held(d.sku, lot) + qty > free:
            return Feedback.error(_("only {free} × {sku}{lot} free on {source}; {held} already in the basket, "
                                    "scanned {qty} more").format(
                                      free=shown(free, item), sku=d.sku, lot=lot_txt, source=self.source,
                                      held=shown(self.basket.held(d.sku, lot), item), qty=shown(qty, item)))
        held = self.basket.add(d.sku, lot, qty, rows[0]["name"], item)
        self.qty = None
        self.pending = None
        self.to_items()
        return Feedback.ok(_("+{qty} × {sku}{lot} ({held} in the basket)").format(
                               qty=shown(qty, item), sku=d.sku, lot=lot_txt, held=shown(held, item)))

    def move_to(self, dest: str, key) -> Feedback:
        from db import inventory
        if self.everything:
            moved = self.call(inventory.move_all, self.source, dest, operator=self.operator,
                              station=self.station, key=key)
        else:
            moved = []
            for n, b in enumerate(self.basket, 1):
                moved += self.call(inventory.move, b.sku, b.qty, self.source, dest, lot=b.lot,
                                   operator=self.operator, station=self.station,
                                   key=f"{key}:{n}" if key else None)
        transit = any(m.to_location.code == "@TRANSIT" for m in moved)
        units = self.moved_text([m for m in moved if m.to_location.code != "@TRANSIT"])
        source = self.source
        # One move, one undo: F9 right after it takes back every movement it posted.
        self.last_move = [m.id for m in moved] if len(moved) > 1 else None
        self.last_source = self.source
        msg = (_("moved {count} {source} → {dest}").format(count=units, source=source, dest=dest)
               + (_(" (via transit, another warehouse)") if transit else ""))
        self.set_source_again(source)
        return Feedback.ok(msg)

    def moved_text(self, movements) -> str:
        """`52 units` as before when the source holds plain items only (no item read per
        movement); else each movement's item says its unit (`12.5 m`)."""
        from .quantity import is_plain
        if all(is_plain(r["item"]) for r in self.rows):
            return plural(sum(m.qty for m in movements), "unit")
        return total_text((m.qty, m.item) for m in movements)

    def set_source_again(self, code: str) -> None:
        """After a move, stay on the source: more may go elsewhere."""
        from db import inventory
        self.everything, self.qty = False, None
        self.basket.clear()
        self.rows = [r for r in stock_rows(self.call(inventory.stock, location=code)) if r["available"] > 0]
        if self.rows:
            self.to_items()
        else:
            self.to_source()

    # --- typing and keys -----------------------------------------------------------------------

    def on_text(self, text: str, key=None) -> Feedback:
        if self.state == "qty":
            self.qty = check_number(text)
            if self.measuring is not None:
                (d, lot), self.measuring = self.measuring, None
                try:
                    return self.add(d, lot)
                finally:
                    self.qty = None
                    if self.state == "qty":
                        self.to_items()
            self.to_items()
            return Feedback.info(_('next item scan moves {count}').format(count=typed_text(self.qty)))
        if self.state == "lot" and self.pending is not None:
            lot = text.strip()
            if not any(r["sku"] == self.pending.sku and r["lot"] == lot for r in self.rows):
                lots = sorted({r["lot"] for r in self.rows if r["sku"] == self.pending.sku and r["lot"]})
                return Feedback.error(_('wrong lot: expected one of {items} on {source}, scanned {lot}').format(
                                          items=', '.join(lots), source=self.source, lot=lot))
            return self.add(self.pending, lot)
        return super().on_text(text, key)

    def on_action(self, name, value=None, key=None) -> Feedback:
        if name == "undo":
            if self.last_move:
                return self.undo_move(key)
            return self.undo(key)
        if name == "qty" and self.state == "items":
            self.state, self.entry = "qty", "qty"
            self.prompt = _('Type the quantity for the next item scan, then press Enter')
            return None
        if name == "all" and self.state == "items":
            if self.basket:
                return Feedback.error(_('the basket holds items already: Esc clears it, then F8 moves '
                                        'everything'))
            self.everything = True
            self.to_items()
            return Feedback.info(_('everything on {source}: scan the destination').format(source=self.source))
        if name == "done":
            if self.basket or self.everything:
                return Feedback.error(_('scan the destination first, or Esc to drop the basket'))
            self.next = ("leave", {})
            return None
        if name == "enter":
            return None
        return Feedback.error(_('{upper} does nothing here; {prompt}').format(
                                  upper=name.upper(), prompt=self.prompt))

    def back(self) -> Feedback | None:
        if self.state in ("qty", "lot"):
            self.pending, self.qty = None, None
            self.measuring = None
            self.to_items()
            return Feedback.info("cancelled")
        if self.state == "items" and (self.basket or self.everything):
            self.everything = False
            self.basket.clear()
            self.to_items()
            return Feedback.info(_('basket cleared: nothing moved'))
        if self.state == "items":
            self.to_source()
            return Feedback.info(_('scan another source'))
        return None

    def undo_move(self, key) -> Feedback:
        from db import inventory
        ids, self.last_move = self.last_move, None
        undone = self.call(inventory.undo_movements, ids, operator=self.operator, station=self.station, key=key)
        units = total_text((u.qty, u.item) for u in undone if u.from_location.code != "@TRANSIT")
        # Back on the source the goods came back to (the move may have emptied it).
        self.source = self.last_source
        self.set_source_again(self.source)
        return Feedback.ok(_("undone: the whole move, {count} back ({movements} reversed)").format(
                               count=units, movements=plural(len(undone), 'movement')))

    def after_undo(self, movement) -> None:
        if self.source is not None and not self.basket:
            self.set_source_again(self.source)
