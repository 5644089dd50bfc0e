"""Customers moving between segments (or lifecycle stages) over several consecutive periods.

`transitions.migrate` compares two dates; here the snapshots are ``as_of - k * days`` for
``k = periods .. 0``, and each consecutive pair gives the customers who went from segment A to
segment B. Every snapshot is labelled by the *one* fitted segmenter of the run (its thresholds,
8-class references and rules), built the way `transitions.migrate` builds its earlier snapshot:
the customer table of the lines dated strictly before the snapshot date. A move therefore means
the customer changed, not the crowd.

Two origins and destinations are not segments:

* ``not_yet`` (`transitions.NOT_YET`, "not yet a customer"): the customer had no purchase before
  the earlier date, so every customer acquired during a period arrives from it (the "new" origin);
* ``gone``: the customer was labelled at the earlier date and has no label at the later one. The
  snapshots are cumulative (a customer who bought once stays in every later customer table), so a
  lapsed customer is not gone: they move to a lapsed segment (general winback, churned). ``gone``
  counts the customers a map leaves unlabelled at the later date, or who are missing from the later
  labels handed to `label_flows`; on the built-in maps it is 0.

Snapshot dates on or before the first purchase in the data have no customers; they are skipped and
listed in `PeriodMigration.skipped` (the report says so). They are always the earliest dates, so
the periods that remain are consecutive and `days` long.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.errors import InputError
from segkit.value.lifecycle import STAGES, lifecycle_stages
from segkit.value.segmentation import Segmenter
from segkit.value.transitions import NOT_YET

#: Destination of customers labelled at the earlier date and unlabelled at the later one.
GONE = {"key": "gone", "rank": 99}  # name: value.segment_names.migration.gone
#: Columns of `PeriodMigration.flows`.
FLOW_COLUMNS = ("period_start", "period_end", "from", "to", "customers")


@dataclass(frozen=True)
class PeriodMigration:
    """Flows between the segments of one map over consecutive periods, and the sizes per snapshot.

    Attributes
    ----------
    flows : pandas.DataFrame
        Long table ``period_start, period_end, from, to, customers``: one row per pair of labels
        with at least one customer, periods oldest first, then `from` and `to` in segment order;
        `from` may be ``not_yet`` and `to` may be ``gone``.
    sizes : pandas.DataFrame
        ``snapshot, segment, customers, share``: every segment at every kept snapshot (0 included),
        share of the customers labelled at that snapshot (NaN when there are none).
    moves : pandas.DataFrame
        Per period: ``period_start, period_end, new, stayed, moved, gone`` (customers).
    snapshots : tuple of pandas.Timestamp
        The snapshot dates used, oldest first.
    skipped : tuple of pandas.Timestamp
        Snapshot dates left out because they are on or before the first purchase in the data.
    segments : pandas.DataFrame
        key and rank of the map's segments in report order (best first), without not_yet and gone.
    name : str
        The map's name (``eight_class``, ``rfm10`` ...) or ``lifecycle``.
    days : int
        Length of each period in days.
    """

    flows: pd.DataFrame
    sizes: pd.DataFrame
    moves: pd.DataFrame
    snapshots: tuple[pd.Timestamp, ...]
    skipped: tuple[pd.Timestamp, ...]
    segments: pd.DataFrame
    name: str
    days: int


def snapshot_dates(as_of: str | pd.Timestamp, *, periods: int = 4, days: int = 90) -> list[pd.Timestamp]:
    """The snapshot dates ``as_of - k * days`` for ``k = periods .. 0``, oldest first.

    Parameters
    ----------
    as_of : str or pandas.Timestamp
        The latest snapshot (the run's analysis date); the time of day is dropped.
    periods : int, default 4
        Number of periods, so ``periods + 1`` snapshots; at least 1.
    days : int, default 90
        Length of a period in days; at least 1.

    Returns
    -------
    list of pandas.Timestamp

    Raises
    ------
    InputError
        When `periods` or `days` is below 1.
    """
    if int(periods) < 1:
        raise InputError(f"migration_periods: {periods} must be at least 1")
    if int(days) < 1:
        raise InputError(f"migration_days: {days} must be at least 1")
    end = pd.Timestamp(as_of).normalize()
    return [end - pd.Timedelta(days=int(k) * int(days)) for k in range(int(periods), -1, -1)]


def label_flows(
    labels: Mapping[pd.Timestamp, pd.Series],
    *,
    segments: pd.DataFrame,
    name: str,
    days: int,
    skipped: Sequence[pd.Timestamp] = (),
) -> PeriodMigration:
    """Flows between consecutive labelings (customer id -> segment key), oldest date first.

    A customer absent from the earlier labels (or with a missing label there) comes from
    ``not_yet``; one labelled earlier and absent or unlabelled later goes to ``gone``; one absent
    from both is not counted.

    Parameters
    ----------
    labels : mapping of pandas.Timestamp to pandas.Series
        Snapshot date -> segment key per customer (indexed by customer id); sorted by date here.
    segments : pandas.DataFrame
        key and rank of the map's segments (the order of `flows` and `sizes`).
    name : str
        The map's name, kept in the result.
    days : int
        Length of a period in days, kept in the result.
    skipped : sequence of pandas.Timestamp, default ()
        Snapshot dates left out by the caller, kept in the result.

    Returns
    -------
    PeriodMigration
    """
    dates = sorted(pd.Timestamp(d) for d in labels)
    segs = segments[["key", "rank"]].sort_values("rank", kind="stable").reset_index(drop=True)
    order = {k: i for i, k in enumerate([NOT_YET["key"], *segs["key"], GONE["key"]])}
    flows, moves = [], []
    for start, end in zip(dates[:-1], dates[1:]):
        before, after = labels[start].dropna(), labels[end].dropna()
        ids = before.index.union(after.index)
        pair = pd.DataFrame(
            {
                "from": before.reindex(ids).fillna(NOT_YET["key"]).astype("str").to_numpy(),
                "to": after.reindex(ids).fillna(GONE["key"]).astype("str").to_numpy(),
            }
        )
        counted = pair.groupby(["from", "to"], sort=False).size().rename("customers").reset_index()
        flows.append(counted.assign(period_start=start, period_end=end))
        new, gone = pair["from"] == NOT_YET["key"], pair["to"] == GONE["key"]
        stayed = int((pair["from"] == pair["to"]).sum())
        moves.append(
            {
                "period_start": start,
                "period_end": end,
                "new": int(new.sum()),
                "stayed": stayed,
                "moved": int((~new & ~gone).sum()) - stayed,
                "gone": int(gone.sum()),
            }
        )
    table = pd.concat(flows, ignore_index=True) if flows else pd.DataFrame(columns=list(FLOW_COLUMNS))
    if len(table):
        position = table["from"].map(order).fillna(len(order)) * (len(order) + 1) + table["to"].map(order).fillna(len(order))
        table = table.assign(_order=position).sort_values(["period_start", "_order"], kind="stable")
    table = table[list(FLOW_COLUMNS)].astype({"customers": "int64"}).reset_index(drop=True)
    return PeriodMigration(
        flows=table,
        sizes=_sizes(labels, dates, segs["key"].tolist()),
        moves=pd.DataFrame(moves, columns=["period_start", "period_end", "new", "stayed", "moved", "gone"]),
        snapshots=tuple(dates),
        skipped=tuple(pd.Timestamp(d) for d in skipped),
        segments=segs,
        name=name,
        days=int(days),
    )


def _sizes(labels: Mapping[pd.Timestamp, pd.Series], dates: list[pd.Timestamp], keys: list[str]) -> pd.DataFrame:
    rows = []
    for date in dates:
        counts = labels[date].dropna().astype("str").value_counts()
        total = int(counts.sum())
        for key in keys:
            n = int(counts.get(key, 0))
            rows.append({"snapshot": date, "segment": key, "customers": n, "share": n / total if total else np.nan})
    return pd.DataFrame(rows, columns=["snapshot", "segment", "customers", "share"])


def migration_over_periods(
    lines: Any,
    segmenter: Segmenter,
    *,
    as_of: str | pd.Timestamp | None = None,
    periods: int = 4,
    days: int = 90,
    map_name: str = "eight_class",
    customer_col: str = schema.CUSTOMER_ID,
) -> PeriodMigration:
    """Customers moving between the segments of `map_name` over `periods` periods of `days` days.

    Each snapshot ``as_of - k * days`` (k = periods .. 0) is the customer table of the lines dated
    strictly before it (`segkit.prep.aggregate.before`, `customer_table`), labelled by the fitted
    `segmenter` (``transform``), so every snapshot is on the scale the segmenter was fitted on.
    Snapshots with no purchase before them are skipped (`PeriodMigration.skipped`).

    Parameters
    ----------
    lines : Any
        The cleaned transaction lines (pandas DataFrame, DuckDB relation or Spark DataFrame) with
        customer_id, order_id, order_date, quantity and amount.
    segmenter : Segmenter
        The run's fitted segmenter.
    as_of : str or pandas.Timestamp, optional
        The latest snapshot; default the date the segmenter was fitted at (``as_of_``).
    periods : int, default 4
        Number of periods compared (``periods + 1`` snapshots).
    days : int, default 90
        Length of a period (the run's ``migration_days``).
    map_name : str, default "eight_class"
        The map: ``"eight_class"``, ``"rfm10"``, ``"value_tier"`` or ``"value_cluster"``.
    customer_col : str, default "customer_id"
        Column of customer ids.

    Returns
    -------
    PeriodMigration

    Raises
    ------
    InputError
        When the segmenter is not fitted, `map_name` is not one of its maps, or `periods` or `days`
        is below 1.
    """
    from segkit.prep.aggregate import before, customer_table

    if not hasattr(segmenter, "segmentation_"):
        raise InputError("migration: the segmenter is not fitted; call fit() on a snapshot first")
    maps = segmenter.segmentation_.maps
    if map_name not in maps:
        raise InputError(f"map_name: {map_name!r} is not one of {', '.join(maps)}")
    end = segmenter.as_of_ if as_of is None else as_of
    labels: dict[pd.Timestamp, pd.Series] = {}
    skipped = []
    for date in snapshot_dates(end, periods=periods, days=days):
        customers = customer_table(before(lines, date))
        if customers.empty:
            skipped.append(date)
            continue
        table = segmenter.transform(customers, as_of=date).maps[map_name].table
        labels[date] = table.set_index(customer_col)["segment"]
    return label_flows(labels, segments=maps[map_name].segments, name=map_name, days=days, skipped=skipped)


def stages_over_periods(
    visits: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    churn_days: int,
    at_risk_days: int | None = None,
    new_days: int = 30,
    periods: int = 4,
    days: int = 90,
    customer_col: str = schema.CUSTOMER_ID,
    date_col: str = schema.ORDER_DATE,
) -> PeriodMigration:
    """Customers moving between lifecycle stages over `periods` periods of `days` days.

    The stages at every snapshot use the same thresholds (`churn_days`, `at_risk_days`,
    `new_days`: the run's), so a move is the customer's. Only buyers are staged: there is no
    sign-up date, so the ``potential`` stage is left out. Snapshots with no purchase before them
    are skipped.

    Parameters
    ----------
    visits : pandas.DataFrame
        Transaction lines or purchase days with a customer and a date column.
    as_of : str or pandas.Timestamp
        The latest snapshot (the run's analysis date).
    churn_days : int
        Days without a purchase after which a customer has churned.
    at_risk_days : int, optional
        Days without a purchase after which a customer is at risk; default ``churn_days // 2``.
    new_days : int, default 30
        Days within which a first purchase makes "new" and a return "reactivated".
    periods : int, default 4
        Number of periods compared (``periods + 1`` snapshots).
    days : int, default 90
        Length of a period (the run's ``migration_days``).
    customer_col : str, default "customer_id"
        Column of customer ids.
    date_col : str, default "order_date"
        Column of purchase dates.

    Returns
    -------
    PeriodMigration
        Named ``lifecycle``; its segments are the stages (without potential) in `STAGES` order.

    Raises
    ------
    InputError
        When a column is missing, `periods` or `days` is below 1, or `at_risk_days` exceeds `churn_days`.
    """
    first = pd.to_datetime(visits[date_col]).min() if len(visits) else pd.NaT
    labels: dict[pd.Timestamp, pd.Series] = {}
    skipped = []
    for date in snapshot_dates(as_of, periods=periods, days=days):
        if pd.isna(first) or date <= pd.Timestamp(first).normalize():
            skipped.append(date)
            continue
        life = lifecycle_stages(
            visits,
            as_of=date,
            churn_days=churn_days,
            at_risk_days=at_risk_days,
            new_days=new_days,
            customer_col=customer_col,
            date_col=date_col,
        )
        labels[date] = life.table.set_index(customer_col)["stage"]
    stages = pd.DataFrame([{"key": k, "rank": r} for k, r in STAGES.items() if k != "potential"])
    return label_flows(labels, segments=stages, name="lifecycle", days=days, skipped=skipped)
