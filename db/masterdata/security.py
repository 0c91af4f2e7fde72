"""Who may do what: operator lookup, the supervisor check, supervisor PINs and the audit log.

Roles are enforced here, in the store layer, so the terminal, the CLI and any script calling
the domain packages meet the same rules.

Supervisor PINs. A PIN is stored as an scrypt hash with a random salt, never as text. When
`[security] require_pin` is on (the default) and a supervisor HAS a PIN, every supervisor action
of theirs needs it: `require_supervisor` asks the PIN source of the current context (set with
`pin_source()` / `supervisor_pin()`), checks it, and counts failures: after
`max_pin_attempts` wrong PINs in a row the operator is locked out for `lockout_seconds`.
A supervisor without a PIN is not asked (so a fresh store works before PINs are handed out);
`wh operator list-pins` shows who has none.

Call `require_supervisor` before opening a write transaction: a failed attempt is counted in
its own transaction, which a surrounding transaction that rolls back would undo.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import hmac
import json
import secrets
from contextlib import contextmanager
from decimal import Decimal
from typing import Callable, Iterator

import peewee as pw

from db.core import defaults
from db.core.connection import database
from db.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from db.core.models import AuditLog, Operator, Station, Warehouse, utcnow
from db.core.sql import Prepared
from db.core.sql import LOOK_UP, row_by

# scrypt cost: n=2**14, r=8, p=1 takes ~16 MB and some tens of milliseconds: cheap for one
# login, expensive for someone trying all 10^4 four-digit PINs against a stolen hash.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
PIN_MIN, PIN_MAX = 4, 12

# The [security] section, set from the config by `configure()` (station and CLI do it).
_settings = dict(defaults.SECURITY)

# Where require_supervisor gets a PIN from: a callable(operator_code) -> PIN or None.
_pin_source: contextvars.ContextVar[Callable[[str], str | None] | None] = \
    contextvars.ContextVar("wh_pin_source", default=None)
# Operators whose PIN was already checked in this context (one scrypt per command, not per line).
_verified: contextvars.ContextVar[frozenset] = contextvars.ContextVar("wh_pin_verified", default=frozenset())


def configure(*, require_pin: bool | None = None, max_pin_attempts: int | None = None,
              lockout_seconds: int | None = None) -> None:
    """Apply the [security] config keys (the CLI and the station call it at start-up)."""
    if require_pin is not None:
        _settings["require_pin"] = bool(require_pin)
    if max_pin_attempts is not None:
        _settings["max_pin_attempts"] = max(1, int(max_pin_attempts))
    if lockout_seconds is not None:
        _settings["lockout_seconds"] = max(0, int(lockout_seconds))


def configure_from(cfg) -> None:
    sec = cfg.section("security")
    configure(require_pin=sec["require_pin"], max_pin_attempts=sec["max_pin_attempts"],
              lockout_seconds=sec["lockout_seconds"])


def settings() -> dict:
    return dict(_settings)


def get_operator(code: str, row=LOOK_UP) -> Operator:
    """The active operator CODE. ROW: the operator row already read (or None), e.g. by `rows_by`."""
    op = row_by(Operator, "code", code) if row is LOOK_UP else row
    if op is None:
        raise NotFound(f"unknown operator {code!r}")
    if not op.active:
        raise RuleViolation(f"operator {op.code} is inactive: expected an active operator")
    return op


def pin_required(operator: str | Operator) -> bool:
    """OPERATOR's supervisor actions need their PIN: `[security] require_pin` is on and they
    have a PIN (a supervisor without one is not asked)."""
    if not _settings["require_pin"]:
        return False
    op = operator if isinstance(operator, Operator) else get_operator(operator)
    return bool(op.pin_hash)


def require_supervisor(code: str, action: str) -> Operator:
    """The operator, if a supervisor (with their PIN when one is set and required); else
    PermissionDenied naming the action."""
    op = get_operator(code)
    if not op.is_supervisor:
        raise PermissionDenied(f"operator {op.code} is a {op.role}; {action} needs a supervisor")
    if pin_required(op) and op.code not in _verified.get():
        source = _pin_source.get()
        pin = source(op.code) if source is not None else None
        if not pin:
            raise PermissionDenied(f"{action} needs supervisor {op.code}'s PIN; none was given")
        if not check_pin(op.code, pin):
            raise PermissionDenied(f"wrong PIN for supervisor {op.code}; {action} refused")
        _verified.set(_verified.get() | {op.code})
    return op


# --- PINs ------------------------------------------------------------------------------------

def _hash(pin: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def hash_pin(pin: str) -> str:
    """"scrypt$n$r$p$salt$hash" (hex), with a fresh random salt."""
    salt = secrets.token_bytes(16)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${_hash(pin, salt).hex()}"


def _matches(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        return hmac.compare_digest(_hash(pin, bytes.fromhex(salt), int(n), int(r), int(p)), bytes.fromhex(digest))
    except (ValueError, TypeError):
        return False


def _valid_pin(pin: str) -> str:
    if not isinstance(pin, str) or not pin.isdigit() or not (PIN_MIN <= len(pin) <= PIN_MAX):
        raise InvalidInput(f"a PIN must be {PIN_MIN} to {PIN_MAX} digits (typed on the number pad); "
                           f"got {len(pin) if isinstance(pin, str) else 0} characters")
    return pin


def set_pin(code: str, pin: str | None, *, by: str = "", station: str = "") -> Operator:
    """Set (or, with PIN None, remove) the operator's PIN; clears failures and any lockout."""
    from db.core.connection import write_transaction
    op = get_operator(code)
    stored = hash_pin(_valid_pin(pin)) if pin is not None else None
    with write_transaction():
        Operator.update(pin_hash=stored, failed_pin_attempts=0, locked_until=None).where(
            Operator.id == op.id).execute()
        audit(by or op.code, station, "set_pin" if pin is not None else "clear_pin", of=op.code)
    return Operator.get_by_id(op.id)


def unlock(code: str, *, by: str = "", station: str = "") -> Operator:
    """Lift a PIN lockout (a supervisor or the administrator)."""
    from db.core.connection import write_transaction
    op = get_operator(code)
    with write_transaction():
        Operator.update(failed_pin_attempts=0, locked_until=None).where(Operator.id == op.id).execute()
        audit(by or op.code, station, "unlock_pin", of=op.code)
    return Operator.get_by_id(op.id)


def locked_for(op: Operator, now: dt.datetime | None = None) -> int:
    """Seconds left of the operator's lockout, 0 when not locked."""
    now = now or utcnow()
    if op.locked_until is None or op.locked_until <= now:
        return 0
    return max(1, int((op.locked_until - now).total_seconds() + 0.999))


def check_pin(code: str, pin: str, *, station: str = "") -> bool:
    """True when PIN is the operator's PIN. A wrong PIN is counted; the last allowed failure
    locks the operator out for `lockout_seconds`. While locked out, every attempt is refused
    with PermissionDenied (not even checked, so guessing gains nothing)."""
    from db.core.connection import write_transaction
    op = get_operator(code)
    left = locked_for(op)
    if left:
        raise PermissionDenied(f"operator {op.code} is locked out after {_settings['max_pin_attempts']} "
                               f"wrong PINs; try again in {left} s")
    if not op.pin_hash:
        return False
    if isinstance(pin, str) and _matches(pin, op.pin_hash):
        if op.failed_pin_attempts:
            with write_transaction():
                Operator.update(failed_pin_attempts=0).where(Operator.id == op.id).execute()
        return True
    with write_transaction():
        fresh = Operator.get_by_id(op.id)
        failures = fresh.failed_pin_attempts + 1
        if failures >= _settings["max_pin_attempts"]:
            until = utcnow() + dt.timedelta(seconds=_settings["lockout_seconds"])
            Operator.update(failed_pin_attempts=0, locked_until=until).where(Operator.id == op.id).execute()
            audit(op.code, station, "pin_locked", failures=failures, until=until)
        else:
            Operator.update(failed_pin_attempts=failures).where(Operator.id == op.id).execute()
            audit(op.code, station, "pin_failed", failures=failures)
    return False


@contextmanager
def pin_source(source: Callable[[str], str | None] | None) -> Iterator[None]:
    """Within the block, `require_supervisor` asks SOURCE(operator_code) for a PIN when it needs
    one (the CLI passes --pin, $WH_PIN or a getpass prompt; the station its PIN dialog)."""
    token = _pin_source.set(source)
    verified = _verified.set(frozenset())
    try:
        yield
    finally:
        _verified.reset(verified)
        _pin_source.reset(token)


@contextmanager
def supervisor_pin(code: str, pin: str | None) -> Iterator[None]:
    """Run the block as supervisor CODE who typed PIN (Python API and tests)."""
    with pin_source(lambda asked: pin if asked == code else None):
        yield


# --- the audit log ---------------------------------------------------------------------------

def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


# Its SQL built once: audits are written on the scan path (a claim, a short pick).
_AUDIT = Prepared(lambda at, operator, station, action, detail: AuditLog.insert(
    at=at, operator=operator, station=station, action=action, detail=detail))


def audit(operator, station, action, **detail) -> None:
    """Write one audit row; DETAIL is stored as JSON."""
    code = operator.code if isinstance(operator, Operator) else (operator or "")
    _AUDIT.run(utcnow(), code, station or "", action, json.dumps(detail, default=_plain, sort_keys=True))


def station_seen(code: str, warehouse_code: str | None = None):
    """Record that station CODE is in use (at a login): which stations a site has, in which
    warehouse, and when each was last seen."""
    warehouse = Warehouse.get_or_none(Warehouse.code == warehouse_code) if warehouse_code else None
    with database.atomic():
        row = Station.get_or_none(Station.code == code)
        if row is None:
            try:
                with database.atomic():
                    return Station.create(code=code, warehouse=warehouse, last_seen=utcnow())
            except pw.IntegrityError:      # another process registered it just now
                row = Station.get(Station.code == code)
        row.last_seen = utcnow()
        if warehouse is not None:
            row.warehouse = warehouse
        row.save()
        return row


# --- credentials -------------------------------------------------------------------------------

def redact(text: str, url: str) -> str:
    """TEXT with the password of URL (plain and URL-encoded) replaced by ***: for any message
    that might quote a driver error."""
    from urllib.parse import unquote, urlsplit
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if not password:
        return text
    for form in {password, unquote(password)}:
        if form:
            text = text.replace(form, "***")
    return text
