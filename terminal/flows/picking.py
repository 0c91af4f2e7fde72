"""Pick a sales order, directed in pick-sequence order.

States:
    choose    Enter takes the next order by priority and due date; or scan/type an SO number,
              or the number of a line in the list. Claiming is atomic in the store: another
              station never gets the same order.
    location  "Go to A-03-02 · pick 4 × SKU-100 Widget": scan the location
    item      scan the item (a wrong item or lot names what was expected and what was scanned)
    lot       the item is lot-tracked and the scan carried no lot: scan or type it
    qty       confirm: Enter picks the task's quantity, a typed number picks that many; more
              scans of the item count up and pick when the task is complete
    done      everything picked: F10 ships now, Esc goes back to the menu

CMD-SHORT (F5) asks how many were really found (Enter = none): those are picked, the rest is
recorded short, a count of that location is asked for, and the store blocks the missing units
there until it is counted. F9 right after a short takes the short back. CMD-SKIP (F6) puts the
task at the end. FEFO comes from the pick list (earliest expiry first) and is enforced by the
store, which never directs nor lets anyone pick an expired lot. Lines the warehouse cannot
serve (stock elsewhere, expired, blocked) are listed with why, under the tasks.
"""
from __future__ import annotations

from gettext import gettext as _

from db.core.text import plural

from .base import (UNDO_KEY, Feedback, Flow, FlowKey, Table, describe_scan, expect_item,
                   listed, parse_qty, scan_text)
from terminal.i18n import N_

from .quantity import is_plain, qty_prompt, shown

SHORT_KEY = FlowKey("f5", "short", N_("Short"), N_("the shelf has fewer: record a short pick, ask for a count (CMD-SHORT)"))
SKIP_KEY = FlowKey("f6", "skip", N_("Skip"), N_("do this pick last (CMD-SKIP)"))
SHIP_KEY = FlowKey("f10", "done", N_("Ship"), N_("ship the picked order now (CMD-DONE)"))
OVERRIDE_KEY = FlowKey("f4", "override", N_("Override"),
                       N_("a supervisor lets the refused order over its customer's credit limit"))


class PickingFlow(Flow):
    title = N_("Pick")

    @property
    def keys(self) -> tuple[FlowKey, ...]:
        # Only the keys that act now: Short, Skip and Ship on the order list did nothing but
        # say "choose an order first".
        if self.state == "choose":
            return (UNDO_KEY, OVERRIDE_KEY) if self.over_limit else (UNDO_KEY,)
        if self.state == "done":
            return (UNDO_KEY, SHIP_KEY)
        return (SHORT_KEY, SKIP_KEY, UNDO_KEY, SHIP_KEY)

    def __init__(self, session, so: str | None = None):
        super().__init__(session)
        self.so = None                 # the claimed SalesOrder
        self.tasks: list = []          # PickTask, in the order to do them
        self.skipped: list[tuple] = [] # task keys put at the end, in skip order
        self.gaps: list = []           # PickGap: what this warehouse cannot pick, and why
        self.lines: dict = {}          # line number -> SalesOrderLine (its item and unit)
        self.last_short = None         # the PickShortage F9 takes back, until the next posting
        self.orders: list = []
        self.counted = 0
        self.picked_any = False
        self.state = "choose"
        self._first_so = so
        # An order refused for its customer's credit limit, and the supervisor letting it
        # through (code, then PIN): db/money checks both again.
        self.over_limit: str | None = None
        self.supervisor: str | None = None

    # --- choosing and claiming an order ----------------------------------------------------

    def start(self):
        if self._first_so:
            return self.claim(self._first_so)
        return self.show_list()

    def show_list(self, feedback=None):
        from db import sales
        mine = self.call(sales.orders_in_progress, self.station)
        self.orders = mine + self.call(sales.open_sales_orders)
        # The first orders only (hundreds of lines also made opening the job slow); any order
        # can still be scanned or typed.
        self.choices, self.info = listed(
            self.orders, lambda o: _("{number:<10} {customer:<10} prio {priority} due {date}").format(
                number=o.number, customer=o.customer.code, priority=o.priority, date=o.due_date or '-')
            + (_("  (yours, in progress)") if o.status == "picking" else ""), N_("waiting"), N_("an SO number"),
            self.list_limit())
        self.state, self.entry, self.so = "choose", "choice", None
        self.prompt = (_('Press Enter for the next order, or scan an SO number, or type a list number')
                       if self.orders else _('No orders waiting. Scan an SO number, or Esc to go back'))
        return feedback

    def claim(self, number: str | None, override: str | None = None) -> Feedback:
        from db import sales
        from db.money import CreditLimitExceeded
        try:
            order = self.call(sales.next_sales_order, operator=self.operator, station=self.station,
                              so=number, warehouse=self.session.warehouse, credit_override=override)
        except CreditLimitExceeded as exc:
            self.over_limit = exc.order
            return Feedback.error(f"{exc} (F4)")
        self.over_limit = None
        self.so = order
        self.skipped = []
        self.choices = []
        self.refresh()
        self.to_task()
        cannot = _("; {lines} cannot be picked here").format(lines=plural(len(self.gaps), 'line')) if self.gaps else ""
        return Feedback.ok(_('{number} for {value}: {count}{cannot}').format(
                               number=order.number, value=order.customer.name or order.customer.code,
                               count=plural(len(self.tasks), 'pick'), cannot=cannot))

    def refresh(self) -> None:
        from db import sales
        tasks = self.call(sales.pick_list, self.so.number, warehouse=self.session.warehouse)
        self.gaps = self.call(sales.unpickable, self.so.number, warehouse=self.session.warehouse, tasks=tasks)
        # The lines, for their units: a task carries its own; a gap only its number.
        self.lines = {t.line_no: t.so_line for t in tasks}
        if any(g.line_no not in self.lines for g in self.gaps):
            self.lines = {l.line_no: l for l in self.call(sales.so_lines, self.so.id)}
        self.picked_any = self.call(lambda: any(
            l.qty_picked > l.qty_shipped for l in self.so.lines.select()))
        # One task per line × location × lot (the store may list allocated and free units of
        # the same shelf apart): one walk, one confirmation.
        merged: dict[tuple, object] = {}
        for t in tasks:
            k = self.task_key(t)
            if k in merged:
                merged[k].qty += t.qty
            else:
                merged[k] = t
        tasks = list(merged.values())
        order = {k: i for i, k in enumerate(self.skipped)}
        tasks.sort(key=lambda t: (order.get(self.task_key(t), -1), ))
        self.tasks = tasks

    @staticmethod
    def task_key(t) -> tuple:
        return (t.line_no, t.location, t.lot)

    @property
    def task(self):
        return self.tasks[0] if self.tasks else None

    def to_task(self) -> None:
        self.counted = 0
        self.entry = "scan"
        t = self.task
        if t is None:
            self.state = "done"
            if not self.picked_any:
                self.prompt = _('Nothing on {number} can be picked here. Esc goes back').format(
                                  number=self.so.number)
            elif self.gaps:
                self.prompt = _('{number}: all this warehouse can pick is picked. F10 ships it; Esc goes '
                                'back').format(number=self.so.number)
            else:
                self.prompt = _('{number} is picked. F10 ships it now; Esc goes back').format(
                                  number=self.so.number)
            self.info = self.gap_info()
            return
        self.state = "location"
        self.prompt = _('Go to {location} · pick {qty} × {sku} {name}').format(
                          location=t.location, qty=self.shown(t.qty, t), sku=t.sku, name=t.name)
        self.info = self.task_info(t) + [_("Scan the location")] + self.gap_info()

    def gap_info(self) -> list[str]:
        return [_("Cannot pick here: line {line_no} {sku} × {qty}: {why}").format(
                    line_no=g.line_no, sku=g.sku, qty=self.gap_qty(g), why=g.why) for g in self.gaps]

    def shown(self, stored: int, t):
        """STORED units of task T's line as the picker reads them: `1 箱 (24 瓶)`, `1.250 kg`."""
        return shown(stored, t.so_line.item, t.so_line)

    def gap_qty(self, g):
        line = self.lines.get(g.line_no)
        return shown(g.qty, line.item, line) if line is not None else g.qty

    def task_info(self, t) -> list[str]:
        if t.lot and t.expiry:
            lot = _("lot {lot} (expires {date})").format(lot=t.lot, date=t.expiry)
        else:
            lot = _("lot {lot}").format(lot=t.lot) if t.lot else ""
        return [_("{number} line {line_no}  {lot}").format(number=self.so.number, line_no=t.line_no, lot=lot).rstrip()]

    def heading(self) -> str:
        if self.so is None or self.state == "choose":
            return _("Pick")
        return _("Pick · {number} · {customer}").format(
            number=self.so.number, customer=self.so.customer.name or self.so.customer.code)

    def table(self):
        if self.so is None or self.state == "choose":
            return None
        rows = [[t.location, t.sku, t.name, t.lot or "", self.shown(t.qty, t)] for t in self.tasks]
        # What cannot be picked here stays on the list, marked, with why under the table.
        rows += [["(cannot)", g.sku, g.name, "", self.gap_qty(g)] for g in self.gaps]
        return Table([N_("Location"), N_("SKU"), N_("Name"), N_("Lot"), N_("Qty")], rows, 0 if self.tasks else None)

    # --- scans ------------------------------------------------------------------------------

    def on_scan(self, scan, key=None) -> Feedback:
        if self.state == "choose":
            return self.claim(getattr(scan, "order_number", None) or scan.raw)
        t = self.task
        if self.state == "location":
            if getattr(scan, "kind", None) != "location" or scan.error:
                return Feedback.error(_('wrong scan: expected location {location}, scanned {describe_scan}').format(
                                          location=t.location, describe_scan=describe_scan(scan)))
            if scan.location != t.location:
                return Feedback.error(_('wrong location: expected {location}, scanned {location2}').format(
                                          location=t.location, location2=scan.location))
            self.state = "item"
            lot = _(" lot {lot}").format(lot=t.lot) if t.lot else ""
            self.prompt = _('At {location}: scan {sku}{lot} ({qty} to pick)').format(
                              location=t.location, sku=t.sku, lot=lot, qty=self.shown(t.qty, t))
            # As many lines as at the location: the screen then repaints without a new layout.
            self.info = self.task_info(t) + [_("Scan the item")]
            return Feedback.ok(_('at {location}').format(location=t.location))
        if self.state in ("item", "qty"):
            return self.item_scan(scan, key)
        if self.state == "lot":
            lot = scan.lot if getattr(scan, "lot", None) else scan.raw
            return self.check_lot(lot, key)
        return Feedback.error(_('{prompt}; scanned {scan_text}').format(
                                  prompt=self.prompt, scan_text=scan_text(scan)))

    def item_scan(self, scan, key) -> Feedback:
        t = self.task
        if getattr(scan, "kind", None) == "location" and not scan.error:
            return Feedback.error(_('wrong scan: expected item {sku}, scanned location {location}').format(
                                      sku=t.sku, location=scan.location))
        d = expect_item(scan, _("item {sku}").format(sku=t.sku))
        if d.sku != t.sku:
            return Feedback.error(_('wrong item: expected {sku} {name}, scanned {sku2}').format(
                                      sku=t.sku, name=t.name, sku2=d.sku))
        if d.lot:
            expired = self.expired(d.sku, d.lot, getattr(d, "expiry", None))
            if expired:
                return Feedback.error(expired)
        if t.lot and d.lot and d.lot != t.lot:
            return Feedback.error(_('wrong lot: expected {lot}, scanned {lot2}').format(
                                      lot=t.lot, lot2=d.lot))
        if getattr(d, "measure_needed", False):
            # A weighed or measured item without its measure: the picker types it.
            self.ask_qty()
            return Feedback.info(_('{sku}: type its measure').format(sku=t.sku))
        if self.state == "item" and t.lot and not d.lot:
            self.counted = d.qty or 1
            self.state, self.entry = "lot", "lot"
            self.prompt = _('Scan or type the lot of {sku} on the goods (to pick: {lot})').format(
                              sku=t.sku, lot=t.lot)
            return Feedback.info(_('{sku}: confirm the lot').format(sku=t.sku))
        self.counted = (self.counted if self.state == "qty" else 0) + (d.qty or 1)
        return self.after_count(key)

    def expired(self, sku: str, lot: str, expiry=None) -> str | None:
        """"lot L expired on D" for an expired lot (the scan's date, else the store's), else None."""
        from db import inventory
        message = self.call(inventory.expired_lot, sku, lot, expiry)
        return _("{message}: it cannot be picked; leave it for quarantine").format(message=message) if message else None

    def check_lot(self, lot: str, key) -> Feedback:
        t = self.task
        lot = lot.strip()
        expired = self.expired(t.sku, lot) if lot else None
        if expired:
            return Feedback.error(expired)
        if lot != t.lot:
            return Feedback.error(_('wrong lot: expected {lot}, scanned {lot2}').format(lot=t.lot, lot2=lot))
        return self.after_count(key)

    def after_count(self, key) -> Feedback:
        t = self.task
        if self.counted > t.qty:
            counted, self.counted = self.counted, 0
            self.ask_qty()
            return Feedback.error(_('too many: {counted} × {sku} counted, the task is {qty}; type the '
                                    'quantity picked').format(counted=self.shown(counted, t), sku=t.sku,
                                                              qty=self.shown(t.qty, t)))
        if self.counted == t.qty:
            return self.do_pick(t.qty, key)
        self.ask_qty()
        return Feedback.info(_('{counted} of {qty}').format(counted=self.shown(self.counted, t),
                                                            qty=self.shown(t.qty, t)))

    def ask_qty(self) -> None:
        t = self.task
        self.state, self.entry = "qty", "qty"
        have = _("{counted} counted; ").format(counted=self.counted) if self.counted else ""
        item = t.so_line.item
        if is_plain(item, t.so_line):
            self.prompt = _('Pick {qty} × {sku}: {have}Enter confirms {qty}, or type the quantity').format(
                              qty=t.qty, sku=t.sku, have=have)
        else:
            self.prompt = _('Pick {qty} × {sku}: {have}Enter confirms {qty}, or type it. {unit}').format(
                              qty=self.shown(t.qty, t), sku=t.sku, unit=qty_prompt(item),
                              have=_("{counted} counted; ").format(counted=self.shown(self.counted, t))
                              if self.counted else "")

    def task_item(self):
        # The SO line's item, already read with the task: no store round trip per typed quantity.
        return self.task.so_line.item

    def do_pick(self, qty: int, key) -> Feedback:
        from db import sales
        t = self.task
        self.call(sales.pick, self.so.number, t.sku, qty, t.location, lot=t.lot,
                  operator=self.operator, station=self.station, key=key,
                  fefo=self.session.cfg.get("picking.fefo"))
        self.picked_any = True
        self.last_short = None
        lot = _(" lot {lot}").format(lot=t.lot) if t.lot else ""
        msg = _("picked {qty} × {sku}{lot} from {location}").format(qty=self.shown(qty, t), sku=t.sku, lot=lot,
                                                                    location=t.location)
        self.refresh()
        self.to_task()
        if self.state == "done":
            msg += _("; {number} is complete").format(number=self.so.number)
        return Feedback.ok(msg)

    # --- typing and keys ------------------------------------------------------------------------

    def on_text(self, text: str, key=None) -> Feedback:
        if self.state == "supervisor":
            return self.supervisor_code(text.strip())
        if self.state == "pin":
            return self.override(text.strip())
        if self.state == "choose":
            t = text.strip()
            if t.isdecimal() and 1 <= int(t) <= len(self.choices):
                return self.claim(self.orders[int(t) - 1].number)
            return self.claim(t)
        if self.state == "qty":
            item = self.task_item()
            qty = parse_qty(text, item=item)
            if qty > self.task.qty:
                return Feedback.error(_('too many: the task is {qty} × {sku}, typed {qty2}').format(
                                          qty=self.shown(self.task.qty, self.task), sku=self.task.sku,
                                          qty2=self.shown(qty, self.task)))
            return self.do_pick(qty, key)
        if self.state == "lot":
            return self.check_lot(text, key)
        if self.state == "short":
            return self.short(parse_qty(text, N_("quantity found"), allow_zero=True, item=self.task_item())
                              if text.strip() else 0, key)
        return super().on_text(text, key)

    def on_action(self, name, value=None, key=None) -> Feedback:
        if name == "undo":
            if self.last_short is not None:
                return self.undo_short()
            return self.undo(key)
        if self.state == "choose" and name == "override" and self.over_limit:
            self.state, self.entry = "supervisor", "operator"
            self.prompt = f"Supervisor: scan your badge or type your code to let {self.over_limit} over the credit limit"
            return None
        if name == "enter" and self.state == "short":
            return self.short(0, key)
        if self.state == "choose":
            if name == "enter":
                return self.claim(None)
            return Feedback.error(_('choose an order first: Enter takes the next one'))
        if name == "enter" and self.state == "qty":
            return self.do_pick(self.task.qty, key)
        if name == "short" and self.task is not None:
            return self.ask_found()
        if name == "skip" and self.task is not None:
            return self.skip()
        if name == "done":
            if self.state != "done" and not self.picked_any:
                return Feedback.error(_('nothing picked yet on {number}: pick first, or Esc to leave').format(
                                          number=self.so.number))
            self.next = ("ship", {"so": self.so.number, "from_pick": True})
            return Feedback.ok(_('{number}: to shipping').format(number=self.so.number))
        if name == "enter":
            return None
        return Feedback.error(_('{upper} does nothing here; {prompt}').format(
                                  upper=name.upper(), prompt=self.prompt))

    def supervisor_code(self, code: str) -> Feedback | None:
        from db.masterdata import security
        op = self.call(security.get_operator, code)
        if not op.is_supervisor:
            self.show_list()
            return Feedback.error(f"operator {op.code} is a {op.role}: only a supervisor may override a credit limit")
        self.supervisor = op.code
        if op.pin_hash and security.settings()["require_pin"]:
            self.state, self.entry = "pin", "pin"
            self.prompt = f"Supervisor {op.code}: type your PIN, then Enter"
            return None
        return self.override("")

    def override(self, pin: str) -> Feedback:
        from db.masterdata import security
        number, who = self.over_limit, self.supervisor
        with security.pin_source(lambda code: pin if code == who else None):
            try:
                return self.claim(number, override=who)
            finally:
                self.supervisor = None
                if self.so is None:
                    self.show_list()

    def ask_found(self) -> None:
        t = self.task
        self.state, self.entry = "short", "qty"
        self.prompt = (_('Short at {location}: how many of the {qty} × {sku} did you find? Type the number, '
                         'Enter = none').format(location=t.location, qty=self.shown(t.qty, t), sku=t.sku))
        self.info = self.task_info(t) + [_("The rest is recorded missing; Esc goes back to the task")]
        return None

    def short(self, found: int, key) -> Feedback:
        """FOUND of the task's units were on the shelf: pick them, record the rest short."""
        from db import sales
        from db.counts import request_count
        t = self.task
        if found >= t.qty:
            return Feedback.error(_('found {found} of {qty}: that is no short; Esc, then scan the items').format(
                                      found=self.shown(found, t), qty=self.shown(t.qty, t)))
        picked = ""
        if found:
            self.call(sales.pick, self.so.number, t.sku, found, t.location, lot=t.lot,
                      operator=self.operator, station=self.station, key=key,
                      fefo=self.session.cfg.get("picking.fefo"))
            picked = _("picked {qty}, ").format(qty=self.shown(found, t))
        missing = t.qty - found
        shortage = self.call(sales.short_pick, self.so.number, t.sku, t.location, missing,
                             operator=self.operator, station=self.station)
        task = self.call(request_count, t.location, operator=self.operator, station=self.station,
                         reason="short", item=t.sku)
        self.last_short = shortage
        self.refresh()
        self.to_task()
        return Feedback.warn(_('short at {location}: {picked}{missing} × {sku} recorded missing, blocked '
                               'there until counted (count {count_id} requested); F9 takes the short back').format(
                                 location=t.location, picked=picked, missing=self.shown(missing, t), sku=t.sku,
                                 count_id=task.count_id))

    def undo_short(self) -> Feedback:
        from db import sales
        s, self.last_short = self.last_short, None
        self.call(sales.undo_short, s.id, operator=self.operator, station=self.station)
        self.refresh()
        self.to_task()
        return Feedback.ok(_('short taken back: pick {qty_short} × {sku} at {code} again').format(
                               qty_short=shown(s.qty_short, s.item), sku=s.item.sku, code=s.location.code))

    def skip(self) -> Feedback:
        t = self.task
        k = self.task_key(t)
        if k in self.skipped:
            self.skipped.remove(k)
        self.skipped.append(k)
        self.refresh()
        self.to_task()
        return Feedback.info(_('skipped {sku} at {location}: it comes last').format(
                                 sku=t.sku, location=t.location))

    def back(self) -> Feedback | None:
        if self.state in ("supervisor", "pin"):
            self.show_list()
            return Feedback.info("no override: the order stays waiting")
        if self.state in ("item", "lot", "qty", "short"):
            self.to_task()
            return Feedback.info(_('back to the location'))
        if self.state == "choose":
            return None
        return None

    def leave(self) -> None:
        """Leaving an order untouched gives it back for others; a started one stays ours."""
        if self.so is not None and not self.picked_any and self.state != "done":
            from db import sales
            try:
                self.call(sales.release_sales_order, self.so.number, operator=self.operator,
                          station=self.station)
            except Exception:
                pass

    def after_undo(self, movement) -> None:
        if self.so is not None and self.state != "choose":
            self.refresh()
            self.to_task()

