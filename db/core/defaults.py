"""The default of every config key the store's rules take, written once.

The store never reads config.toml (terminal/config.py does, strictly); its functions take these
values as arguments, and fall back to the defaults below. terminal/config.py takes its defaults
for these keys from here, and config.toml ships them (tests/terminal/test_config.py checks all
three agree). No imports: the CLI reads this without loading the store.
"""
from __future__ import annotations

DATABASE = {"sqlite_synchronous": "FULL", "busy_timeout_ms": 10000, "retries": 5, "retry_delay_ms": 500,
            "pg_keepalive_s": 5, "pg_statement_timeout_ms": 5000}
RECEIVING = {"over_receipt_tolerance_pct": 10.0}
PICKING = {"fefo": True}
COUNT = {"blind": True, "tolerance_units": 0, "tolerance_pct": 0.0, "tolerance_value": 0.0, "auto_approve": False,
         "frequency_a_days": 30, "frequency_b_days": 90, "frequency_c_days": 365}
ABC = {"a_share": 0.80, "b_share": 0.15}
SUPPLIERS = {"weight_on_time": 0.35, "weight_fill_rate": 0.25, "weight_quality": 0.25, "weight_price": 0.15}
REPORTS = {"dead_stock_days": 90, "window_days": 90, "abc_days": 365}
SECURITY = {"require_pin": True, "max_pin_attempts": 3, "lockout_seconds": 60}
