"""Column presets for public data sets and user column mappings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from segkit.core import schema
from segkit.core.errors import InputError
from segkit.intake.files import ALL_SHEETS, _existing_file
from segkit.intake.parsing import DEFAULT_DATE_FORMATS, _listing
from segkit.intake.yaml_files import read_yaml

_REQUIRED = (schema.CUSTOMER_ID, schema.ORDER_DATE, schema.QUANTITY)
_MAPPING_OPTIONS = ("date_format", "encoding", "sheet")


@dataclass(frozen=True)
class Preset:
    """How a well-known public file maps to canonical columns.

    ``columns`` maps canonical name → source column. ``names`` gives positional column names for
    header-less whitespace files (CDNOW); a header line, when present, is detected and skipped.
    Without an ``order_id`` column one order id per line is synthesised as
    ``"<customer_id>-<YYYYMMDD>-<data row>"``.

    Attributes
    ----------
    name : str
        The preset's name, as passed to ``load_transactions(preset=...)``.
    description : str
        The file the preset is for.
    columns : mapping of str to str
        Canonical name → source column.
    date_formats : tuple of str
        Candidate formats of the order date, tried in order.
    whitespace : bool
        Fields are separated by runs of blanks.
    names : tuple of str
        Positional column names of a header-less file.
    sheet : str or int or None
        Excel sheet to read (``"*"``: every sheet); None for the first.
    fallback_encoding : str or None
        Encoding assumed when a text file is neither UTF-8 nor GB18030.
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
                schema.UNIT_COST: "unit_cost",  # demo data of generator version 3 and later
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

    Parameters
    ----------
    path : str or os.PathLike
        The YAML file (UTF-8, a BOM allowed).

    Returns
    -------
    dict of str to str
        Canonical name → source column, plus ``date_format``, ``encoding`` and ``sheet`` when given;
        values as stripped text (an integer ``sheet`` stays an int).

    Raises
    ------
    InputError
        When the file does not exist or is not YAML, is not a non-empty mapping, has unknown keys, or
        names no source column for customer_id, order_date, quantity, and unit_price or amount.
    """
    path = _existing_file(path)
    content = read_yaml(path, what="column mapping")
    return _check_mapping(content, source=path.name)


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
    preset: bool = False  # a preset's optional columns (cost included) may be absent; a mapping's cost may not


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
            label=f"preset {p.name!r}",
            columns=p.columns,
            date_formats=p.date_formats,
            whitespace=p.whitespace,
            names=p.names,
            sheet=p.sheet,
            fallback_encoding=p.fallback_encoding,
            preset=True,
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
    allowed = (*schema.TRANSACTION_COLUMNS, *schema.OPTIONAL_TRANSACTION_COLUMNS, *schema.COST_COLUMNS, *_MAPPING_OPTIONS)
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
    if all(k in content for k in schema.COST_COLUMNS):
        raise InputError(f"{source}: give one of 'unit_cost' (per unit) or 'cost' (per line), not both")
    return {k: v if k == "sheet" and isinstance(v, int) else str(v).strip() for k, v in content.items()}
