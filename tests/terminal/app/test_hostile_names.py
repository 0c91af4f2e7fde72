"""Issue 15 §6: names are free text, but a terminal obeys escape sequences. A name holding
ESC sequences and a bidi override shows them as escapes on the station's screens (header,
tables, banner), never as raw control characters."""
from __future__ import annotations

import pytest

from db.core.models import Item, Operator
from tests import terminal_data as td
from tests.app_support import async_test, flat, key, make_app, scan, screen_text, settle, type_

pytestmark = pytest.mark.slow
EVIL = "Widget\x1b[2J\x1b]0;owned\x07\u202eevil"


@async_test
async def test_control_characters_in_names_are_shown_as_escapes(sqlite_store, tmp_path):
    td.seed()
    td.purchase_order("PO-1042", lines=(("SKU-100", 24),))
    Item.update(name=EVIL).where(Item.sku == "SKU-100").execute()
    Operator.update(name="Anna\x1b[5m").where(Operator.code == "W1").execute()
    app = make_app(sqlite_store, tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await scan(pilot, "OP-W1")
        assert "Operator W1 Anna\\x1b[5m" in flat(app)           # the header
        await type_(pilot, "7", enter=False)                      # Lookup: the item's name
        await scan(pilot, td.WIDGET_EAN)
        text = screen_text(app)
        assert "Widget\\x1b[2J\\x1b]0;owned\\x07\\u202eevil" in text.replace("\n", "")
        await key(pilot, "escape")
        await type_(pilot, "1", enter=False)                      # Receive: the PO's table
        await scan(pilot, "PO-1042")
        text = screen_text(app)
        assert "Widget\\x1b[" in text
        for ch in ("\x1b", "\x07", "\u202e"):
            assert ch not in text
