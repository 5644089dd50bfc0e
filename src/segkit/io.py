"""Data intake: read raw files, map them to canonical columns, validate before anything is computed.

Every later step trusts the canonical table this module returns (`segkit.schema`), so all checks a
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
* Lines whose mapped cells are all empty (trailing ``,,,,`` lines of spreadsheet exports) are skipped.
* Dates are parsed with one explicit format for the whole column: a preset lists candidate formats
  and the first that reads every value wins; nothing is guessed row by row.
"""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import hashlib
import importlib.util
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from segkit import schema
from segkit.errors import InputError, sample_offenders

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
#: Unit of every parsed date column.
DATE_DTYPE = "datetime64[us]"
#: Id cells that mean "missing" in exports (pandas writes ``nan``, databases ``NULL``).
MISSING_ID_TOKENS = ("nan", "NaN", "NAN", "None", "NULL", "null", "<NA>", "NA")
#: Unambiguous, year-first formats tried when a mapping gives no date_format.
DEFAULT_DATE_FORMATS = ("ISO8601", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d")

_REQUIRED = (schema.CUSTOMER_ID, schema.ORDER_DATE, schema.QUANTITY)
_MAPPING_OPTIONS = ("date_format", "encoding", "sheet")
_FLOAT_ID = r"^(-?\d+)\.0+$"  # a string pattern keeps the replace inside pyarrow (fast)


@dataclass(frozen=True)
class Preset:
    """How a well-known public file maps to canonical columns.

    ``columns`` maps canonical name → source column. ``names`` gives positional column names for
    header-less whitespace files (CDNOW); a header line, when present, is detected and skipped.
    Without an ``order_id`` column one order id per line is synthesised as
    ``"<customer_id>-<YYYYMMDD>-<data row>"``.
    """

    name: str
    description: str
    columns: Mapping[str, str]
    date_formats: tuple[str, ...]
    whitespace: bool = False
    names: tuple[str, ...] = ()
    sheet: str | int | None = None
    fallback_encoding: str | None = None


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="demo",
            description="segkit demo data (segkit demo-data): data/raw/demo/transactions.csv",
            columns={
                schema.CUSTOMER_ID: "customer_id",
                schema.ORDER_ID: "invoice_id",
                schema.ORDER_DATE: "invoice_date",
                schema.PRODUCT_ID: "product_id",
                schema.QUANTITY: "quantity",
                schema.UNIT_PRICE: "unit_price",
                "description": "description",
                "category": "category",
            },
            date_formats=("%Y-%m-%d %H:%M:%S",),
        ),
        Preset(
            name="online_retail",
            description='UCI "Online Retail" (Online Retail.xlsx, or a CSV export of it)',
            columns={
                schema.CUSTOMER_ID: "CustomerID",
                schema.ORDER_ID: "InvoiceNo",
                schema.ORDER_DATE: "InvoiceDate",
                schema.PRODUCT_ID: "StockCode",
                schema.QUANTITY: "Quantity",
                schema.UNIT_PRICE: "UnitPrice",
                "description": "Description",
                "country": "Country",
            },
            # The CSV in circulation writes month first (12/1/2010 8:26); pandas re-exports write ISO.
            date_formats=("%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"),
            # CSV copies in circulation are ISO-8859-1 (read_csv(..., encoding="ISO-8859-1")).
            fallback_encoding="latin-1",
        ),
        Preset(
            name="online_retail_ii",
            description='UCI "Online Retail II" (online_retail_II.xlsx: both yearly sheets are read)',
            columns={
                schema.CUSTOMER_ID: "Customer ID",
                schema.ORDER_ID: "Invoice",
                schema.ORDER_DATE: "InvoiceDate",
                schema.PRODUCT_ID: "StockCode",
                schema.QUANTITY: "Quantity",
                schema.UNIT_PRICE: "Price",
                "description": "Description",
                "country": "Country",
            },
            date_formats=("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M"),
            sheet=ALL_SHEETS,
            fallback_encoding="latin-1",
        ),
        Preset(
            name="cdnow_master",
            description="CDNOW master file: customer id, YYYYMMDD, number of CDs, dollars (whitespace)",
            columns={
                schema.CUSTOMER_ID: "customer_id",
                schema.ORDER_DATE: "date",
                schema.QUANTITY: "number_of_cds",
                schema.AMOUNT: "dollar_value",
            },
            date_formats=("%Y%m%d",),
            whitespace=True,
            names=("customer_id", "date", "number_of_cds", "dollar_value"),
        ),
        Preset(
            name="cdnow_sample",
            description="CDNOW 1/10 sample: master id, sample id, YYYYMMDD, number of CDs, dollars",
            columns={
                schema.CUSTOMER_ID: "master_id",
                schema.ORDER_DATE: "date",
                schema.QUANTITY: "number_of_cds",
                schema.AMOUNT: "dollar_value",
            },
            date_formats=("%Y%m%d",),
            whitespace=True,
            names=("master_id", "sample_id", "date", "number_of_cds", "dollar_value"),
        ),
    )
}


# --------------------------------------------------------------------------------------- files


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in chunks, so a run manifest can pin the exact input."""
    digest = hashlib.sha256()
    with open(_existing_file(path), "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_parquet_atomic(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write `frame` to Parquet so that `path` is either the old file or the complete new one.

    The data go to a temporary file in the same folder (same file system) and are moved into place
    with `os.replace`; a crash or an interrupted job never leaves a half-written file behind.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def detect_encoding(path: str | os.PathLike, *, fallback: str | None = None) -> str:
    """Encoding of a text file: a UTF-8 BOM → ``utf-8-sig``, else ``utf-8`` if it decodes, else
    ``gb18030`` if it decodes *and* reads as Chinese text, else `fallback` when given.

    GB18030 (a superset of GBK) is what Excel writes for "CSV" on a Chinese-locale Windows. Western
    Latin-1 text often decodes as GB18030 too, into stray rare characters, so a GB18030 reading is
    only accepted when the non-ASCII characters are mostly common Chinese ones
    (`GB18030_PLAUSIBLE_SHARE`). A preset whose public file is known to be Latin-1 passes that as
    `fallback`; otherwise the caller is asked for the encoding. The whole file is checked in chunks
    (decompressed for ``.gz``), so a stray byte on line 900,000 is not missed.
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
        f"{path.name}: the file is neither UTF-8 nor GB18030 text; "
        "pass the encoding explicitly (e.g. encoding='latin-1')"
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
    """
    path = _existing_file(path)
    suffix = _data_suffix(path)
    if path.suffix.lower() in COMPRESSED_SUFFIXES and suffix not in TEXT_SUFFIXES and not whitespace:
        raise InputError(
            f"{path.name}: only compressed text files (.csv.gz, .txt.gz, .tsv.gz) are read; "
            f"decompress the file first"
        )
    if suffix in EXCEL_SUFFIXES:
        frame = _read_excel(path, sheet=sheet, header=header)
    elif suffix in PARQUET_SUFFIXES:
        frame = _read_parquet(path)
    elif suffix in TEXT_SUFFIXES or whitespace:
        frame = _read_text(
            path, encoding=encoding, whitespace=whitespace, header=header, fallback_encoding=fallback_encoding
        )
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
    path: str | os.PathLike,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    fallback_encoding: str | None = None,
) -> pd.DataFrame:
    """Read any other input (survey, need catalogue) with the same file handling and errors.

    Values stay raw (see `read_table`); parse columns with `parse_numbers` / `parse_dates` to get
    the same error messages as the transaction intake.
    """
    frame = read_table(path, encoding=encoding, sheet=sheet, fallback_encoding=fallback_encoding)
    _require_rows(frame, Path(path).name)
    return frame


# ------------------------------------------------------------------------------ column parsing


def parse_ids(values: pd.Series) -> pd.Series:
    """Normalise an id column to ``str``: blanks stripped, ``17850.0`` → ``"17850"``, empty → NA.

    Float id columns (Excel, pandas exports of a column with gaps) print as ``17850.0``; the
    trailing ``.0`` is dropped so the same customer gets the same id in every file.
    """
    text = values.astype("str").str.strip().str.replace(_FLOAT_ID, r"\1", regex=True)
    return text.mask(text.isin(("", *MISSING_ID_TOKENS)))


def parse_numbers(
    values: pd.Series, *, source: str, column: str, allow_missing: bool = False
) -> pd.Series:
    """Parse a column as float64, or raise `InputError` listing how many values fail and where.

    Empty cells count as failures unless ``allow_missing``; thousands separators and decimal
    commas are failures too (``'1,2'`` is ambiguous), so nothing is silently misread.
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
    values: pd.Series,
    *,
    source: str,
    column: str,
    formats: str | Sequence[str] | None = None,
    allow_missing: bool = False,
) -> pd.Series:
    """Parse a column as ``datetime64[us]`` with one format for the whole column.

    The first of `formats` that reads every value is used (default: `DEFAULT_DATE_FORMATS`, all
    year-first, because 03/04/2024 cannot be read without being told the order). Cells that are
    already dates (Excel, Parquet) are taken as they are. If no format reads every value, the
    error lists the failures under the format that read the most.
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


# -------------------------------------------------------------------------------- transactions


def read_mapping(path: str | os.PathLike) -> dict[str, str]:
    """Read a column mapping from YAML: canonical name → source column, plus optional settings.

    Example::

        customer_id: 会员编号
        order_id: 订单号
        order_date: 下单时间
        product_id: 商品编码
        quantity: 数量
        unit_price: 单价
        date_format: "%Y/%m/%d %H:%M"   # optional; default: unambiguous year-first formats
        encoding: gb18030               # optional; default: detected
    """
    path = _existing_file(path)
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: not a readable YAML mapping ({exc})") from None
    return _check_mapping(content, source=path.name)


def load_transactions(
    path: str | os.PathLike,
    *,
    preset: str | None = None,
    mapping: Mapping[str, str] | str | os.PathLike | None = None,
    encoding: str | None = None,
    date_format: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Load a transaction file as the canonical, validated table (`schema.TRANSACTION_COLUMNS`).

    Give exactly one of `preset` (see `PRESETS`) or `mapping` (a dict or a YAML file, see
    `read_mapping`). `encoding`, `date_format` and `sheet` override the preset or mapping. Every
    check happens before a value is computed; a failure raises `InputError` naming the file,
    the column and the first offending rows.
    """
    source = Path(path).name
    spec = _resolve_spec(preset=preset, mapping=mapping)
    if date_format is not None:
        spec = dataclasses.replace(spec, date_formats=(date_format,))
    encoding = encoding or spec.encoding
    sheet = sheet if sheet is not None else spec.sheet
    raw = _read_for_spec(path, spec, encoding=encoding, sheet=sheet)
    _require_rows(raw, source)
    columns = _source_columns(raw, spec, source=source)
    raw = raw.loc[raw[list(columns.values())].apply(lambda c: _text(c).notna()).any(axis=1)]
    _require_rows(raw, source)
    return _canonical(raw, columns, spec, source=source)


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


# ------------------------------------------------------------------------------------ internals


@dataclass(frozen=True)
class _Spec:
    """A preset or a mapping, reduced to what loading needs."""

    label: str
    columns: Mapping[str, str]
    date_formats: tuple[str, ...]
    whitespace: bool = False
    names: tuple[str, ...] = ()
    sheet: str | int | None = None
    encoding: str | None = None
    fallback_encoding: str | None = None


def _resolve_spec(*, preset: str | None, mapping) -> _Spec:
    if (preset is None) == (mapping is None):
        raise InputError(
            "give exactly one of preset= or mapping= "
            f"(presets: {', '.join(sorted(PRESETS))}; or a YAML mapping of canonical name → source column)"
        )
    if preset is not None:
        if preset not in PRESETS:
            raise InputError(f"unknown preset {preset!r}; valid presets: {', '.join(sorted(PRESETS))}")
        p = PRESETS[preset]
        return _Spec(
            label=f"preset {p.name!r}", columns=p.columns, date_formats=p.date_formats,
            whitespace=p.whitespace, names=p.names, sheet=p.sheet, fallback_encoding=p.fallback_encoding,
        )
    if isinstance(mapping, (str, os.PathLike)):
        label = f"mapping {Path(mapping).name!r}"
        mapping = read_mapping(mapping)
    else:
        label = "the column mapping"
        mapping = _check_mapping(mapping, source="column mapping")
    fmt = mapping.get("date_format")
    return _Spec(
        label=label,
        columns={k: v for k, v in mapping.items() if k not in _MAPPING_OPTIONS},
        date_formats=(fmt,) if fmt else DEFAULT_DATE_FORMATS,
        sheet=mapping.get("sheet"),
        encoding=mapping.get("encoding"),
    )


def _check_mapping(content, *, source: str) -> dict[str, str]:
    allowed = (*schema.TRANSACTION_COLUMNS, *schema.OPTIONAL_TRANSACTION_COLUMNS, *_MAPPING_OPTIONS)
    if not isinstance(content, Mapping) or not content:
        raise InputError(f"{source}: expected 'canonical name: source column' lines, e.g. 'customer_id: CustomerID'")
    unknown = [k for k in content if k not in allowed]
    if unknown:
        raise InputError(f"{source}: unknown key(s) {_listing(unknown)}; allowed keys: {', '.join(allowed)}")
    missing = [k for k in _REQUIRED if k not in content]
    if schema.UNIT_PRICE not in content and schema.AMOUNT not in content:
        missing.append("unit_price or amount")
    if missing:
        raise InputError(f"{source}: the mapping must name a source column for {', '.join(missing)}")
    return {k: v if k == "sheet" and isinstance(v, int) else str(v).strip() for k, v in content.items()}


def _existing_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path.name}: file not found ({path})")
    if not path.is_file():
        raise InputError(f"{path.name}: not a file ({path})")
    return path


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
            path, sheet_name=None if sheet == ALL_SHEETS else (0 if sheet is None else sheet),
            header=0 if header else None, engine=EXCEL_ENGINE,
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


def _read_for_spec(path, spec: _Spec, *, encoding: str | None, sheet) -> pd.DataFrame:
    if not spec.names:
        return read_table(path, encoding=encoding, sheet=sheet, fallback_encoding=spec.fallback_encoding)
    header = _has_header_line(Path(path), encoding=encoding)
    raw = read_table(
        path, encoding=encoding, whitespace=spec.whitespace, header=header, fallback_encoding=spec.fallback_encoding
    )
    if raw.shape[1] != len(spec.names):
        raise InputError(
            f"{Path(path).name}: expected {len(spec.names)} whitespace-separated columns "
            f"({', '.join(spec.names)}) for {spec.label}, found {raw.shape[1]}"
        )
    raw.columns = list(spec.names)
    return raw


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
        elif canonical in (*_REQUIRED, schema.ORDER_ID, schema.PRODUCT_ID, schema.UNIT_PRICE, schema.AMOUNT):
            missing.append(wanted)
    if missing:
        hint = ""
        fits = [p.name for p in PRESETS.values() if not p.names and set(p.columns.values()) <= set(available)]
        if fits:
            hint = f"; these columns fit preset {fits[0]!r}"
        raise InputError(
            f"{source}: missing required column(s) {_listing(missing)} ({spec.label}); "
            f"the file has {_listing(available)}{hint}"
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
    order = parse(schema.ORDER_ID, _required_ids)
    if problems:
        raise InputError("\n".join(problems))
    customer = parse_ids(raw[columns[schema.CUSTOMER_ID]])
    if not customer.notna().any():
        raise InputError(
            f"{source}: no usable rows: all {len(raw)} rows lack a customer id "
            f"(column {columns[schema.CUSTOMER_ID]!r})"
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
    return pd.DataFrame(out).reset_index(drop=True)


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
    """``file: column 'X': n of N values are <problem> (row r: 'v', ...)``, rows 1-based."""
    positions = np.flatnonzero(bad)[:4]
    rows = (values.index.to_numpy()[positions] + 1) if _is_range_like(values.index) else (positions + 1)
    cells = [None if pd.isna(v) else _cell(v) for v in values.iloc[positions].tolist()]
    return (
        f"{source}: column {column!r}: {int(np.count_nonzero(bad))} of {len(values)} values are {problem} "
        f"({sample_offenders(rows.tolist(), cells, limit=3)})"
    )


def _is_range_like(index: pd.Index) -> bool:
    return pd.api.types.is_integer_dtype(index.dtype)


def _cell(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _listing(names) -> str:
    return ", ".join(repr(str(n)) for n in names)
