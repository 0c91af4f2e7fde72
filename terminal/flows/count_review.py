"""The supervisor's reconciliation of count discrepancies, as a plain state machine.

The list holds every open line with a variance (waiting for approval, or for a recount),
largest value first (db.counts.discrepancies). For the selected line the screen shows the
books at each count, the first and second count, who counted and when.

    list      ↑/↓ (or type a row number) selects; F3 approve, F4 order a recount, F5 set the
              quantity, F8 reject the count and keep the books; F6 refreshes
    pin       the first decision asks the supervisor's PIN when they have one
    reason    approving: type a reason code, Enter alone takes COUNT
    qty       setting: type the quantity that was on the shelf at the count
    setreason setting: type the reason code (required)
    keepreason keeping the books: type the reason code (required)
    The reason codes are listed, numbered: a number or the code (any case) chooses one.
    plan      F7: a new count plan; choose the scope by number, then type its codes

Only supervisors may decide; the store checks it again (db.masterdata.security.require_supervisor), so a
worker who reaches this screen is refused there too. Every decision is in the audit trail.
"""
from __future__ import annotations

from gettext import gettext as _, ngettext

from decimal import Decimal

from db.core.text import plural
from db.counts.notes import shown_note

from .base import Feedback, Flow, FlowKey, Table, parse_qty
from .quantity import shown, signed
from terminal.i18n import N_, language

APPROVE_KEY = FlowKey("f3", "approve", N_("Approve"), N_("post the selected line's adjustment (asks the reason)"))
REJECT_KEY = FlowKey("f4", "reject", N_("Recount"), N_("order a recount of the selected line by another operator"))
SET_KEY = FlowKey("f5", "set", N_("Set"), N_("set the true quantity of the selected line, with a reason"))
REFRESH_KEY = FlowKey("f6", "refresh", N_("Reload"), N_("read the discrepancies again"))
UP_KEY = FlowKey("up", "up", N_("↑"), N_("select the line above"))
DOWN_KEY = FlowKey("down", "down", N_("↓"), N_("select the line below"))

KEEP_KEY = FlowKey("f8", "keep", N_("Keep books"), N_("reject the selected count and keep the books (asks the reason)"))
PLAN_KEY = FlowKey("f7", "plan", N_("Plan"), N_("plan a count: zones, locations, items, ABC class, short picks, random"))
# scope, label, what to ask (None: nothing to ask)
PLAN_SCOPES = [
    ("zones", N_("Zones"), N_("type the zones, separated by commas")),
    ("locations", N_("Locations"), N_("type the locations, separated by commas")),
    ("items", N_("Items"), N_("type the SKUs, separated by commas")),
    ("abc", N_("ABC class (items not counted within its frequency)"), N_("type A, B or C")),
    ("shorts", N_("Locations with recent short picks or variances"), None),
    ("random", N_("A random sample of locations"), N_("type how many locations")),
]

WINDOW = 7
STATUS_TEXT = {"review": N_("approve?"), "recount": N_("recount")}


def _count_settings(cfg):
    from db.counts import CountSettings
    return CountSettings.from_config(cfg)


def money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


class CountReviewFlow(Flow):
    title = N_("Count discrepancies")
    keys = (APPROVE_KEY, REJECT_KEY, SET_KEY, REFRESH_KEY, PLAN_KEY, KEEP_KEY)
    # Moving the selection; the screen sends these as actions, the key bar has no room for them.
    move_keys = (UP_KEY, DOWN_KEY)

    def __init__(self, session, count_id: int | None = None):
        super().__init__(session)
        self.count_id = count_id
        self.rows: list[dict] = []
        self.items: dict = {}           # sku -> item (its unit), see item_of
        self.found: list[dict] = []
        self.index = 0
        self.set_qty: int | None = None
        # The supervisor's PIN, typed once on this screen when their store record has one
        # ([security] require_pin); every decision runs with it (db.masterdata.security.pin_source).
        self.pin: str | None = None
        self.after_pin: str | None = None
        self.state = "list"
        self.reasons: list = []
        self.to_list()

    # --- the list ------------------------------------------------------------------------------

    def start(self) -> Feedback | None:
        if not self.session.is_supervisor:
            self.refresh()
            return Feedback.error(_('operator {operator} is a {role}: reconciling counts needs a '
                                    'supervisor; you may look, not decide').format(
                                      operator=self.operator, role=self.session.role))
        return self.refresh()

    def refresh(self) -> Feedback | None:
        from db.counts import discrepancies, open_found_goods
        sel = self.selected
        keep = (sel["count"], sel["line"]) if sel else None
        self.rows = self.call(discrepancies, count_id=self.count_id)
        self.items = {}                 # sku -> item, read once per refresh for the units
        self.found = self.call(open_found_goods)
        self.index = next((i for i, r in enumerate(self.rows) if (r["count"], r["line"]) == keep), 0)
        self.to_list()
        return None

    def item_of(self, sku: str):
        """The item of SKU (its unit and precision: the rows carry stored units)."""
        if sku not in self.items:
            from db.masterdata.lookup import get_item
            self.items[sku] = self.call(get_item, sku)
        return self.items[sku]

    def q(self, stored, r):
        """STORED units of row R's item: `12` as before, `1.250 kg` for a kilogram item."""
        return shown(stored, self.item_of(r["sku"])) if stored is not None else stored

    @property
    def selected(self) -> dict | None:
        if 0 <= self.index < len(self.rows):
            return self.rows[self.index]
        return None

    def to_list(self) -> None:
        self.state, self.entry, self.set_qty = "list", "choice", None
        self.choices = []
        if not self.rows:
            self.prompt = _('No count discrepancy is waiting. Esc goes back')
        else:
            value = sum(Decimal(r["value"] or 0) for r in self.rows)
            self.prompt = (ngettext("{n} discrepancy, net value {value} · ↑/↓ or a row number selects",
                                    "{n} discrepancies, net value {value} · ↑/↓ or a row number selects",
                                    len(self.rows)).format(n=len(self.rows), value=money(value)) + (_(' · row {value}').format(
                                                                value=self.index + 1) if len(self.rows) > WINDOW else ""))
        self.info = self.detail()

    def detail(self) -> list[str]:
        r = self.selected
        if r is None:
            return self.found_lines()
        lot = _(" lot {lot}").format(lot=r['lot']) if r["lot"] else ""
        out = [_("Count {count} line {line}: {location} {sku}{lot} {name}").format(
            count=r['count'], line=r['line'], location=r['location'], sku=r['sku'], lot=lot, name=r['name'])]
        for n, c in enumerate(r["counts"][-2:], start=max(1, len(r["counts"]) - 1)):
            when = c["at"].strftime("%m-%d %H:%M") if c["at"] else ""
            # A line the books expected and the counter never scanned was submitted as 0.
            qty = (_("0 (not scanned)") if c["qty"] == 0 and c.get("source") in ("scan", "upload")
                   else self.q(c["qty"], r))
            out.append(_("  count {n}: {qty} by {operator} {station} {when} (books {expected}, {variance})").format(
                n=n, qty=qty, operator=c['operator'], station=c['station'], when=when,
                expected=self.q(c['expected'], r), variance=signed(c['variance'], self.item_of(r["sku"]))))
        out.append(f"  {shown_note(r['note'])}" if r["note"] else "")
        return [line for line in out if line] + self.found_lines()

    def found_lines(self) -> list[str]:
        if not self.found:
            return []
        first = ", ".join(f"{f['barcode']}@{f['location']}" for f in self.found[:3])
        more = _(" and {n} more").format(n=len(self.found) - 3) if len(self.found) > 3 else ""
        return [_("Found goods (unknown barcodes): {first}{more}").format(first=first, more=more)]

    def window(self) -> range:
        """The rows that fit on an 80×24 screen, around the selected one."""
        first = max(0, min(self.index - WINDOW // 2, len(self.rows) - WINDOW))
        return range(first, min(len(self.rows), first + WINDOW))

    def table(self) -> Table | None:
        rows = []
        shown = self.window()
        for n in shown:
            r = self.rows[n]
            n += 1
            second = self.q(r["second"], r) if r["second"] is not None else ""
            rows.append([n, r["location"], r["sku"], r["lot"] or "", self.q(r["expected"], r), self.q(r["first"], r),
                         second, signed(r['variance'], self.item_of(r["sku"])), money(r["value"]),
                         _(STATUS_TEXT.get(r["status"], r["status"]))])
        return Table([N_("#"), N_("Location"), N_("SKU"), N_("Lot"), N_("Books"), N_("1st"), N_("2nd"), N_("Var"),
                      N_("Value"), N_("Status")],
                     rows, self.index - shown.start if self.rows else None)

    # --- input ----------------------------------------------------------------------------------

    def on_scan(self, scan, key=None) -> Feedback:
        if self.state == "pin":
            # Digits typed fast enough look like a scan to the keyboard wedge.
            return self.take_pin((getattr(scan, "raw", "") or "").strip())
        loc = getattr(scan, "location", None)
        if getattr(scan, "kind", None) == "location" and loc:
            hit = next((i for i, r in enumerate(self.rows) if r["location"] == loc), None)
            if hit is None:
                return Feedback.error(_('no discrepancy at location {loc}').format(loc=loc))
            self.index = hit
            self.to_list()
            return Feedback.info(_('line at {loc} selected').format(loc=loc))
        return Feedback.error(_('scan a location to select its discrepancy, or use ↑/↓'))

    def on_text(self, text: str, key=None) -> Feedback | None:
        r = self.selected
        if self.state == "list":
            n = parse_qty(text, N_("row number"))
            if n > len(self.rows):
                return Feedback.error(_('there are {count}; typed {n}').format(
                                          count=plural(len(self.rows), 'row'), n=n))
            self.index = n - 1
            self.to_list()
            return None
        if self.state == "pin":
            return self.take_pin(text.strip())
        if self.state == "plan":
            n = parse_qty(text, N_("choice"))
            if n > len(PLAN_SCOPES):
                return Feedback.error(_('choose 1 to {n_plan_scopes}; typed {n}').format(
                                          n_plan_scopes=len(PLAN_SCOPES), n=n))
            self.plan_scope, label, ask = PLAN_SCOPES[n - 1]
            self.choices = []
            if ask is None:
                return self.create_plan("")
            self.state, self.entry = "plan-arg", "text"
            # The label in lower case inside the English sentence; other languages keep their case (ABC).
            lower = label.lower() if language() == "en" else _(label)
            self.prompt = _('New count of {lower}: {ask}').format(lower=lower, ask=_(ask))
            return None
        if self.state == "plan-arg":
            if not text.strip():
                return Feedback.error(_('{prompt}: nothing was typed').format(prompt=self.prompt))
            return self.create_plan(text.strip())
        if self.state in ("reason", "setreason", "keepreason") and text.strip():
            code = self.reason_of(text.strip())
            if code is None:
                return Feedback.error(_('unknown reason {strip!r}: type a number or a code of the list').format(
                                          strip=text.strip()))
            if self.state == "reason":
                return self.approve(code)
            if self.state == "keepreason":
                return self.keep_books(code)
            return self.set_quantity(code)
        if self.state == "reason":
            return self.approve("COUNT")
        if self.state == "qty":
            item = self.item_of(r['sku'])
            self.set_qty = parse_qty(text, "quantity", allow_zero=True, item=item)
            self.state, self.entry = "setreason", "reason"
            self.prompt = (_('Set {sku} at {location} to {set_qty} ({value} against the books at the '
                             'count): reason?').format(
                               sku=r['sku'], location=r['location'], set_qty=shown(self.set_qty, item),
                               value=signed(self.set_qty - r['expected'], item)))
            self.list_reasons()
            return None
        if self.state in ("setreason", "keepreason"):
            return Feedback.error(_('a reason is required: type its number or its code'))
        return super().on_text(text, key)

    def on_action(self, name, value=None, key=None) -> Feedback | None:
        if name == "start":
            return self.start()
        if name == "refresh":
            self.refresh()
            return Feedback.info(_('{n_rows} discrepancies').format(n_rows=len(self.rows)))
        if name in ("up", "down"):
            if self.state != "list":
                return None
            if self.rows:
                step = -1 if name == "up" else 1
                self.index = max(0, min(len(self.rows) - 1, self.index + step))
                self.to_list()
            return None
        if name == "enter":
            if self.state == "reason":
                return self.approve("COUNT")
            return None
        r = self.selected
        if name in ("approve", "reject", "set", "plan", "keep"):
            if r is None and name != "plan":
                return Feedback.error(_('no discrepancy selected: the list is empty'))
            if not self.session.is_supervisor:
                return Feedback.error(_('operator {operator} is a {role}; deciding a count needs a '
                                        'supervisor').format(operator=self.operator, role=self.session.role))
            if self.needs_pin():
                self.after_pin = name
                self.state, self.entry = "pin", "pin"
                self.prompt = _('Supervisor {operator}: type your PIN and press Enter').format(
                                  operator=self.operator)
                return None
        if name == "plan":
            self.state, self.entry = "plan", "choice"
            self.prompt = _('New count: type the number of what to count')
            self.choices = [_(label) for _scope, label, _ask in PLAN_SCOPES]
            return None
        if name == "approve":
            if r["status"] != "review":
                return Feedback.error(_('line {line} ({location} {sku}) waits for a recount: F5 sets the '
                                        'quantity instead').format(
                                          line=r['line'], location=r['location'], sku=r['sku']))
            self.state, self.entry = "reason", "reason"
            self.prompt = (_('Approve {variance} × {sku} at {location} (value {amount})? Reason code, '
                             'Enter = COUNT').format(
                               variance=signed(r['variance'], self.item_of(r["sku"])), sku=r['sku'],
                               location=r['location'],
                               amount=money(r['value'])))
            self.list_reasons()
            return None
        if name == "keep":
            self.state, self.entry = "keepreason", "reason"
            self.prompt = (_('Reject the count of {sku} at {location} and keep the books ({expected})? '
                             'Reason?').format(sku=r['sku'], location=r['location'],
                                               expected=self.q(r['expected'], r)))
            self.list_reasons()
            return None
        if name == "reject":
            from db.counts import reject
            self.call(self.as_supervisor, reject, r["count"], r["line"], operator=self.operator,
                      station=self.station)
            self.refresh()
            return Feedback.ok(_('recount ordered: {location} {sku} (count {count} line {line})').format(
                                   location=r['location'], sku=r['sku'], count=r['count'], line=r['line']))
        if name == "set":
            self.state, self.entry = "qty", "qty"
            self.prompt = _('How many {sku} were on {location} at the count? Type the quantity').format(
                              sku=r['sku'], location=r['location'])
            return None
        return Feedback.error(_('{upper} does nothing here; {prompt}').format(
                                  upper=name.upper(), prompt=self.prompt))

    def back(self) -> Feedback | None:
        if self.state != "list":
            self.choices = []
            self.to_list()
            return Feedback.info("cancelled")
        return None

    # --- the supervisor's PIN ----------------------------------------------------------------------

    def needs_pin(self) -> bool:
        from db.masterdata import security
        if self.pin is None:
            self.pin = getattr(self.session, "pin", None)   # checked earlier this login
        return self.pin is None and self.call(security.pin_required, self.operator)

    def take_pin(self, pin: str) -> Feedback | None:
        from db.masterdata import security
        action, self.after_pin = self.after_pin, None
        self.to_list()
        if not pin:
            return Feedback.error(_('type your PIN, then press Enter'))
        # check_pin counts a wrong PIN and locks the operator out after too many.
        if not self.call(security.check_pin, self.operator, pin, station=self.station):
            return Feedback.error(_('wrong PIN for supervisor {operator}; nothing was decided').format(
                                      operator=self.operator))
        self.pin = self.session.pin = pin
        return self.on_action(action) if action else None

    def as_supervisor(self, fn, *args, **kwargs):
        """Run a decision with this screen's PIN as the answer to the store's PIN question."""
        from db.masterdata import security
        pin, me = self.pin, self.operator
        with security.pin_source(lambda code: pin if code == me else None):
            return fn(*args, **kwargs)

    # --- decisions --------------------------------------------------------------------------------

    def approve(self, reason: str) -> Feedback:
        from db.counts import approve
        r = self.selected
        decision = self.call(self.as_supervisor, approve, r["count"], r["line"], operator=self.operator,
                             station=self.station, reason=reason)[0]
        self.refresh()
        return Feedback.ok(_('approved {location} {sku}: {posted}').format(
                               location=r['location'], sku=r['sku'], posted=self._posted(decision)))

    def set_quantity(self, reason: str) -> Feedback:
        from db.counts import set_quantity
        r = self.selected
        decision = self.call(self.as_supervisor, set_quantity, r["count"], r["line"], self.set_qty,
                             reason=reason, operator=self.operator, station=self.station)
        self.refresh()
        return Feedback.ok(_('set {location} {sku} to {counted}: {posted}').format(
                               location=r['location'], sku=r['sku'], counted=self.q(decision.line.counted, r),
                               posted=self._posted(decision)))

    def list_reasons(self) -> None:
        from db.masterdata import reason_codes
        self.reasons = self.call(reason_codes, "count", "adjust")
        self.choices = [f"{r.code:<10} {r.description}" for r in self.reasons]

    def reason_of(self, text: str) -> str | None:
        """A listed reason by its number, or any reason code in any case."""
        if text.isdecimal() and 1 <= int(text) <= len(self.reasons):
            return self.reasons[int(text) - 1].code
        from db.core.errors import NotFound
        from db.masterdata.lookup import get_reason
        try:
            return self.call(get_reason, text).code
        except NotFound:
            return None

    def keep_books(self, reason: str) -> Feedback:
        from db.counts import keep_books
        r = self.selected
        self.call(self.as_supervisor, keep_books, r["count"], r["line"], reason=reason,
                  operator=self.operator, station=self.station)
        self.refresh()
        return Feedback.ok(_('count rejected, books kept: {location} {sku} stays at {expected} ({reason})').format(
                               location=r['location'], sku=r['sku'], expected=self.q(r['expected'], r),
                               reason=reason))

    def create_plan(self, arg: str) -> Feedback:
        from db.counts import create_count
        items = [a.strip() for a in arg.split(",") if a.strip()]
        kind = self.plan_scope
        if kind == "random":
            scope = {"random_n": parse_qty(arg, N_("number of locations"))}
        elif kind == "abc":
            scope = {"abc": arg.upper()}
        elif kind == "shorts":
            scope = {"recent_shorts": True}
        else:
            scope = {kind: items}
        try:
            count = self.call(self.as_supervisor, create_count, operator=self.operator, station=self.station,
                              warehouse=self.session.warehouse or None,
                              settings=_count_settings(self.session.cfg), **scope)
        finally:
            self.to_list()      # refused or not, back to the list: F7 starts again
        n = count.tasks.count()
        skipped = _("; {n} skipped (already being counted)").format(n=len(count.skipped)) if count.skipped else ""
        return Feedback.ok(ngettext('count {id} created: {n} location to count{skipped}',
                                    'count {id} created: {n} locations to count{skipped}',
                                    n).format(id=count.id, n=n, skipped=skipped))

    @staticmethod
    def _posted(decision) -> str:
        m = decision.movement
        if m is None:
            return _("no variance, nothing posted")
        sign = "+" if m.from_location.code.startswith("@") else "-"
        return _("{sign}{qty} posted ({source} → {dest}, {reason}, movement {id})").format(
            sign=sign, qty=shown(m.qty, m.item), source=m.from_location.code, dest=m.to_location.code, reason=m.reason, id=m.id)
