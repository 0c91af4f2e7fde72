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

Call `require_supervisor` before opening a write transaction: a failed attempt, and the audit
row of a refusal, are written in their own transaction, which a surrounding transaction that
rolls back would undo.

A PIN attempt is counted, and the lockout checked, in one write transaction with the
operator's row locked (BEGIN IMMEDIATE on SQLite, SELECT … FOR NO KEY UPDATE on PostgreSQL)
BEFORE the hash is compared: with a limit of 3, however many guesses arrive at once, at most 3
are compared; the others are refused as locked out.

Changing, clearing or unlocking a PIN that exists needs that operator's current PIN, or the PIN
of another supervisor (`authorize_pin_change`): else anyone could clear a supervisor's PIN and
then act as them.
"""
from __future__ import annotations

from gettext import gettext as _

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
from db.core.text import Phrase, english, phrase  # noqa: F401  (Phrase: for the callers' actions)


def N_(text: str) -> str:
    """Mark TEXT for the catalogue; it is translated where it is shown."""
    return text


# The roles as messages name them (the stored role stays the English word).
ROLE_WORDS = {"worker": N_("worker"), "supervisor": N_("supervisor")}


def refusal(template: str, phrases: tuple = (), **fields) -> tuple[str, str]:
    """TEMPLATE, an English message marked N_, filled with FIELDS twice: as the audit log keeps
    it (English, like every stored text) and as the operator reads it (translated, with the
    fields named in PHRASES translated too: `phrase`). For `refuse(..., *refusal(...))`."""
    shown = {k: phrase(v) if k in phrases else v for k, v in fields.items()}
    return template.format(**{k: english(v) for k, v in fields.items()}), _(template).format(**shown)


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
# The station of the current context, named in the audit rows of refusals.
_station: contextvars.ContextVar[str] = contextvars.ContextVar("wh_station", default="")


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
        raise NotFound(_("unknown operator {code!r}").format(code=code))
    if not op.active:
        raise RuleViolation(_("operator {code} is inactive: expected an active operator").format(code=op.code))
    return op


def pin_required(operator: str | Operator) -> bool:
    """OPERATOR's supervisor actions need their PIN: `[security] require_pin` is on and they
    have a PIN (a supervisor without one is not asked)."""
    if not _settings["require_pin"]:
        return False
    op = operator if isinstance(operator, Operator) else get_operator(operator)
    return bool(op.pin_hash)


def require_supervisor(code: str, action: str, *, station: str | None = None) -> Operator:
    """The operator, if a supervisor (with their PIN when one is set and required); else
    PermissionDenied naming the action. Every refusal is audited with the station. ACTION: a
    phrase marked N_ ("adjusting stock"): English in the audit log, translated in the message."""
    station = _station.get() if station is None else station
    op = get_operator(code)
    if not op.is_supervisor:
        refuse(op.code, station, "role_refused",
               *refusal(N_("operator {code} is a {role}; {action} needs a supervisor"), ("role", "action"),
                        code=op.code, role=op.role, action=action),
               role=op.role, wanted=english(action))
    if pin_required(op) and op.code not in _verified.get():
        source = _pin_source.get()
        pin = source(op.code) if source is not None else None
        if not pin:
            refuse(op.code, station, "pin_missing",
                   *refusal(N_("{action} needs supervisor {code}'s PIN; none was given"), ("action",),
                            action=action, code=op.code),
                   wanted=english(action))
        if not check_pin(op.code, pin, station=station):
            raise PermissionDenied(_("wrong PIN for supervisor {code}; {action} refused").format(
                code=op.code, action=phrase(action)))
        _verified.set(_verified.get() | {op.code})
    return op


def refuse(operator: str, station: str, action: str, message: str, shown: str | None = None, **detail) -> None:
    """Audit a refusal (in its own transaction when none is open) and raise PermissionDenied.
    MESSAGE is audited; SHOWN (default MESSAGE) is the exception's text, in the chosen language
    (`refusal` makes both)."""
    from db.core.connection import write_transaction
    try:
        with write_transaction():
            audit(operator, station, action, reason=message, **detail)
    except pw.DatabaseError:     # the refusal stands even when its audit row cannot be written
        pass
    raise PermissionDenied(message if shown is None else shown)


def authorize_pin_change(code: str, by: str | None, what: str, *, station: str = "") -> Operator:
    """May BY change, clear or unlock operator CODE's PIN? Freely when CODE has no PIN and is
    not locked out (a fresh store, a first PIN). Otherwise BY must give a PIN (from the PIN
    source): CODE's own current one, or, when BY is another operator, a supervisor's, and that
    supervisor must have a PIN. The PIN is checked (and counted) as any other. Returns CODE's row.
    WHAT: a phrase marked N_ ("changing the PIN"), translated where it is shown."""
    target = get_operator(code)
    if not target.pin_hash and target.locked_until is None:
        return target
    by = by or target.code
    if by != target.code:
        actor = get_operator(by)
        if not actor.is_supervisor:
            refuse(actor.code, station, "role_refused",
                   *refusal(N_("operator {code} is a {role}; {what} of {target} needs "
                               "{target}'s current PIN or a supervisor's"), ("role", "what"),
                            code=actor.code, role=actor.role, what=what, target=target.code),
                   role=actor.role, of=target.code, wanted=english(what))
        if not actor.pin_hash:
            refuse(actor.code, station, "pin_missing",
                   *refusal(N_("supervisor {code} has no PIN, so cannot vouch for {what} of {target}: "
                               "give {target}'s current PIN or that of a supervisor who has one"), ("what",),
                            code=actor.code, what=what, target=target.code),
                   of=target.code)
    if by in _verified.get():
        return target
    source = _pin_source.get()
    pin = source(by) if source is not None else None
    if not pin:
        refuse(by, station, "pin_missing",
               *refusal(N_("{what} of {target} needs {target}'s current PIN or another supervisor's "
                           "(--operator SUPERVISOR --pin PIN); none was given"), ("what",),
                        what=what, target=target.code),
               of=target.code)
    if not check_pin(by, pin, station=station):
        raise PermissionDenied(_("wrong PIN for {by}; {what} of {target} refused").format(
            by=by, what=phrase(what), target=target.code))
    _verified.set(_verified.get() | {by})
    return target


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
        raise InvalidInput(_("a PIN must be {least} to {most} digits (typed on the number pad); "
                             "got {n} characters").format(least=PIN_MIN, most=PIN_MAX,
                                                          n=len(pin) if isinstance(pin, str) else 0))
    return pin


def set_pin(code: str, pin: str | None, *, by: str = "", station: str = "") -> Operator:
    """Set (or, with PIN None, remove) the operator's PIN; clears failures and any lockout.
    An existing PIN is changed only with it or another supervisor's (`authorize_pin_change`)."""
    from db.core.connection import write_transaction
    stored = hash_pin(_valid_pin(pin)) if pin is not None else None
    op = authorize_pin_change(code, by or None, N_("changing the PIN") if pin is not None else N_("clearing the PIN"),
                              station=station)
    with write_transaction():
        Operator.update(pin_hash=stored, failed_pin_attempts=0, locked_until=None).where(
            Operator.id == op.id).execute()
        audit(by or op.code, station, "set_pin" if pin is not None else "clear_pin", of=op.code)
    return Operator.get_by_id(op.id)


def unlock(code: str, *, by: str = "", station: str = "") -> Operator:
    """Lift a PIN lockout: another supervisor's PIN is needed (the locked operator's own PIN
    is not checked while locked out)."""
    from db.core.connection import write_transaction
    op = authorize_pin_change(code, by or None, N_("unlocking"), station=station)
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
    with PermissionDenied (not even checked, so guessing gains nothing).

    The attempt is counted and the lockout checked in one transaction with the operator's row
    locked, before the (slow) hash is compared: attempts beyond the limit that arrive while
    the first ones are still being compared are refused unchecked."""
    from db.core.connection import write_transaction
    from db.core.sql import locked
    limit = _settings["max_pin_attempts"]
    op = get_operator(code)
    if not op.pin_hash:
        return False
    with write_transaction():
        op = locked(Operator, op.id)
        now = utcnow()
        left = locked_for(op, now)
        attempts = op.failed_pin_attempts
        if not left and op.locked_until is not None:      # an expired lockout starts afresh
            attempts = 0
        if not left and attempts >= limit:                # guesses beyond the limit in flight
            op.locked_until = now + dt.timedelta(seconds=_settings["lockout_seconds"])
            left = locked_for(op, now) if _settings["lockout_seconds"] else 0
            Operator.update(locked_until=op.locked_until).where(Operator.id == op.id).execute()
        if left:
            audit(op.code, station, "pin_refused_locked", seconds_left=left)
        else:
            Operator.update(failed_pin_attempts=attempts + 1, locked_until=None).where(
                Operator.id == op.id).execute()
    if left:
        raise PermissionDenied(_("operator {code} is locked out after {limit} wrong PINs; try again in {left} s").format(
            code=op.code, limit=limit, left=left))
    if isinstance(pin, str) and _matches(pin, op.pin_hash):
        with write_transaction():
            Operator.update(failed_pin_attempts=0).where(Operator.id == op.id).execute()
        return True
    with write_transaction():
        fresh = locked(Operator, op.id)
        failures = min(fresh.failed_pin_attempts, limit)
        if failures >= limit and fresh.locked_until is None:
            until = utcnow() + dt.timedelta(seconds=_settings["lockout_seconds"])
            Operator.update(locked_until=until).where(Operator.id == op.id).execute()
            audit(op.code, station, "pin_locked", failures=failures, until=until)
        else:
            audit(op.code, station, "pin_failed", failures=failures)
    return False


@contextmanager
def pin_source(source: Callable[[str], str | None] | None, station: str | None = None) -> Iterator[None]:
    """Within the block, `require_supervisor` asks SOURCE(operator_code) for a PIN when it needs
    one (the CLI passes --pin, $WH_PIN or a getpass prompt; the station its PIN dialog).
    STATION is named in the audit rows of refusals inside the block."""
    token = _pin_source.set(source)
    verified = _verified.set(frozenset())
    where = _station.set(station if station is not None else _station.get())
    try:
        yield
    finally:
        _station.reset(where)
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
