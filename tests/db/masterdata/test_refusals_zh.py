"""A refusal reads in the station's language; the audit trail keeps it in English (one store,
stations in two languages: its records are in one)."""
import pytest

from db.core.errors import PermissionDenied
from db.core.models import AuditLog
from db.counts import create_count
from db.io.importer import import_csv
from tests import factories as f


def test_a_worker_refused_in_chinese_is_audited_in_english(sqlite_store, tmp_path, zh):
    f.warehouse(), f.location("A-01"), f.operator("W1")
    with pytest.raises(PermissionDenied) as info:
        create_count(operator="W1", locations=["A-01"])
    assert "主管" in str(info.value) and "needs a supervisor" not in str(info.value)
    row = AuditLog.select().where(AuditLog.action == "role_refused").order_by(AuditLog.id.desc()).first()
    assert "creating a count needs a supervisor" in row.detail and "主管" not in row.detail
    path = tmp_path / "stock.csv"
    f.item("A1")
    path.write_text("sku,location,qty\nA1,A-01,1\n", encoding="utf-8")
    with pytest.raises(PermissionDenied):
        import_csv("stock", path, operator="W1")
    row = AuditLog.select().where(AuditLog.action == "role_refused").order_by(AuditLog.id.desc()).first()
    assert "importing stock needs a supervisor" in row.detail
