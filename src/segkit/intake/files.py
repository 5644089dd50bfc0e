"""Reading raw files: CSV in the encodings found in the wild, gzip, Excel, Parquet."""

from __future__ import annotations

import codecs
import gzip
import importlib.util
import os
from pathlib import Path

import pandas as pd

from segkit.core.errors import InputError
from segkit.core.files import existing_file as _existing_file

TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".dat")
#: Compression of text files that is undone on reading (``orders.csv.gz``).
COMPRESSED_SUFFIXES = (".gz",)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
#: Sheet argument that stacks every sheet of a workbook (they must share one header).
ALL_SHEETS = "*"
#: Reader for .xlsx: python-calamine (Rust, ~10x faster on the 540k-line UCI workbook) when
#: installed, else openpyxl. Both give the same column types.
EXCEL_ENGINE = "calamine" if importlib.util.find_spec("python_calamine") else "openpyxl"
#: Share of the distinct non-ASCII characters of a GB18030 reading that must be common Chinese
#: characters or full-width punctuation (the GB2312 area, both bytes >= 0xA1) for the file to be
#: taken as Chinese text. Latin-1 text often decodes as GB18030 too, but into stray rare
#: characters ("CRÈME" -> "CR萂E"); it fails this test instead of being misread silently.
GB18030_PLAUSIBLE_SHARE = 0.9


def detect_encoding(path: str | os.PathLike, *, fallback: str | None = None) -> str:
    """Encoding of a text file: a UTF-8 BOM → ``utf-8-sig``, else ``utf-8`` if it decodes, else
    ``gb18030`` if it decodes *and* reads as Chinese text, else `fallback` when given.

    GB18030 (a superset of GBK) is what Excel writes for "CSV" on a Chinese-locale Windows. Western
    Latin-1 text often decodes as GB18030 too, into stray rare characters, so a GB18030 reading is
    only accepted when the non-ASCII characters are mostly common Chinese ones
    (`GB18030_PLAUSIBLE_SHARE`). A preset whose public file is known to be Latin-1 passes that as
    `fallback`; otherwise the caller is asked for the encoding. The whole file is checked in chunks
    (decompressed for ``.gz``), so a stray byte on line 900,000 is not missed.

    Parameters
    ----------
    path : str or os.PathLike
        A text file, plain or gzip-compressed (``.gz``).
    fallback : str, optional
        Encoding returned when the file is neither UTF-8 nor plausible GB18030 (e.g. ``"latin-1"``);
        without it that case is an error.

    Returns
    -------
    str
        ``"utf-8-sig"``, ``"utf-8"``, ``"gb18030"`` or `fallback`.

    Raises
    ------
    InputError
        When the file does not exist or cannot be decompressed, or no encoding fits and no `fallback`
        is given.
    """
    path = _existing_file(path)
    try:
        with _open_bytes(path) as fh:
            if fh.read(3) == codecs.BOM_UTF8:
                return "utf-8-sig"
    except (OSError, EOFError) as exc:  # gzip: not a gzip file, truncated stream
        raise InputError(f"{path.name}: cannot be decompressed ({exc})") from None
    if _decodes(path, "utf-8"):
        return "utf-8"
    if _decodes(path, "gb18030") and _looks_chinese(path):
        return "gb18030"
    if fallback:
        return fallback
    raise InputError(
        f"{path.name}: the file is neither UTF-8 nor GB18030 text; pass the encoding explicitly (e.g. encoding='latin-1')"
    )


def read_table(
    path: str | os.PathLike,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    whitespace: bool = False,
    header: bool = True,
    fallback_encoding: str | None = None,
) -> pd.DataFrame:
    """Read a raw table as it is: text files as strings (empty cell → NA), Excel and Parquet typed.

    Text (.csv/.txt/.tsv/.dat, also gzip-compressed as ``.csv.gz``): encoding detected
    (`detect_encoding`, with `fallback_encoding`) unless given; the separator is the most frequent
    of ``, ; tab |`` on the first line, or runs of blanks with ``whitespace=True``.
    Excel: the first sheet, ``sheet=`` name or index, or ``sheet="*"`` to stack every sheet.
    Without a header the columns are named ``column_1``, ``column_2``, ...

    Parameters
    ----------
    path : str or os.PathLike
        A .csv/.txt/.tsv/.dat text file (also ``.gz``), an .xlsx/.xlsm workbook or a .parquet/.pq file.
    encoding : str, optional
        Encoding of a text file; default detected. Not used for Excel and Parquet.
    sheet : str or int, optional
        Excel sheet name or 0-based index, or `ALL_SHEETS` (``"*"``) to stack every sheet (they must
        share one header); default the first sheet. Not used for other files.
    whitespace : bool, default False
        Split text on runs of blanks instead of one separator (e.g. the CDNOW files); a file that is
        neither Excel nor Parquet is then read as text whatever its extension.
    header : bool, default True
        Whether the first line (row) holds the column names.
    fallback_encoding : str, optional
        Passed to `detect_encoding` as `fallback` when `encoding` is not given.

    Returns
    -------
    pandas.DataFrame
        The raw table: from text files every column ``str`` (empty cell → NA), from Excel and Parquet
        the stored types; column names stripped of surrounding blanks.

    Raises
    ------
    InputError
        When the file does not exist, is empty, has an unknown type (or is an old .xls), cannot be
        decoded or decompressed, names an unknown encoding, cannot be parsed, has no such sheet, or has
        sheets with different headers to stack.
    """
    path = _existing_file(path)
    suffix = _data_suffix(path)
    if path.suffix.lower() in COMPRESSED_SUFFIXES and suffix not in TEXT_SUFFIXES and not whitespace:
        raise InputError(
            f"{path.name}: only compressed text files (.csv.gz, .txt.gz, .tsv.gz) are read; decompress the file first"
        )
    if suffix in EXCEL_SUFFIXES:
        frame = _read_excel(path, sheet=sheet, header=header)
    elif suffix in PARQUET_SUFFIXES:
        frame = _read_parquet(path)
    elif suffix in TEXT_SUFFIXES or whitespace:
        frame = _read_text(path, encoding=encoding, whitespace=whitespace, header=header, fallback_encoding=fallback_encoding)
    elif suffix == ".xls":
        raise InputError(f"{path.name}: old Excel .xls files are not read; save the sheet as .xlsx or .csv")
    else:
        raise InputError(
            f"{path.name}: unknown file type {suffix or '(no extension)'!r}; "
            "segkit reads .csv/.txt/.tsv text (also .csv.gz), .xlsx workbooks and .parquet files"
        )
    if header:
        frame.columns = [str(c).strip() for c in frame.columns]
    else:
        frame.columns = [f"column_{i}" for i in range(1, frame.shape[1] + 1)]
    return frame


def load_table(
    path: str | os.PathLike, *, encoding: str | None = None, sheet: str | int | None = None, fallback_encoding: str | None = None
) -> pd.DataFrame:
    """Read any other input (survey, need catalogue) with the same file handling and errors.

    Values stay raw (see `read_table`); parse columns with `parse_numbers` / `parse_dates` to get
    the same error messages as the transaction intake.

    Parameters
    ----------
    path : str or os.PathLike
        A text file (also ``.gz``), an Excel workbook or a Parquet file (see `read_table`).
    encoding : str, optional
        Encoding of a text file; default detected.
    sheet : str or int, optional
        Excel sheet name or index, or ``"*"`` for every sheet; default the first sheet.
    fallback_encoding : str, optional
        Encoding used when detection finds neither UTF-8 nor GB18030.

    Returns
    -------
    pandas.DataFrame
        The raw table, as `read_table` returns it.

    Raises
    ------
    InputError
        When `read_table` does, or when the file has no columns or no data rows.
    """
    frame = read_table(path, encoding=encoding, sheet=sheet, fallback_encoding=fallback_encoding)
    _require_rows(frame, Path(path).name)
    return frame


def _data_suffix(path: Path) -> str:
    """``.csv`` for ``orders.csv`` and for ``orders.csv.gz``: the type of the data inside."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        return suffixes[-2] if len(suffixes) > 1 else ""
    return suffixes[-1] if suffixes else ""


def _open_bytes(path: Path):
    """The file's bytes, decompressed for ``.gz``."""
    return gzip.open(path, "rb") if path.suffix.lower() in COMPRESSED_SUFFIXES else open(path, "rb")


def _open_text(path: Path, encoding: str):
    if path.suffix.lower() in COMPRESSED_SUFFIXES:
        return gzip.open(path, "rt", encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with _open_bytes(path) as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except (UnicodeDecodeError, OSError, EOFError):  # OSError/EOFError: a damaged .gz
        return False
    return True


def _looks_chinese(path: Path) -> bool:
    """Whether the distinct non-ASCII characters of a GB18030 reading are mostly common Chinese
    characters or full-width punctuation (GB2312 area: both bytes >= 0xA1)."""
    decoder = codecs.getincrementaldecoder("gb18030")()
    seen: set[str] = set()
    with _open_bytes(path) as fh:
        while chunk := fh.read(1 << 20):
            seen.update(decoder.decode(chunk))
    foreign = [c for c in seen if ord(c) > 0x7F]
    if not foreign:
        return True
    common = sum(1 for c in foreign if (b := c.encode("gb18030")) and len(b) == 2 and min(b) >= 0xA1)
    return common / len(foreign) >= GB18030_PLAUSIBLE_SHARE


def _read_text(
    path: Path, *, encoding: str | None, whitespace: bool, header: bool, fallback_encoding: str | None = None
) -> pd.DataFrame:
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}: the file is empty")
    encoding = encoding or detect_encoding(path, fallback=fallback_encoding)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"{path.name}: unknown encoding {encoding!r}") from None
    try:
        with _open_text(path, encoding) as fh:
            first = next((line for line in fh if line.strip()), "")
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: the file cannot be read as {encoding} text") from None
    except (OSError, EOFError) as exc:  # gzip: not a gzip file, truncated stream
        raise InputError(f"{path.name}: cannot be decompressed ({exc})") from None
    if not first:
        raise InputError(f"{path.name}: the file is empty")
    options = dict(dtype="str", keep_default_na=False, na_values=[""], header=0 if header else None)
    if whitespace:
        return _csv(path, encoding=encoding, sep=r"\s+", engine="c", index_col=False, **options)
    sep = max((",", ";", "\t", "|"), key=first.count)
    # pyarrow is the fast reader; it reads UTF-8 only and no line breaks inside quoted cells,
    # so anything else goes to the C reader.
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig"):
        try:
            return _csv(path, encoding=encoding, sep=sep, engine="pyarrow", **options)
        except InputError:
            pass
    return _csv(path, encoding=encoding, sep=sep, engine="c", index_col=False, **options)


def _csv(path: Path, **options) -> pd.DataFrame:
    try:
        return pd.read_csv(path, **options)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path.name}: the file is empty") from None
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: the file cannot be read as {options['encoding']} text") from None
    except (pd.errors.ParserError, ValueError, OSError, EOFError) as exc:  # pyarrow: ArrowInvalid (a ValueError)
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        detail = detail.replace("Error tokenizing data. C error: ", "")
        raise InputError(f"{path.name}: cannot be read as a table: {detail}") from None


def _read_excel(path: Path, *, sheet: str | int | None, header: bool) -> pd.DataFrame:
    try:
        sheets = pd.read_excel(
            path,
            sheet_name=None if sheet == ALL_SHEETS else (0 if sheet is None else sheet),
            header=0 if header else None,
            engine=EXCEL_ENGINE,
        )
    except ValueError as exc:
        if "not found" in str(exc) or "index" in str(exc):
            raise InputError(f"{path.name}: no sheet {sheet!r} ({_sheet_names(path)})") from None
        raise InputError(f"{path.name}: cannot be read as an Excel workbook ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - openpyxl/zipfile raise many types for a damaged file
        raise InputError(f"{path.name}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})") from None
    if not isinstance(sheets, dict):
        return sheets
    frames = [f for f in sheets.values() if f.shape[1]]
    headers = {tuple(str(c).strip() for c in f.columns) for f in frames}
    if len(headers) > 1:
        raise InputError(f"{path.name}: the sheets have different headers and cannot be stacked; choose one with sheet=")
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _sheet_names(path: Path) -> str:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return "sheets: " + ", ".join(repr(s) for s in workbook.sheetnames)
    finally:
        workbook.close()


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path).reset_index(drop=True)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a non-Parquet file
        raise InputError(f"{path.name}: cannot be read as a Parquet file ({type(exc).__name__})") from None


def _has_header_line(path: Path, *, encoding: str | None) -> bool:
    """A header-less numeric file starts with a digit; a header line starts with a name."""
    encoding = encoding or detect_encoding(path)
    with _open_text(_existing_file(path), encoding) as fh:
        first = next((line for line in fh if line.strip()), "")
    return bool(first) and not first.split()[0].lstrip("-").replace(".", "", 1).isdigit()


def _require_rows(frame: pd.DataFrame, source: str) -> None:
    if frame.shape[1] == 0:
        raise InputError(f"{source}: the file is empty")
    if len(frame) == 0:
        raise InputError(f"{source}: the file has a header but no data rows")
