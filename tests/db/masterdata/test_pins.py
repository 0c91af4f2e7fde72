"""Supervisor PINs: scrypt with a random salt (never the PIN itself), checked by the store layer
for every supervisor action when set, rate-limited by a lockout, and supplied on the command
line by --pin, $WH_PIN or a prompt."""
import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from db.masterdata import security
from db.core.errors import InvalidInput, PermissionDenied
from db.core.models import AuditLog, Movement, Operator
from db.inventory import adjust
from tests import factories as f

from tests import ROOT


@pytest.fixture(autouse=True)
def default_security():
    saved = security.settings()
    security.configure(require_pin=True, max_pin_attempts=3, lockout_seconds=60)
    yield
    security.configure(**saved)


@pytest.fixture
def shop(sqlite_store):
    f.warehouse()
    a1 = f.location("A-01")
    soap = f.item("SOAP")
    f.give_stock(soap, a1, 10)
    f.operator("W1")
    f.operator("S1", role="supervisor")
    f.operator("S2", role="supervisor")
    return sqlite_store


def test_pin_is_stored_as_salted_scrypt(shop):
    security.set_pin("S1", "4711")
    security.set_pin("S2", "4711")
    h1, h2 = Operator.get(code="S1").pin_hash, Operator.get(code="S2").pin_hash
    assert h1.startswith("scrypt$") and "4711" not in h1
    assert h1 != h2, "the same PIN must hash differently (random salt)"
    assert security.check_pin("S1", "4711") and security.check_pin("S2", "4711")
    assert not security.check_pin("S1", "4712")


@pytest.mark.parametrize("bad", ["12", "abcd", "12 34", "1234567890123", ""])
def test_a_pin_is_4_to_12_digits(shop, bad):
    with pytest.raises(InvalidInput, match="a PIN must be 4 to 12 digits"):
        security.set_pin("S1", bad)
    assert Operator.get(code="S1").pin_hash is None


def test_wrong_pins_lock_the_operator_out(shop):
    security.set_pin("S1", "4711")
    assert not security.check_pin("S1", "0000")
    assert not security.check_pin("S1", "0001")
    assert Operator.get(code="S1").failed_pin_attempts == 2
    assert not security.check_pin("S1", "0002")     # the third failure locks
    op = Operator.get(code="S1")
    assert op.locked_until is not None and 55 <= security.locked_for(op) <= 60
    with pytest.raises(PermissionDenied, match="S1 is locked out after 3 wrong PINs; try again in"):
        security.check_pin("S1", "4711")            # even the right PIN, while locked
    actions = [a.action for a in AuditLog.select().where(AuditLog.operator == "S1").order_by(AuditLog.id)]
    assert actions == ["set_pin", "pin_failed", "pin_failed", "pin_locked"]
    assert all("4711" not in a.detail and "000" not in a.detail for a in AuditLog.select())
    # the lockout ends
    Operator.update(locked_until=dt.datetime(2000, 1, 1)).where(Operator.code == "S1").execute()
    assert security.check_pin("S1", "4711")
    # a right PIN resets the count of failures
    assert not security.check_pin("S1", "1")
    assert security.check_pin("S1", "4711")
    assert Operator.get(code="S1").failed_pin_attempts == 0


def test_unlock_lifts_a_lockout(shop):
    security.set_pin("S1", "4711")
    for _ in range(3):
        security.check_pin("S1", "9999")
    security.unlock("S1", by="S2")
    assert security.check_pin("S1", "4711")


def test_supervisor_action_needs_the_pin_when_one_is_set(shop):
    adjust("SOAP", -1, "A-01", reason="LOSS", operator="S1")   # no PIN set yet: allowed
    security.set_pin("S1", "4711")
    with pytest.raises(PermissionDenied, match="adjusting stock needs supervisor S1's PIN"):
        adjust("SOAP", -1, "A-01", reason="LOSS", operator="S1")
    with security.supervisor_pin("S1", "1111"):
        with pytest.raises(PermissionDenied, match="wrong PIN for supervisor S1; adjusting stock refused"):
            adjust("SOAP", -1, "A-01", reason="LOSS", operator="S1")
    assert Operator.get(code="S1").failed_pin_attempts == 1
    # another supervisor's PIN does not open S1's action
    with security.supervisor_pin("S2", "4711"):
        with pytest.raises(PermissionDenied, match="needs supervisor S1's PIN"):
            adjust("SOAP", -1, "A-01", reason="LOSS", operator="S1")
    with security.supervisor_pin("S1", "4711"):
        adjust("SOAP", -1, "A-01", reason="LOSS", operator="S1")
        adjust("SOAP", -1, "A-01", reason="LOSS", operator="S1")
    assert Movement.select().where(Movement.kind == "adjust").count() == 3
    # outside the block the PIN is needed again
    with pytest.raises(PermissionDenied, match="needs supervisor S1's PIN"):
        adjust("SOAP", -1, "A-01", reason="LOSS", operator="S1")


def test_require_pin_off_skips_the_check(shop):
    security.set_pin("S1", "4711")
    security.configure(require_pin=False)
    adjust("SOAP", -1, "A-01", reason="LOSS", operator="S1")
    assert Movement.select().where(Movement.kind == "adjust").count() == 1


def test_a_locked_out_supervisor_cannot_act(shop):
    security.set_pin("S1", "4711")
    for _ in range(3):
        security.check_pin("S1", "9999")
    with security.supervisor_pin("S1", "4711"):
        with pytest.raises(PermissionDenied, match="locked out"):
            adjust("SOAP", -1, "A-01", reason="LOSS", operator="S1")


# --- the command line ---------------------------------------------------------------------------

@pytest.fixture
def wh(shop, tmp_path):
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-CLI"\nwarehouse = "WH1"\n')
    base_env = {k: v for k, v in os.environ.items() if k not in ("WH_CONFIG", "WH_PIN")}

    def run(*argv, stdin="", env=None, config=cfg):
        proc = subprocess.run([sys.executable, "-m", "terminal.cli", "--db", shop, "--config", str(config), *argv],
                              input=stdin, capture_output=True, text=True, cwd=ROOT,
                              env={**base_env, **(env or {})}, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr
    from db.core.connection import database
    database.close()
    return run


@pytest.mark.slow
def test_cli_pin_flag_env_and_set_pin(wh, tmp_path):
    code, out, err = wh("operator", "set-pin", "S1", "--pin-stdin", stdin="4711\n")
    assert code == 0 and "PIN set for S1" in out and "4711" not in out + err
    code, out, _ = wh("operator", "pins", "--format", "json")
    pins = {r["operator"]: r["pin"] for r in json.loads(out)}
    assert pins == {"S1": "yes", "S2": "no", "W1": "no"}
    adjust_argv = ("adjust", "--sku", "SOAP", "--qty", "-1", "--location", "A-01", "--reason", "LOSS", "--operator", "S1")
    code, out, err = wh(*adjust_argv)
    assert code == 1 and "needs supervisor S1's PIN" in err
    code, out, err = wh(*adjust_argv, "--pin", "1234")
    assert code == 1 and "wrong PIN for supervisor S1" in err and "1234" not in err
    code, out, err = wh(*adjust_argv, "--pin", "4711")
    assert code == 0, err
    code, out, err = wh(*adjust_argv, env={"WH_PIN": "4711"})
    assert code == 0, err
    # with require_pin = false in the config, no PIN is asked
    relaxed = tmp_path / "relaxed.toml"
    relaxed.write_text('[station]\nid = "ST-CLI"\n\n[security]\nrequire_pin = false\n')
    code, out, err = wh(*adjust_argv, config=relaxed)
    assert code == 0, err
    assert Movement.select().where(Movement.kind == "adjust").count() == 3
    # lockout from the command line
    for _ in range(3):
        wh(*adjust_argv, "--pin", "0000")
    code, out, err = wh(*adjust_argv, "--pin", "4711")
    assert code == 1 and "locked out" in err
    code, out, err = wh("operator", "unlock", "S1")
    assert code == 0
    code, out, err = wh(*adjust_argv, "--pin", "4711")
    assert code == 0, err
    for a in AuditLog.select():
        assert "4711" not in a.detail
