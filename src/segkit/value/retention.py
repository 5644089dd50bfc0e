"""Retention per period and acquisition cohorts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.value.lifecycle import _visits


@accepts_frames("transactions")
def retention_by_period(
    transactions: pd.DataFrame, *, freq: str = "M", customer_col: str = schema.CUSTOMER_ID, date_col: str = schema.ORDER_DATE
) -> pd.DataFrame:
    """Per period: buyers, buyers retained from the previous period, new buyers, retention and churn.

    retention rate = customers who bought in both the previous and this period / buyers of the
    previous period; churn rate = 1 - retention rate. The first period has no rate.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transaction lines or purchase days, with a customer and a date column.
    freq : {"M", "Q", "Y", "W"}, default "M"
        The calendar period: month, quarter, year or week.
    customer_col : str, default "customer_id"
        Column of customer ids.
    date_col : str, default "order_date"
        Column of purchase dates; only the calendar day counts.

    Returns
    -------
    pandas.DataFrame
        One row per period from the first to the last purchase (periods without buyers included):
        period (text, e.g. ``"2011-03"``), buyers, retained, new (first purchase in the period),
        retention_rate and churn_rate (NaN when the previous period had no buyers).

    Raises
    ------
    InputError
        When `freq` is not a period or a column is missing.
    """
    if freq not in ("M", "Q", "Y", "W"):
        raise InputError(f"freq: {freq!r} is not a period; use M, Q, Y or W")
    visits = _visits(transactions, customer_col, date_col)
    active = visits.assign(period=visits["day"].dt.to_period(freq))[["customer", "period"]].drop_duplicates()
    first = active.groupby("customer")["period"].min()
    periods = pd.period_range(active["period"].min(), active["period"].max(), freq=freq)
    buyers = {p: set(g) for p, g in active.groupby("period")["customer"]}
    rows = []
    previous: set = set()
    for p in periods:
        now = buyers.get(p, set())
        retained = len(now & previous)
        rate = retained / len(previous) if previous else np.nan
        rows.append(
            {
                "period": str(p),
                "buyers": len(now),
                "retained": retained,
                "new": int((first == p).sum()),
                "retention_rate": rate,
                "churn_rate": 1 - rate if previous else np.nan,
            }
        )
        previous = now
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Cohorts:
    """Monthly acquisition cohorts x months since first purchase.

    Attributes
    ----------
    counts : pandas.DataFrame
        Customers per cohort (first-purchase month ``YYYY-MM``, rows) who bought k months later
        (columns, ``months_since_first``); NaN after the end of the data.
    pct : pandas.DataFrame
        `counts` divided by the cohort size.
    sizes : pandas.Series
        Customers per cohort.
    """

    counts: pd.DataFrame  # cohort (YYYY-MM) x months since first purchase: customers who bought
    pct: pd.DataFrame  # counts / cohort size (month 0 = 100 %)
    sizes: pd.Series


@accepts_frames("transactions")
def cohort_retention(
    transactions: pd.DataFrame, *, customer_col: str = schema.CUSTOMER_ID, date_col: str = schema.ORDER_DATE
) -> Cohorts:
    """Customers of each first-purchase month who bought again k months later (calendar months).

    Cells after the end of the data are empty (NaN), not 0, so young cohorts are not read as lost.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transaction lines or purchase days, with a customer and a date column.
    customer_col : str, default "customer_id"
        Column of customer ids.
    date_col : str, default "order_date"
        Column of purchase dates; only the calendar day counts.

    Returns
    -------
    Cohorts
        Counts, shares and sizes per cohort.

    Raises
    ------
    InputError
        When a column is missing or there are no purchases.
    """
    visits = _visits(transactions, customer_col, date_col)
    if visits.empty:
        raise InputError("transactions: no purchases, so there are no cohorts")
    month = visits["day"].dt.to_period("M")
    cohort = month.groupby(visits["customer"]).transform("min")
    offset = (month.dt.year - cohort.dt.year) * 12 + (month.dt.month - cohort.dt.month)
    cells = pd.DataFrame({"cohort": cohort.astype(str), "k": offset.to_numpy(), "customer": visits["customer"]})
    last = month.max()
    counts = cells.drop_duplicates().groupby(["cohort", "k"]).size().unstack(fill_value=0)
    horizon = np.array([(last.year - int(c[:4])) * 12 + last.month - int(c[5:]) for c in counts.index])
    width = int(horizon.max()) + 1
    full = counts.reindex(columns=range(width), fill_value=0).astype(float)
    full = full.mask(np.arange(width)[None, :] > horizon[:, None])
    full.index.name, full.columns.name = "cohort", "months_since_first"
    sizes = full[0].astype(int)
    return Cohorts(counts=full, pct=full.div(sizes, axis=0), sizes=sizes)
