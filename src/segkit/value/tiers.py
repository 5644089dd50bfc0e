"""Pareto / ABC value tiers (any number of cuts), the 战略/重要/普通 scheme, Lorenz curve and Gini.

A tier scheme is k increasing cumulative revenue shares (cuts) and k + 1 tier keys: A, B, C, ...
by default, or the user's own (``vip``, ``large``, ``medium``, ``small``). The strategic scheme
(``strategic_tier``) is the same rule with fixed cuts 80 % / 95 % and the keys ``strategic``,
``key`` and ``ordinary``, the classes business documents call 战略客户, 重要客户 and 普通客户.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.value.maps import SegmentMap, _catalogue

# --------------------------------------------------------------------------------------------
# Value tiers, Lorenz curve, Gini

VALUE_TIERS = (
    {"key": "A", "rank": 1},  # high value (names: value.segment_names.value_tier.*)
    {"key": "B", "rank": 2},  # medium value
    {"key": "C", "rank": 3},  # low value
)
#: The 战略 / 重要 / 普通 scheme (names: value.segment_names.strategic_tier.*) and its fixed cuts.
STRATEGIC_TIERS = (
    {"key": "strategic", "rank": 1},  # 战略客户: the customers bringing the first 80 % of revenue
    {"key": "key", "rank": 2},  # 重要客户: the next 15 %
    {"key": "ordinary", "rank": 3},  # 普通客户: the rest
)
STRATEGIC_CUTS = (0.80, 0.95)


@accepts_frames("values")
def gini(values: Sequence[float] | pd.Series) -> float:
    """Gini coefficient of revenue concentration (0 = equal, towards 1 = concentrated).

    G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n with x sorted ascending, i = 1..n.
    Negative values (net returners) count as 0.

    Parameters
    ----------
    values : sequence of float or pandas.Series
        Revenue per customer (currency).

    Returns
    -------
    float
        The Gini coefficient.

    Raises
    ------
    InputError
        When there are no values or none is positive.
    """
    x = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        raise InputError("Gini: revenue is zero or negative for every customer; nothing to compare")
    return float(2 * np.sum(np.arange(1, n + 1) * x) / (n * total) - (n + 1) / n)


@accepts_frames("values")
def lorenz_curve(values: Sequence[float] | pd.Series) -> pd.DataFrame:
    """Lorenz curve points: cumulative customer share vs cumulative revenue share, from (0, 0).

    Customers are sorted from lowest to highest revenue; negative revenue counts as 0.

    Parameters
    ----------
    values : sequence of float or pandas.Series
        Revenue per customer (currency).

    Returns
    -------
    pandas.DataFrame
        customer_share and revenue_share, n + 1 points from (0, 0) to (1, 1).

    Raises
    ------
    InputError
        When there are no values or none is positive.
    """
    x = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    total = x.sum()
    if len(x) == 0 or total <= 0:
        raise InputError("Lorenz curve: revenue is zero or negative for every customer")
    return pd.DataFrame(
        {"customer_share": np.arange(len(x) + 1) / len(x), "revenue_share": np.concatenate([[0.0], np.cumsum(x) / total])}
    )


@dataclass(frozen=True)
class ValueTiers:
    """Pareto/ABC tiers with the concentration numbers a manager asks for.

    Attributes
    ----------
    map : SegmentMap
        The tier map (``value_tier``): one segment per tier, A, B, C, ... or the names given.
    cuts : tuple of float
        The cumulative revenue shares that end each tier but the last (k cuts, k + 1 tiers).
    gini : float
        Gini coefficient of revenue.
    lorenz : pandas.DataFrame
        The Lorenz curve (`lorenz_curve`).
    customer_share_at_cut : float
        Share of customers in the first tier.
    """

    map: SegmentMap
    cuts: tuple[float, ...]
    gini: float
    lorenz: pd.DataFrame
    customer_share_at_cut: float  # share of customers (top first) that makes the first cut of revenue

    @property
    def keys(self) -> tuple[str, ...]:
        """The tier keys, best first."""
        return tuple(self.map.segments["key"])


def tier_keys(cuts: Sequence[float], names: Sequence[str] | None = None, *, what: str = "value tiers") -> tuple[str, ...]:
    """Check `cuts` (and `names`) and return the tier keys: `names`, or A, B, C, ... for k + 1 tiers.

    Parameters
    ----------
    cuts : sequence of float
        Increasing cumulative revenue shares, 0 < c1 < ... < ck <= 1.
    names : sequence of str, optional
        One key per tier (``len(cuts) + 1``), best first, e.g. ``("vip", "large", "medium", "small")``.
    what : str, default "value tiers"
        What the message names (a config key, a parameter).

    Returns
    -------
    tuple of str
        The tier keys, best first.

    Raises
    ------
    InputError
        When a cut is not a number, the cuts are not increasing within (0, 1], there are more than
        26 tiers without names, or the names are not distinct texts, one per tier.
    """
    values = list(cuts)
    if not values or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in values):
        raise InputError(f"{what}: cuts {values!r} must be one or more numbers, e.g. (0.80, 0.95)")
    if not (0 < values[0] and values[-1] <= 1 and all(a < b for a, b in zip(values, values[1:]))):
        raise InputError(f"{what}: cuts {tuple(values)} must increase and satisfy 0 < first cut < ... < last cut <= 1")
    if names is None:
        if len(values) >= len(string.ascii_uppercase):
            raise InputError(f"{what}: {len(values) + 1} tiers need names; A to Z name at most 26")
        return tuple(string.ascii_uppercase[: len(values) + 1])
    keys = tuple(names) if not isinstance(names, str) else (names,)
    if len(keys) != len(values) + 1:
        raise InputError(f"{what}: {len(values)} cuts make {len(values) + 1} tiers, but {len(keys)} names are given ({keys})")
    if not all(isinstance(k, str) and k.strip() for k in keys) or len(set(keys)) != len(keys):
        raise InputError(f"{what}: tier names {keys} must be distinct, non-empty texts")
    return keys


@accepts_frames("features")
def value_tiers(
    features: pd.DataFrame,
    *,
    cuts: Sequence[float] = (0.80, 0.95),
    names: Sequence[str] | None = None,
    map_name: str = "value_tier",
    customer_col: str = schema.CUSTOMER_ID,
    revenue_col: str = schema.REVENUE,
) -> ValueTiers:
    """Tiers by cumulative revenue share (A/B/C by default), plus the Lorenz curve and the Gini coefficient.

    Customers are sorted by revenue, highest first (ties by customer id, so runs are
    reproducible). A customer is in tier i when the cumulative share of the customers *before*
    it is below ``cuts[i]`` (and not below the cuts before), so the first tier is the smallest
    top group reaching ``cuts[0]`` of revenue; customers past the last cut form the last tier.
    With the default cuts (0.80, 0.95): A = high, B = medium, C = low value.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with a customer id and revenue.
    cuts : sequence of float, default (0.80, 0.95)
        k increasing cumulative revenue shares, 0 < c1 < ... < ck <= 1, that end the first k of
        the k + 1 tiers.
    names : sequence of str, optional
        The tier keys, best first, one per tier (e.g. ``("vip", "large", "medium", "small")``);
        default A, B, C, D, ... The catalogues name the keys ``value.segment_names.<map_name>.*``.
    map_name : str, default "value_tier"
        The name of the map returned.
    customer_col : str, default "customer_id"
        Column of customer ids.
    revenue_col : str, default "revenue"
        Column of revenue per customer (currency); negative revenue counts as 0 in the shares.

    Returns
    -------
    ValueTiers
        The tier map, the cuts, the Gini coefficient and the Lorenz curve.

    Raises
    ------
    InputError
        When `cuts` are out of order or range, `names` do not fit them, a column is missing, or no
        customer has positive revenue.
    """
    keys = tier_keys(cuts, names, what=map_name)
    bounds = tuple(float(c) for c in cuts)
    require_columns(features, [customer_col, revenue_col], what="value tiers")
    revenue = features[revenue_col].astype(float)
    total = revenue.clip(lower=0).sum()
    if total <= 0:
        raise InputError(f"value tiers: column {revenue_col!r}: no customer has positive revenue")
    ids = features[customer_col]
    id_rank = pd.factorize(ids, sort=True)[0]
    order = np.lexsort((id_rank, -revenue.to_numpy()))  # revenue descending, ties by customer id
    positive = revenue.clip(lower=0).to_numpy()[order]
    before = (np.cumsum(positive) - positive) / total
    tier = np.empty(len(order), dtype=object)
    tier[order] = np.asarray(keys, dtype=object)[np.searchsorted(bounds, before, side="right")]  # cuts <= before
    table = pd.DataFrame({customer_col: ids.to_numpy(), "segment": pd.array(tier, dtype="str")})
    segmap = SegmentMap(
        name=map_name,
        segments=_catalogue([{"key": k, "rank": i} for i, k in enumerate(keys, start=1)]),
        table=table,
        params={"cuts": bounds, "names": keys, "sort": "revenue descending, ties by customer id"},
    )
    return ValueTiers(
        map=segmap,
        cuts=bounds,
        gini=gini(revenue),
        lorenz=lorenz_curve(revenue),
        customer_share_at_cut=float((tier == keys[0]).sum() / len(tier)),
    )


@accepts_frames("features")
def strategic_tiers(
    features: pd.DataFrame,
    *,
    cuts: Sequence[float] = STRATEGIC_CUTS,
    customer_col: str = schema.CUSTOMER_ID,
    revenue_col: str = schema.REVENUE,
) -> SegmentMap:
    """The 战略 / 重要 / 普通 scheme (strategic, key, ordinary customers) by cumulative revenue share.

    The rule of `value_tiers` with three tiers: ``strategic`` = the smallest top group of customers
    that brings ``cuts[0]`` of revenue (80 %), ``key`` = the customers bringing the revenue up to
    ``cuts[1]`` (the next 15 %), ``ordinary`` = the rest. The cuts are fixed by the scheme, not by
    the run's tier cuts, so the scheme means the same in every run.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with a customer id and revenue.
    cuts : sequence of float, default (0.80, 0.95)
        The two cumulative revenue shares that end the strategic and the key tier.
    customer_col : str, default "customer_id"
        Column of customer ids.
    revenue_col : str, default "revenue"
        Column of revenue per customer (currency).

    Returns
    -------
    SegmentMap
        Named ``"strategic_tier"``, segments ``strategic``, ``key`` and ``ordinary``.

    Raises
    ------
    InputError
        When `cuts` are not two increasing shares in (0, 1], a column is missing, or no customer
        has positive revenue.
    """
    if len(cuts) != 2:
        raise InputError(f"strategic_tier: cuts {tuple(cuts)} must be two shares (strategic, key), e.g. (0.80, 0.95)")
    keys = tuple(str(t["key"]) for t in STRATEGIC_TIERS)
    return value_tiers(
        features, cuts=cuts, names=keys, map_name="strategic_tier", customer_col=customer_col, revenue_col=revenue_col
    ).map
