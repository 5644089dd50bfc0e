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

from segkit import schema
from segkit.errors import InputError
from segkit.rfm import require_columns, resolve_as_of
from segkit.segments import SegmentMap, Segmentation, segment_customers

#: Stage key -> value rank, English and Chinese names (display order).
STAGES = {
    "potential": (1, "Potential", "潜在客户"),
    "new": (2, "New", "新客户"),
    "active": (3, "Active", "活跃客户"),
    "reactivated": (4, "Reactivated", "回流客户"),
    "at_risk": (5, "At risk", "有流失风险"),
    "churned": (6, "Churned", "已流失"),
}

#: Label of customers who had not bought yet at the earlier migration date.
NOT_YET = {"key": "not_yet", "rank": 0, "en": "Not yet a customer", "zh": "尚未成为客户"}


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


def purchase_gaps(
    transactions: pd.DataFrame,
    *,
    customer_col: str = schema.CUSTOMER_ID,
    date_col: str = schema.ORDER_DATE,
) -> pd.Series:
    """Days between each customer's consecutive purchase days (one value per repeat visit)."""
    visits = _visits(transactions, customer_col, date_col)
    gaps = visits.groupby("customer", sort=False)["day"].diff().dt.days
    return gaps.dropna().astype(float).reset_index(drop=True)


@dataclass(frozen=True)
class Lifecycle:
    """A stage per customer and the thresholds that decided it (the report states them)."""

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
        rows = [{"key": k, "rank": r, "en": en, "zh": zh, "customers": int(counts.get(k, 0))}
                for k, (r, en, zh) in STAGES.items()]
        sizes = pd.DataFrame(rows)
        return sizes.assign(share=sizes["customers"] / max(len(self.table), 1))


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
        table = pd.concat(
            [table, pd.DataFrame({customer_col: potential.to_numpy(), "stage": "potential"})], ignore_index=True
        )
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


def retention_by_period(
    transactions: pd.DataFrame,
    *,
    freq: str = "M",
    customer_col: str = schema.CUSTOMER_ID,
    date_col: str = schema.ORDER_DATE,
) -> pd.DataFrame:
    """Per period: buyers, buyers retained from the previous period, new buyers, retention and churn.

    retention rate = customers who bought in both the previous and this period / buyers of the
    previous period; churn rate = 1 - retention rate. The first period has no rate.
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
    """Monthly acquisition cohorts x months since first purchase."""

    counts: pd.DataFrame  # cohort (YYYY-MM) x months since first purchase: customers who bought
    pct: pd.DataFrame  # counts / cohort size (month 0 = 100 %)
    sizes: pd.Series


def cohort_retention(
    transactions: pd.DataFrame,
    *,
    customer_col: str = schema.CUSTOMER_ID,
    date_col: str = schema.ORDER_DATE,
) -> Cohorts:
    """Customers of each first-purchase month who bought again k months later (calendar months).

    Cells after the end of the data are empty (NaN), not 0, so young cohorts are not read as lost.
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


# --------------------------------------------------------------------------------------------
# Migration


@dataclass(frozen=True)
class Migration:
    """How customers moved between the segments of one map from an earlier to a later date."""

    counts: pd.DataFrame  # earlier segment (rows, incl. "not yet a customer") x later segment
    pct: pd.DataFrame  # row shares: where each earlier segment went
    moves: pd.DataFrame  # direction (upgraded / stayed / downgraded / new), customers, revenue
    segments: pd.DataFrame  # key, rank, en, zh of the rows and columns (incl. not_yet)


def migration(
    before: SegmentMap,
    after: SegmentMap,
    *,
    revenue: pd.Series | None = None,
    customer_col: str = schema.CUSTOMER_ID,
) -> Migration:
    """Transition matrix between two labelings of the same map, and the direction of each move.

    A move to a segment of better value rank (rank 1 = best) is an upgrade; customers absent at
    the earlier date are "new". `revenue` (indexed by customer id) is the revenue each customer
    brought between the two dates; it is summed per direction ("revenue that moved").
    """
    if before.name != after.name:
        raise InputError(f"migration: cannot compare map {before.name!r} with map {after.name!r}")
    data = after.table[[customer_col, "segment"]].merge(
        before.table[[customer_col, "segment"]], on=customer_col, how="left", suffixes=("_after", "_before")
    )
    data = data.assign(segment_before=data["segment_before"].fillna(NOT_YET["key"]))
    segments = pd.concat([pd.DataFrame([NOT_YET]), after.segments[["key", "rank", "en", "zh"]]], ignore_index=True)
    rank = dict(zip(segments["key"], segments["rank"]))
    rb, ra = data["segment_before"].map(rank), data["segment_after"].map(rank)
    direction = np.select(
        [data["segment_before"] == NOT_YET["key"], ra < rb, ra == rb], ["new", "upgraded", "stayed"], default="downgraded"
    )
    moved = revenue.reindex(data[customer_col]).fillna(0.0).to_numpy() if revenue is not None else np.zeros(len(data))
    data = data.assign(direction=direction, revenue=moved)
    keys = segments["key"].tolist()
    counts = pd.crosstab(data["segment_before"], data["segment_after"]).reindex(index=keys, columns=keys[1:], fill_value=0)
    pct = counts.div(counts.sum(axis=1).where(counts.sum(axis=1) > 0), axis=0)
    moves = (
        data.groupby("direction")
        .agg(customers=(customer_col, "size"), revenue=("revenue", "sum"))
        .reindex(["upgraded", "stayed", "downgraded", "new"], fill_value=0)
        .rename_axis("direction")
        .reset_index()
    )
    return Migration(counts=counts, pct=pct, moves=moves, segments=segments)


def migrate(
    transactions: pd.DataFrame,
    current: Segmentation,
    *,
    days: int = 90,
    map_name: str = "rfm10",
    customer_col: str = schema.CUSTOMER_ID,
    date_col: str = schema.ORDER_DATE,
    revenue_col: str = schema.REVENUE,
) -> Migration:
    """Migration of `map_name` from `days` before the current as-of date to the current one.

    The earlier snapshot is recomputed from the transactions before that date, scored with the
    *current* thresholds and 8-class references, so a move means the customer changed, not the
    other customers. Value tiers are relative by nature and are recomputed at each date.
    """
    from segkit.engine import customer_table

    if map_name not in current.maps:
        raise InputError(f"map_name: {map_name!r} is not one of {', '.join(current.maps)}")
    earlier = current.features.as_of - pd.Timedelta(days=int(days))
    require_columns(transactions, [customer_col, date_col], what="transactions")
    past = transactions.loc[pd.to_datetime(transactions[date_col]) < earlier]
    if past.empty:
        raise InputError(f"migration_days: {days}: there are no purchases before {earlier.date()}; use fewer days")
    eight = current.maps["eight_class"].params
    then = segment_customers(
        customer_table(past),
        as_of=earlier,
        frequency=current.features.frequency_basis,
        monetary=current.features.monetary_basis,
        bins=current.scores.bins,
        thresholds=current.scores.thresholds,
        eight_class_reference=eight["reference"],
        eight_class_basis=eight["basis"],
        eight_class_references=eight["references"],
        tier_cuts=current.tiers.cuts,
    )
    now_revenue = current.features.table.set_index(customer_col)[revenue_col]
    then_revenue = then.features.table.set_index(customer_col)[revenue_col]
    moved = now_revenue.sub(then_revenue.reindex(now_revenue.index), fill_value=0.0)
    return migration(then.maps[map_name], current.maps[map_name], revenue=moved, customer_col=customer_col)
