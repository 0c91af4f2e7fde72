"""The audit trail as people read it: every movement of the ledger (who, where, when, what)
together with the audit log (logins, approvals, PIN failures, document actions), in time order.

Why a union and no copy: each movement already carries operator, station and time, and it is
immutable; writing it twice would only add a second place to disagree.
"""
from __future__ import annotations

from gettext import gettext as _

import datetime as dt
import json

import peewee as pw

from db.core.models import AuditLog, Item, Location, Lot, Movement
from db.core.period import bounds


def _movement_detail(m, sku: str, lot: str | None, src: str, dst: str) -> str:
    lot_text = _(" lot {lot}").format(lot=lot) if lot else ""
    parts = [_("movement {id}: {qty} × {sku}{lot} {source} → {dest}").format(
        id=m.id, qty=m.qty, sku=sku, lot=lot_text, source=src, dest=dst)]
    if m.document:
        parts.append(_("doc {document}").format(document=m.document))
    if m.reason:
        parts.append(_("reason {reason}").format(reason=m.reason))
    if m.reverses_id:
        parts.append(_("reverses {id}").format(id=m.reverses_id))
    if m.idempotency_key:
        parts.append(_("key {key}").format(key=m.idempotency_key))
    return _("; ").join(parts)


def _log_detail(text: str) -> str:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return text
    if not isinstance(data, dict):
        return text
    return ", ".join(f"{k}={v}" for k, v in data.items() if v is not None)


def audit_rows(start: dt.date, end: dt.date, *, operator: str | None = None,
               action: str | None = None) -> list[dict]:
    """Rows {at, operator, station, action, detail} from START to END (whole days, UTC).
    Movements appear as action "post <kind>" ("post receipt", "post adjust"...)."""
    lo, hi = bounds(start, end)
    rows: list[dict] = []
    if action is None or action.startswith("post"):
        src, dst = Location.alias(), Location.alias()
        query = (Movement.select(Movement, Item.sku, Lot.code.alias("lot_code"),
                                 src.code.alias("src"), dst.code.alias("dst"))
                 .join(Item, on=(Movement.item == Item.id))
                 .switch(Movement).join(Lot, join_type=pw.JOIN.LEFT_OUTER, on=(Movement.lot == Lot.id))
                 .switch(Movement).join(src, on=(Movement.from_location == src.id))
                 .switch(Movement).join(dst, on=(Movement.to_location == dst.id))
                 .where(Movement.created_at >= lo, Movement.created_at < hi)
                 .order_by(Movement.created_at, Movement.id))
        if operator:
            query = query.where(Movement.operator == operator)
        if action and action != "post":
            query = query.where(Movement.kind == action[len("post "):].strip())
        for m in query.objects():
            rows.append({"at": m.created_at, "operator": m.operator, "station": m.station,
                         "action": f"post {m.kind}",
                         "detail": _movement_detail(m, m.sku, m.lot_code, m.src, m.dst), "_order": (0, m.id)})
    if action is None or not action.startswith("post"):
        query = AuditLog.select().where(AuditLog.at >= lo, AuditLog.at < hi).order_by(AuditLog.at, AuditLog.id)
        if operator:
            query = query.where(AuditLog.operator == operator)
        if action:
            query = query.where(AuditLog.action == action)
        for a in query:
            rows.append({"at": a.at, "operator": a.operator, "station": a.station, "action": a.action,
                         "detail": _log_detail(a.detail), "_order": (1, a.id)})
    rows.sort(key=lambda r: (r["at"], r["_order"]))
    for r in rows:
        del r["_order"]
    return rows


def recent_movements(operator: str, limit: int = 10) -> list[Movement]:
    """OPERATOR's last LIMIT movements, newest first."""
    return list(Movement.select().where(Movement.operator == operator).order_by(Movement.id.desc()).limit(limit))
