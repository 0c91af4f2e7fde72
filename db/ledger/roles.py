"""Which role may post which kind of movement: the ledger's own check, so no function that
calls `post` can make a worker's adjustment, whatever screen or script it serves.

Only the kinds named in KIND_ROLES are checked; every other kind (receipt, pick, move…) may be
posted by any operator, and costs nothing here. A checked kind looks the operator's role up
once and keeps it for ROLE_TTL_S seconds (per process): an adjustment or two per minute, not per
scan, so the cache is there to keep bulk callers (imports, benches) off the operator table.
A role changed by `wh import operators` in this process is seen at once (`forget_roles`);
another process sees it within ROLE_TTL_S.
"""
from __future__ import annotations

import time

from db.core.models import Operator

# kind -> the role that may post it.
KIND_ROLES = {"adjust": "supervisor"}
ROLE_TTL_S = 10.0

_roles: dict[str, tuple[float, str | None, bool]] = {}
# The store the cached roles belong to (held, so its id is never another store's).
_store: list = [None]


def forget_roles() -> None:
    """Drop the cached roles (after operators were imported or changed)."""
    _roles.clear()


def _role_of(code: str) -> tuple[str | None, bool]:
    from db.core.connection import database
    if _store[0] is not database.obj:         # another store opened in this process
        _roles.clear()
        _store[0] = database.obj
    now = time.monotonic()
    hit = _roles.get(code)
    if hit is not None and hit[0] > now:
        return hit[1], hit[2]
    row = Operator.select(Operator.role, Operator.active).where(Operator.code == code).tuples().first()
    role, active = (row[0], bool(row[1])) if row else (None, False)
    _roles[code] = (now + ROLE_TTL_S, role, active)
    return role, active


def check_kind(kind: str, operator: str, station: str = "") -> None:
    """PermissionDenied (audited) unless OPERATOR's role may post a movement of KIND."""
    wanted = KIND_ROLES.get(kind)
    if wanted is None:
        return
    role, active = _role_of(operator)
    if role == wanted and active:
        return
    from db.masterdata.security import N_, refusal, refuse
    template = (N_("operator {operator} is a {role}; a movement of kind {kind} needs a {wanted}") if role and active
                else N_("operator {operator} is inactive; a movement of kind {kind} needs a {wanted}") if role
                else N_("{operator!r} is not an operator; a movement of kind {kind} needs a {wanted}"))
    refuse(operator, station, "role_refused",
           *refusal(template, ("role", "kind", "wanted"), operator=operator, role=role or "", kind=kind, wanted=wanted),
           role=role or "", wanted=f"post {kind}")
