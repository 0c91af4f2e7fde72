"""A serial scanner on a real pty feeds the real app: scans post, in order, none lost."""
from __future__ import annotations

import os
import subprocess
import sys
import tty

import pytest

from db.ledger.posting import verify
from db.core.models import Movement, PurchaseOrderLine
from tests import terminal_data as td
from tests.app_support import async_test, flat, login, make_app, settle, type_

pytestmark = pytest.mark.slow


def write_from_other_process(master: int, payload: bytes) -> None:
    code = "import os, sys\nos.write(%d, sys.stdin.buffer.read())\n" % master
    subprocess.run([sys.executable, "-c", code], input=payload, pass_fds=(master,), check=True, timeout=30)


@async_test
async def test_scans_from_a_pty_serial_scanner_post(sqlite_store, tmp_path):
    import asyncio
    td.seed()
    td.purchase_order("PO-1042", lines=(("SKU-100", 24), ("SKU-200", 12)))
    master, slave = os.openpty()
    tty.setraw(slave)
    app = make_app(sqlite_store, tmp_path, scanner__type="serial", scanner__port=os.ttyname(slave),
                   scanner__terminator="CR")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for _ in range(100):
                if app.scanner_state == "connected":
                    break
                await asyncio.sleep(0.05)
            assert "Scanner connected" in flat(app)
            await login(pilot)
            await type_(pilot, "1", enter=False)
            # The badge-less part of the shift: PO, 12 quick item scans with an AIM identifier,
            # a GS1 scan whose lot is ended by GS, all in one burst from another process.
            payload = b"PO-1042\r" + b"]E04006381333931\r" * 12 + \
                b"]C10105901234123457" + b"10LOT-S\x1d" + b"17301231\r"
            write_from_other_process(master, payload)
            for _ in range(200):
                await settle(pilot)
                if Movement.select().where(Movement.kind == "receipt").count() >= 13:
                    break
                await asyncio.sleep(0.05)
            line1 = PurchaseOrderLine.get(PurchaseOrderLine.line_no == 1)
            assert line1.qty_received == 12
            lot = Movement.select().where(Movement.kind == "receipt").order_by(Movement.id.desc()).first().lot
            assert lot.code == "LOT-S" and str(lot.expiry) == "2030-12-31"
            text = flat(app)
            assert "received 1 × SKU-200 lot LOT-S" in text
            assert "Scan an item for PO-1042" in text
    finally:
        os.close(master)
        os.close(slave)
    assert verify().consistent
