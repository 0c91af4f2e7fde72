"""Count a location: scan the location, then everything on it, then CMD-DONE.

States:
    location  "Scan a location to count": the table lists the locations waiting for a count or
              a recount (recounts this operator may not make are left out)
    count     scan items: each scan adds its pack quantity (or the GS1 count it carries);
              F3 types the quantity for the next item scan (as in Receive and Transfer: one
              meaning everywhere); F6 records an empty location;
              F9 (CMD-UNDO) removes the last scan; F10 (CMD-DONE) submits
    lot       the item is lot-tracked and the scan carried no lot: type or scan it
              (Enter alone takes the lot used last for that item)
    expiry    a lot the store has never seen, of an expiry-tracked item: type its expiry
    qty       type the quantity the next item scan counts (instead of its pack quantity)

Blind by default ([count] blind, saved on the plan): the counter sees their own tally, never
what the books say. Nothing is posted while counting: the tally is kept in the flow and the
store snapshots the books when the location is submitted (db.counts.submit_count). A barcode
the store does not know is kept as found goods for the supervisor. Recounts take only the
items that need one; other items scanned meanwhile are refused with a warning.
"""
from __future__ import annotations

from gettext import gettext as _

from db.core.text import plural

from .base import (DONE_KEY, ITEM_KINDS, Feedback, Flow, FlowKey, Table, describe_scan, parse_date, parse_qty,
                   scan_text, scan_warnings)
from terminal.i18n import N_

from .quantity import adds_up, check_number, measure_prompt, shown, signed, total_text, typed_text

QTY_KEY = FlowKey("f3", "qty", N_("Qty"), N_("type the quantity for the next item scan"))
EMPTY_KEY = FlowKey("f6", "empty", N_("Empty"), N_("the location is empty: submit it with nothing on it"))
REMOVE_KEY = FlowKey("f9", "undo", N_("Remove"), N_("remove the last scan (also CMD-UNDO); nothing was posted"))
LIST_ROWS = 10


SUBMIT_KEY = FlowKey(DONE_KEY.key, "done", N_("Submit"), N_("submit the count of this location (also CMD-DONE)"))


class CountingFlow(Flow):
    title = N_("Count")
    keys = (QTY_KEY, EMPTY_KEY, REMOVE_KEY, SUBMIT_KEY)

    def rows_shown(self) -> int:
        """Table rows that fit the screen with the table's header and the info line."""
        return min(LIST_ROWS, self.list_limit() - 2)

    def __init__(self, session, count_id: int | None = None, location: str | None = None):
        super().__init__(session)
        self.count_id = count_id
        self._first_location = location
        self.tasks: list = []
        self._reset_location()
        self.last_lot: dict[str, str] = {}
        self._answers: dict[str, Feedback] = {}
        self.to_location()

    def _reset_location(self) -> None:
        self.task = None
        self.location: str | None = None
        self.round_seen = 0
        self.recount = False
        self.blind = True
        self.scope: set[int] | None = None
        self.scope_names: list[str] = []
        self.expected: dict[tuple[str, str | None], int] = {}
        self.expected_items: dict = {}
        # (sku, lot) -> {"item", "sku", "name", "lot", "expiry", "qty"}, in scan order.
        self.tally: dict[tuple[str, str | None], dict] = {}
        self.found: dict[str, int] = {}
        # What each scan did, newest last, so F9 can take it back: ("add", key, n),
        # ("found", barcode).
        self.history: list[tuple] = []
        self.next_qty: str | None = None    # F3: the quantity of the next item scan, read against it
        self.measuring = None               # a measured item's scan waiting for its measure
        self.current: tuple[str, str | None] | None = None
        self.pending: dict | None = None
        self.escape_armed = False

    @property
    def settings(self):
        from db.counts import CountSettings
        return CountSettings.from_config(self.session.cfg)

    # --- the location ------------------------------------------------------------------------

    def start(self):
        self.refresh_tasks()
        self.to_location()
        if self._first_location:
            return self.open_location(self._first_location)
        if not self.tasks:
            return Feedback.info(_('no location is waiting for a count'))
        return None

    def refresh_tasks(self) -> None:
        from db.counts import open_tasks
        self.tasks = self.call(open_tasks, self.count_id, warehouse=self.session.warehouse or None,
                               operator=self.operator or None)
        if not self.tasks and self.session.warehouse:
            # A station whose warehouse has no locations of its own still sees every task.
            self.tasks = self.call(open_tasks, self.count_id, operator=self.operator or None)

    def to_location(self) -> None:
        self.state, self.entry = "location", "scan"
        nxt = _(" (next: {code})").format(code=self.tasks[0].location.code) if self.tasks else ""
        self.prompt = _('Scan a location to count{nxt}').format(nxt=nxt)
        self.info = ([_("{locations} waiting").format(locations=plural(len(self.tasks), 'location'))] if self.tasks
                     else [_("No location is waiting for a count. Esc goes back.")])

    def open_location(self, code: str) -> Feedback:
        from db.counts import count_scope, expected_lines, recount_blockers, task_for_location
        task = self.call(task_for_location, code, self.count_id)
        recount = task.status == "recount"
        if recount:
            blockers = self.call(recount_blockers, task)
            if self.operator in blockers:
                return Feedback.error(_('{code} needs a recount by another operator: you ({operator}) made '
                                        'the latest count there').format(code=code, operator=self.operator))
        scope = self.call(count_scope, task)
        names = []
        if scope:
            from db.masterdata import skus
            names = self.call(skus, scope)
        blind = task.count.blind
        expected = {}
        if not blind:
            expected = {(r["sku"], r["lot"]): r["expected"] for r in self.call(expected_lines, task)}
        self._reset_location()
        self.task, self.location, self.round_seen = task, task.location.code, task.rounds
        self.recount, self.scope, self.scope_names = recount, scope, names
        self.blind, self.expected = blind, expected
        # The books' items, for their units (a line the counter has not scanned yet shows too).
        from db.masterdata.lookup import get_item
        self.expected_items = {sku: self.call(get_item, sku) for sku in sorted({k[0] for k in expected})}
        self.to_count()
        what = _("recount") if recount else _("count")
        only = _(" — only {names}").format(names=", ".join(names)) if names else ""
        return Feedback.info(_('{what} {location} (count {count_id}){only}').format(
                                 what=what, location=self.location, count_id=task.count_id, only=only))

    # --- counting ----------------------------------------------------------------------------

    def to_count(self) -> None:
        self.state, self.entry = "count", "scan"
        self.pending = None
        what = _("Recount") if self.recount else _("Count")
        only = _(" ({names} only)").format(names=", ".join(self.scope_names)) if self.scope_names else ""
        self.prompt = _('{what} {location}{only}: scan every item, F10 when done').format(
                          what=what, location=self.location, only=only)
        if self.next_qty:
            self.prompt = _('{what} {location}: the next item scan counts {count}').format(
                              what=what, location=self.location, count=typed_text(self.next_qty))
        lines = plural(len(self.tally), 'line')
        so_far = (_("{units} in {lines} counted so far").format(units=self.tally_text(), lines=lines)
                  if adds_up(r["item"] for r in self.tally.values())
                  else _("{lines} counted so far").format(lines=lines))
        self.info = [so_far + ("" if self.blind else _(" · the books are shown: this count is not blind"))]
        if self.found:
            self.info.append(_("Found goods: {scans} of unknown barcodes (for the supervisor)").format(
                scans=plural(sum(self.found.values()), 'scan')))
        self.info.append(_("F3 quantity for the next scan · F6 location empty · F9 remove last scan"))

    def on_scan(self, scan, key=None) -> Feedback:
        if key and key in self._answers:
            return self._answers[key]       # the same scan again (a retry): counted once
        fb = self._on_scan(scan)
        if key:
            self._answers[key] = fb
        return fb

    def _on_scan(self, scan) -> Feedback:
        kind = getattr(scan, "kind", None)
        if self.state == "location":
            if kind == "location" and not scan.error:
                return self.open_location(scan.location)
            return Feedback.error(_('expected a location to count, scanned {describe_scan}').format(
                                      describe_scan=describe_scan(scan)))
        if kind == "location" and not scan.error:
            if scan.location == self.location:
                return Feedback.info(_('already counting {location}').format(location=self.location))
            if not self.tally and not self.found:
                return self.open_location(scan.location)
            return Feedback.error(_('you are counting {location}: F10 submits it, Esc twice abandons it; '
                                    'scanned location {location2}').format(
                                      location=self.location, location2=scan.location))
        if kind == "operator":
            return Feedback.error(_('expected an item on {location}, scanned {describe_scan}').format(
                                      location=self.location, describe_scan=describe_scan(scan)))
        if self.state == "lot":
            # A GS1 label of the same item answers the lot question, and so does a plain lot
            # barcode (a code the store does not know as anything else).
            if kind in ITEM_KINDS and getattr(scan, "sku", None) == self.pending["item"].sku and scan.lot:
                return self.take_lot(scan.lot, scan.expiry)
            if kind == "gs1" and not getattr(scan, "gtin", None) and getattr(scan, "lot", None):
                return self.take_lot(scan.lot, getattr(scan, "expiry", None))
            if kind == "unknown" and (getattr(scan, "raw", "") or "").strip():
                return self.take_lot(scan.raw.strip())
            return Feedback.error(_('expected the lot of {sku}: type it or scan its GS1 label; scanned '
                                    '{describe_scan}').format(
                                      sku=self.pending['item'].sku, describe_scan=describe_scan(scan)))
        if self.state == "expiry":
            # A date scanned off the label: GS1 (17)/(15), or plain text.
            expiry = getattr(scan, "expiry", None)
            return self._on_text(expiry.isoformat() if expiry else (getattr(scan, "raw", "") or ""))
        if self.state not in ("count", "qty"):
            return Feedback.error(_('{prompt}: a scan does not answer that; scanned {describe_scan}').format(
                                      prompt=self.prompt, describe_scan=describe_scan(scan)))
        if kind in ITEM_KINDS and getattr(scan, "sku", None):
            if scan.error:
                return Feedback.error(_('bad barcode {scan_text}: {error}').format(
                                          scan_text=scan_text(scan), error=scan.error))
            return self.take_item(scan)
        return self.take_unknown(scan)

    def take_unknown(self, scan) -> Feedback:
        """A code the store does not know: found goods. A misread (bad check digit) is an error."""
        from devices.gs1 import check_digit_error
        gtin = getattr(scan, "gtin", None)
        if gtin and check_digit_error(gtin):
            return Feedback.error(_('bad barcode {scan_text}: {check_digit_error}; scan it again').format(
                                      scan_text=scan_text(scan), check_digit_error=check_digit_error(gtin)))
        code = gtin or getattr(scan, "raw", "") or ""
        if not code.strip():
            return Feedback.error(_('an empty scan: scan the item again'))
        self.state, self.entry = "count", "scan"
        self.found[code] = self.found.get(code, 0) + 1
        self.history.append(("found", code))
        self.to_count()
        return Feedback.warn(_('unknown barcode {code}: recorded as found goods for the supervisor ({count})').format(
                                 code=code, count=plural(self.found[code], 'scan')))

    def take_item(self, scan) -> Feedback:
        from db.masterdata.lookup import get_item
        item = self.call(get_item, scan.sku)
        if self.scope is not None and item.id not in self.scope:
            only = ", ".join(self.scope_names)
            if self.recount:
                return Feedback.warn(_('{sku} is not being recounted at {location}: not counted (count only '
                                       '{only})').format(sku=item.sku, location=self.location, only=only))
            return Feedback.warn(_('{sku} is not in this count at {location}: not counted (count only '
                                   '{only})').format(sku=item.sku, location=self.location, only=only))
        if self.next_qty:
            units = parse_qty(self.next_qty, item=item)
        elif getattr(scan, "measure_needed", False):
            # Counting a weighed or measured item: its measure is typed, then this scan counts it.
            self.measuring = scan
            self.state, self.entry = "qty", "qty"
            self.prompt = measure_prompt(item)
            return Feedback.info(_('{sku}: type its measure').format(sku=item.sku))
        else:
            units = scan.qty or scan.pack_qty or 1
        lot = scan.lot if item.lot_tracked else None
        self.pending = {"item": item, "qty": units, "lot": lot, "expiry": getattr(scan, "expiry", None),
                        "warnings": scan_warnings(scan)}
        if item.lot_tracked and not lot:
            self.state, self.entry = "lot", "lot"
            last = self.last_lot.get(item.sku)
            self.prompt = (_('Lot of {sku} {name}? Type or scan it').format(sku=item.sku, name=item.name)
                           + (_(' (Enter = {last})').format(last=last) if last else ""))
            return Feedback.info(_('{sku} is lot-tracked: which lot?').format(sku=item.sku))
        if lot:
            return self.take_lot(lot, self.pending["expiry"])
        return self.add_pending()

    def take_lot(self, lot: str, expiry=None) -> Feedback:
        from db.counts import lot_needs_expiry
        from db.masterdata import find_lot
        item = self.pending["item"]
        lot = lot.strip()
        known = self.call(find_lot, item, lot)
        if known is not None and expiry is not None and known.expiry is not None and known.expiry != expiry:
            self.to_count()
            return Feedback.error(_('lot {lot} of {sku} expires {date}, the label says {date2}: check the '
                                    'label').format(
                                      lot=lot, sku=item.sku, date=known.expiry.isoformat(),
                                      date2=expiry.isoformat()))
        self.pending["lot"] = lot
        if expiry is None and self.call(lot_needs_expiry, item, lot):
            # Ask only when the store has no expiry for this lot and no other count gave one.
            same = next((r for r in self.tally.values() if r["sku"] == item.sku and r["lot"] == lot), None)
            if same is None or same["expiry"] is None:
                self.state, self.entry = "expiry", "expiry"
                self.prompt = _('Lot {lot} of {sku} is new: type its expiry date (YYYY-MM-DD)').format(
                                  lot=lot, sku=item.sku)
                return Feedback.info(_('new lot {lot}: expiry?').format(lot=lot))
            expiry = same["expiry"]
        self.pending["expiry"] = expiry
        return self.add_pending()

    def add_pending(self) -> Feedback:
        p = self.pending
        item, lot = p["item"], p["lot"]
        k = (item.sku, lot)
        row = self.tally.get(k)
        if row is None:
            row = self.tally[k] = {"item": item, "sku": item.sku, "name": item.name, "lot": lot,
                                   "expiry": p["expiry"], "qty": 0}
        elif row["expiry"] is None:
            row["expiry"] = p["expiry"]
        row["qty"] += p["qty"]
        self.next_qty = None            # F3's quantity was for this one scan
        self.history.append(("add", k, p["qty"]))
        self.current = k
        if lot:
            self.last_lot[item.sku] = lot
        warnings = p.get("warnings") or []
        self.to_count()
        lot_txt = _(" lot {lot}").format(lot=lot) if lot else ""
        msg = f"{item.sku}{lot_txt} +{shown(p['qty'], item)} = {shown(row['qty'], item)}"
        return Feedback.warn(msg + " — " + "; ".join(warnings)) if warnings else Feedback.ok(msg)

    # --- typing --------------------------------------------------------------------------------

    def on_text(self, text: str, key=None) -> Feedback:
        if key and key in self._answers:
            return self._answers[key]
        fb = self._on_text(text)
        if key:
            self._answers[key] = fb
        return fb

    def _on_text(self, text: str) -> Feedback:
        if self.state == "lot":
            lot = text.strip()
            if not lot:
                return self.on_action("enter")
            return self.take_lot(lot)
        if self.state == "expiry":
            expiry = parse_date(text, N_("expiry date"))
            if not 2000 <= expiry.year <= 2099:
                return Feedback.error(_('an expiry date must be in 2000–2099, got {date} (from {strip!r})').format(
                                          date=expiry.isoformat(), strip=text.strip()))
            return self.take_lot(self.pending["lot"], expiry)
        if self.state == "qty":
            self.next_qty = check_number(text)
            if self.measuring is not None:
                scan, self.measuring = self.measuring, None
                try:
                    return self.take_item(scan)
                finally:
                    self.next_qty = None
                    if self.state == "qty":
                        self.to_count()
            self.to_count()
            return Feedback.info(_('next item scan counts {count}').format(count=typed_text(self.next_qty)))
        return super().on_text(text, key=None)

    # --- keys ------------------------------------------------------------------------------------

    def on_action(self, name, value=None, key=None) -> Feedback | None:
        if name == "start":        # the count screen asks for its first view on the station thread
            return self.start()
        if name != "back":
            self.escape_armed = False
        if name == "enter":
            if self.state == "lot":
                last = self.last_lot.get(self.pending["item"].sku)
                if not last:
                    return Feedback.error(_('type the lot of {sku}; no lot was counted for it yet').format(
                                              sku=self.pending['item'].sku))
                return self.take_lot(last)
            return None
        if self.state == "location":
            if name in ("done", "empty", "qty", "undo"):
                return Feedback.error(_('scan a location first; {upper} needs a location being counted').format(
                                          upper=name.upper()))
            return Feedback.error(_('{upper} does nothing here; {prompt}').format(
                                      upper=name.upper(), prompt=self.prompt))
        if name == "undo":
            return self.remove_last()
        if name == "qty":
            self.state, self.entry = "qty", "qty"
            self.prompt = _('Type the quantity for the next item scan, then press Enter')
            return None
        if name == "empty":
            if self.tally or self.found:
                return Feedback.error(_('you counted {count} and {count2} on {location}: F9 removes scans, '
                                        'F10 submits them').format(
                                          count=self.tally_text(),
                                          count2=plural(len(self.found), 'unknown barcode'),
                                          location=self.location))
            return self.submit(source="empty", key=key)
        if name == "done":
            if self.state in ("lot", "expiry"):
                return Feedback.error(_('finish the scan of {sku} first: {prompt}').format(
                                          sku=self.pending['item'].sku, prompt=self.prompt))
            return self.submit(key=key)
        return Feedback.error(_('{upper} does nothing here; {prompt}').format(
                                  upper=name.upper(), prompt=self.prompt))

    def remove_last(self) -> Feedback:
        if self.state in ("lot", "expiry", "qty"):
            self.measuring = None
            self.to_count()
            return Feedback.info("cancelled")
        if not self.history:
            return Feedback.error(_('nothing to remove: no scan counted on {location} yet').format(
                                      location=self.location))
        step = self.history.pop()
        if step[0] == "found":
            code = step[1]
            self.found[code] -= 1
            if not self.found[code]:
                del self.found[code]
            self.to_count()
            return Feedback.ok(_('removed: unknown barcode {code}').format(code=code))
        k = step[1]
        row = self.tally[k]
        row["qty"] -= step[2]
        text = _('removed: {value} -{value2} = {qty}').format(value=k[0], value2=shown(step[2], row["item"]),
                                                               qty=shown(row['qty'], row["item"]))
        if row["qty"] <= 0 and not any(h[0] != "found" and h[1] == k for h in self.history):
            del self.tally[k]
            if self.current == k:
                self.current = None
        self.to_count()
        return Feedback.ok(text)

    def submit(self, source: str = "scan", key=None) -> Feedback:
        from db.counts import Counted, submit_count
        counted = [Counted(item=r["item"], qty=r["qty"], lot=r["lot"], expiry=r["expiry"])
                   for r in self.tally.values()]
        result = self.call(submit_count, self.task.id, counted, operator=self.operator,
                           station=self.station, round_seen=self.round_seen, found=dict(self.found),
                           source=source, settings=self.settings)
        text = ("location " + self.location + _(' recorded as empty') if source == "empty"
                else self.summary(result))
        self._reset_location()
        self.refresh_tasks()
        self.to_location()
        if result.ignored:
            return Feedback.warn(text + " — " + "; ".join(result.ignored))
        return Feedback.ok(text)

    def back(self) -> Feedback | None:
        if self.state in ("lot", "expiry", "qty"):
            self.measuring = None
            self.to_count()
            return Feedback.info(_('cancelled: scan the next item'))
        if self.state == "count":
            if (self.tally or self.found) and not self.escape_armed:
                self.escape_armed = True
                return Feedback.warn(_('Esc again abandons the count of {location} ({count} scanned, '
                                       'nothing submitted); F10 submits it').format(
                                         location=self.location, count=self.tally_text()))
            where = self.location
            self._reset_location()
            self.refresh_tasks()
            self.to_location()
            return Feedback.info(_('count of {where} abandoned; nothing was submitted').format(where=where))
        return None

    # --- what the screen shows -----------------------------------------------------------------

    def tally_text(self) -> str:
        """What this location's scans counted: `24 units`, `1.250 kg`, or its lines (kg and m)."""
        return total_text((r["qty"], r["item"]) for r in self.tally.values())

    def summary(self, result) -> str:
        """The store's summary of a submitted count (db.counts: stored units) as long as every
        line counts plain units; else the same sentence with each quantity in its unit."""
        from .quantity import is_plain
        if all(is_plain(line.item) for line in result.lines):
            return result.summary(blind=self.blind)
        what = _("recount") if result.round > 1 else _("count")
        lines = plural(len(result.lines), 'line')
        if adds_up(line.item for line in result.lines):
            text = _("{location} {what} submitted: {count} in {lines}").format(
                location=result.task.location.code, what=what, lines=lines,
                count=total_text((line.counted or 0, line.item) for line in result.lines))
        else:
            text = _("{location} {what} submitted: {lines}").format(
                location=result.task.location.code, what=what, lines=lines)
        if not self.blind:
            off = [line for line in result.lines if line.variance]
            text += (_("; variances ") + ", ".join(
                f"{line.item.sku}{' ' + line.lot.code if line.lot_id else ''} {signed(line.variance, line.item)}"
                for line in off)) if off else _("; no variance")
        if result.found:
            text += _("; {count} recorded as found goods").format(count=plural(result.found, 'unknown barcode'))
        return text

    def table(self) -> Table | None:
        if self.state == "location":
            if not self.tasks:
                return None
            # The next locations in walking order; the info line says how many wait in all.
            rows = [[t.location.code, t.location.zone, t.count_id,
                     _("recount") if t.status == "recount" else _("count")] for t in self.tasks[:self.rows_shown()]]
            return Table([N_("Location"), N_("Zone"), N_("Count"), N_("To do")], rows, 0)
        keys = list(self.tally)
        if not self.blind:
            keys += [k for k in self.expected if k not in self.tally]
        rows = []
        for k in keys:
            row = self.tally.get(k)
            name = row["name"] if row else ""
            item = row["item"] if row else self.expected_items.get(k[0])
            line = [k[0], name, k[1] or "", shown(row["qty"] if row else 0, item) if item else 0]
            if not self.blind:
                line.append(shown(self.expected.get(k, 0), item) if item else self.expected.get(k, 0))
            rows.append(line)
        columns = [N_("SKU"), N_("Name"), N_("Lot"), N_("Counted")] + ([] if self.blind else [N_("Books")])
        current = keys.index(self.current) if self.current in keys else None
        fit = self.rows_shown()
        if len(rows) > fit:
            # Keep the line just counted in view on an 80×24 (or smaller) screen.
            at = current if current is not None else len(rows) - 1
            first = max(0, min(at - fit // 2, len(rows) - fit))
            rows = rows[first:first + fit]
            current = None if current is None else current - first
        return Table(columns, rows, current)
