"""Parsing raw columns into canonical types (ids, numbers, dates) with messages a person can act on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from segkit.core.errors import InputError, sample_offenders
from segkit.core.privacy import is_pii_column, mask_pii, pii_kind

#: Unit of every parsed date column.
DATE_DTYPE = "datetime64[us]"
#: Id cells that mean "missing" in exports (pandas writes ``nan``, databases ``NULL``).
MISSING_ID_TOKENS = ("nan", "NaN", "NAN", "None", "NULL", "null", "<NA>", "NA")
#: Unambiguous, year-first formats tried when a mapping gives no date_format.
DEFAULT_DATE_FORMATS = ("ISO8601", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d")
_FLOAT_ID = r"^(-?\d+)\.0+$"  # a string pattern keeps the replace inside pyarrow (fast)


# ------------------------------------------------------------------------------ column parsing


def parse_ids(values: pd.Series) -> pd.Series:
    """Normalise an id column to ``str``: blanks stripped, ``17850.0`` → ``"17850"``, empty → NA.

    Float id columns (Excel, pandas exports of a column with gaps) print as ``17850.0``; the
    trailing ``.0`` is dropped so the same customer gets the same id in every file.

    Parameters
    ----------
    values : pandas.Series
        A raw id column (text, or numbers from Excel or Parquet).

    Returns
    -------
    pandas.Series
        ``str`` ids with the index of `values`; NA where the cell is empty or one of `MISSING_ID_TOKENS`.
    """
    text = values.astype("str").str.strip().str.replace(_FLOAT_ID, r"\1", regex=True)
    return text.mask(text.isin(("", *MISSING_ID_TOKENS)))


def parse_numbers(values: pd.Series, *, source: str, column: str, allow_missing: bool = False) -> pd.Series:
    """Parse a column as float64, or raise `InputError` listing how many values fail and where.

    Empty cells count as failures unless ``allow_missing``; thousands separators and decimal
    commas are failures too (``'1,2'`` is ambiguous), so nothing is silently misread.

    Parameters
    ----------
    values : pandas.Series
        A raw column (text, or numbers from Excel or Parquet).
    source : str
        Name of the file, for the error message.
    column : str
        Name of the column in the file, for the error message.
    allow_missing : bool, default False
        Accept empty cells (they become NaN) instead of reporting them.

    Returns
    -------
    pandas.Series
        float64 values with the index of `values`.

    Raises
    ------
    InputError
        When values are not finite numbers; the message gives how many and the first rows.
    """
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.astype("float64")
    else:
        numbers = pd.to_numeric(_text(values), errors="coerce").astype("float64")
    bad = ~np.isfinite(numbers.to_numpy())
    if allow_missing:
        bad = bad & _text(values).notna().to_numpy()
    _raise_if_bad(values, bad, source=source, column=column, problem="not numbers")
    return numbers


def parse_dates(
    values: pd.Series, *, source: str, column: str, formats: str | Sequence[str] | None = None, allow_missing: bool = False
) -> pd.Series:
    """Parse a column as ``datetime64[us]`` with one format for the whole column.

    The first of `formats` that reads every value is used (default: `DEFAULT_DATE_FORMATS`, all
    year-first, because 03/04/2024 cannot be read without being told the order). Cells that are
    already dates (Excel, Parquet) are taken as they are. If no format reads every value, the
    error lists the failures under the format that read the most.

    Parameters
    ----------
    values : pandas.Series
        A raw column: text, dates (Excel, Parquet) or a mix of both.
    source : str
        Name of the file, for the error message.
    column : str
        Name of the column in the file, for the error message.
    formats : str or sequence of str, optional
        Format(s) tried in order (``strftime`` codes, or ``"ISO8601"``); default `DEFAULT_DATE_FORMATS`.
    allow_missing : bool, default False
        Accept empty cells (they become NaT) instead of reporting them.

    Returns
    -------
    pandas.Series
        ``datetime64[us]`` values with the index of `values`; a time-zone offset is dropped, keeping
        the local time.

    Raises
    ------
    InputError
        When no format reads every value, or when the dates carry different time-zone offsets.
    """
    formats = (formats,) if isinstance(formats, str) else tuple(formats or DEFAULT_DATE_FORMATS)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
        parsed = parsed.astype(DATE_DTYPE)
        bad = parsed.isna().to_numpy() & (not allow_missing)
        _raise_if_bad(values, bad, source=source, column=column, problem="not dates")
        return parsed
    native = _native_dates(values)
    text = _text(values.mask(native.notna()) if native.notna().any() else values)
    fewest_failures: np.ndarray | None = None
    for fmt in formats:
        parsed = _strptime(text, fmt, source=source, column=column)
        parsed = parsed.fillna(native) if native.notna().any() else parsed
        bad = parsed.isna().to_numpy()
        if allow_missing:
            bad = bad & text.notna().to_numpy()
        if not bad.any():
            return parsed
        if fewest_failures is None or bad.sum() < fewest_failures.sum():
            fewest_failures = bad
    hint = "; expected " + " or ".join(repr(f) for f in formats) + " (give date_format to change it)"
    raise InputError(_offenders(values, fewest_failures, source=source, column=column, problem="not dates") + hint)


def _required_ids(values: pd.Series, *, source: str, column: str) -> pd.Series:
    ids = parse_ids(values)
    _raise_if_bad(values, ids.isna().to_numpy(), source=source, column=column, problem="empty")
    return ids


def _strptime(text: pd.Series, fmt: str, *, source: str, column: str) -> pd.Series:
    """Parse with one format; a single UTC offset is dropped (local shop time is kept)."""
    try:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    except ValueError:  # pandas refuses a column mixing offsets, or offsets and none
        raise InputError(
            f"{source}: column {column!r}: the dates carry different time-zone offsets "
            "(or some have one and some not); write them in one time zone"
        ) from None
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.astype(DATE_DTYPE)


def _text(values: pd.Series) -> pd.Series:
    """Values as stripped ``str``, empty → NA."""
    text = values.astype("str").str.strip()
    return text.mask(text == "")


def _native_dates(values: pd.Series) -> pd.Series:
    """Cells that already are dates (Excel columns mixing dates and text), else NaT."""
    if not pd.api.types.is_object_dtype(values.dtype):
        return pd.Series(pd.NaT, index=values.index, dtype=DATE_DTYPE)
    is_date = values.map(lambda v: isinstance(v, (dt.datetime, dt.date))).astype(bool)
    if not is_date.any():
        return pd.Series(pd.NaT, index=values.index, dtype=DATE_DTYPE)
    return pd.to_datetime(values.where(is_date), errors="coerce").astype(DATE_DTYPE)


def _raise_if_bad(values: pd.Series, bad: np.ndarray, *, source: str, column: str, problem: str) -> None:
    if bad.any():
        raise InputError(_offenders(values, bad, source=source, column=column, problem=problem))


def _offenders(values: pd.Series, bad: np.ndarray, *, source: str, column: str, problem: str) -> str:
    """``file: column 'X': n of N values are <problem> (row r: 'v', ...)``, rows 1-based.

    Personal data stays out of the message (it reaches stderr, run.log and the manifest): values
    are not quoted at all when the column is named as personal data (`is_pii_column`) or most of
    the offending values are e-mails, phones or ID numbers (`pii_kind`), e.g. when a wrong
    mapping reads the e-mail column as quantities; otherwise such values inside a cell are
    masked (``[email]``, ``[phone]``, ``[id]``, `mask_pii`).
    """
    positions = np.flatnonzero(bad)
    shown = positions[:4]
    rows = (values.index.to_numpy()[shown] + 1) if _is_range_like(values.index) else (shown + 1)
    head = f"{source}: column {column!r}: {int(np.count_nonzero(bad))} of {len(values)} values are {problem}"
    if is_pii_column(column) or pii_kind(values.iloc[positions[:1000]]) is not None:
        listed = ", ".join(str(r) for r in rows.tolist()[:3]) + (", ..." if len(positions) > 3 else "")
        return f"{head} ({'rows' if len(positions) > 1 else 'row'} {listed}; values not shown: personal data)"
    cells = [None if pd.isna(v) else _cell(mask_pii(str(v))) for v in values.iloc[shown].tolist()]
    return f"{head} ({sample_offenders(rows.tolist(), cells, limit=3)})"


def _is_range_like(index: pd.Index) -> bool:
    return pd.api.types.is_integer_dtype(index.dtype)


def _cell(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _listing(names) -> str:
    return ", ".join(repr(str(n)) for n in names)
