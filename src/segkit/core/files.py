"""Files written atomically and fingerprinted: the one place that writes outputs."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from segkit.core.errors import InputError

# --------------------------------------------------------------------------------------- files


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in chunks, so a run manifest can pin the exact input.

    Parameters
    ----------
    path : str or os.PathLike
        The file to fingerprint.

    Returns
    -------
    str
        The SHA-256 digest as 64 hexadecimal digits.

    Raises
    ------
    InputError
        When `path` does not exist or is not a file (see `existing_file`).
    """
    digest = hashlib.sha256()
    with open(existing_file(path), "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary file beside `path` that replaces `path` when the block ends without an error.

    Same folder, so the final `os.replace` is a rename on one file system: a reader sees the old
    file or the complete new one, and a crash leaves no half-written file (the temporary one is
    removed). ``mkstemp`` creates it readable by its owner only (mode 0600), whatever the umask.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_parquet_atomic(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write `frame` to Parquet so that `path` is either the old file or the complete new one.

    The data go to a temporary file in the same folder (same file system) and are moved into place
    with `os.replace`; a crash or an interrupted job never leaves a half-written file behind.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to write; its index is not written.
    path : str or os.PathLike
        The target file; missing parent folders are created.

    Returns
    -------
    pathlib.Path
        `path`, as a `Path`.
    """
    with _atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)
    return Path(path)


def existing_file(path: str | os.PathLike) -> Path:
    """`path` as a `Path`, after checking that it exists and is a file (not a folder).

    Parameters
    ----------
    path : str or os.PathLike
        The input file.

    Returns
    -------
    pathlib.Path
        `path`, as a `Path`.

    Raises
    ------
    InputError
        When `path` does not exist ("file not found") or is not a file ("not a file").
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path.name}: file not found ({path})")
    if not path.is_file():
        raise InputError(f"{path.name}: not a file ({path})")
    return path


def write_text_atomic(text: str, path: str | os.PathLike) -> Path:
    """Write `text` (UTF-8) so that `path` is either the old file or the complete new one."""
    with _atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json_atomic(content: object, path: str | os.PathLike) -> Path:
    """Write `content` as indented JSON (non-ASCII kept, dates as text), atomically."""
    import json

    return write_text_atomic(json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n", path)


#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell that starts like a formula prefixed by an apostrophe (OWASP).

    A spreadsheet opening the CSV then shows ``=HYPERLINK(...)`` or ``@SUM(1+1)`` as text instead
    of running it. Only text columns are touched: numbers (negative ones included) stay numbers.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table about to be written for people to open.

    Returns
    -------
    pandas.DataFrame
        A new frame (the same one when no cell needed it).
    """
    changed = {}
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            text = column.astype("str")
            risky = text.str.startswith(FORMULA_STARTS).fillna(False).astype(bool) & column.notna()
            if risky.any():
                changed[name] = column.where(~risky, "'" + text)
    return frame.assign(**changed) if changed else frame


def write_csv_atomic(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write `frame` as CSV in UTF-8 with a BOM (Excel then shows Chinese), dates as YYYY-MM-DD, atomically.

    Rows end in CRLF (RFC 4180), so a cell holding a line break is quoted; text cells that start
    like a formula are neutralised first (`neutralise_formulas`).
    """
    with _atomic_path(path) as tmp:
        _to_csv(frame, tmp)
    return Path(path)


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    # CRLF rows (RFC 4180): a text cell holding a line break of either kind is then quoted
    neutralise_formulas(frame).to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d", lineterminator="\r\n")


def write_private_csv_atomic(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write `frame` as CSV (UTF-8 with a BOM) readable by its owner only (mode 0600), atomically.

    The temporary file is created readable by its owner only (mode 0600) before any data are
    written, so the data are never readable by others, not even for a moment, whatever the umask;
    it is then renamed onto `path`. Text cells that start like a formula are neutralised
    (`neutralise_formulas`).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to write; its index is not written.
    path : str or os.PathLike
        The target file; missing parent folders are created.

    Returns
    -------
    pathlib.Path
        `path`, as a `Path`.
    """
    with _atomic_path(path) as tmp:
        os.chmod(tmp, 0o600)  # what mkstemp gives already; stated here because this file must stay private
        _to_csv(frame, tmp)
    return Path(path)


def write_xlsx_atomic(
    frame: pd.DataFrame,
    path: str | os.PathLike,
    *,
    headers: Sequence[Sequence[str]] | None = None,
    text_columns: Collection[str] = (),
    sheet: str = "Sheet1",
) -> Path:
    """Write `frame` as an Excel workbook (one sheet, frozen header rows), atomically.

    Text columns are written as text cells (number format ``@``, string values), so Excel keeps
    ids such as ``000123`` or ``007`` and long numeric ids as they are and never reads a value
    starting with ``=`` as a formula; numbers stay numbers, dates are date cells and missing
    values empty cells.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to write; its index is not written.
    path : str or os.PathLike
        The target file; missing parent folders are created.
    headers : sequence of sequence of str, optional
        The header rows, each with one entry per column (e.g. labels, then column keys); by
        default one row of the column names. All header rows are frozen.
    text_columns : collection of str, optional
        Columns written as text whatever their dtype; string columns always are.
    sheet : str, optional
        The sheet's name.

    Returns
    -------
    pathlib.Path
        `path`, as a `Path`.

    Raises
    ------
    InputError
        When a header row does not have one entry per column or the table has more rows than a
        sheet holds.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    rows = [list(h) for h in headers] if headers is not None else [[str(c) for c in frame.columns]]
    if any(len(row) != frame.shape[1] for row in rows):
        raise InputError(f"{Path(path).name}: every header row needs one entry per column ({frame.shape[1]})")
    if len(frame) + len(rows) > XLSX_MAX_ROWS:
        raise InputError(f"{Path(path).name}: {len(frame):,} rows do not fit in one sheet ({XLSX_MAX_ROWS:,} rows)")
    book = Workbook(write_only=True)
    out = book.create_sheet(sheet)
    out.freeze_panes = f"A{len(rows) + 1}"
    for row in rows:
        out.append([str(v) for v in row])
    columns = [_xlsx_column(frame[c], text=c in text_columns) for c in frame.columns]
    for values in zip(*columns, strict=True):
        cells = []
        for value, number_format in values:
            cell = WriteOnlyCell(out, value=value)
            if number_format is not None:
                cell.number_format = number_format
            if number_format == "@" and value is not None:
                cell.data_type = "s"  # a text cell, even for "=..." (never a formula)
            cells.append(cell)
        out.append(cells)
    with _atomic_path(path) as tmp:
        book.save(tmp)
    return Path(path)


#: Rows of one Excel sheet.
XLSX_MAX_ROWS = 1_048_576


#: Control characters a worksheet cannot hold (XML 1.0); written as U+FFFD.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_text(value: object) -> str:
    return _XLSX_ILLEGAL.sub("\ufffd", str(value))


def _xlsx_column(values: pd.Series, *, text: bool) -> list[tuple[object, str | None]]:
    """(cell value, number format) for each value of one column; missing values become None."""
    missing = values.isna().to_numpy()
    if text or pd.api.types.is_string_dtype(values) or isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
        return [(None if gone else _xlsx_text(v), "@") for v, gone in zip(values.tolist(), missing, strict=True)]
    if pd.api.types.is_datetime64_any_dtype(values):
        return [(None if gone else v.to_pydatetime(), "yyyy-mm-dd") for v, gone in zip(values, missing, strict=True)]
    if pd.api.types.is_bool_dtype(values):
        return [(None if gone else bool(v), None) for v, gone in zip(values.tolist(), missing, strict=True)]
    return [(None if gone else v, None) for v, gone in zip(values.astype(object).tolist(), missing, strict=True)]
