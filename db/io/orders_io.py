"""CSV import of open purchase and sales orders, one row per line, grouped by order number.

Split out of db/io/importer.py (which keeps import_csv, the registry and master data): the
documents' import is a subject of its own, with its own rule for replacing an order.
"""
from __future__ import annotations

from gettext import gettext as _, ngettext

from db.core.models import Customer, Item, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine, Supplier
from db.io.import_base import N_, chunks, code_map
from db.io.units_io import _line_quantity, _unit_price, _units_by_item
from db.io.validation import Row

class OrdersImport:
    """Purchase or sales orders, one row per line, grouped by order number.

    A new order is created open. An order that already exists is replaced only while
    nothing has happened to it (still open, nothing received/picked); otherwise refused.
    """
    kind = ""
    number_col = party_col = date_col = price_col = ""
    order_model = line_model = party_model = None
    unknown_party = ""

    def validate(self, rows, present, check):
        parties = code_map(self.party_model)
        items = {i.sku: i for i in Item.select(Item.id, Item.sku, Item.uom, Item.decimals)}
        units = _units_by_item()
        orders: dict[str, list[Row]] = {}
        for row in rows:
            v = row.values
            if v.get(self.party_col) and v[self.party_col] not in parties:
                check.add(row.number, self.party_col, _(self.unknown_party).format(code=v[self.party_col]))
            if v.get("sku") and v["sku"] not in items:
                check.add(row.number, "sku", _("unknown item SKU {sku!r}: import items first").format(sku=v['sku']))
            elif v.get("sku"):
                _line_quantity(check, row, items[v["sku"]], units)
            if v.get(self.number_col):
                orders.setdefault(v[self.number_col], []).append(row)
        for number, lines in orders.items():
            for col in self.same_on_every_line(present):
                first = next((r for r in lines if r.values.get(col) is not None), None)
                if first is None:
                    continue
                for r in lines:
                    value = r.values.get(col)
                    if value is not None and value != first.values[col]:
                        check.add(r.number, col, _("{kind} {number} has {column} {first} on row {row}, not {value}").format(
                            kind=self.number_col, number=number, column=col, first=first.values[col],
                            row=first.number, value=value))
        busy = self.busy_orders(list(orders))
        for number, reason in busy.items():
            check.add(orders[number][0].number, self.number_col,
                      _("{number} already exists and {reason}; it cannot be replaced by an import").format(
                          number=number, reason=reason))
        return orders

    def same_on_every_line(self, present):
        return [self.party_col]

    def write(self, orders, present, result, progress, ctx):
        parties = code_map(self.party_model)
        items = {sku: (iid, cost, price, decimals) for sku, iid, cost, price, decimals in
                 Item.select(Item.sku, Item.id, Item.unit_cost, Item.unit_price, Item.decimals).tuples()}
        existing = dict(self.order_model.select(self.order_model.number, self.order_model.id).tuples())
        result.details.append(ngettext("{n} order", "{n} orders", len(orders)).format(n=len(orders)))
        lines_out = []
        total = len(orders)
        for done, (number, lines) in enumerate(orders.items(), 1):
            header = self.header_fields(lines, parties, ctx)
            if number in existing:
                order_id = existing[number]
                self.line_model.delete().where(self.line_fk() == order_id).execute()
                self.order_model.update(**header).where(self.order_model.id == order_id).execute()
                result.updated += len(lines)
            else:
                order_id = self.order_model.insert(number=number, **header).execute()
                result.created += len(lines)
            for line_no, row in enumerate(lines, 1):
                lines_out.append(self.line_fields(order_id, line_no, row, items))
            if done % 200 == 0:
                progress("writing", done, total)
        for chunk in chunks(lines_out):
            self.line_model.insert_many(chunk).execute()
        progress("writing", total, total)


class PurchaseOrdersImport(OrdersImport):
    kind = "purchase-orders"
    number_col, party_col = "po", "supplier"
    order_model, line_model, party_model = PurchaseOrder, PurchaseOrderLine, Supplier
    unknown_party = N_("unknown supplier {code!r}")

    def busy_orders(self, numbers):
        busy = {}
        for chunk in chunks(numbers):
            for po in PurchaseOrder.select().where(PurchaseOrder.number.in_(chunk)):
                touched = (PurchaseOrderLine.select()
                           .where(PurchaseOrderLine.po == po.id,
                                  (PurchaseOrderLine.qty_received > 0) | (PurchaseOrderLine.qty_rejected > 0))
                           .exists())
                if touched:
                    busy[po.number] = _("has receipts")
                elif po.status not in ("open", "draft"):
                    busy[po.number] = _("is {status}").format(status=po.status)
        return busy

    def line_fk(self):
        return PurchaseOrderLine.po

    def header_fields(self, lines, parties, ctx):
        dates = [r.values.get("expected_date") for r in lines if r.values.get("expected_date")]
        return {"supplier": parties[lines[0].values["supplier"]], "status": "open",
                "expected_date": min(dates) if dates else None, "created_by": ctx["operator"]}

    def line_fields(self, order_id, line_no, row, items):
        v = row.values
        iid, cost, _unused, decimals = items[v["sku"]]
        unit = v.get("unit_row")
        default = unit.purchase_price if unit is not None and unit.purchase_price is not None else \
            _unit_price(cost, unit, decimals)
        return {"po": order_id, "line_no": line_no, "item": iid, "qty_ordered": v["qty"],
                "unit": unit.id if unit is not None else None,
                "unit_cost": v["unit_cost"] if v.get("unit_cost") is not None else default,
                "expected_date": v.get("expected_date"), "status": "open"}


class SalesOrdersImport(OrdersImport):
    kind = "sales-orders"
    number_col, party_col = "so", "customer"
    order_model, line_model, party_model = SalesOrder, SalesOrderLine, Customer
    unknown_party = N_("unknown customer {code!r}")

    def same_on_every_line(self, present):
        return ["customer", "due_date", "priority"]

    def busy_orders(self, numbers):
        busy = {}
        for chunk in chunks(numbers):
            for so in SalesOrder.select().where(SalesOrder.number.in_(chunk)):
                touched = (SalesOrderLine.select()
                           .where(SalesOrderLine.so == so.id,
                                  (SalesOrderLine.qty_picked > 0) | (SalesOrderLine.qty_shipped > 0))
                           .exists())
                if touched:
                    busy[so.number] = _("has picks")
                elif so.status != "open" or so.assigned_station:
                    busy[so.number] = (_("is being picked") if so.assigned_station
                                       else _("is {status}").format(status=so.status))
        return busy

    def line_fk(self):
        return SalesOrderLine.so

    def header_fields(self, lines, parties, ctx):
        due = next((r.values["due_date"] for r in lines if r.values.get("due_date")), None)
        priority = next((r.values["priority"] for r in lines if r.values.get("priority")), 5)
        return {"customer": parties[lines[0].values["customer"]], "status": "open",
                "due_date": due, "priority": priority}

    def line_fields(self, order_id, line_no, row, items):
        v = row.values
        iid, _unused, price, decimals = items[v["sku"]]
        unit = v.get("unit_row")
        default = unit.sales_price if unit is not None and unit.sales_price is not None else \
            _unit_price(price, unit, decimals)
        return {"so": order_id, "line_no": line_no, "item": iid, "qty_ordered": v["qty"],
                "unit": unit.id if unit is not None else None,
                "unit_price": v["unit_price"] if v.get("unit_price") is not None else default}

