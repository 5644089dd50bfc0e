"""Number, date and p-value formats for everything a reader sees."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime

import pandas as pd

_MISSING = "–"


# ---------------------------------------------------------------- number formats
def fmt_int(value: object) -> str:
    """``1234567`` → ``'1,234,567'``; missing → ``'–'``."""
    return _MISSING if _is_missing(value) else f"{round(float(value)):,}"


def fmt_float(value: object, digits: int = 2) -> str:
    """``1234.5`` → ``'1,234.50'``."""
    if _is_missing(value):
        return _MISSING
    number = float(value)
    return f"{number if round(number, digits) else 0.0:,.{digits}f}"  # no "-0.00" from float noise


def fmt_money(value: object, digits: int = 2) -> str:
    """An amount with thousands separators and `digits` decimals (no currency symbol: inputs do not say which)."""
    return fmt_float(value, digits)


def fmt_pct(value: object, digits: int = 1) -> str:
    """A share given as a fraction: ``0.1234`` → ``'12.3%'``."""
    return _MISSING if _is_missing(value) else f"{100 * float(value):.{digits}f}%"


def fmt_number(value: object, digits: int = 2) -> str:
    """Whole numbers without decimals (``284``, ``1,200``), others with `digits` (``1,457.90``):
    for columns that mix counts and amounts, such as score thresholds."""
    if _is_missing(value):
        return _MISSING
    return fmt_int(value) if float(value).is_integer() else fmt_float(value, digits)


def fmt_pvalue(value: object) -> str:
    """A p-value with three decimals, and ``'< 0.001'`` below that (never a misleading ``'0.00'``)."""
    if _is_missing(value):
        return _MISSING
    return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def fmt_date(value: object) -> str:
    """A date or timestamp as ``YYYY-MM-DD``."""
    return _MISSING if _is_missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


FORMATTERS: dict[str, Callable[[object], str]] = {
    "int": fmt_int,
    "float": fmt_float,
    "money": fmt_money,
    "pct": fmt_pct,
    "date": fmt_date,
    "text": str,
    "pvalue": fmt_pvalue,
    "number": fmt_number,
}
#: Columns that hold p-values (or FDR q-values) wherever they appear: formatted with `fmt_pvalue`.
PVALUE_COLUMNS = frozenset({"p", "q", "p_value", "p_adjusted", "p_vs_rest", "q_value"})


def _is_missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
        or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value))
    )


def _json_value(value: object) -> object:
    """`value` as JSON can hold it: numbers as float, dates as ISO text, missing as None."""
    if _is_missing(value):
        return None
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return float(value)


def _default_format(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "text"
    if pd.api.types.is_integer_dtype(column):
        return "int"
    if pd.api.types.is_float_dtype(column):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "date"
    return "text"
