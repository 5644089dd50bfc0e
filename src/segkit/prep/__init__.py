"""Preparation: the cleaning rules with their audit, and aggregation to one row per customer / order / purchase day on pandas, DuckDB or Spark."""

from __future__ import annotations

from segkit.prep.aggregate import BACKENDS, ORDER_TABLE_COLUMNS, TIMESTAMP_DTYPE, customer_table, normalise, order_table, scan
from segkit.prep.cleaning import CleaningResult, clean_transactions, write_audit_json
from segkit.prep.options import CANCELLATION_MODES, NON_PRODUCT_CODES, NON_PRODUCT_REGEX, RULES, CleaningOptions

__all__ = [
    "BACKENDS",
    "TIMESTAMP_DTYPE",
    "ORDER_TABLE_COLUMNS",
    "scan",
    "normalise",
    "customer_table",
    "order_table",
    "CleaningResult",
    "clean_transactions",
    "write_audit_json",
    "RULES",
    "NON_PRODUCT_CODES",
    "NON_PRODUCT_REGEX",
    "CANCELLATION_MODES",
    "CleaningOptions",
]
