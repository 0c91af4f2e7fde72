"""A small warehouse for the terminal's flow and app tests (master data through factories,
stock through the ledger). Numbers are chosen so each test can compute what it expects."""
from __future__ import annotations

import datetime as dt

from db.core.models import PurchaseOrder, PurchaseOrderLine, ReasonCode, SalesOrder, SalesOrderLine
from tests import factories as f

WIDGET_EAN = "4006381333931"        # SKU-100, each
WIDGET_CASE = "14006381333938"      # SKU-100, case of 12
YOG_EAN = "5901234123457"           # SKU-200, lot and expiry tracked
YOG_CASE = "15901234123454"         # SKU-200, case of 6
BOLT_EAN = "8712345678906"          # SKU-300, each


def seed(*, stock: bool = True) -> dict:
    """WH1 with a dock, a shipping bay, quarantine and storage; WH2 for transfers."""
    f.warehouse("WH1")
    f.warehouse("WH2")
    locs = {
        "DOCK-1": f.location("DOCK-1", kind="receiving", zone="DOCK", seq=1),
        "SHIP-1": f.location("SHIP-1", kind="shipping", zone="SHIP", seq=2),
        "QA-1": f.location("QA-1", kind="quarantine", zone="QA", seq=3),
        "A-01-01": f.location("A-01-01", zone="A", seq=10),
        "A-01-02": f.location("A-01-02", zone="A", seq=11),
        "A-02-01": f.location("A-02-01", zone="A", seq=12),
        "B-01-01": f.location("B-01-01", zone="B", seq=20),
        "DOCK-2": f.location("DOCK-2", kind="receiving", zone="DOCK", seq=1, wh="WH2"),
        "C-01-01": f.location("C-01-01", zone="C", seq=10, wh="WH2"),
    }
    f.supplier("SUP1")
    f.customer("CUST1")
    widget = f.item("SKU-100", "Widget", barcodes=[(WIDGET_EAN, 1), (WIDGET_CASE, 12)])
    yog = f.item("SKU-200", "Yoghurt", expiry=True, barcodes=[(YOG_EAN, 1), (YOG_CASE, 6)])
    bolt = f.item("SKU-300", "Bolt M8", barcodes=[(BOLT_EAN, 1)])
    f.operator("W1", name="Anna")
    f.operator("W2", name="Ben")
    f.operator("S1", role="supervisor", name="Sara")
    # `wh init` seeds the standard reason codes (DAMAGED, WRONG-ITEM...); make sure of one.
    ReasonCode.get_or_create(code="DAMAGED", defaults={"description": "damaged", "kind": "reject"})
    data = {"locs": locs, "widget": widget, "yog": yog, "bolt": bolt}
    if stock:
        lot_early = f.lot(yog, "L17", "2030-06-30")
        lot_late = f.lot(yog, "L42", "2031-01-15")
        f.give_stock(widget, locs["A-01-01"], 50)
        f.give_stock(yog, locs["A-01-02"], 10, lot_early)
        f.give_stock(yog, locs["A-02-01"], 20, lot_late)
        f.give_stock(bolt, locs["B-01-01"], 3)
        data.update(lot_early=lot_early, lot_late=lot_late)
    return data


def purchase_order(number="PO-1042", lines=(("SKU-100", 24), ("SKU-200", 12)), expected=None,
                   supplier="SUP1"):
    from db.core.models import Item
    po = PurchaseOrder.create(number=number, supplier=f.supplier(supplier),
                              expected_date=expected or dt.date(2030, 1, 10))
    for n, (sku, qty) in enumerate(lines, 1):
        PurchaseOrderLine.create(po=po, line_no=n, item=Item.get(Item.sku == sku), qty_ordered=qty,
                                 unit_cost=2)
    return po


def sales_order(number="SO-77", lines=(("SKU-200", 12), ("SKU-300", 5)), priority=5, due=None):
    from db.core.models import Item
    so = SalesOrder.create(number=number, customer=f.customer("CUST1"), priority=priority,
                           due_date=due or dt.date(2030, 2, 1))
    for n, (sku, qty) in enumerate(lines, 1):
        SalesOrderLine.create(so=so, line_no=n, item=Item.get(Item.sku == sku), qty_ordered=qty,
                              unit_price=5)
    return so


def session(url: str, operator: str = "W1", station: str = "ST-01"):
    """A station session on URL with OPERATOR logged in (their name and role from the store)."""
    from db.masterdata.security import get_operator
    from terminal import config
    from terminal.session import Session
    cfg = config.load(None, url)
    cfg.values["station"]["id"] = station
    cfg.values["database"]["retry_delay_ms"] = 10
    s = Session.from_config(cfg)
    op = get_operator(operator)
    s.login(op.code, op.name, op.role)
    return s


def with_alerts_and_sales(data: dict) -> dict:
    """The dashboard's numbers: SKU-300 (3 on hand) below its reorder point 10 (max 40, from
    SUP1); SKU-100 (50) above its max 30; 10 widgets sold at 5.00, 4 five days ago and 6 two."""
    from db.core.models import Item
    from db.reports.common import today
    from tests import reports_data as r
    Item.update(reorder_point=10, max_qty=40, preferred_supplier=f.supplier("SUP1")).where(
        Item.sku == "SKU-300").execute()
    Item.update(reorder_point=10, max_qty=30, unit_cost=2).where(Item.sku == "SKU-100").execute()
    ship = f.location("SHIP-9", kind="shipping", zone="SHIP")
    _, (line,) = r.so("SO-9", f.customer("CUST1"), [(data["widget"], 10, "5.00")],
                      created=r.at(today() - dt.timedelta(days=6)), status="shipped")
    r.ship(line, 4, r.at(today() - dt.timedelta(days=5)), ship)
    r.ship(line, 6, r.at(today() - dt.timedelta(days=2)), ship)
    return data


class HeadlessUI:
    """The station's UI side without a screen: records what a screen would show."""

    def __init__(self, flow):
        self.flows = [flow]
        self.shown = []
        self.targets = []
        self.store = []

    def current_flow(self):
        return self.flows[-1] if self.flows else None

    def navigate(self, flow, target):
        self.targets.append(target)
        name, args = target
        if name == "leave":
            self.flows.pop()
        elif name in ("putaway", "receive", "pick", "ship", "transfer", "lookup"):
            from terminal.flows.jobs import make_flow
            new = make_flow(name, flow.session, **args)
            new.start()
            self.flows[-1] = new

    def show(self, feedback, view):
        self.shown.append((feedback, view))

    def waiting(self, count):
        pass

    def store_status(self, text):
        self.store.append(text)


class FlowDriver:
    """Drive a flow through the real Station queue and decoder, one input at a time."""

    def __init__(self, url: str, flow_cls, operator: str = "W1", station: str = "ST-01", **args):
        from terminal.resolver import make_decoder
        from terminal.station import Station
        self.session = session(url, operator, station)
        cfg = self.session.cfg
        self.flow = flow_cls(self.session, **args)
        self.start_feedback = self.flow.start()
        self.ui = HeadlessUI(self.flow)
        self.station = Station(self.session, make_decoder(cfg), self.ui, retry_pause_s=0.05)
        self.station.start()

    @property
    def current(self):
        return self.ui.current_flow()

    def _run(self, submit):
        before = len(self.ui.shown)
        submit()
        assert self.station.wait_idle(20), "station did not finish"
        feedback = self.ui.shown[-1][0] if len(self.ui.shown) > before else None
        if self.station.blocked is not None:
            self.station.acknowledge()
        return feedback

    def scan(self, text):
        from devices.scan import make_scan, unescape_gs
        return self._run(lambda: self.station.submit_scan(make_scan(unescape_gs(text), "test")))

    def type(self, text):
        return self._run(lambda: self.station.submit_text(text))

    def key(self, name, value=None):
        return self._run(lambda: self.station.submit_action(name, value))

    def close(self):
        self.station.stop()
