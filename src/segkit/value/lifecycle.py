"""Customer lifecycle: stages, churn thresholds, retention, acquisition cohorts, and migration.

Stages are worked out from purchase *days* (several orders on one day are one visit) so that the
gaps behind the churn threshold are gaps between visits. Migration compares two segment maps of
the same customers at two as-of dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.value.rfm import resolve_as_of

#: Stage key -> display rank (names: the catalogues, ``value.stages.<key>``).
STAGES = {"potential": 1, "new": 2, "active": 3, "reactivated": 4, "at_risk": 5, "churned": 6}


def _visits(transactions: pd.DataFrame, customer_col: str, date_col: str, amount_col: str | None = None) -> pd.DataFrame:
    """Distinct (customer, purchase day) pairs, sorted, with the day's amount when asked."""
    cols = [customer_col, date_col] + ([amount_col] if amount_col else [])
    require_columns(transactions, cols, what="transactions")
    frame = pd.DataFrame(
        {"customer": transactions[customer_col].to_numpy(), "day": pd.to_datetime(transactions[date_col]).dt.normalize()}
    )
    if amount_col:
        frame = frame.assign(amount=transactions[amount_col].astype(float).to_numpy())
        return frame.groupby(["customer", "day"], sort=True, as_index=False)["amount"].sum()
    return frame.drop_duplicates().sort_values(["customer", "day"], kind="stable").reset_index(drop=True)


@accepts_frames("transactions")
def purchase_gaps(
    transactions: pd.DataFrame, *, customer_col: str = schema.CUSTOMER_ID, date_col: str = schema.ORDER_DATE
) -> pd.Series:
    """Days between each customer's consecutive purchase days (one value per repeat visit).

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
    pandas.Series
        float days between consecutive distinct purchase days, customer by customer, with a new
        0..n-1 index; customers with one purchase day contribute nothing.

    Raises
    ------
    InputError
        When a column is missing.
    """
    visits = _visits(transactions, customer_col, date_col)
    gaps = visits.groupby("customer", sort=False)["day"].diff().dt.days
    return gaps.dropna().astype(float).reset_index(drop=True)


@dataclass(frozen=True)
class Lifecycle:
    """A stage per customer and the thresholds that decided it (the report states them).

    Attributes
    ----------
    table : pandas.DataFrame
        customer id, stage (a key of `STAGES`), first_purchase, last_purchase, recency (days) and
        return_day (the last return after a gap longer than churn_days, else NaT); potential
        customers have only the id and the stage.
    as_of : pandas.Timestamp
        The analysis date; only purchase days before it count.
    new_days, at_risk_days, churn_days : int
        The thresholds applied, in days.
    churn_rule : str
        How churn_days was set: ``"given"`` or ``"p90 of N gaps"``.
    churn_quantile : float or None
        The quantile of gaps behind churn_days; None when it was given.
    gaps : int
        Number of gaps between purchase days before `as_of`.
    """

    table: pd.DataFrame  # customer_id, stage, first_purchase, last_purchase, recency, return_day
    as_of: pd.Timestamp
    new_days: int
    at_risk_days: int
    churn_days: int
    churn_rule: str  # "given" | "p90 of N gaps"
    churn_quantile: float | None  # the quantile of gaps behind churn_days; None when given
    gaps: int  # number of gaps between purchase days up to as_of

    @property
    def sizes(self) -> pd.DataFrame:
        counts = self.table["stage"].value_counts()
        rows = [{"key": k, "rank": r, "customers": int(counts.get(k, 0))} for k, r in STAGES.items()]
        sizes = pd.DataFrame(rows)
        return sizes.assign(share=sizes["customers"] / max(len(self.table), 1))


@accepts_frames("transactions")
def lifecycle_stages(
    transactions: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp | None = None,
    customers: Iterable[str] | None = None,
    new_days: int = 30,
    churn_days: int | None = None,
    at_risk_days: int | None = None,
    churn_quantile: float = 0.9,
    customer_col: str = schema.CUSTOMER_ID,
    date_col: str = schema.ORDER_DATE,
) -> Lifecycle:
    """One stage per customer at `as_of`, first matching rule wins.

    * potential: in `customers` (e.g. the sign-up list) but no purchase up to `as_of`;
    * churned: no purchase for more than `churn_days` (default: the `churn_quantile` of all gaps
      between consecutive purchase days, rounded up: 90 % of returns happen sooner);
    * new: first purchase within `new_days` of `as_of`;
    * reactivated: came back after a gap longer than `churn_days`, and that return is within
      `new_days` of `as_of`;
    * at risk: no purchase for more than `at_risk_days` (default: half of `churn_days`);
    * active: everyone else.
    Transactions after `as_of` are ignored, so the same data give the stages at earlier dates.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transaction lines or purchase days, with a customer and a date column.
    as_of : str or pandas.Timestamp, optional
        The analysis date (time of day dropped); only purchase days before it count. Default: the
        day after the last purchase.
    customers : iterable of str, optional
        Every known customer id (e.g. the sign-up list); those without a purchase are "potential".
    new_days : int, default 30
        Days within which a first purchase makes "new" and a return makes "reactivated".
    churn_days : int, optional
        Days without a purchase after which a customer has churned; default from `churn_quantile`.
    at_risk_days : int, optional
        Days without a purchase after which a customer is at risk, from 0 to `churn_days`; default
        ``churn_days // 2``.
    churn_quantile : float, default 0.9
        Quantile of the gaps between purchase days that sets `churn_days` when it is not given.
    customer_col : str, default "customer_id"
        Column of customer ids.
    date_col : str, default "order_date"
        Column of purchase dates; only the calendar day counts.

    Returns
    -------
    Lifecycle
        The stage per customer and the thresholds used.

    Raises
    ------
    InputError
        When a column is missing, there are no purchases, `as_of` is not a date, `churn_days` cannot
        be derived (no customer bought on two days), or `at_risk_days` exceeds `churn_days`.
    """
    visits = _visits(transactions, customer_col, date_col)
    if visits.empty:
        raise InputError("transactions: no purchases, so there are no lifecycle stages to compute")
    when = resolve_as_of(as_of, visits["day"])
    visits = visits.loc[visits["day"] < when]
    gaps = visits.groupby("customer", sort=False)["day"].diff().dt.days
    n_gaps = int(gaps.notna().sum())
    if churn_days is None:
        if n_gaps == 0:
            raise InputError("churn_days: no customer bought twice, so it cannot be derived from the data; set it")
        churn = int(np.ceil(np.quantile(gaps.dropna(), churn_quantile)))
        rule = f"p{100 * churn_quantile:g} of {n_gaps} gaps"
    else:
        churn, rule = int(churn_days), "given"
    risk = int(at_risk_days) if at_risk_days is not None else churn // 2
    if not 0 <= risk <= churn:
        raise InputError(f"at_risk_days: {risk} must be between 0 and churn_days ({churn})")
    returns = visits.loc[gaps > churn].groupby("customer")["day"].max()
    per = visits.groupby("customer").agg(first_purchase=("day", "min"), last_purchase=("day", "max"))
    per = per.assign(return_day=returns.reindex(per.index))
    recency = (when - per["last_purchase"]).dt.days
    since_first = (when - per["first_purchase"]).dt.days
    since_return = (when - per["return_day"]).dt.days
    stage = np.select(
        [recency > churn, since_first <= new_days, since_return <= new_days, recency > risk],
        ["churned", "new", "reactivated", "at_risk"],
        default="active",
    )
    table = per.assign(recency=recency.astype(float), stage=stage).rename_axis(customer_col).reset_index()
    if customers is not None:
        listed = pd.Index(pd.unique(pd.Series(list(customers), dtype="str")))
        potential = listed.difference(pd.Index(table[customer_col]))
        table = pd.concat([table, pd.DataFrame({customer_col: potential.to_numpy(), "stage": "potential"})], ignore_index=True)
    return Lifecycle(
        table=table[[customer_col, "stage", "first_purchase", "last_purchase", "recency", "return_day"]],
        as_of=when,
        new_days=int(new_days),
        at_risk_days=risk,
        churn_days=churn,
        churn_rule=rule,
        churn_quantile=churn_quantile if churn_days is None else None,
        gaps=n_gaps,
    )
