"""Issue 15, section 4: nobody bypasses a role or a PIN. A supervisor's PIN is changed only
with it or another supervisor's; PIN guesses are counted before they are compared (30 at once
against a limit of 3: at most 3 compared); refusals are audited with the station; the ledger
itself refuses an adjustment by a worker; imports of stock and roles are a supervisor's; the
store, its backups and the offline journal are their owner's alone."""
import json
import multiprocessing
import os
import stat

import pytest

from db.core.connection import database, open_database
from db.core.errors import NotFound, PermissionDenied
from db.core.models import AuditLog, Movement, Operator
from db.ledger.posting import Posting, post
from db.ledger.roles import forget_roles
from db.io.importer import import_csv
from db.masterdata import security
from tests import factories as f


@pytest.fixture(autouse=True)
def default_security():
    saved = security.settings()
    security.configure(require_pin=True, max_pin_attempts=3, lockout_seconds=60)
    forget_roles()
    yield
    security.configure(**saved)
    forget_roles()


@pytest.fixture
def shop(store):
    f.warehouse()
    a1 = f.location("A-01")
    f.give_stock(f.item("SOAP"), a1, 10)
    f.operator("W1")
    f.operator("S1", role="supervisor")
    f.operator("S2", role="supervisor")
    return store


def _actions(**where):
    q = AuditLog.select().order_by(AuditLog.id)
    for k, v in where.items():
        q = q.where(getattr(AuditLog, k) == v)
    return [a.action for a in q]


# --- changing a supervisor's PIN ----------------------------------------------------------------

def test_a_supervisors_pin_is_changed_only_with_it_or_another_supervisors(shop):
    security.set_pin("S1", "4711")          # a first PIN: nothing to protect yet
    with pytest.raises(PermissionDenied, match="clearing the PIN of S1 needs S1's current PIN or another supervisor's"):
        security.set_pin("S1", None)
    with pytest.raises(PermissionDenied, match="W1 is a worker; unlocking of S1 needs"):
        security.unlock("S1", by="W1")
    with pytest.raises(PermissionDenied, match="S2 has no PIN, so cannot vouch"):
        with security.supervisor_pin("S2", "0000"):
            security.set_pin("S1", "1111", by="S2")
    with security.supervisor_pin("S1", "0000"):
        with pytest.raises(PermissionDenied, match="wrong PIN for S1"):
            security.set_pin("S1", "1111")
    assert security.check_pin("S1", "4711")       # nothing changed
    with security.supervisor_pin("S1", "4711"):   # its own current PIN
        security.set_pin("S1", "2468")
    assert security.check_pin("S1", "2468")
    security.set_pin("S2", "1357")
    with security.supervisor_pin("S2", "1357"):   # another supervisor's
        security.set_pin("S1", None, by="S2", station="ST-7")
    assert Operator.get(code="S1").pin_hash is None
    rows = {(a.operator, a.action, a.station) for a in AuditLog.select()}
    assert ("S2", "clear_pin", "ST-7") in rows and ("W1", "role_refused", "") in rows


# --- PIN guesses: counted, then compared -----------------------------------------------------------

def _guess(url, barrier, results, n):
    open_database(url).connect(reuse_if_open=True)
    try:
        barrier.wait(timeout=60)
        try:
            results.put((n, "right" if security.check_pin("S1", f"{n:04d}" if n else "4711", station=f"P{n}")
                         else "wrong"))
        except PermissionDenied:
            results.put((n, "locked"))
    finally:
        database.close()


def test_thirty_parallel_guesses_against_a_limit_of_three_check_at_most_three(shop):
    security.set_pin("S1", "4711")
    database.close()
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(30), ctx.Queue()
    procs = [ctx.Process(target=_guess, args=(shop, barrier, results, n)) for n in range(1, 31)]
    for p in procs:
        p.start()
    outcome = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    open_database(shop).connect(reuse_if_open=True)
    compared = sorted(outcome.values()).count("wrong")
    assert compared <= 3 and sorted(outcome.values()).count("locked") == 30 - compared
    failures = AuditLog.select().where(AuditLog.action.in_(["pin_failed", "pin_locked"])).count()
    assert failures == compared
    refused = AuditLog.select().where(AuditLog.action == "pin_refused_locked")
    assert refused.count() == 30 - compared and all(r.station.startswith("P") for r in refused)
    assert security.locked_for(Operator.get(code="S1")) > 0


# --- the ledger's own role check ------------------------------------------------------------------

def test_the_ledger_refuses_an_adjustment_by_a_worker_whoever_calls_it(shop):
    soap, a1 = f.Item.get(sku="SOAP"), f.Location.get(code="A-01")
    gain = f.virtual("inventory-gain")
    before = Movement.select().count()
    for who, message in (("W1", "operator W1 is a worker; a movement of kind adjust needs a supervisor"),
                         ("NOBODY", "'NOBODY' is not an operator")):
        with pytest.raises(PermissionDenied, match=message):
            post(Posting(item=soap, qty=5, from_location=gain, to_location=a1, kind="adjust",
                         operator=who, station="ST-3"))
    assert Movement.select().count() == before
    refused = AuditLog.get(AuditLog.operator == "W1", AuditLog.action == "role_refused")
    assert refused.station == "ST-3" and json.loads(refused.detail)["wanted"] == "post adjust"
    # a supervisor may; other kinds need no role
    post(Posting(item=soap, qty=5, from_location=gain, to_location=a1, kind="adjust", operator="S1"))
    post(Posting(item=soap, qty=1, from_location=a1, to_location=f.location("A-02"), kind="move", operator="W1"))
    assert Movement.select().count() == before + 2
    # a demotion imported in this process is seen at once
    Operator.update(role="worker").where(Operator.code == "S1").execute()
    forget_roles()
    with pytest.raises(PermissionDenied, match="S1 is a worker"):
        post(Posting(item=soap, qty=5, from_location=gain, to_location=a1, kind="adjust", operator="S1"))


# --- imports of stock and roles -----------------------------------------------------------------

def test_importing_stock_or_operators_is_a_supervisors_action(shop, tmp_path):
    stock = b"sku,location,qty\nSOAP,A-01,5\n"
    ops = b"code,name,role\nW1,Ana,supervisor\n"
    before = Movement.select().count()
    with pytest.raises(PermissionDenied, match="W1 is a worker; importing stock needs a supervisor"):
        import_csv("stock", stock, operator="W1", station="ST-2")
    with pytest.raises(PermissionDenied, match="W1 is a worker; importing operators needs a supervisor"):
        import_csv("operators", ops, operator="W1", station="ST-2")
    with pytest.raises(NotFound, match="unknown operator 'IMPORT'"):
        import_csv("stock", stock)
    assert Movement.select().count() == before and Operator.get(code="W1").role == "worker"
    assert _actions(operator="W1") == ["role_refused", "role_refused"]
    assert {a.station for a in AuditLog.select().where(AuditLog.operator == "W1")} == {"ST-2"}
    security.set_pin("S1", "4711")
    with pytest.raises(PermissionDenied, match="importing operators needs supervisor S1's PIN"):
        import_csv("operators", ops, operator="S1")
    with security.supervisor_pin("S1", "4711"):
        import_csv("operators", ops, operator="S1", station="ST-2")
        import_csv("stock", stock, operator="S1", station="ST-2")
    assert Operator.get(code="W1").role == "supervisor" and Movement.select().count() == before + 1
    imports = [json.loads(a.detail) for a in AuditLog.select().where(AuditLog.action == "import").order_by(AuditLog.id)]
    assert [(d["kind"], d["rows"]) for d in imports] == [("operators", 1), ("stock", 1)]


def test_a_store_without_a_supervisor_takes_its_first_operators_file(store):
    import_csv("operators", b"code,name,role\nS9,Sam,supervisor\nW9,Wu,worker\n")
    assert Operator.get(code="S9").is_supervisor
    with pytest.raises(PermissionDenied, match="W9 is a worker"):
        import_csv("operators", b"code,name,role\nW9,Wu,supervisor\n", operator="W9")


# --- files: the owner's alone ---------------------------------------------------------------------

def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_store_backup_and_journal_are_created_0600_in_0700_folders(tmp_path):
    from db.core.schema import init_schema
    from db.io.backup import backup_sqlite
    from db.offline.journal import Journal
    old = os.umask(0o022)      # a usual umask: files 0644 unless the product says otherwise
    try:
        store = tmp_path / "site" / "data" / "store.db"
        url = f"sqlite:///{store}"
        open_database(url).connect(reuse_if_open=True)
        init_schema()
        f.warehouse()
        assert _mode(store) == 0o600
        assert _mode(store.parent) == 0o700 and _mode(store.parent.parent) == 0o700
        for extra in ("-wal", "-shm"):
            side = store.with_name(store.name + extra)
            if side.exists():
                assert _mode(side) == 0o600, extra
        copy = backup_sqlite(url, tmp_path / "backups" / "nightly.db")
        assert _mode(copy) == 0o600 and _mode(copy.parent) == 0o700
        journal = Journal(tmp_path / "offline" / "journal.db")
        journal.close()
        assert _mode(tmp_path / "offline" / "journal.db") == 0o600
        assert _mode(tmp_path / "offline") == 0o700
    finally:
        os.umask(old)
        database.close()


def test_refusals_on_the_command_line_are_audited_with_the_station(shop, tmp_path, capsys):
    from terminal.cli import main
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-CLI9"\nwarehouse = "WH1"\n')
    security.set_pin("S1", "4711")
    argv = ["--db", shop, "--config", str(cfg), "adjust", "--sku", "SOAP", "--qty", "1", "--location", "A-01",
            "--reason", "FOUND"]
    assert main(argv + ["--operator", "W1"]) == 1
    assert main(argv + ["--operator", "S1"]) == 1          # no PIN given (no terminal to ask on)
    for n in range(4):
        assert main(argv + ["--operator", "S1", "--pin", f"000{n}"]) == 1
    err = capsys.readouterr().err
    assert "W1 is a worker; adjusting stock needs a supervisor" in err and "locked out" in err
    rows = [(a.operator, a.action, a.station) for a in AuditLog.select().order_by(AuditLog.id)
            if a.action != "set_pin"]
    assert rows == [("W1", "role_refused", "ST-CLI9"), ("S1", "pin_missing", "ST-CLI9"),
                    ("S1", "pin_failed", "ST-CLI9"), ("S1", "pin_failed", "ST-CLI9"),
                    ("S1", "pin_locked", "ST-CLI9"), ("S1", "pin_refused_locked", "ST-CLI9")]
