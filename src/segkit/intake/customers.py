"""Customer attribute files (regions, types, sign-up dates) into a canonical table."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from segkit.core import schema
from segkit.core.errors import InputError
from segkit.intake.files import _require_rows, read_table
from segkit.intake.parsing import _listing, _raise_if_bad, _text, parse_dates, parse_ids


def load_customers(
    path: str | os.PathLike,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    id_column: str = schema.CUSTOMER_ID,
    signup_column: str = "signup_date",
) -> pd.DataFrame:
    """Load customer attributes: one row per customer, ``customer_id`` first, other columns as text.

    The id column is renamed to ``customer_id`` and normalised like transaction ids so the two
    tables join; a missing or repeated id is an error (a customer table is a key table).
    ``signup_date`` is parsed when present (empty allowed: not everyone has one).

    Parameters
    ----------
    path : str or os.PathLike
        The customer file: text (also ``.gz``), Excel or Parquet (see `read_table`).
    encoding : str, optional
        Encoding of a text file; default detected (`detect_encoding`).
    sheet : str or int, optional
        Excel sheet name or index, or ``"*"`` to stack every sheet; default the first sheet.
    id_column : str, default "customer_id"
        Column of customer ids in the file; it is renamed to ``customer_id``.
    signup_column : str, default "signup_date"
        Column parsed as dates (`DEFAULT_DATE_FORMATS`, empty cells allowed) when the file has it.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (``str``) first, then the file's other columns in file order: text columns
        stripped (empty → NA), the sign-up column as ``datetime64[us]``, typed Excel or Parquet columns
        as read.

    Raises
    ------
    InputError
        When the file cannot be read or has no data rows, the id column is missing, an id is empty or
        repeated, or a sign-up date cannot be read.
    """
    source = Path(path).name
    raw = read_table(path, encoding=encoding, sheet=sheet)
    _require_rows(raw, source)
    if id_column not in raw.columns:
        raise InputError(f"{source}: missing required column {id_column!r}; the file has {_listing(raw.columns)}")
    ids = parse_ids(raw[id_column])
    _raise_if_bad(raw[id_column], ids.isna().to_numpy(), source=source, column=id_column, problem="empty")
    repeated = ids.duplicated(keep=False).to_numpy()
    if repeated.any():
        _raise_if_bad(ids, repeated, source=source, column=id_column, problem="repeated ids (one row per customer expected)")
    out = {schema.CUSTOMER_ID: ids}
    for name in raw.columns.drop(id_column):
        if name == signup_column:
            out[name] = parse_dates(raw[name], source=source, column=name, allow_missing=True)
        elif pd.api.types.is_object_dtype(raw[name].dtype) or pd.api.types.is_string_dtype(raw[name].dtype):
            out[name] = _text(raw[name])
        else:
            out[name] = raw[name]
    return pd.DataFrame(out).reset_index(drop=True)
