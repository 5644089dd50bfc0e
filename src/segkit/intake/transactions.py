"""Data intake: read raw files, map them to canonical columns, validate before anything is computed.

Every later step trusts the canonical table this module returns (`segkit.core.schema`), so all checks a
person can act on happen here: the file exists and can be read, the required columns are present,
numbers are numbers, dates are dates in the stated format, at least one row names a customer. Each
failure raises `segkit.InputError` naming the file, the column, the problem and a few offending rows
(1-based data rows, header not counted). Raw files are only ever read.

Conventions of the canonical transaction table
-----------------------------------------------
* ids (customer_id, order_id, product_id) are pandas ``str``; surrounding blanks are stripped, a
  number written as ``17850.0`` (a float id column, as Excel and pandas exports write it) becomes
  ``"17850"``, zero padding is kept (``"00004"``); a missing customer id is NA, never ``"nan"``.
* order_date is ``datetime64[us]`` (the unit of Parquet, DuckDB and Spark timestamps).
* quantity, unit_price and amount are float64; amount = quantity * unit_price unless the source
  gives the amount (CDNOW), in which case unit_price = amount / quantity (NaN when quantity is 0).
* With a ``unit_cost`` or ``cost`` column mapped, the table gains ``cost`` (float64, the line's
  cost of goods: quantity * unit_cost, or the mapped line total; empty cells allowed, NaN), from
  which the per-customer table computes the margin.
* Lines whose mapped cells are all empty (trailing ``,,,,`` lines of spreadsheet exports) are skipped.
* Dates are parsed with one explicit format for the whole column: a preset lists candidate formats
  and the first that reads every value wins; nothing is guessed row by row.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.errors import InputError
from segkit.core.frames import as_pandas, is_frame
from segkit.intake.database import DatabaseSource, read_database, source_schema
from segkit.intake.files import _has_header_line, _require_rows, read_table
from segkit.intake.parsing import _listing, _required_ids, _text, parse_dates, parse_ids, parse_numbers
from segkit.intake.presets import _REQUIRED, PRESETS, _resolve_spec, _Spec


def load_transactions(
    path: str | os.PathLike | Any,
    *,
    preset: str | None = None,
    mapping: Mapping[str, str] | str | os.PathLike | None = None,
    encoding: str | None = None,
    date_format: str | None = None,
    sheet: str | int | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Load a transaction file or frame as the canonical, validated table (`schema.TRANSACTION_COLUMNS`).

    Give exactly one of `preset` (see `PRESETS`) or `mapping` (a dict or a YAML file, see
    `read_mapping`). `encoding`, `date_format` and `sheet` override the preset or mapping. Every
    check happens before a value is computed; a failure raises `InputError` naming the file,
    the column and the first offending rows.

    Parameters
    ----------
    path : str, os.PathLike, DataFrame-like or DatabaseSource
        The transaction file: text (also ``.gz``), Excel or Parquet (see `read_table`); a frame
        already in memory (pandas, polars, DuckDB relation, PyArrow table); or a database table or
        query (`segkit.intake.database.DatabaseSource`, only the mapped columns are read). A frame's
        or table's columns are mapped, parsed and checked exactly like a file's.
    preset : str, optional
        Name of a preset in `PRESETS` (``demo``, ``online_retail``, ``online_retail_ii``,
        ``cdnow_master``, ``cdnow_sample``).
    mapping : mapping of str to str, or str or os.PathLike, optional
        Canonical name → source column (with optional ``date_format``, ``encoding``, ``sheet``), as a
        dict or the path of a YAML file. Source columns match exactly, else ignoring case, blanks and
        underscores.
    encoding : str, optional
        Encoding of a text file; default the mapping's, else detected (with the preset's fallback).
    date_format : str, optional
        The one format of the order date column, instead of the preset's or mapping's.
    sheet : str or int, optional
        Excel sheet name or index, or ``"*"`` for every sheet, instead of the preset's or mapping's.
    source : str, optional
        Name of the data in messages; default the file name, or ``"transactions frame"`` for a frame.

    Returns
    -------
    pandas.DataFrame
        One row per transaction line: `schema.TRANSACTION_COLUMNS` (customer_id, order_id,
        order_date, product_id, quantity, unit_price, amount), then the optional descriptive columns
        (`schema.OPTIONAL_TRANSACTION_COLUMNS`) that are mapped; types as in the module docstring.

    Raises
    ------
    InputError
        When not exactly one of `preset` and `mapping` is given, the preset is unknown, the mapping is
        invalid, the file cannot be read, a required column is missing, values cannot be parsed (the
        problems of every column at once), or no row has a customer id.
    """
    spec = _resolve_spec(preset=preset, mapping=mapping)
    if date_format is not None:
        spec = dataclasses.replace(spec, date_formats=(date_format,))
    if isinstance(path, DatabaseSource):
        return _from_database(path, spec, source=source or path.label)
    if is_frame(path):
        source = source or "transactions frame"
        raw = as_pandas(path, what=source).reset_index(drop=True)
        if spec.names and not set(spec.names) <= set(raw.columns):
            raise InputError(
                f"{source}: {spec.label} names the columns of a header-less file ({', '.join(spec.names)}); "
                "give a frame with those column names, or a mapping"
            )
        return transactions_from_raw(raw, spec, source=source)
    if not isinstance(path, str | os.PathLike):
        raise InputError(f"transactions: expected a file path or a table (pandas, polars, DuckDB), got {type(path).__name__}")
    source = source or Path(path).name
    encoding = encoding or spec.encoding
    sheet = sheet if sheet is not None else spec.sheet
    raw = _read_for_spec(path, spec, encoding=encoding, sheet=sheet)
    return transactions_from_raw(raw, spec, source=source)


def transactions_from_raw(raw: pd.DataFrame, spec: _Spec, *, source: str) -> pd.DataFrame:
    """The canonical table from a raw table as read (any column types): map, parse and check.

    Parameters
    ----------
    raw : pandas.DataFrame
        The source table with its own column names: text as read from a file, or typed columns
        from Excel, Parquet, a frame or a database.
    spec : _Spec
        The resolved preset or mapping (`segkit.intake.presets._resolve_spec`).
    source : str
        Name of the data in messages (a file name, ``"orders table"``).

    Returns
    -------
    pandas.DataFrame
        The canonical transaction table, as `load_transactions` returns it.

    Raises
    ------
    InputError
        As `load_transactions` does for a table that is read.
    """
    _require_rows(raw, source)
    columns = _source_columns(raw, spec, source=source)
    filled = [_filled(raw[c]) for c in dict.fromkeys(columns.values())]
    raw = raw.loc[np.logical_or.reduce(filled)] if filled else raw
    _require_rows(raw, source)
    return _canonical(raw, columns, spec, source=source)


def _from_database(database: DatabaseSource, spec: _Spec, *, source: str) -> pd.DataFrame:
    """Read only the columns the spec maps (resolved against the table's header first), then map and check."""
    if spec.names:
        raise InputError(f"{source}: {spec.label} is for header-less files; give a mapping for a database table")
    header = source_schema(database)
    wanted = _source_columns(pd.DataFrame(columns=list(header.names)), spec, source=source)
    raw = read_database(database, columns=list(wanted.values()), schema=header)
    return transactions_from_raw(raw, spec, source=source)


def _filled(values: pd.Series) -> np.ndarray:
    """True where a cell holds something: text not blank after stripping; any other typed value not missing."""
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.notna().to_numpy()  # typed columns (Parquet, Excel, a database) need no text round trip
    return _text(values).notna().to_numpy()


def _read_for_spec(path, spec: _Spec, *, encoding: str | None, sheet) -> pd.DataFrame:
    if not spec.names:
        return read_table(path, encoding=encoding, sheet=sheet, fallback_encoding=spec.fallback_encoding)
    header = _has_header_line(Path(path), encoding=encoding)
    raw = read_table(path, encoding=encoding, whitespace=spec.whitespace, header=header, fallback_encoding=spec.fallback_encoding)
    if raw.shape[1] != len(spec.names):
        raise InputError(
            f"{Path(path).name}: expected {len(spec.names)} whitespace-separated columns "
            f"({', '.join(spec.names)}) for {spec.label}, found {raw.shape[1]}"
        )
    raw.columns = list(spec.names)
    return raw


def _source_columns(raw: pd.DataFrame, spec: _Spec, *, source: str) -> dict[str, str]:
    """Canonical name → source column, matching exactly, then ignoring case, blanks and underscores."""
    available = list(raw.columns)
    loose = {}
    for name in available:
        loose.setdefault(_loose(name), []).append(name)
    resolved, missing = {}, []
    for canonical, wanted in spec.columns.items():
        if wanted in available:
            resolved[canonical] = wanted
        elif len(loose.get(_loose(wanted), [])) == 1:
            resolved[canonical] = loose[_loose(wanted)][0]
        elif canonical in (*_REQUIRED, schema.ORDER_ID, schema.PRODUCT_ID, schema.UNIT_PRICE, schema.AMOUNT) or (
            canonical in schema.COST_COLUMNS and not spec.preset  # a preset's cost column may be absent
        ):
            missing.append(wanted)
    if missing:
        hint = ""
        fits = [p.name for p in PRESETS.values() if not p.names and set(p.columns.values()) <= set(available)]
        if fits:
            hint = f"; these columns fit preset {fits[0]!r}"
        raise InputError(
            f"{source}: missing required column(s) {_listing(missing)} ({spec.label}); the file has {_listing(available)}{hint}"
        )
    return resolved


def _loose(name: str) -> str:
    return re.sub(r"[\s_]+", "", str(name)).casefold()


def _canonical(raw: pd.DataFrame, columns: Mapping[str, str], spec: _Spec, *, source: str) -> pd.DataFrame:
    """Parse every mapped column; report the problems of all columns at once, one per line."""
    problems: list[str] = []

    def parse(canonical: str, parser, **options) -> pd.Series | None:
        if canonical not in columns:
            return None
        try:
            return parser(raw[columns[canonical]], source=source, column=columns[canonical], **options)
        except InputError as exc:
            problems.append(str(exc))
            return None

    order_date = parse(schema.ORDER_DATE, parse_dates, formats=spec.date_formats)
    quantity = parse(schema.QUANTITY, parse_numbers)
    unit_price = parse(schema.UNIT_PRICE, parse_numbers)
    amount = parse(schema.AMOUNT, parse_numbers)
    cost = parse(schema.COST, parse_numbers, allow_missing=True)  # unknown for some lines (fees, postage)
    unit_cost = parse(schema.UNIT_COST, parse_numbers, allow_missing=True)
    order = parse(schema.ORDER_ID, _required_ids)
    if problems:
        raise InputError("\n".join(problems))
    customer = parse_ids(raw[columns[schema.CUSTOMER_ID]])
    if not customer.notna().any():
        raise InputError(
            f"{source}: no usable rows: all {len(raw)} rows lack a customer id (column {columns[schema.CUSTOMER_ID]!r})"
        )
    if order is None:  # one order per line: customer, day and data row make it unique and reproducible
        line = pd.Series(raw.index.to_numpy() + 1, index=raw.index).astype("str")
        order = customer.fillna("") + "-" + order_date.dt.strftime("%Y%m%d") + "-" + line
    if schema.PRODUCT_ID in columns:
        product = parse_ids(raw[columns[schema.PRODUCT_ID]])
    else:
        product = pd.Series(np.nan, index=raw.index, dtype="str")
    if amount is None:
        amount = quantity * unit_price
    elif unit_price is None:
        unit_price = amount / quantity.where(quantity != 0)
    out = {
        schema.CUSTOMER_ID: customer,
        schema.ORDER_ID: order.astype("str"),
        schema.ORDER_DATE: order_date,
        schema.PRODUCT_ID: product,
        schema.QUANTITY: quantity,
        schema.UNIT_PRICE: unit_price.astype("float64"),
        schema.AMOUNT: amount.astype("float64"),
    }
    for name in schema.OPTIONAL_TRANSACTION_COLUMNS:
        if name in columns:
            out[name] = _text(raw[columns[name]])
    if unit_cost is not None:
        cost = quantity * unit_cost
    if cost is not None:
        out[schema.COST] = cost.astype("float64")
    return pd.DataFrame(out).reset_index(drop=True)
