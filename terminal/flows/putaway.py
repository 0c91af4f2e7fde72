"""Put away: scan the dock, scan an item, see where it should go, scan where it went.

The suggestion (db.inventory.suggest_putaway) is where that item already is, else an empty
location in its zone. Scanning another storage location is allowed: the operator knows the
shelf; the banner says it differs from the suggestion.
"""
from __future__ import annotations

from gettext import gettext as _

from db.core.text import plural

from .base import (DONE_KEY, UNDO_KEY, Feedback, Flow, FlowKey, Table, describe_scan, expect_item,
                   parse_qty, scan_warnings)
from terminal.i18n import N_

from .quantity import adds_up, shown, stock_rows, total_text

QTY_KEY = FlowKey("f3", "qty", N_("Qty"), N_("put away fewer units than all on the dock"))


class PutawayFlow(Flow):
    title = N_("Put away")
    keys = (QTY_KEY, UNDO_KEY, DONE_KEY)

    def __init__(self, session, dock: str | None = None):
        super().__init__(session)
        self.dock: str | None = None
        self.rows: list[dict] = []
        self.sku = self.lot = None
        self.item = None                # what shown() needs of the item being put away
        self.name = ""
        self.qty = 0
        self.suggested: str | None = None
        self._first_dock = dock
        self.state = "dock"
        self.prompt = _('Scan the dock location')

    def start(self):
        if self._first_dock:
            return self.set_dock(self._first_dock)
        return None

    # --- the dock ----------------------------------------------------------------------------

    def set_dock(self, code: str) -> Feedback:
        from db.masterdata.lookup import get_location
        loc = self.call(get_location, code)
        if not loc.is_physical:
            return Feedback.error(_('expected a dock or storage location, scanned {code} ({kind})').format(
                                      code=loc.code, kind=loc.kind))
        where = loc.warehouse.code if loc.warehouse_id else "no warehouse"
        if self.session.warehouse and where != self.session.warehouse:
            return Feedback.error(_("{code} is in {where}; put-away stays in this station's warehouse "
                                    '{warehouse}: moving stock between warehouses is the Transfer job').format(
                                      code=loc.code, where=where, warehouse=self.session.warehouse))
        self.dock = loc.code
        self.refresh()
        self.to_item()
        lines = plural(len(self.rows), 'line')
        if not adds_up(r["item"] for r in self.rows):      # kilograms and bottles do not add up
            return Feedback.ok(_('{dock}: {count} to put away').format(dock=self.dock, count=lines))
        return Feedback.ok(_('{dock}: {count} in {count2} to put away').format(
                               dock=self.dock, count=total_text((r["available"], r["item"]) for r in self.rows),
                               count2=lines))

    def refresh(self) -> None:
        from db import inventory
        # In stored units, as inventory.move takes them (stock() shows 1.250 kg as a Qty).
        self.rows = [r for r in stock_rows(self.call(inventory.stock, location=self.dock)) if r["available"] > 0]

    def to_item(self) -> None:
        self.state, self.entry = "item", "scan"
        self.sku = self.lot = self.suggested = None
        self.qty = 0
        if self.rows:
            self.prompt = _('Scan an item on {dock}').format(dock=self.dock)
        else:
            self.prompt = _('{dock} is empty. Scan another location, or F10 to finish').format(dock=self.dock)
        self.info = []

    def heading(self) -> str:
        return _("Put away · from {dock}").format(dock=self.dock) if self.dock else _("Put away")

    def table(self):
        if self.dock is None:
            return None
        rows = [[r["sku"], r["name"], r["lot"] or "", shown(r["available"], r["item"])] for r in self.rows]
        current = next((i for i, r in enumerate(self.rows) if r["sku"] == self.sku and r["lot"] == self.lot), None)
        return Table([N_("SKU"), N_("Name"), N_("Lot"), N_("Qty")], rows, current)

    # --- scans -------------------------------------------------------------------------------

    def on_scan(self, scan, key=None) -> Feedback:
        kind = getattr(scan, "kind", None)
        if self.state == "dock":
            if kind != "location" or scan.error:
                return Feedback.error(_('expected the dock location, scanned {describe_scan}').format(
                                          describe_scan=describe_scan(scan))
                                      + (f": {scan.error}" if scan.error else ""))
            return self.set_dock(scan.location)
        if self.state == "item":
            if kind == "location" and not scan.error:
                return self.set_dock(scan.location)
            return self.take_item(expect_item(scan, _("an item on {code}").format(code=self.dock)))
        if self.state == "dest":
            if kind != "location" or scan.error:
                return Feedback.error(_('expected the location where {sku} went (suggested {value}), '
                                        'scanned {describe_scan}').format(
                                          sku=self.sku, value=self.suggested or 'none',
                                          describe_scan=describe_scan(scan)))
            return self.put(scan.location, key)
        return Feedback.error(_('{prompt}: a scan does not answer that').format(prompt=self.prompt))

    def take_item(self, d) -> Feedback:
        here = [r for r in self.rows if r["sku"] == d.sku]
        if d.lot:
            here = [r for r in here if r["lot"] == d.lot]
        if not here:
            lot = _(" lot {lot}").format(lot=d.lot) if d.lot else ""
            on = ", ".join(sorted({r["sku"] for r in self.rows})) or "nothing"
            return Feedback.error(_('no {sku}{lot} on {dock}; it holds {on}').format(
                                      sku=d.sku, lot=lot, dock=self.dock, on=on))
        if len({r["lot"] for r in here}) > 1:
            # Several lots: the first to expire goes first, unless the scan named one.
            here.sort(key=lambda r: (r["expiry"] is None, r["expiry"] or 0, r["lot"] or ""))
        row = here[0]
        from db import inventory
        self.sku, self.lot, self.name, self.item = row["sku"], row["lot"], row["name"], row["item"]
        self.qty = row["available"]
        loc = self.call(inventory.suggest_putaway, self.sku, row["warehouse"])
        self.suggested = loc.code if loc is not None else None
        self.state, self.entry = "dest", "scan"
        self.set_dest_prompt()
        warnings = scan_warnings(d)
        msg = _("{sku} {name}: {qty} to put away").format(sku=self.sku, name=self.name,
                                                          qty=shown(self.qty, self.item))
        return Feedback.warn(msg + " — " + "; ".join(warnings)) if warnings else Feedback.info(msg)

    def set_dest_prompt(self) -> None:
        lot = _(" lot {lot}").format(lot=self.lot) if self.lot else ""
        where = f"→ {self.suggested}" if self.suggested else _("(no suggestion: any storage location)")
        self.prompt = _('Put {qty} × {sku}{lot} {where}. Scan the location').format(
                          qty=shown(self.qty, self.item), sku=self.sku, lot=lot, where=where)
        self.info = [f"{self.name}", _("F3 to put away fewer units")]

    def put(self, dest: str, key) -> Feedback:
        from db import inventory
        self.call(inventory.move, self.sku, self.qty, self.dock, dest, lot=self.lot,
                  operator=self.operator, station=self.station, key=key, kind="putaway",
                  document=f"PUT-{self.dock}")
        note = "" if not self.suggested or dest == self.suggested else _(" (suggested {code})").format(code=self.suggested)
        lot = _(" lot {lot}").format(lot=self.lot) if self.lot else ""
        msg = _("put away {qty} × {sku}{lot} {dock} → {dest}{note}").format(
            qty=shown(self.qty, self.item), sku=self.sku, lot=lot, dock=self.dock, dest=dest, note=note)
        self.refresh()
        self.to_item()
        return Feedback.ok(msg)

    # --- typing and keys -------------------------------------------------------------------

    def on_text(self, text: str, key=None) -> Feedback:
        if self.state == "qty":
            from db.masterdata.lookup import get_item
            qty = parse_qty(text, item=self.call(get_item, self.sku))
            avail = next((r["available"] for r in self.rows if r["sku"] == self.sku and r["lot"] == self.lot), 0)
            if qty > avail:
                return Feedback.error(_('only {avail} × {sku} on {dock}, typed {qty}').format(
                                          avail=shown(avail, self.item), sku=self.sku, dock=self.dock,
                                          qty=shown(qty, self.item)))
            self.qty = qty
            self.state, self.entry = "dest", "scan"
            self.set_dest_prompt()
            return Feedback.info(total_text([(qty, self.item)]))
        return super().on_text(text, key)

    def on_action(self, name, value=None, key=None) -> Feedback:
        if name == "undo":
            return self.undo(key)
        if name == "qty" and self.state == "dest":
            self.state, self.entry = "qty", "qty"
            self.prompt = _('How many of {qty} × {sku}? Type the quantity and press Enter').format(
                              qty=shown(self.qty, self.item), sku=self.sku)
            return None
        if name == "done":
            self.next = ("leave", {})
            return Feedback.ok(_('put away finished'))
        if name == "enter":
            return None
        return Feedback.error(_('{upper} does nothing here; {prompt}').format(
                                  upper=name.upper(), prompt=self.prompt))

    def back(self) -> Feedback | None:
        if self.state in ("dest", "qty"):
            self.to_item()
            return Feedback.info(_('cancelled: scan an item'))
        if self.state == "item" and not self._first_dock:
            self.dock, self.rows = None, []
            self.state, self.entry, self.prompt = "dock", "scan", _("Scan the dock location")
            return Feedback.info(_('scan another dock'))
        return None

    def after_undo(self, movement) -> None:
        if self.dock:
            self.refresh()
            if self.state == "item":
                self.to_item()
