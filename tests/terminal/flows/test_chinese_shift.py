"""A shift in zh_CN through the real station queue: no English word is left on the station.

Log in, the menu, receive a purchase order, put it away, pick and ship an order, count a
location and look an item up, all in Simplified Chinese. Every view (title, prompt, info lines,
choices, table headers), the keys of every flow (labels and F1 help) and every feedback message
are collected as a screen would show them (headers and key texts go through _() where they are
shown, as the table widget, the key bar and the help screen do). Codes and names are stripped:
SKUs, locations, order numbers, lots, operator/item/customer/supplier names, numbers, dates, key
names (F1–F12, Enter, Esc, Ctrl+Q, CMD-…). Whatever English word is left fails the test.
"""
from __future__ import annotations

import datetime as dt
import re
from gettext import gettext as _

import pytest

from db import counts
from terminal.flows.counting import CountingFlow
from terminal.flows.login import LoginFlow
from terminal.flows.lookup import LookupFlow
from terminal.flows.menu import MenuFlow
from terminal.flows.picking import PickingFlow
from terminal.flows.receiving import ReceivingFlow
from terminal.screens.base import COMMON_HELP, COMMON_KEYS
from tests import terminal_data as td

# Names the demo data gives (tests/terminal_data.py, tests/factories.py): shown as they are.
NAMES = ["Supplier SUP1", "Customer CUST1", "Bolt M8", "Yoghurt", "Widget", "Anna", "Ben", "Sara"]
# Codes, key names, barcodes, commands: never translated.
CODES = re.compile(
    r"CMD-[A-Z]+|Ctrl\+[A-Z]|\bF\d{1,2}\b|\bEnter\b|\bEsc\b|\bBackspace\b|PgUp|PgDn|<GS>|\bGS1\b"
    r"|YYYY-MM-DD|YYMMDD|\bABC\b|wh quarantine --expired|`wh [a-z]+`|PostgreSQL"
    r"|sqlite\S*|postgresql\S*|/\S+"                        # the store's URL or path
    r"|\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b|\b[A-Z]+\d+[A-Z0-9]*\b"   # SKU-100, PO-1042, A-01-01, SUP1, L17
    r"|\b[A-Z]+-…"                                          # a badge prefix: OP-…
    r"|'[^']*'")                                            # what was typed, quoted back
ENGLISH = re.compile(r"[A-Za-z]{2,}")



@pytest.fixture
def data(sqlite_store):
    data = td.seed()
    td.purchase_order("PO-1042", lines=(("SKU-100", 24), ("SKU-200", 12)), expected=dt.date(2030, 1, 10))
    td.purchase_order("PO-1041", lines=(("SKU-300", 5),), expected=dt.date(2030, 1, 3))
    td.sales_order("SO-78", lines=(("SKU-100", 4),), priority=1)
    data["url"] = sqlite_store
    return data


class Shift:
    """Every text a screen would show during the shift."""

    def __init__(self, url, tmp_path):
        self.url, self.tmp_path, self.texts, self.drivers = url, tmp_path, [], []

    def driver(self, cls, **kw):
        d = td.FlowDriver(self.url, cls, **kw)
        d.session.cfg.values["station"]["printer"] = str(self.tmp_path / "printer.out")
        self.drivers.append(d)
        self.flow(d.flow)
        self.feedback(d.start_feedback)
        return d

    def flow(self, flow):
        self.texts.append(_(flow.title))
        for k in flow.keys:
            self.texts += [_(k.label), _(k.help or k.label)]
        self.view(flow.view())

    def view(self, view):
        if view is None:
            return
        self.texts += [view.title, view.prompt, *view.info, *view.choices]
        if view.table is not None:
            self.texts += [_(c) for c in view.table.columns]

    def feedback(self, fb):
        if fb is not None:
            self.texts.append(fb.message)

    def run(self, d, *steps):
        """STEPS: ("scan", text), ("type", text) or ("key", name); collects what each shows."""
        for how, what in steps:
            before = len(d.ui.shown)
            getattr(d, how)(what)
            for fb, view in d.ui.shown[before:]:
                self.feedback(fb)
                self.view(view)
            if d.current is not None:
                self.flow(d.current)

    def close(self):
        for d in self.drivers:
            d.close()


def left_in_english(texts: list[str]) -> list[tuple[str, list[str]]]:
    left = []
    for text in texts:
        plain = text
        for name in NAMES:
            plain = plain.replace(name, "")
        plain = CODES.sub("", plain)
        words = ENGLISH.findall(plain)
        if words:
            left.append((text, words))
    return left


def test_a_shift_in_chinese_shows_no_english_word(data, zh, tmp_path):
    shift = Shift(data["url"], tmp_path)
    try:
        shift.texts += [_(label) for _key, label in COMMON_KEYS] + [_(text) for _key, text in COMMON_HELP]
        login = shift.driver(LoginFlow)
        shift.run(login, ("scan", "X-NOT-A-BADGE"), ("type", "W1"))
        menu = shift.driver(MenuFlow)
        shift.run(menu, ("type", "42"), ("scan", "A-01-01"), ("key", "back"))
        # Receive PO-1042 (the second in the list), a case of widgets, yoghurt by GS1, then finish.
        recv = shift.driver(ReceivingFlow)
        shift.run(recv, ("type", "2"), ("scan", td.WIDGET_CASE), ("scan", td.WIDGET_CASE),
                  ("scan", td.BOLT_EAN), ("scan", "]C10115901234123454" + "17301231" + "10LOT9"),
                  ("scan", td.YOG_EAN), ("type", "LOT9"), ("key", "done"), ("type", "1"))
        # Put away what is on the dock (receiving handed over to the put-away flow).
        shift.run(recv, ("scan", td.WIDGET_EAN), ("scan", "B-01-01"), ("scan", td.YOG_EAN),
                  ("type", "LOT9"), ("scan", "A-01-02"))
        # Pick SO-78 and ship it.
        pick = shift.driver(PickingFlow)
        shift.run(pick, ("key", "enter"), ("scan", "B-01-01"), ("scan", "A-01-01"), ("scan", td.BOLT_EAN),
                  ("scan", td.WIDGET_EAN), ("key", "enter"), ("key", "done"), ("key", "done"))
        # Count A-01-01.
        counts.create_count(locations=["A-01-01"], operator="S1")
        count = shift.driver(CountingFlow)
        shift.run(count, ("scan", td.WIDGET_EAN), ("scan", "A-01-01"), ("scan", td.WIDGET_CASE),
                  ("key", "qty"), ("type", "3"), ("scan", td.WIDGET_EAN), ("key", "done"))
        # Look things up.
        look = shift.driver(LookupFlow)
        shift.run(look, ("type", "SKU-100"), ("scan", "A-01-01"), ("type", "Wid"), ("type", "PO-1042"))
    finally:
        shift.close()
    texts = [t for t in shift.texts if t]
    # The shift went where it should: every job was reached, in Chinese.
    joined = "\n".join(texts)
    for word in ("登录", "主菜单", "入库", "上架", "拣货", "发货", "盘点", "查询"):
        assert word in joined, word
    assert left_in_english(texts) == []
