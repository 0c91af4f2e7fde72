"""The audit trail: every posting, approval and login is readable with
`wh audit --from --to [--operator]`; credentials never appear in what the store shows."""
import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from db import counts
from db.ledger.audit_trail import audit_rows
from db.counts.models import CountLine, CountTask
from db.ledger.posting import Posting, post
from db.core.models import utcnow
from db.inventory import adjust, move
from tests import factories as f

from tests import ROOT


@pytest.fixture
def shop(store):
    f.warehouse()
    a, b = f.location("A-01"), f.location("B-01")
    soap = f.item("SOAP")
    for code, role in (("W1", "worker"), ("W2", "worker"), ("S1", "supervisor")):
        f.operator(code, role)
    f.give_stock(soap, a, 10)
    return dict(url=store, a=a, b=b, soap=soap)


def _login(url, code):
    """Log in through the real login flow, as the station does."""
    from terminal import config
    from terminal.flows.login import LoginFlow
    from terminal.session import Session
    cfg = config.load(None, url)
    session = Session.from_config(cfg)
    fb = LoginFlow(session).on_text(code)
    assert fb.level == "ok", fb
    return session


def _activity(shop):
    _login(shop["url"], "W1")
    move("SOAP", 2, "A-01", "B-01", operator="W1", station="ST-7", key="m1")
    adjust("SOAP", -1, "A-01", reason="LOSS", operator="S1", station="ST-9")
    count = counts.create_count(locations=["B-01"], operator="S1")
    task = CountTask.get(CountTask.count == count.id)
    counts.submit_count(task.id, [counts.Counted(item=shop["soap"], qty=1)], operator="W1")
    counts.submit_count(task.id, [counts.Counted(item=shop["soap"], qty=1)], operator="W2")
    line = CountLine.get(CountLine.count == count.id)
    assert line.status == "review"
    counts.approve(count.id, operator="S1", station="ST-9")
    # a posting long ago, outside the window asked for
    post(Posting(item=shop["soap"], qty=1, from_location=shop["a"], to_location=shop["b"], kind="move",
                 operator="W1", at=dt.datetime(2020, 5, 1, 12)))


def test_postings_approvals_and_logins_are_in_the_trail(shop):
    _activity(shop)
    today = utcnow().date()
    rows = audit_rows(today, today)
    actions = [(r["operator"], r["action"]) for r in rows]
    assert ("W1", "login") in actions
    assert ("W1", "post move") in actions
    assert ("S1", "post adjust") in actions and ("S1", "adjust") in actions
    assert ("S1", "count.approve") in actions
    # the count's posting is in it too, with the approving supervisor
    assert ("S1", "post count") in actions
    move_row = next(r for r in rows if r["action"] == "post move")
    assert move_row["station"] == "ST-7" and "2 × SOAP A-01 → B-01" in move_row["detail"] and "key m1" in move_row["detail"]
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    # the window: the 2020 move is not in today's rows, and is in its own day's
    assert not any("2020" in str(r["at"]) for r in rows)
    old = audit_rows(dt.date(2020, 5, 1), dt.date(2020, 5, 1))
    assert len(old) == 1 and old[0]["action"] == "post move"
    # one operator
    only = audit_rows(today, today, operator="S1")
    assert only and {r["operator"] for r in only} == {"S1"}
    logins = audit_rows(today, today, action="login")
    assert [r["operator"] for r in logins] == ["W1"]


@pytest.mark.slow
def test_cli_audit(shop, tmp_path):
    _activity(shop)
    from db.core.connection import database
    database.close()
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-CLI"\n')
    env = {k: v for k, v in os.environ.items() if k != "WH_CONFIG"}
    today = utcnow().date().isoformat()

    def wh(*argv):
        p = subprocess.run([sys.executable, "-m", "terminal.cli", "--db", shop["url"], "--config", str(cfg), *argv],
                           capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    code, out, err = wh("audit", "--from", today, "--to", today, "--operator", "S1", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert rows and {r["operator"] for r in rows} == {"S1"}
    assert {"post adjust", "adjust"} <= {r["action"] for r in rows}
    code, out, err = wh("audit", "--from", today, "--to", today, "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "at,operator,station,action,detail"
    assert any(",W1," in line and ",login," in line for line in out.splitlines()), out
    code, out, err = wh("audit", "--from", "2020-05-01", "--to", "2020-04-01")
    assert code == 2 and "before" in err


def test_credentials_never_shown(tmp_path):
    """A PostgreSQL URL with a password: the header text, errors of a failed connection and the
    CLI never show it."""
    from db.core.connection import describe_url
    from db.masterdata.security import redact
    secret = "Sup3r%2FSecret"
    url = f"postgresql://wh:{secret}@127.0.0.1:1/test"
    assert "Sup3r" not in describe_url(url)
    assert redact("oops Sup3r/Secret and Sup3r%2FSecret", url) == "oops *** and ***"
    env = {k: v for k, v in os.environ.items() if k != "WH_CONFIG"}
    for bad in (url, f"postgresql://nosuchrole:{secret}@127.0.0.1:5432/test",
                f"postgresql://wh:{secret}@127.0.0.1:5432/test?badoption=1"):
        p = subprocess.run([sys.executable, "-m", "terminal.cli", "--db", bad, "verify"], capture_output=True,
                           text=True, cwd=tmp_path, env=env, timeout=60)
        assert p.returncode == 1 and "cannot open the store" in p.stderr, p.stderr
        assert "Sup3r" not in p.stdout + p.stderr and "Traceback" not in p.stderr
    # the station's session (the header shows session.store)
    from terminal import config
    from terminal.session import Session
    session = Session.from_config(config.load(None, url))
    assert "Sup3r" not in session.store and session.store.startswith("postgresql://wh@127.0.0.1:1")
