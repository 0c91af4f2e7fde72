"""Lookup: scan (or type) anything and see what the store knows.

- an item: stock by location and lot, and the open POs and SOs that carry it;
- a location: its contents;
- a lot: where it is and when it expires;
- a purchase or sales order: its lines;
- any part of an item's name, in any case: the item, or the items that match.
An expired lot is marked "EXPIRED" wherever it shows. Nothing posts here.
"""
from __future__ import annotations

from gettext import gettext as _

from db.core.text import plural

from .base import ITEM_KINDS, LISTED, Feedback, Flow, Table, describe_scan, scan_text, status_text
from terminal.i18n import N_

from .quantity import shown, stock_rows, total_text


# Location kinds as the screen says them (the store keeps the English keys).
LOCATION_KINDS = {"storage": N_("storage"), "receiving": N_("receiving"), "shipping": N_("shipping"),
                  "quarantine": N_("quarantine"), "transit": N_("transit")}

class LookupFlow(Flow):
    title = N_("Lookup")
    keys = ()

    def __init__(self, session):
        super().__init__(session)
        self.prompt = _('Scan or type anything: an item, a location, a lot or an order')
        self._table: Table | None = None

    def table(self):
        return self._table

    def on_scan(self, scan, key=None) -> Feedback:
        kind = getattr(scan, "kind", None)
        if kind == "location" and not scan.error:
            return self.location(scan.location)
        if kind in ITEM_KINDS and getattr(scan, "sku", None) and not scan.error:
            return self.item(scan.sku, scan.lot)
        if kind == "operator" and not scan.error:
            return self.operator_info(scan.operator)
        text = (getattr(scan, "order_number", None) or scan.raw or "").strip()
        found = self.by_code(text)
        if found is not None:
            return found
        if scan.error and kind not in ("unknown",):
            return Feedback.error(f"{scan_text(scan)}: {scan.error}")
        return Feedback.error(_('nothing known as {scan_text}: expected an item, location, lot or order '
                                'number ({describe_scan})').format(
                                  scan_text=scan_text(scan), describe_scan=describe_scan(scan)))

    def on_action(self, name, value=None, key=None) -> Feedback:
        if name == "enter":
            return None
        return super().on_action(name, value, key)

    def by_code(self, text: str) -> Feedback | None:
        from db import masterdata
        if not text:
            return None
        if self.call(masterdata.find_po, text) is not None:
            return self.po(text)
        if self.call(masterdata.find_so, text) is not None:
            return self.so(text)
        if self.call(masterdata.find_item, text) is not None:
            return self.item(text, None)
        lots = self.call(masterdata.lots_with_code, text)
        if lots:
            return self.lot(lots)
        return self.by_name(text)

    def by_name(self, text: str) -> Feedback | None:
        from db.masterdata.lookup import find_items
        items = self.call(find_items, text, limit=LISTED + 1)
        if not items:
            return None
        if len(items) == 1:
            return self.item(items[0].sku, None)
        shown = items[:LISTED]
        self._table = Table([N_("SKU"), N_("Name")], [[i.sku, i.name] for i in shown])
        more = _(" (the first ones: type more of the name)") if len(items) > LISTED else ""
        self.info = [_("Scan or type one SKU to see its stock{more}").format(more=more)]
        return Feedback.ok(_("{count}{plus} items named like {text!r}").format(
            count=len(shown), plus='+' if more else '', text=text))

    def item(self, sku: str, lot: str | None) -> Feedback:
        from db import inventory, purchasing, sales
        from db.masterdata.lookup import get_item
        it = self.call(get_item, sku)
        rows = stock_rows(self.call(inventory.stock, sku=sku))
        if lot:
            rows = [r for r in rows if r["lot"] == lot]
        self._table = Table([N_("Location"), N_("Lot"), N_("Expiry"), N_("On hand"), N_("Alloc"), N_("Free")],
                            [[r["location"], r["lot"] or "", self.expiry(r["expiry"]), shown(r["on_hand"], it),
                              shown(r["allocated"], it), shown(r["available"], it)] for r in rows])
        pos = self.call(purchasing.open_po_lines_of_item, it.id)
        sos = self.call(sales.open_so_lines_of_item, it.id)
        total = shown(sum(r["on_hand"] for r in rows), it)
        self.info = [_("{sku} {name}: {total} on hand").format(sku=it.sku, name=it.name, total=total)
                     + (_(" (lot {lot})").format(lot=lot) if lot else "")
                     + (_(" · lot-tracked") if it.lot_tracked else "") + (_(" · expiry") if it.expiry_tracked else "")]
        due = ", ".join(_("{number} {qty} due {date}").format(
            number=l.po.number, qty=shown(l.qty_ordered - l.qty_received - l.qty_rejected, it, l),
            date=l.po.expected_date or '-')
            for l in pos)
        self.info.append(_("Open POs: ") + (due or _("none")))
        open_sos = ", ".join(f"{l.so.number} {shown(l.qty_ordered - l.qty_picked - l.qty_short, it, l)} "
                             f"({status_text(l.so.status)})"
                             for l in sos)
        self.info.append(_("Open SOs: ") + (open_sos or _("none")))
        expired = sum(r["qty"] for r in self.call(inventory.expiry_rows, 0, sku=it.sku) if r["status"] == "expired")
        if expired:
            self.info.append(_("{units} of expired lots outside quarantine: never picked; "
                               "a supervisor quarantines them (wh quarantine --expired)").format(
                                   units=total_text([(expired, it)])))
        return Feedback.ok(_('item {sku} {name}: {total} on hand in {count}').format(
                               sku=it.sku, name=it.name, total=total, count=plural(len(rows), 'place')))

    def expired(self, expiry) -> bool:
        from db import inventory
        return self.call(inventory.is_expired, expiry)

    def expiry(self, expiry) -> str:
        """The expiry as a table shows it: the date, marked EXPIRED once it is past."""
        if not expiry:
            return ""
        return f"{expiry} EXPIRED" if self.expired(expiry) else str(expiry)


    def location(self, code: str) -> Feedback:
        from db import inventory
        from db.masterdata.lookup import get_location
        loc = self.call(get_location, code)
        rows = stock_rows(self.call(inventory.stock, location=code))
        self._table = Table([N_("SKU"), N_("Name"), N_("Lot"), N_("Expiry"), N_("On hand"), N_("Free")],
                            [[r["sku"], r["name"], r["lot"] or "", self.expiry(r["expiry"]), shown(r["on_hand"], r["item"]),
                              shown(r["available"], r["item"])] for r in rows])
        wh = loc.warehouse.code if loc.warehouse_id else "-"
        self.info = [_("{code}: {kind} in {warehouse}, zone {zone}, pick sequence {seq}").format(
            code=loc.code, kind=_(LOCATION_KINDS.get(loc.kind, loc.kind)), warehouse=wh, zone=loc.zone or '-',
            seq=loc.pick_sequence) + ("" if loc.active else _(" · INACTIVE"))]
        return Feedback.ok(_('location {code}: {count}, {count2}').format(
                               code=loc.code, count=total_text((r['on_hand'], r["item"]) for r in rows),
                               count2=plural(len(rows), 'line')))

    def lot(self, lots) -> Feedback:
        from db import inventory
        rows = []
        for lot in lots:
            for r in stock_rows(self.call(inventory.stock, sku=lot.item.sku)):
                if r["lot"] == lot.code:
                    rows.append([lot.item.sku, r["location"], lot.code, self.expiry(lot.expiry), r["on_hand"], r["item"]])
        self._table = Table([N_("SKU"), N_("Location"), N_("Lot"), N_("Expiry"), N_("On hand")],
                            [row[:4] + [shown(row[4], row[5])] for row in rows])
        self.info = [_("lot {code} of {sku}: ").format(code=l.code, sku=l.item.sku)
                     + (_("EXPIRED on {date}").format(date=l.expiry) if self.expired(l.expiry)
                        else _("expires {date}").format(date=l.expiry or _("never")))
                     + _(", first received {date}").format(date=f"{l.received_at:%Y-%m-%d}") for l in lots]
        return Feedback.ok(_('lot {code}: {count} in {count2}').format(
                               code=lots[0].code, count=total_text((r[4], r[5]) for r in rows),
                               count2=plural(len(rows), 'place')))

    def po(self, number: str) -> Feedback:
        from db.masterdata.lookup import get_po
        from db.purchasing import po_lines_with_items
        po = self.call(get_po, number)
        lines = self.call(po_lines_with_items, po.id)
        self._table = Table([N_("#"), N_("SKU"), N_("Name"), N_("Ordered"), N_("Received"), N_("Rejected")],
                            [[l.line_no, l.item.sku, l.item.name, l.qty_ordered, l.qty_received, l.qty_rejected]
                             for l in lines])
        self.info = [_("{number}: supplier {supplier}, {status}, expected {date}").format(
            number=po.number, supplier=po.supplier.code, status=status_text(po.status), date=po.expected_date or '-')]
        return Feedback.ok(_('purchase order {number} ({status}): {count}').format(
                               number=po.number, status=status_text(po.status), count=plural(len(lines), 'line')))

    def so(self, number: str) -> Feedback:
        from db.masterdata.lookup import get_so
        from db.sales import so_lines
        so = self.call(get_so, number)
        lines = self.call(so_lines, so.id)
        self._table = Table([N_("#"), N_("SKU"), N_("Name"), N_("Ordered"), N_("Picked"), N_("Short"), N_("Shipped")],
                            [[l.line_no, l.item.sku, l.item.name, l.qty_ordered, l.qty_picked, l.qty_short,
                              l.qty_shipped] for l in lines])
        at = _(", picking at {station} by {operator}").format(
            station=so.assigned_station, operator=so.assigned_operator) if so.status == "picking" else ""
        self.info = [_("{number}: customer {customer}, {status}, priority {priority}, due {date}{at}").format(
            number=so.number, customer=so.customer.code, status=status_text(so.status), priority=so.priority,
            date=so.due_date or '-', at=at)]
        return Feedback.ok(_('sales order {number} ({status}): {count}').format(
                               number=so.number, status=status_text(so.status), count=plural(len(lines), 'line')))

    def operator_info(self, code: str) -> Feedback:
        from db.ledger import recent_movements
        rows = self.call(recent_movements, code, 10)
        self._table = Table([N_("Id"), N_("Kind"), N_("SKU"), N_("Qty"), N_("From"), N_("To"), N_("Document")],
                            [[m.id, m.kind, m.item.sku, m.qty, m.from_location.code, m.to_location.code,
                              m.document] for m in rows])
        self.info = [_("last postings of operator {code}").format(code=code)]
        return Feedback.ok(_('operator {code}: {count}').format(
                               code=code, count=plural(len(rows), 'recent posting')))
