"""Customers moving between the segments of a map from one date to a later one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.value.maps import SegmentMap
from segkit.value.segmentation import Segmentation

#: Label of customers who had not bought yet at the earlier migration date.
NOT_YET = {"key": "not_yet", "rank": 0}  # name: value.segment_names.migration.not_yet


# --------------------------------------------------------------------------------------------
# Migration


@dataclass(frozen=True)
class Migration:
    """How customers moved between the segments of one map from an earlier to a later date.

    Attributes
    ----------
    counts : pandas.DataFrame
        Customers per earlier segment (rows, ``not_yet`` first) and later segment (columns).
    pct : pandas.DataFrame
        `counts` as row shares (NaN for an empty row).
    moves : pandas.DataFrame
        direction (upgraded, stayed, downgraded, new), customers and revenue.
    segments : pandas.DataFrame
        key and rank of the rows and columns, ``not_yet`` (rank 0) first.
    """

    counts: pd.DataFrame  # earlier segment (rows, incl. "not yet a customer") x later segment
    pct: pd.DataFrame  # row shares: where each earlier segment went
    moves: pd.DataFrame  # direction (upgraded / stayed / downgraded / new), customers, revenue
    segments: pd.DataFrame  # key, rank of the rows and columns (incl. not_yet)


@accepts_frames("revenue")
def migration(
    before: SegmentMap, after: SegmentMap, *, revenue: pd.Series | None = None, customer_col: str = schema.CUSTOMER_ID
) -> Migration:
    """Transition matrix between two labelings of the same map, and the direction of each move.

    A move to a segment of better value rank (rank 1 = best) is an upgrade; customers absent at
    the earlier date are "new". `revenue` (indexed by customer id) is the revenue each customer
    brought between the two dates; it is summed per direction ("revenue that moved").

    Parameters
    ----------
    before : SegmentMap
        The labels at the earlier date.
    after : SegmentMap
        The labels of the same map at the later date; its customers are the ones counted.
    revenue : pandas.Series, optional
        Revenue per customer between the two dates (currency), indexed by customer id; customers
        absent count 0. Default: every move's revenue is 0.
    customer_col : str, default "customer_id"
        Column of customer ids.

    Returns
    -------
    Migration
        The transition counts and shares and the moves per direction.

    Raises
    ------
    InputError
        When `before` and `after` are different maps (different names).
    """
    if before.name != after.name:
        raise InputError(f"migration: cannot compare map {before.name!r} with map {after.name!r}")
    data = after.table[[customer_col, "segment"]].merge(
        before.table[[customer_col, "segment"]], on=customer_col, how="left", suffixes=("_after", "_before")
    )
    data = data.assign(segment_before=data["segment_before"].fillna(NOT_YET["key"]))
    segments = pd.concat([pd.DataFrame([NOT_YET]), after.segments[["key", "rank"]]], ignore_index=True)
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


@accepts_frames("transactions")
def migrate(
    transactions: pd.DataFrame,
    current: Segmentation,
    *,
    days: int = 90,
    map_name: str = "rfm10",
    customer_col: str = schema.CUSTOMER_ID,
    date_col: str = schema.ORDER_DATE,
) -> Migration:
    """Migration of `map_name` from `days` before the current as-of date to the current one.

    The earlier snapshot is the customer table of the transactions before that date, labelled
    by the *current* fitted segmenter (`migrate_snapshot`). Lines may be raw lines or purchase
    days; only customer and date are read, plus what `customer_table` aggregates.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transaction lines or purchase days with the canonical columns `customer_table` aggregates
        (customer_id, order_id, order_date, quantity, amount).
    current : Segmentation
        The current segmentation, with its fitted segmenter (`segment_customers`).
    days : int, default 90
        How many days before the current as-of date the earlier snapshot is taken.
    map_name : str, default "rfm10"
        The map compared: ``"rfm10"``, ``"eight_class"`` or ``"value_tier"``.
    customer_col : str, default "customer_id"
        Column of customer ids.
    date_col : str, default "order_date"
        Column of purchase dates; only the calendar day counts.

    Returns
    -------
    Migration
        From the earlier date to the current one; a move's revenue is the customers' revenue gained
        between the two snapshots.

    Raises
    ------
    InputError
        When a column is missing, there are no purchases before the earlier date, `map_name` is not a
        map of `current`, or `current` carries no fitted segmenter.
    """
    from segkit.prep.aggregate import customer_table

    earlier = earlier_date(current, days)
    require_columns(transactions, [customer_col, date_col], what="transactions")
    past = transactions.loc[pd.to_datetime(transactions[date_col]) < earlier]
    if past.empty:
        raise InputError(f"migration_days: {days}: there are no purchases before {earlier.date()}; use fewer days")
    return migrate_snapshot(customer_table(past), current, as_of=earlier, map_name=map_name, customer_col=customer_col)


def earlier_date(current: Segmentation, days: int) -> pd.Timestamp:
    """The as-of date `days` before the current one (the migration's starting point)."""
    return current.features.as_of - pd.Timedelta(days=int(days))


def migrate_snapshot(
    earlier_customers: pd.DataFrame,
    current: Segmentation,
    *,
    as_of: pd.Timestamp,
    map_name: str = "rfm10",
    customer_col: str = schema.CUSTOMER_ID,
    revenue_col: str = schema.REVENUE,
) -> Migration:
    """Migration of `map_name` from an earlier customer table (at `as_of`) to the current segmentation.

    The earlier snapshot is labelled by ``current.segmenter``: the current thresholds, 8-class
    references, tier cuts and rule set (a user's own rules included), so a move means the
    customer changed, not the other customers.

    Returns
    -------
    Migration
    """
    if map_name not in current.maps:
        raise InputError(f"map_name: {map_name!r} is not one of {', '.join(current.maps)}")
    if current.segmenter is None:
        raise InputError("migration: the current segmentation carries no fitted segmenter; make it with segment_customers")
    if earlier_customers.empty:
        raise InputError(f"migration: there are no purchases before {pd.Timestamp(as_of).date()}; use fewer days")
    then = current.segmenter.transform(earlier_customers, as_of=as_of)
    now_revenue = current.features.table.set_index(customer_col)[revenue_col]
    then_revenue = then.features.table.set_index(customer_col)[revenue_col]
    moved = now_revenue.sub(then_revenue.reindex(now_revenue.index), fill_value=0.0)
    return migration(then.maps[map_name], current.maps[map_name], revenue=moved, customer_col=customer_col)
