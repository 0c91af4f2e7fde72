"""Who may do what: operator lookup, the supervisor check, and the audit log."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from .errors import NotFound, PermissionDenied, RuleViolation
from .models import AuditLog, Operator


def get_operator(code: str) -> Operator:
    op = Operator.get_or_none(Operator.code == code)
    if op is None:
        raise NotFound(f"unknown operator {code!r}")
    if not op.active:
        raise RuleViolation(f"operator {op.code} is inactive: expected an active operator")
    return op


def require_supervisor(code: str, action: str) -> Operator:
    """The operator, if a supervisor; else PermissionDenied naming the action."""
    op = get_operator(code)
    if not op.is_supervisor:
        raise PermissionDenied(f"operator {op.code} is a {op.role}; {action} needs a supervisor")
    return op


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def audit(operator, station, action, **detail) -> AuditLog:
    """Write one audit row; DETAIL is stored as JSON."""
    code = operator.code if isinstance(operator, Operator) else (operator or "")
    return AuditLog.create(operator=code, station=station or "", action=action,
                           detail=json.dumps(detail, default=_plain, sort_keys=True))
