"""Customer attribute files (regions, types, sign-up dates) into a canonical table."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.core import schema
from segkit.core.errors import InputError
from segkit.core.files import existing_file
from segkit.core.frames import as_pandas, is_frame
from segkit.intake.customer_columns import CUSTOMER_COLUMN_ALIASES, customer_column_names
from segkit.intake.database import DatabaseSource, read_database
from segkit.intake.files import _require_rows, read_table
from segkit.intake.parsing import _listing, _raise_if_bad, _text, parse_dates, parse_ids
from segkit.intake.yaml_files import read_yaml


def load_customers(
    path: str | os.PathLike | Any,
    *,
    mapping: Mapping[str, str] | str | os.PathLike | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    id_column: str | None = None,
    signup_column: str = "signup_date",
    source: str | None = None,
) -> pd.DataFrame:
    """Load customer attributes: one row per customer, ``customer_id`` first, other columns as text.

    Headers are mapped to canonical names (`CUSTOMER_COLUMN_ALIASES`: 客户编号 → ``customer_id``,
    省份 → ``province``, 行业 → ``industry``, 手机号 → ``phone`` ...), an explicit `mapping`
    first. The id is normalised like transaction ids so the two tables join; a missing or repeated
    id is an error (a customer table is a key table). ``signup_date`` is parsed when present
    (empty allowed: not everyone has one).

    Parameters
    ----------
    path : str, os.PathLike, DataFrame-like or DatabaseSource
        The customer file: text (also ``.gz``), Excel or Parquet (see `read_table`); a frame
        (pandas, polars, DuckDB, PyArrow); or a database table or query
        (`segkit.intake.database.DatabaseSource`).
    mapping : mapping of str to str, or str or os.PathLike, optional
        Canonical name → source column, as a dict or a YAML file of such lines; wins over the
        built-in header aliases.
    encoding : str, optional
        Encoding of a text file; default detected (`detect_encoding`).
    sheet : str or int, optional
        Excel sheet name or index, or ``"*"`` to stack every sheet; default the first sheet.
    id_column : str, optional
        Column of customer ids in the file (the same as ``mapping={"customer_id": id_column}``);
        default found by the aliases.
    signup_column : str, default "signup_date"
        Column parsed as dates (`DEFAULT_DATE_FORMATS`, empty cells allowed) when the file has it,
        after the headers are mapped.
    source : str, optional
        Name of the data in messages; default the file name, or ``"customers frame"``.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (``str``) first, then the file's other columns in file order, under their
        canonical names where recognised: text columns
        stripped (empty → NA), the sign-up column as ``datetime64[us]``, typed Excel or Parquet columns
        as read.

    Raises
    ------
    InputError
        When the file cannot be read or has no data rows, the mapping is invalid, the id column is
        missing, an id is empty or repeated, or a sign-up date cannot be read.
    """
    if isinstance(path, DatabaseSource):
        source = source or path.label
        raw = read_database(path)
    elif is_frame(path):
        source = source or "customers frame"
        raw = as_pandas(path, what=source).reset_index(drop=True)
    elif isinstance(path, str | os.PathLike):
        source = source or Path(path).name
        raw = read_table(path, encoding=encoding, sheet=sheet)
    else:
        raise InputError(f"customers: expected a file path or a table (pandas, polars, DuckDB), got {type(path).__name__}")
    _require_rows(raw, source)
    wanted = _read_mapping(mapping, source=source)
    if id_column is not None:
        wanted.setdefault(schema.CUSTOMER_ID, id_column)
    renamed = customer_column_names(raw.columns, mapping=wanted, source=source)
    raw = raw.rename(columns=renamed)
    written = {canonical: original for original, canonical in renamed.items()}  # messages name the file's own header
    id_column = schema.CUSTOMER_ID
    if id_column not in raw.columns:
        aliases = ", ".join(CUSTOMER_COLUMN_ALIASES[schema.CUSTOMER_ID][:4] + CUSTOMER_COLUMN_ALIASES[schema.CUSTOMER_ID][8:11])
        raise InputError(
            f"{source}: no customer id column; the file has {_listing(raw.columns)}. Name it in the mapping "
            f"(customer_id: <column>) or use a usual header ({aliases}, ...)"
        )
    ids = parse_ids(raw[id_column])
    header = written.get(id_column, id_column)
    _raise_if_bad(raw[id_column], ids.isna().to_numpy(), source=source, column=header, problem="empty")
    repeated = ids.duplicated(keep=False).to_numpy()
    if repeated.any():
        _raise_if_bad(ids, repeated, source=source, column=header, problem="repeated ids (one row per customer expected)")
    out = {schema.CUSTOMER_ID: ids}
    for name in raw.columns.drop(id_column):
        if name == signup_column:
            out[name] = parse_dates(raw[name], source=source, column=written.get(name, name), allow_missing=True)
        elif pd.api.types.is_object_dtype(raw[name].dtype) or pd.api.types.is_string_dtype(raw[name].dtype):
            out[name] = _text(raw[name])
        else:
            out[name] = raw[name]
    return pd.DataFrame(out).reset_index(drop=True)


def _read_mapping(mapping: Mapping[str, str] | str | os.PathLike | None, *, source: str) -> dict[str, str]:
    """The user's mapping as canonical name → source column (a YAML file or a dict)."""
    if mapping is None:
        return {}
    if isinstance(mapping, str | os.PathLike):
        mapping = read_yaml(existing_file(mapping), what="customer mapping") or {}
    if not isinstance(mapping, Mapping) or not all(isinstance(v, str) and v.strip() for v in mapping.values()):
        raise InputError(f"{source}: the customer mapping must map canonical names to source column names (text)")
    return {str(k): str(v).strip() for k, v in mapping.items()}
