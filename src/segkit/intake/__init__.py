"""Raw inputs to validated canonical tables: files in the encodings found in the wild, frames, databases, presets, column mappings."""

from __future__ import annotations

from segkit.intake.customers import load_customers
from segkit.intake.database import DatabaseSource, read_database, redact_url
from segkit.intake.files import (
    ALL_SHEETS,
    COMPRESSED_SUFFIXES,
    EXCEL_ENGINE,
    EXCEL_SUFFIXES,
    GB18030_PLAUSIBLE_SHARE,
    PARQUET_SUFFIXES,
    TEXT_SUFFIXES,
    detect_encoding,
    load_table,
    read_table,
)
from segkit.intake.parsing import DATE_DTYPE, DEFAULT_DATE_FORMATS, MISSING_ID_TOKENS, parse_dates, parse_ids, parse_numbers
from segkit.intake.presets import Preset, read_mapping
from segkit.intake.transactions import load_transactions

__all__ = [
    "load_customers",
    "DatabaseSource",
    "read_database",
    "redact_url",
    "TEXT_SUFFIXES",
    "COMPRESSED_SUFFIXES",
    "EXCEL_SUFFIXES",
    "PARQUET_SUFFIXES",
    "ALL_SHEETS",
    "EXCEL_ENGINE",
    "GB18030_PLAUSIBLE_SHARE",
    "detect_encoding",
    "read_table",
    "load_table",
    "DATE_DTYPE",
    "MISSING_ID_TOKENS",
    "DEFAULT_DATE_FORMATS",
    "parse_ids",
    "parse_numbers",
    "parse_dates",
    "Preset",
    "read_mapping",
    "load_transactions",
]
