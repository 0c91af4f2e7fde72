"""The purchase-sales-inventory reports: plain functions returning (rows, columns).

One small module per report; `catalog.run_report` is the one door the `wh report` CLI and
the supervisor screens both go through, so both show the same numbers.
"""
