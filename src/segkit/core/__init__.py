"""Shared foundations: canonical column names, the one input-error type, column checks, atomic files, statistics helpers, privacy."""

from __future__ import annotations

from segkit.core.checks import require_columns
from segkit.core.errors import InputError, sample_offenders
from segkit.core.files import existing_file, file_sha256, write_parquet_atomic
from segkit.core.privacy import (
    KEY_ENV,
    PII_COLUMNS,
    drop_pii,
    find_pii,
    is_pii_column,
    pii_values,
    pseudonym_key,
    pseudonymize,
    redact,
)
from segkit.core.schema import (
    AMOUNT,
    CUSTOMER_ID,
    CUSTOMER_TABLE_COLUMNS,
    FIRST_PURCHASE,
    ITEMS,
    LAST_PURCHASE,
    LINES,
    OPTIONAL_TRANSACTION_COLUMNS,
    ORDER_DATE,
    ORDER_ID,
    ORDERS,
    PRODUCT_ID,
    PURCHASE_DAYS,
    QUANTITY,
    REVENUE,
    TRANSACTION_COLUMNS,
    UNIT_PRICE,
)
from segkit.core.stats import IndependenceTest, adjust_pvalues, independence_test

__all__ = [
    "InputError",
    "sample_offenders",
    "CUSTOMER_ID",
    "ORDER_ID",
    "ORDER_DATE",
    "PRODUCT_ID",
    "QUANTITY",
    "UNIT_PRICE",
    "AMOUNT",
    "TRANSACTION_COLUMNS",
    "OPTIONAL_TRANSACTION_COLUMNS",
    "FIRST_PURCHASE",
    "LAST_PURCHASE",
    "ORDERS",
    "PURCHASE_DAYS",
    "REVENUE",
    "ITEMS",
    "LINES",
    "CUSTOMER_TABLE_COLUMNS",
    "require_columns",
    "file_sha256",
    "write_parquet_atomic",
    "existing_file",
    "adjust_pvalues",
    "IndependenceTest",
    "independence_test",
    "KEY_ENV",
    "PII_COLUMNS",
    "pseudonym_key",
    "pseudonymize",
    "is_pii_column",
    "drop_pii",
    "pii_values",
    "find_pii",
    "redact",
]
