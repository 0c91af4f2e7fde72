"""Receive goods against a purchase order.

States:
    choose    scan a PO number, or type the number of one in the list (earliest expected first)
    items     each item scan receives that barcode's pack quantity (GS1 count × pack);
              F3 types a quantity for the next scan; F4 rejects the next scan with a reason
    qty       typing the quantity for the next item scan
    reason    choosing the reject reason
    measure   a measured item (kg, m) scanned without its measure: typing it
    lot       asking the lot of a lot-tracked item the scan did not carry
    expiry    asking the expiry of a new lot of an expiry-tracked item
    refused   the lot is expired or short-dated: 1 a supervisor overrides (badge, PIN, reason),
              2 reject it to quarantine (EXPIRED), Esc drops the scan
    override  the supervisor's answers (terminal/flows/override.py)
    close     F10/CMD-DONE with goods outstanding: backorder, cancel the rest, or keep open
    after     put the goods away now, or leave them on the dock
"""
from __future__ import annotations

from gettext import gettext as _

from contextlib import nullcontext
from dataclasses import dataclass

from db.core.text import plural

from .base import (QTY_KEY, DONE_KEY, UNDO_KEY, Feedback, Flow, FlowKey, Table, expect_item, parse_date, listed, parse_qty,
                   result, scan_warnings, status_text)
from terminal.i18n import N_

from .quantity import check_number, in_line_unit, is_plain, measure_prompt, scan_quantity, shown, typed_text

REJECT_KEY = FlowKey("f4", "reject", N_("Reject"), N_("reject the next item scan, with a reason (goes to quarantine)"))


@dataclass
class Pending:
    """An item scan waiting for its lot or expiry before it can post."""
    sku: str
    name: str
    qty: int
    reject: bool
    lot: str | None
    expiry: object
    key: str
    warnings: list[str]


@dataclass
class _Dropped:
    sku: str


class ReceivingFlow(Flow):
    title = N_("Receive")

    @property
    def keys(self) -> tuple[FlowKey, ...]:
        # Quantity, Reject and Done act on a purchase order: not offered on the list of them.
        if self.state in ("choose", "refused", "override"):
            return (UNDO_KEY,)
        return (QTY_KEY, REJECT_KEY, UNDO_KEY, DONE_KEY)

    def __init__(self, session, po: str | None = None):
        super().__init__(session)
        self.state = "choose"
        self.po = None                 # the PurchaseOrder
        self.lines: list = []          # its lines, refreshed after each posting
        self.open_pos: list = []
        self.qty: str | None = None    # typed quantity for the next scan, read against its item
        self.measuring = None          # (scan, key) of a measured item waiting for its measure
        self.reject_reason: str | None = None
        self.reasons: list = []
        self.pending: Pending | None = None
        self.dock: str | None = None
        self.received_any = False
        self.last_sku: str | None = None   # highlighted in the table
        self.override = None               # the supervisor's override being asked
        self._first_po = po

    # --- start and the PO list -------------------------------------------------------------

    def start(self):
        if self._first_po:
            return self.choose_po(self._first_po)
        return self.show_list()

    def show_list(self, feedback: Feedback | None = None):
        from db import purchasing
        self.open_pos = self.call(purchasing.open_purchase_orders, self.session.warehouse)
        self.state, self.entry, self.po = "choose", "choice", None
        self.choices, self.info = listed(
            self.open_pos, lambda p: _("{number:<12} {supplier:<10} expected {date}  {status}").format(
                number=p.number, supplier=p.supplier.code, date=p.expected_date or '-', status=status_text(p.status)),
            N_("open"), N_("a PO number"), self.list_limit())
        self.prompt = (_('Scan a PO number, or type its number in the list and press Enter')
                       if self.open_pos else _('No open purchase orders. Scan a PO number, or Esc to go back'))
        return feedback

    def choose_po(self, number: str) -> Feedback:
        from db.masterdata.lookup import get_po
        po = self.call(get_po, number.strip())
        if po.status not in ("open", "partial", "received"):
            return Feedback.error(_('purchase order {number} is {status}: expected an open one').format(
                                      number=po.number, status=status_text(po.status)))
        self.po = po
        self.choices = []
        self.reload()
        self.to_items()
        return Feedback.ok(_('{number} from {value}: {count}').format(
                               number=po.number, value=po.supplier.name or po.supplier.code,
                               count=plural(len(self.lines), 'line')))

    def reload(self) -> None:
        from db.purchasing.receiving import po_lines_with_items, po_with_supplier
        po_id = self.po.id
        self.po = self.call(po_with_supplier, po_id)
        self.lines = self.call(po_lines_with_items, po_id)

    def to_items(self) -> None:
        self.state, self.entry = "items", "scan"
        if self.reject_reason:
            self.prompt = _('Scan the REJECTED item for {number} (reason {reject_reason})').format(
                              number=self.po.number, reject_reason=self.reject_reason)
        elif self.qty:
            self.prompt = _('Scan the item to receive {count} for {number}').format(
                              count=typed_text(self.qty), number=self.po.number)
        else:
            self.prompt = _('Scan an item for {number}').format(number=self.po.number)
        self.info = [_("F3 quantity · F4 reject · F10 finish   Dock: {dock}").format(dock=self.dock_code())]

    def dock_code(self) -> str:
        if self.dock is None:
            from db.masterdata.lookup import warehouse_location
            configured = self.session.cfg.get("receiving.default_dock")
            self.dock = configured or self.call(warehouse_location, self.session.warehouse, "receiving").code
        return self.dock

    def heading(self) -> str:
        if self.po is None or self.state == "choose":
            return _("Receive")
        return _("Receive · {number} · {supplier}").format(
            number=self.po.number, supplier=self.po.supplier.name or self.po.supplier.code)

    def table(self):
        if self.po is None or self.state == "choose":
            return None
        # Ordered and open in the line's own unit (5 箱; 2 箱 + 21 瓶), what came in base units
        # (51 瓶; each scan's message says both); the Rejected column only once something was.
        rejects = any(l.qty_rejected for l in self.lines)
        rows = [[l.line_no, l.item.sku, l.item.name, in_line_unit(l.qty_ordered, l), shown(l.qty_received, l.item),
                 *([shown(l.qty_rejected, l.item)] if rejects else []),
                 in_line_unit(max(0, l.qty_ordered - l.qty_received - l.qty_rejected), l)] for l in self.lines]
        sku = self.pending.sku if self.pending else self.last_sku
        current = next((i for i, l in enumerate(self.lines) if l.item.sku == sku), None) if sku else None
        columns = [N_("#"), N_("SKU"), N_("Name"), N_("Ordered"), N_("Recvd"), *([N_("Rejected")] if rejects else []),
                   N_("Open")]
        return Table(columns, rows, current)

    # --- inputs ------------------------------------------------------------------------------

    def on_scan(self, scan, key=None) -> Feedback:
        if self.state == "choose":
            number = getattr(scan, "order_number", None) or scan.raw
            return self.choose_po(number)
        if self.state == "lot" and self.pending:
            if getattr(scan, "kind", None) in ("gs1",) and scan.lot:
                return self.on_text(scan.lot, key)
            return self.on_text(scan.raw, key)
        if self.state == "reason":
            return self.choose_reason(scan.raw)   # reason codes printed on a sheet
        if self.state == "expiry" and self.pending:
            # A date scanned off the carton label: a GS1 (17)/(15) or plain text.
            expiry = getattr(scan, "expiry", None)
            return self.on_text(expiry.isoformat() if expiry else scan.raw, key)
        if self.state in ("qty", "measure"):
            return self.on_text(scan.raw, key)
        if self.state == "override" and self.override.step == "badge":
            return self.on_text(getattr(scan, "operator", None) or scan.raw, key)
        if self.state not in ("items",):
            return Feedback.error(_('{prompt} first (a scan does not answer it)').format(prompt=self.prompt))
        d = expect_item(scan, _("an item of {number}").format(number=self.po.number))
        return self.receive_scan(d, key)

    def receive_scan(self, d, key, qty: int | None = None) -> Feedback:
        from db import purchasing
        from db.masterdata.lookup import get_item
        item = self.call(get_item, d.sku)
        qty = qty if qty is not None else scan_quantity(self.qty, d, item)
        if qty is None:
            self.measuring = (d, key)
            self.state, self.entry = "measure", "qty"
            self.prompt = measure_prompt(item)
            return Feedback.info(_('{sku}: type its measure').format(sku=item.sku))
        self.measuring = None
        # Check first, ask second: an item not on the PO, or a case that would over-receive,
        # is refused before the lot and expiry are asked for.
        self.call(purchasing.check_receivable, self.po.number, item.sku, qty,
                  tolerance_pct=self.session.cfg.get("receiving.over_receipt_tolerance_pct"))
        p = Pending(sku=item.sku, name=item.name, qty=qty, reject=bool(self.reject_reason), lot=d.lot,
                    expiry=d.expiry, key=key, warnings=scan_warnings(d))
        if item.lot_tracked and not p.lot:
            self.pending = p
            self.state, self.entry = "lot", "lot"
            self.prompt = _('Scan or type the lot of {sku} {name} ({count})').format(
                              sku=item.sku, name=item.name,
                              count=plural(qty, 'unit') if is_plain(item) else shown(qty, item))
            return Feedback.info(_('{sku}: lot needed').format(sku=item.sku))
        if item.expiry_tracked and p.expiry is None and not self._lot_has_expiry(item, p.lot):
            self.pending = p
            self.state, self.entry = "expiry", "expiry"
            self.prompt = _('Type the expiry date of {sku} lot {lot} (YYYY-MM-DD)').format(
                              sku=item.sku, lot=p.lot)
            return Feedback.info(_('{sku} lot {lot}: expiry date needed').format(sku=item.sku, lot=p.lot))
        return self.post(p)

    def _lot_has_expiry(self, item, lot: str | None) -> bool:
        from db.masterdata import find_lot
        if not lot:
            return False
        known = self.call(find_lot, item, lot)
        return known is not None and known.expiry is not None

    def post(self, p: Pending) -> Feedback:
        from db import inventory, purchasing
        from db.masterdata.lookup import get_item
        cfg = self.session.cfg
        if not p.reject and self.override is None:
            item = self.call(get_item, p.sku)
            problem = self.call(inventory.receipt_problem, item, p.lot, self.call(inventory.lot_expiry, item, p.lot, p.expiry))
            if problem:
                return self.refuse(p, problem)
        ov = self.override if self.override is not None and self.override.done else None
        with (ov.pin_scope() if ov else nullcontext()):
            res = self.call(purchasing.receive, self.po.number, p.sku, 0 if p.reject else p.qty,
                            reject=p.qty if p.reject else 0, reason=self.reject_reason if p.reject else None,
                            lot=p.lot, expiry=p.expiry, location=self.dock_code(),
                            operator=self.operator, station=self.station,
                            tolerance_pct=cfg.get("receiving.over_receipt_tolerance_pct"), key=p.key,
                            override_by=ov.supervisor if ov else None, override_reason=ov.reason if ov else None)
        self.override = None
        # Accepted by the store: now the flow moves on.
        self.pending = None
        self.qty = None
        reason = self.reject_reason
        self.reject_reason = None
        self.received_any = True
        self.last_sku = p.sku
        self.reload()
        self.to_items()
        lot = _(" lot {lot}").format(lot=p.lot) if p.lot else ""
        line = res.po_line
        qty = shown(p.qty, line.item, line) if line is not None else p.qty
        if p.reject:
            msg = _("rejected {qty} × {sku}{lot} → quarantine ({reason})").format(
                qty=qty, sku=p.sku, lot=lot, reason=reason)
        else:
            msg = _("received {qty} × {sku}{lot} → {dock}").format(qty=qty, sku=p.sku, lot=lot, dock=self.dock_code())
        if ov:
            msg += _(" (override by {supervisor}: {reason})").format(supervisor=ov.supervisor, reason=ov.reason)
        if line is not None:
            msg += _("; line {line_no}: {done} of {ordered}").format(
                line_no=line.line_no, done=shown(line.qty_received + line.qty_rejected, line.item, line),
                ordered=shown(line.qty_ordered, line.item, line))
        return result([msg], list(res.warnings) + p.warnings)

    # --- an expired or short-dated lot ---------------------------------------------------------

    def refuse(self, p: Pending, problem: str) -> Feedback:
        self.pending = p
        self.state, self.entry = "refused", "choice"
        self.prompt = _('{sku} lot {lot} is refused. Type 1 or 2, or Esc to drop the scan').format(
                          sku=p.sku, lot=p.lot)
        self.choices = [_("Supervisor override (badge, PIN, reason): receive it"), _("Reject it to quarantine (EXPIRED)")]
        self.info = []
        return Feedback.error(_('receipt refused: {problem}').format(problem=problem))

    def on_refused(self, t: str) -> Feedback | None:
        from .override import Override
        if t == "1":
            self.override = Override(self, f"receive {self.pending.qty} × {self.pending.sku} lot {self.pending.lot}")
            self.override.start()
            self.choices = []
            return self.ask_override()
        if t == "2":
            self.pending.reject = True
            self.reject_reason = "EXPIRED"
            self.choices = []
            return self._post_pending()
        return Feedback.error(_('type 1 or 2, typed {t!r}').format(t=t))

    def ask_override(self) -> Feedback | None:
        self.state, self.entry = "override", self.override.entry
        self.prompt = self.override.prompt()
        return None

    def on_override(self, text: str) -> Feedback | None:
        fb = self.override.answer(text)
        if fb is not None:
            return fb
        if not self.override.done:
            return self.ask_override()
        return self._post_pending()

    def on_text(self, text: str, key=None) -> Feedback:
        if self.state == "refused" and self.pending:
            return self.on_refused(text.strip())
        if self.state == "override" and self.pending:
            return self.on_override(text)
        if self.state == "choose":
            t = text.strip()
            if t.isdecimal() and 1 <= int(t) <= len(self.choices):
                return self.choose_po(self.open_pos[int(t) - 1].number)
            return self.choose_po(t)
        if self.state == "qty":
            self.qty = check_number(text)
            self.to_items()
            return Feedback.info(_('next item scan receives {count}').format(count=typed_text(self.qty)))
        if self.state == "measure" and self.measuring:
            from db.masterdata.lookup import get_item
            d, scan_key = self.measuring
            qty = parse_qty(text, item=self.call(get_item, d.sku))
            try:
                return self.receive_scan(d, scan_key, qty)
            except Exception:
                # Refused (not on the PO, over-receipt): the scan is dropped, as after a lot.
                self.measuring = None
                self.to_items()
                raise
        if self.state == "reason":
            return self.choose_reason(text)
        if self.state == "lot" and self.pending:
            lot = text.strip()
            if not lot:
                return Feedback.error(_('type the lot, or Esc to drop this scan'))
            from db.masterdata.lookup import get_item
            item = self.call(get_item, self.pending.sku)
            self.pending.lot = lot
            if item.expiry_tracked and self.pending.expiry is None and not self._lot_has_expiry(item, lot):
                self.state, self.entry = "expiry", "expiry"
                self.prompt = _('Type the expiry date of {sku} lot {lot} (YYYY-MM-DD)').format(
                                  sku=item.sku, lot=lot)
                return Feedback.info(_('{sku} lot {lot}: expiry date needed').format(sku=item.sku, lot=lot))
            return self._post_pending()
        if self.state == "expiry" and self.pending:
            self.pending.expiry = parse_date(text, N_("expiry date"))
            return self._post_pending()
        if self.state in ("close", "after"):
            return self.on_choice(text.strip())
        return super().on_text(text, key)

    def _post_pending(self) -> Feedback:
        p = self.pending
        try:
            return self.post(p)
        except Exception:
            # Refused: the scan is dropped (the error says why); the flow goes back to items.
            self.pending, self.override = None, None
            self.to_items()
            raise

    def on_action(self, name, value=None, key=None) -> Feedback:
        if name == "undo":
            return self.undo(key)
        if self.state == "choose":
            if name == "enter" and self.open_pos:
                return self.choose_po(self.open_pos[0].number)
            return Feedback.error(_('choose a purchase order first'))
        if name == "qty" and self.state == "items":
            self.state, self.entry = "qty", "qty"
            self.prompt = _('Type the quantity for the next item scan in its unit (12.5, or 2 箱 + 3 瓶), '
                            'then press Enter')
            return None
        if name == "reject" and self.state == "items":
            return self.ask_reason()
        if name == "done":
            return self.finish()
        if name == "enter":
            return None
        return Feedback.error(_('{upper} does nothing here; {prompt}').format(
                                  upper=name.upper(), prompt=self.prompt))

    # --- rejects -------------------------------------------------------------------------------

    def ask_reason(self) -> Feedback | None:
        from db.masterdata import reason_codes
        self.reasons = self.call(reason_codes, "reject")
        self.state, self.entry = "reason", "reason"
        self.choices = [f"{r.code:<12} {r.description}" for r in self.reasons]
        self.prompt = _('Why are the goods rejected? Type the number or the reason code')
        return None

    def choose_reason(self, text: str) -> Feedback:
        t = text.strip()
        chosen = None
        if t.isdecimal() and 1 <= int(t) <= len(self.reasons):
            chosen = self.reasons[int(t) - 1]
        else:
            chosen = next((r for r in self.reasons if r.code.upper() == t.upper()), None)
        if chosen is None:
            return Feedback.error(_('unknown reject reason {t!r}: expected one of ').format(t=t)
                                  + ", ".join(r.code for r in self.reasons))
        self.reject_reason = chosen.code
        self.choices = []
        self.to_items()
        return Feedback.info(_('next item scan is rejected: {code}').format(code=chosen.code))

    # --- finishing -------------------------------------------------------------------------------

    def outstanding(self) -> int:
        return sum(max(0, l.qty_ordered - l.qty_received - l.qty_rejected) for l in self.lines)

    def outstanding_text(self) -> str:
        """What is still open: `24 units` when every line counts plain units; else its lines,
        as kilograms and cases do not add up."""
        if all(is_plain(l.item, l) for l in self.lines):
            return plural(self.outstanding(), 'unit')
        return plural(sum(1 for l in self.lines if l.qty_ordered > l.qty_received + l.qty_rejected), 'line')

    def finish(self) -> Feedback | None:
        if self.state == "choose":
            return Feedback.error(_('choose a purchase order first'))
        self.pending, self.qty, self.reject_reason = None, None, None
        self.reload()
        rest = self.outstanding()
        if rest:
            self.state, self.entry = "close", "choice"
            self.prompt = _('{number} still has {count} open. What now? Type 1, 2 or 3').format(
                              number=self.po.number, count=self.outstanding_text())
            self.choices = [_("Close it, the rest on a backorder"), _("Close it, cancel the rest"),
                            _("Keep it open (more will come)")]
            return None
        from db import purchasing
        self.call(purchasing.close_po, self.po.number, backorder=False, operator=self.operator,
                  station=self.station)
        return self.ask_after(_('{number} fully received and closed').format(number=self.po.number))

    def ask_after(self, message: str) -> Feedback:
        self.state, self.entry = "after", "choice"
        self.prompt = _('Goods are on {dock_code}. Type 1 or 2').format(dock_code=self.dock_code())
        self.choices = [_("Put away now"), _("Leave them on the dock")]
        self.closed_message = message
        return Feedback.ok(message)

    def on_choice(self, t: str) -> Feedback:
        from db import purchasing
        if self.state == "close":
            if t == "1":
                bo = self.call(purchasing.close_po, self.po.number, backorder=True,
                               operator=self.operator, station=self.station)
                return self.ask_after(_('{number} closed; backorder {value} holds the rest').format(
                                          number=self.po.number, value=bo.number if bo else '-'))
            if t == "2":
                self.call(purchasing.close_po, self.po.number, backorder=False,
                          operator=self.operator, station=self.station)
                return self.ask_after(_('{number} closed; the rest is cancelled').format(
                                          number=self.po.number))
            if t == "3":
                return self.ask_after(_('{number} stays open').format(number=self.po.number))
            return Feedback.error(_('type 1, 2 or 3, typed {t!r}').format(t=t))
        if t == "1":
            self.next = ("putaway", {"dock": self.dock_code()})
            return Feedback.ok(_('{closed_message}; put away from {dock_code}').format(
                                   closed_message=self.closed_message, dock_code=self.dock_code()))
        if t == "2":
            self.next = ("leave", {})
            return Feedback.ok(_('{closed_message}; goods left on {dock_code}').format(
                                   closed_message=self.closed_message, dock_code=self.dock_code()))
        return Feedback.error(_('type 1 or 2, typed {t!r}').format(t=t))

    # --- Esc and undo ----------------------------------------------------------------------------

    def back(self) -> Feedback | None:
        if self.state == "choose":
            return None
        if self.state in ("qty", "measure", "reason", "lot", "expiry", "close", "refused", "override"):
            dropped = self.pending or (_Dropped(self.measuring[0].sku) if self.measuring else None)
            self.pending, self.qty, self.reject_reason, self.override = None, None, None, None
            self.measuring = None
            self.choices = []
            self.to_items()
            what = _(" (scan of {sku} dropped)").format(sku=dropped.sku) if dropped else ""
            return Feedback.info(_('cancelled{what}').format(what=what))
        if self.state == "after":
            self.next = ("leave", {})
            return Feedback.ok(_('{closed_message}; goods left on {dock_code}').format(
                                   closed_message=self.closed_message, dock_code=self.dock_code()))
        return self.show_list(Feedback.info(_('choose another purchase order')))

    def after_undo(self, movement) -> None:
        if self.po is not None and self.state != "choose":
            self.reload()

