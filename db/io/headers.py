"""Chinese column headers: what `wh import` accepts beside the English names, and what
`wh export --lang zh_CN` writes. docs/data.md lists them.

One Chinese header per column name, the words the files of Chinese 进销存 products use;
a few columns mean something else by kind (a location's `code` is 库位编码, a supplier's
供应商编码), so a kind may override the common word. Import also accepts a few synonyms
people type (编码 for any code, 数量 for any quantity).
"""
from __future__ import annotations

COMMON = {
    "sku": "商品编码", "name": "名称", "uom": "单位", "unit_cost": "成本单价", "unit_price": "销售单价",
    "reorder_point": "再订货点", "reorder_qty": "再订货量", "max_qty": "最高库存", "lot_tracked": "批次管理",
    "expiry_tracked": "保质期管理", "supplier": "供应商编码", "barcode": "条码", "pack_qty": "包装数量",
    "code": "编码", "warehouse": "仓库", "zone": "库区", "kind": "类型", "pick_sequence": "拣货顺序",
    "lead_time_days": "交货天数", "contact": "联系人", "address": "地址", "po": "采购单号",
    "customer": "客户编码", "qty": "数量", "expected_date": "预计到货日期", "so": "销售单号",
    "due_date": "交货日期", "priority": "优先级", "location": "库位", "lot": "批次", "expiry": "有效期至",
    "role": "角色", "decimals": "小数位数", "unit": "计量单位", "factor": "换算系数",
    "purchase_price": "采购单价", "sales_price": "销售单价", "min_shelf_life_days": "最短剩余保质期",
    "id": "序号", "at": "时间", "from": "来源库位", "to": "目标库位", "operator": "操作员",
    "station": "工作站", "reference": "单据", "reason": "原因", "date": "日期", "amount": "金额",
    "number": "单号", "terms_days": "账期天数", "credit_limit": "信用额度", "balance": "余额",
}
BY_KIND = {
    "locations": {"code": "库位编码"},
    "suppliers": {"code": "供应商编码", "name": "供应商名称"},
    "customers": {"code": "客户编码", "name": "客户名称"},
    "operators": {"code": "工号", "name": "姓名"},
    "items": {"name": "商品名称"},
}
SYNONYMS = {"编码": None, "数量": "qty", "商品名称": "name", "品名": "name", "条形码": "barcode",
            "批号": "lot", "有效期": "expiry", "单价": None}


def chinese(kind: str, column: str) -> str:
    """The Chinese header of COLUMN in a file of KIND (the column name itself if none)."""
    return BY_KIND.get(kind, {}).get(column) or COMMON.get(column, column)


def canonical(kind: str, header: str, columns: list[str]) -> str:
    """The column name a header means in a file of KIND, whose columns are COLUMNS: the English
    name as it is, a Chinese header of one of them, or a synonym; else HEADER unchanged (so the
    importer reports it as unknown)."""
    if header in columns:
        return header
    for column in columns:
        if chinese(kind, column) == header or COMMON.get(column) == header:
            return column
    if header in SYNONYMS:
        meant = SYNONYMS[header]
        if meant is None:        # a generic word: the kind's only column ending in that sense
            ends = "code" if header == "编码" else "price"
            hits = [c for c in columns if c == ends or c.endswith("_" + ends)]
            return hits[0] if len(hits) == 1 else header
        return meant if meant in columns else header
    return header
