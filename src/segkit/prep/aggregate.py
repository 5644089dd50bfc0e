"""One code path over pandas, DuckDB and Spark: open, aggregate, collect only the small result.

The per-customer and per-order aggregations are written once with narwhals and run natively on
whatever the user has: a pandas DataFrame in memory, a DuckDB relation over Parquet/CSV files
(the default for file inputs: out of core, with a memory limit), or a Spark DataFrame. Only the
result, one row per customer or per order, is collected as pandas, with the same dtypes on every
backend so that downstream code and tests can compare them exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import narwhals as nw
import pandas as pd

from segkit.core.errors import InputError
from segkit.core.schema import (
    AMOUNT,
    COST,
    CUSTOMER_ID,
    CUSTOMER_TABLE_COLUMNS,
    FIRST_PURCHASE,
    ITEMS,
    LAST_PURCHASE,
    LINES,
    MARGIN,
    ORDER_DATE,
    ORDER_ID,
    ORDERS,
    PRODUCT_ID,
    PURCHASE_DAYS,
    QUANTITY,
    REVENUE,
    TRANSACTION_COLUMNS,
    UNIT_PRICE,
)

BACKENDS = ("duckdb", "pandas", "spark")
#: Timestamps come back at microsecond resolution: what Parquet, DuckDB and Spark store.
TIMESTAMP_DTYPE = "datetime64[us]"
#: Sums of money are rounded to this many decimals: engines add in different orders, and the
#: last-digit noise (1e-11 on the demo) must not flip a score or a tier between engines.
MONEY_DECIMALS = 6
ORDER_TABLE_COLUMNS = (CUSTOMER_ID, ORDER_ID, ORDER_DATE, AMOUNT, ITEMS)


def scan(path: str | Path, *, backend: str = "duckdb", memory_limit: str = "4GB", spark: Any = None) -> Any:
    """Open a canonical transactions Parquet file (or directory/glob) lazily on `backend`.

    DuckDB is the default for files: it streams the file and spills to disk beyond
    `memory_limit`, so a file larger than memory still aggregates. Types are normalised
    (ids as strings, numbers as float64, dates as timestamps) so every backend sees the same
    schema. Returns the native object: DuckDB relation, Spark DataFrame or pandas DataFrame.

    Parameters
    ----------
    path : str or pathlib.Path
        A Parquet file, a directory of Parquet files, or a glob pattern (``*`` in the file name).
    backend : {"duckdb", "pandas", "spark"}, default "duckdb"
        The engine that reads the data.
    memory_limit : str, default "4GB"
        DuckDB's memory limit (e.g. ``"4GB"``); beyond it DuckDB spills to disk. Other backends ignore it.
    spark : pyspark.sql.SparkSession, optional
        The session to read with; required for ``backend="spark"``.

    Returns
    -------
    Any
        The lazy (DuckDB, Spark) or in-memory (pandas) table with the types of `normalise`.

    Raises
    ------
    InputError
        When `backend` is unknown, `path` does not exist, Spark is asked for without a session, or a
        canonical transaction column is missing.
    """
    source = Path(path)
    if backend not in BACKENDS:
        raise InputError(f"engine backend {backend!r} is not one of {', '.join(BACKENDS)}")
    if "*" not in source.name and not source.exists():
        raise InputError(f"{source}: no such file or directory")
    if backend == "duckdb":
        import duckdb

        connection = duckdb.connect(config={"memory_limit": memory_limit})
        target = str(source / "**" / "*.parquet") if source.is_dir() else str(source)
        native = connection.read_parquet(target)
    elif backend == "spark":
        if spark is None:
            raise InputError("engine backend 'spark' needs a SparkSession: scan(path, backend='spark', spark=session)")
        native = spark.read.parquet(str(source))
    else:
        native = pd.read_parquet(source)
    return normalise(native)


def normalise(frame: Any) -> Any:
    """Cast the canonical columns to one schema on every backend; other columns pass through.

    Ids become strings (a numeric CustomerID read as 17850.0 would otherwise never join with
    "17850"), quantities and money float64, dates timestamps.

    Parameters
    ----------
    frame : Any
        Transaction lines with the canonical columns (`TRANSACTION_COLUMNS`) on any backend narwhals
        reads: pandas DataFrame, DuckDB relation, Spark DataFrame.

    Returns
    -------
    Any
        The same kind of object: customer_id, order_id and product_id as strings, quantity,
        unit_price and amount as float64, order_date as a timestamp (microseconds when it was not one).

    Raises
    ------
    InputError
        When a canonical transaction column is missing.
    """
    lf = nw.from_native(frame)
    names = lf.collect_schema().names()
    missing = [c for c in TRANSACTION_COLUMNS if c not in names]
    if missing:
        raise InputError(f"transactions: missing canonical column(s) {', '.join(map(repr, missing))}")
    casts = [nw.col(c).cast(nw.String) for c in (CUSTOMER_ID, ORDER_ID, PRODUCT_ID)]
    casts += [nw.col(c).cast(nw.Float64) for c in (QUANTITY, UNIT_PRICE, AMOUNT)]
    if lf.collect_schema()[ORDER_DATE] != nw.Datetime:
        casts.append(nw.col(ORDER_DATE).cast(nw.Datetime("us")))
    return lf.with_columns(*casts).to_native()


def customer_table(frame: Any) -> pd.DataFrame:
    """One row per customer: first and last purchase, distinct orders and days, revenue, items, lines.

    Runs as one group-by on the frame's own backend; lines without a customer id are left out
    (the cleaning removes them by default). Sorted by customer id.

    Parameters
    ----------
    frame : Any
        Transaction lines (pandas DataFrame, DuckDB relation or Spark DataFrame) with customer_id,
        order_id, order_date, quantity and amount.

    Returns
    -------
    pandas.DataFrame
        `CUSTOMER_TABLE_COLUMNS`: customer_id (``str``), first_purchase and last_purchase
        (``datetime64[us]``), orders (distinct order ids) and purchase_days (distinct calendar days),
        both int64, revenue (sum of amount, currency, rounded to `MONEY_DECIMALS`), items (sum of
        quantity) and lines (number of lines); when the lines have a ``cost`` column, also cost
        (sum of cost) and margin (revenue - cost), both rounded to `MONEY_DECIMALS`, NaN for a
        customer with a line whose cost is unknown.

    Raises
    ------
    InputError
        When one of those columns is missing.
    """
    lf = _lazy(frame)
    costed = COST in lf.collect_schema().names()
    result = (
        lf.filter(~nw.col(CUSTOMER_ID).is_null())
        .with_columns(_sk_day=nw.col(ORDER_DATE).dt.truncate("1d"))
        .group_by(CUSTOMER_ID)
        .agg(
            nw.col(ORDER_DATE).min().alias(FIRST_PURCHASE),
            nw.col(ORDER_DATE).max().alias(LAST_PURCHASE),
            nw.col(ORDER_ID).n_unique().alias(ORDERS),
            nw.col("_sk_day").n_unique().alias(PURCHASE_DAYS),
            nw.col(AMOUNT).sum().alias(REVENUE),
            nw.col(QUANTITY).sum().alias(ITEMS),
            nw.len().alias(LINES),
            *([nw.col(COST).sum().alias(COST), nw.col(COST).count().alias("_sk_costed")] if costed else []),
        )
    )
    out = result.collect(backend="pandas").to_native()
    if costed:  # margin = revenue - cost of goods, both rounded to cents so they add up as printed
        known = out["_sk_costed"].astype("int64") == out[LINES].astype("int64")  # a line without a cost: margin unknown
        cost = out[COST].astype("float64").round(MONEY_DECIMALS).where(known)
        revenue = out[REVENUE].astype("float64").round(MONEY_DECIMALS)
        extra = pd.DataFrame({COST: cost, MARGIN: (revenue - cost).round(MONEY_DECIMALS)}, index=out.index)
    else:
        extra = pd.DataFrame(index=out.index)
    dtypes = {
        CUSTOMER_ID: "str",
        FIRST_PURCHASE: TIMESTAMP_DTYPE,
        LAST_PURCHASE: TIMESTAMP_DTYPE,
        ORDERS: "int64",
        PURCHASE_DAYS: "int64",
        REVENUE: "float64",
        ITEMS: "float64",
        LINES: "int64",
    }
    out = out.assign(**{REVENUE: out[REVENUE].astype("float64").round(MONEY_DECIMALS)})
    table = pd.concat([out[list(CUSTOMER_TABLE_COLUMNS)].astype(dtypes), extra], axis=1)
    return table.sort_values(CUSTOMER_ID, ignore_index=True)


def order_table(frame: Any) -> pd.DataFrame:
    """One row per order (customer, order id): its date, amount and items, for order-level views.

    An order's date is its earliest line. Sorted by customer, date and order id.

    Parameters
    ----------
    frame : Any
        Transaction lines (pandas DataFrame, DuckDB relation or Spark DataFrame) with customer_id,
        order_id, order_date, quantity and amount.

    Returns
    -------
    pandas.DataFrame
        `ORDER_TABLE_COLUMNS`: customer_id and order_id (``str``), order_date (``datetime64[us]``),
        amount (sum over the order's lines, currency, rounded to `MONEY_DECIMALS`) and items (sum of
        quantity).

    Raises
    ------
    InputError
        When one of those columns is missing.
    """
    lf = _lazy(frame)
    result = (
        lf.filter(~nw.col(CUSTOMER_ID).is_null())
        .group_by(CUSTOMER_ID, ORDER_ID)
        .agg(nw.col(ORDER_DATE).min(), nw.col(AMOUNT).sum(), nw.col(QUANTITY).sum().alias(ITEMS))
    )
    out = result.collect(backend="pandas").to_native()
    dtypes = {CUSTOMER_ID: "str", ORDER_ID: "str", ORDER_DATE: TIMESTAMP_DTYPE, AMOUNT: "float64", ITEMS: "float64"}
    out = out.assign(**{AMOUNT: out[AMOUNT].astype("float64").round(MONEY_DECIMALS)})
    return out[list(ORDER_TABLE_COLUMNS)].astype(dtypes).sort_values([CUSTOMER_ID, ORDER_DATE, ORDER_ID], ignore_index=True)


def _lazy(frame: Any) -> nw.LazyFrame:
    lf = nw.from_native(frame).lazy()
    missing = [c for c in (CUSTOMER_ID, ORDER_ID, ORDER_DATE, QUANTITY, AMOUNT) if c not in lf.collect_schema().names()]
    if missing:
        raise InputError(f"transactions: missing canonical column(s) {', '.join(map(repr, missing))}")
    return lf


VISIT_COLUMNS = (CUSTOMER_ID, ORDER_DATE, AMOUNT, ORDERS)


def visit_table(frame: Any) -> pd.DataFrame:
    """One row per customer and purchase day: the day (``order_date`` at midnight), amount, orders.

    The per-period aggregate behind lifecycle stages, retention and cohorts, which count visits
    (several orders on one day are one visit); it is much smaller than the lines and gives those
    functions exactly the answers the lines give. Sorted by customer and day.
    """
    lf = _lazy(frame)
    result = (
        lf.filter(~nw.col(CUSTOMER_ID).is_null())
        .with_columns(nw.col(ORDER_DATE).dt.truncate("1d").alias("_sk_day"))
        .group_by(CUSTOMER_ID, "_sk_day")
        .agg(nw.col(AMOUNT).sum(), nw.col(ORDER_ID).n_unique().alias(ORDERS))
        .rename({"_sk_day": ORDER_DATE})
    )
    out = result.collect(backend="pandas").to_native()
    dtypes = {CUSTOMER_ID: "str", ORDER_DATE: TIMESTAMP_DTYPE, AMOUNT: "float64", ORDERS: "int64"}
    out = out.assign(**{AMOUNT: out[AMOUNT].astype("float64").round(MONEY_DECIMALS)})
    return out[list(VISIT_COLUMNS)].astype(dtypes).sort_values([CUSTOMER_ID, ORDER_DATE], ignore_index=True)


def before(frame: Any, when: Any) -> Any:
    """The lines dated strictly before `when`, on the frame's own backend (lazy stays lazy)."""
    native = nw.from_native(frame)
    return native.filter(nw.col(ORDER_DATE) < pd.Timestamp(when).to_pydatetime()).to_native()


def customer_attributes(frame: Any, columns: tuple[str, ...] = ("region", "country", "customer_type")) -> pd.DataFrame:
    """Descriptive columns the lines carry (region, country, type), one value per customer.

    A customer whose lines disagree gets the alphabetically first value, the same on every
    engine. Only the columns present are returned (besides ``customer_id``).
    """
    lf = _lazy(frame)
    present = [c for c in columns if c in lf.collect_schema().names()]
    if not present:
        return pd.DataFrame({CUSTOMER_ID: pd.Series(dtype="str")})
    result = lf.filter(~nw.col(CUSTOMER_ID).is_null()).group_by(CUSTOMER_ID).agg(*[nw.col(c).min() for c in present])
    out = result.collect(backend="pandas").to_native()
    return out[[CUSTOMER_ID, *present]].astype("str").sort_values(CUSTOMER_ID, ignore_index=True)
