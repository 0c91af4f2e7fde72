"""Lookups by code and barcode, and the operator/supervisor checks."""
import json

import pytest

from db.core.errors import NotFound, PermissionDenied, RuleViolation
from db.masterdata.lookup import (find_barcode, get_item, get_location, get_lot, get_po, get_so, warehouse_location)
from db.core.models import AuditLog, Operator
from db.masterdata.security import audit, get_operator, require_supervisor
from tests import factories as f


def test_unknown_codes_name_what_was_asked(store):
    with pytest.raises(NotFound, match="unknown item SKU 'NOPE'"):
        get_item("NOPE")
    with pytest.raises(NotFound, match="unknown location 'X-9'"):
        get_location("X-9")
    with pytest.raises(NotFound, match="unknown purchase order 'PO-9'"):
        get_po("PO-9")
    with pytest.raises(NotFound, match="unknown sales order 'SO-9'"):
        get_so("SO-9")
    it = f.item("A1", lot=True)
    with pytest.raises(NotFound, match="unknown lot 'L1' of item A1"):
        get_lot(it, "L1")
    f.lot(it, "L1")
    assert get_lot(it, "L1").code == "L1"


def test_barcode_matches_gtin14_both_ways(store):
    each = f.item("A1", barcodes=[("4006381333931", 1), ("14006381333938", 12)])
    upc = f.item("U1", barcodes=[("00012345678905", 1)])
    assert find_barcode("4006381333931") == (each, 1)
    assert find_barcode("04006381333931") == (each, 1)     # GTIN-14 of the EAN-13
    assert find_barcode("14006381333938") == (each, 12)    # case
    assert find_barcode("012345678905") == (upc, 1)        # UPC-A of a stored GTIN-14
    assert find_barcode("9999999999994") is None
    assert find_barcode("") is None


def test_warehouse_location_first_active_by_sequence(store):
    f.location("DOCK-2", kind="receiving", seq=2)
    dock1 = f.location("DOCK-1", kind="receiving", seq=1)
    dock1.active = False
    dock1.save()
    f.location("DOCK-3", kind="receiving", seq=3)
    assert warehouse_location("WH1", "receiving").code == "DOCK-2"
    with pytest.raises(NotFound, match="WH1 has no active quarantine location"):
        warehouse_location("WH1", "quarantine")
    with pytest.raises(NotFound, match="unknown warehouse 'WH9'"):
        warehouse_location("WH9", "receiving")


def test_operator_checks_and_audit(store):
    f.operator("W1")
    f.operator("S1", role="supervisor")
    Operator.create(code="OLD", role="supervisor", active=False)
    with pytest.raises(NotFound, match="unknown operator 'ZZ'"):
        get_operator("ZZ")
    with pytest.raises(RuleViolation, match="OLD is inactive"):
        get_operator("OLD")
    with pytest.raises(PermissionDenied, match="operator W1 is a worker; approving a count needs a supervisor"):
        require_supervisor("W1", "approving a count", station="ST-9")
    refused = AuditLog.get()     # the refusal is audited, with the station
    assert (refused.operator, refused.station, refused.action) == ("W1", "ST-9", "role_refused")
    assert json.loads(refused.detail)["wanted"] == "approving a count"
    assert require_supervisor("S1", "approving a count").code == "S1"
    audit("S1", "ST-1", "approve", count=5, note="ok")
    row = AuditLog.get(AuditLog.action == "approve")
    assert (row.operator, row.station, row.action) == ("S1", "ST-1", "approve")
    assert json.loads(row.detail) == {"count": 5, "note": "ok"}
