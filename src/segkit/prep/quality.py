"""Data-quality measures of a prepared run: coverage, gaps, order values, missing values, regions.

Pure functions on the tables the prepare step writes (orders, the per-customer table, the
missing-value counts of the raw canonical columns); they return tables and numbers with keys,
and the data-quality report words them at render time.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns

#: Order-value quantiles the report shows (key -> quantile).
QUANTILES = {"p10": 0.10, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p90": 0.90, "p99": 0.99}
#: Columns that say where a customer is, in order of preference.
REGION_COLUMNS = ("region", "province", "country")


@dataclass(frozen=True)
class Coverage:
    """The period the clean data cover and how evenly."""

    first: pd.Timestamp
    last: pd.Timestamp
    per_month: pd.Series  # orders per calendar month (PeriodIndex), empty months included as 0

    @property
    def months(self) -> int:
        """Calendar months from the first to the last purchase, both included."""
        return len(self.per_month)

    @property
    def gaps(self) -> pd.PeriodIndex:
        """The calendar months inside the covered period without a single order."""
        return pd.PeriodIndex(self.per_month.index[self.per_month.to_numpy() == 0])

    @property
    def gap_months(self) -> int:
        """How many calendar months inside the covered period have no order (``len(gaps)``)."""
        return len(self.gaps)


def coverage(orders: pd.DataFrame, customers: pd.DataFrame, *, date_col: str = schema.ORDER_DATE) -> Coverage:
    """First and last purchase, and orders per calendar month with empty months kept.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order (`segkit.prep.aggregate.order_table`), dated by its earliest line.
    customers : pandas.DataFrame
        One row per customer (`segkit.prep.aggregate.customer_table`): its first and last
        purchase give the exact span of the lines.
    date_col : str
        Column of order dates in `orders`.

    Returns
    -------
    Coverage
    """
    require_columns(orders, [date_col], what="orders")
    require_columns(customers, [schema.FIRST_PURCHASE, schema.LAST_PURCHASE], what="customer table")
    first, last = customers[schema.FIRST_PURCHASE].min(), customers[schema.LAST_PURCHASE].max()
    months = pd.period_range(first, last, freq="M")
    per_month = orders.groupby(orders[date_col].dt.to_period("M")).size().reindex(months, fill_value=0)
    return Coverage(first=pd.Timestamp(first), last=pd.Timestamp(last), per_month=per_month)


def order_value_stats(orders: pd.DataFrame, *, amount_col: str = schema.AMOUNT) -> pd.DataFrame:
    """Order-value quantiles (`QUANTILES`, numpy's linear interpolation) and the mean.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order.
    amount_col : str
        Column of order values.

    Returns
    -------
    pandas.DataFrame
        Columns ``statistic`` (p10 ... p99, mean) and ``value``.
    """
    require_columns(orders, [amount_col], what="orders")
    values = orders[amount_col]
    return pd.DataFrame({"statistic": [*QUANTILES, "mean"], "value": [*values.quantile(list(QUANTILES.values())), values.mean()]})


def largest_orders(orders: pd.DataFrame, kept_revenue: float, *, n: int = 5, amount_col: str = schema.AMOUNT) -> pd.DataFrame:
    """The `n` largest orders with their share of the kept revenue.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order.
    kept_revenue : float
        Revenue of the lines the cleaning kept (the denominator of ``share``).
    n : int
        How many orders.
    amount_col : str
        Column of order values.

    Returns
    -------
    pandas.DataFrame
        The orders' rows, largest first, with ``share``.
    """
    largest = orders.nlargest(n, amount_col)
    return largest.assign(share=largest[amount_col] / kept_revenue if kept_revenue else float("nan"))


def missing_values(missing: pd.DataFrame) -> pd.DataFrame:
    """Columns with missing values, most first, with the share of rows.

    Parameters
    ----------
    missing : pandas.DataFrame
        Columns ``column``, ``missing`` and ``rows`` (raw rows), as the prepare step writes them.

    Returns
    -------
    pandas.DataFrame
        Only the columns with at least one missing value: ``column``, ``missing``, ``share``.
    """
    require_columns(missing, ["column", "missing", "rows"], what="missing-value counts")
    found = missing.loc[missing["missing"] > 0]
    return (
        found.assign(share=found["missing"] / found["rows"])[["column", "missing", "share"]]
        .sort_values("missing", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def customers_by_region(buyers: pd.Series, from_lines: pd.DataFrame, known: pd.DataFrame | None) -> pd.DataFrame | None:
    """Buying customers per region: from the lines when they carry one, else from the customer file.

    Parameters
    ----------
    buyers : pandas.Series
        Customer ids of the customers who bought.
    from_lines : pandas.DataFrame
        Region / country per customer as the transaction lines give them.
    known : pandas.DataFrame or None
        The customer attribute file.

    Returns
    -------
    pandas.DataFrame or None
        ``region`` (missing as NA), ``customers``, ``share``, most customers first; None when
        neither source says where customers are.
    """
    source = next((c for c in ("region", "country") if c in from_lines.columns), None)
    if source is not None:
        regions = from_lines.set_index(schema.CUSTOMER_ID)[source].reindex(buyers.to_numpy())
    elif known is not None and (column := next((c for c in REGION_COLUMNS if c in known.columns), None)):
        regions = known.drop_duplicates(schema.CUSTOMER_ID).set_index(schema.CUSTOMER_ID)[column].reindex(buyers.to_numpy())
    else:
        return None
    counts = regions.value_counts(dropna=False).rename_axis("region").reset_index(name="customers")
    return counts.assign(share=counts["customers"] / counts["customers"].sum())


def never_bought(known: pd.DataFrame | None, buyers: pd.Series) -> tuple[int, int] | None:
    """How many customers of the customer file never bought, out of how many.

    Parameters
    ----------
    known : pandas.DataFrame or None
        The customer attribute file (column ``customer_id``), one row per known customer.
    buyers : pandas.Series
        Customer ids of the customers with at least one clean line.

    Returns
    -------
    tuple of (int, int) or None
        ``(never, known)``: rows of the customer file whose id has no purchase, and the rows of
        the file; None without a customer file.
    """
    if known is None:
        return None
    never = int((~known[schema.CUSTOMER_ID].isin(buyers)).sum())
    return never, len(known)
