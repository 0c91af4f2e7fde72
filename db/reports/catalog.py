"""Every report by name, with the config values it takes: the CLI and the app call `run_report`.

SETTINGS is the config as sections of values (`Config.values`): the [abc], [suppliers] and
[reports] keys reach the report functions from here, so no report reads a config file.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from gettext import gettext as _
from typing import Any, Callable

from db.core import defaults
from db.reports.common import N_, Report


@dataclass(frozen=True)
class ReportInfo:
    name: str
    title: str
    run: Callable[..., Report]


def _section(settings: dict | None, name: str) -> dict:
    return dict((settings or {}).get(name, {}))


def _setting(settings: dict | None, section: str, key: str):
    """SETTINGS' [SECTION] KEY, else its default (db/core/defaults.py)."""
    return _section(settings, section).get(key, getattr(defaults, section.upper())[key])


def _alerts(settings, date_from, date_to, **opts):
    from db.reports.alerts import alerts
    return alerts(date_from, date_to)


def _reorder(settings, date_from, date_to, **opts):
    from db.reports.reorder import suggestions
    return suggestions(date_from, date_to, weights=_section(settings, "suppliers"), **opts)


def _suppliers(settings, date_from, date_to, **opts):
    from db.reports.suppliers import scorecard
    return scorecard(date_from, date_to, **_section(settings, "suppliers"), **opts)


def _settlement(settings, date_from, date_to, **opts):
    from db.reports.settlement import settlement
    return settlement(date_from, date_to, **opts)


def _customers(settings, date_from, date_to, customer: str | None = None, **opts):
    from db.reports.customers import customers, order_history
    if customer:
        return order_history(customer, date_from, date_to, **opts)
    return customers(date_from, date_to, **opts)


def _sales(settings, date_from, date_to, **opts):
    from db.reports.sales import sales
    return sales(date_from, date_to, **opts)


def _value(settings, date_from, date_to, **opts):
    from db.reports.inventory import stock_value
    return stock_value(date_from, date_to)


def _turnover(settings, date_from, date_to, **opts):
    from db.reports.inventory import turnover
    opts.setdefault("days", _setting(settings, "reports", "window_days"))
    return turnover(date_from, date_to, **opts)


def _dead_stock(settings, date_from, date_to, **opts):
    from db.reports.inventory import dead_stock
    opts.setdefault("days", _setting(settings, "reports", "dead_stock_days"))
    return dead_stock(date_from, date_to, **opts)


def _ageing(settings, date_from, date_to, **opts):
    from db.reports.inventory import ageing
    return ageing(date_from, date_to, **opts)


def _abc(settings, date_from, date_to, **opts):
    from db.reports.abc import abc
    opts.setdefault("days", _setting(settings, "reports", "abc_days"))
    return abc(date_from, date_to, a_share=_setting(settings, "abc", "a_share"),
               b_share=_setting(settings, "abc", "b_share"), **opts)


def _counts(settings, date_from, date_to, **opts):
    from db.reports.counts import counts_report
    return counts_report(date_from, date_to)


def _returns(settings, date_from, date_to, **opts):
    from db.reports.returns import returns
    return returns(date_from, date_to, **opts)


def _payables(settings, date_from, date_to, **opts):
    from db.reports.ledgers import payables
    return payables(date_to)


def _receivables(settings, date_from, date_to, **opts):
    from db.reports.ledgers import receivables
    return receivables(date_to)


def _expiry(settings, date_from, date_to, **opts):
    from db.reports.expiry import expiry
    return expiry(date_from, date_to, **opts)


REPORTS: dict[str, ReportInfo] = {r.name: r for r in [
    ReportInfo("alerts", N_("Stock alerts"), _alerts),
    ReportInfo("reorder", N_("Reorder suggestions"), _reorder),
    ReportInfo("suppliers", N_("Supplier scorecard"), _suppliers),
    ReportInfo("settlement", N_("Supplier settlement"), _settlement),
    ReportInfo("customers", N_("Customers"), _customers),
    ReportInfo("sales", N_("Sales"), _sales),
    ReportInfo("value", N_("Stock value"), _value),
    ReportInfo("turnover", N_("Turnover and days of supply"), _turnover),
    ReportInfo("dead-stock", N_("Dead stock"), _dead_stock),
    ReportInfo("ageing", N_("Stock ageing"), _ageing),
    ReportInfo("abc", N_("ABC classification"), _abc),
    ReportInfo("counts", N_("Count variances"), _counts),
    ReportInfo("returns", N_("Returns to suppliers or from customers"), _returns),
    ReportInfo("payables", N_("Payables: what we owe suppliers, by age"), _payables),
    ReportInfo("receivables", N_("Receivables: what customers owe us, by age"), _receivables),
    ReportInfo("expiry", N_("Expired and expiring stock"), _expiry),
]}


def run_report(name: str, settings: dict | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None, **options: Any) -> Report:
    """Run report NAME with the config SETTINGS; OPTIONS are that report's own keywords."""
    from db.core.errors import InvalidInput
    info = REPORTS.get(name)
    if info is None:
        raise InvalidInput(_("unknown report {name!r}; reports are {items}").format(name=name, items=", ".join(REPORTS)))
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(_("the period starts {start} after it ends {end}").format(start=date_from, end=date_to))
    return info.run(settings, date_from, date_to, **options)
