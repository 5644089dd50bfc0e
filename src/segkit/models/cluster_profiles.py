"""What each value cluster is: its size, feature means, level per feature and 8-class archetype.

A cluster's name is rendered from these keys at report time (``value.clusters.*`` in the
catalogues): its level per feature (``high`` / ``mid`` / ``low`` from the standardised centre,
beyond half a standard deviation either side counts) and the archetype, the 8-class segment
its mean recency, frequency and monetary value fall into against the all-customer means (the
same rule as `segkit.value.eight_class`). The playbook's actions for a cluster are those of its
archetype.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.value.eight_class_model import EIGHT_CLASSES
from segkit.value.maps import SegmentMap

#: A centre coordinate beyond this many standard deviations from the mean is "high" or "low".
LEVEL_CUT = 0.5


def feature_level(z: float) -> str:
    """``high`` / ``mid`` / ``low`` for a standardised centre coordinate."""
    return "high" if z > LEVEL_CUT else "low" if z < -LEVEL_CUT else "mid"


def archetype(means: pd.Series, overall: pd.Series) -> str | None:
    """The 8-class key of a cluster's mean recency, frequency and monetary against `overall`.

    High R means more recent (fewer days) than the overall mean; high F and M strictly above.
    None when a feature is missing.
    """
    if not {"recency", "frequency", "monetary"} <= set(means.index):
        return None
    code = "".join(
        (
            "1" if means["recency"] < overall["recency"] else "0",
            "1" if means["frequency"] > overall["frequency"] else "0",
            "1" if means["monetary"] > overall["monetary"] else "0",
        )
    )
    return EIGHT_CLASSES[code][0]


def cluster_profile(
    labelled: pd.DataFrame,
    *,
    keys: Sequence[str],
    centers: np.ndarray,
    features: Sequence[str],
    segment_col: str = "segment",
    revenue_col: str = schema.REVENUE,
) -> pd.DataFrame:
    """One row per cluster: size, share, feature means and medians, revenue share, centre, levels.

    Parameters
    ----------
    labelled : pandas.DataFrame
        One row per customer with the feature columns and `segment_col` (the cluster key).
    keys : sequence of str
        Cluster keys in cluster order (rank 1 first).
    centers : numpy.ndarray
        Standardised centres (clusters x features) in the order of `keys`.
    features : sequence of str
        The feature columns, in the order of the centres' columns.
    segment_col, revenue_col : str
        Columns of the cluster key and of revenue (for the revenue share; the monetary column
        when there is no revenue column).

    Returns
    -------
    pandas.DataFrame
        key, rank, customers, share, ``mean_<f>``, ``median_<f>``, ``center_<f>``, ``level_<f>``,
        revenue_share and archetype.
    """
    money = revenue_col if revenue_col in labelled else ("monetary" if "monetary" in labelled else None)
    grouped = labelled.groupby(segment_col)
    means = grouped[list(features)].mean().reindex(keys)
    medians = grouped[list(features)].median().reindex(keys)
    sizes = grouped.size().reindex(keys, fill_value=0)
    overall = labelled[list(features)].mean()
    out = pd.DataFrame({"key": list(keys), "rank": range(1, len(keys) + 1), "customers": sizes.to_numpy()})
    out = out.assign(share=out["customers"] / max(len(labelled), 1))
    for j, col in enumerate(features):
        out = out.assign(
            **{
                f"mean_{col}": means[col].to_numpy(),
                f"median_{col}": medians[col].to_numpy(),
                f"center_{col}": centers[:, j],
                f"level_{col}": [feature_level(float(z)) for z in centers[:, j]],
            }
        )
    if money is not None:
        total = float(labelled[money].clip(lower=0).sum())
        revenue = grouped[money].apply(lambda s: float(s.clip(lower=0).sum())).reindex(keys, fill_value=0.0)
        out = out.assign(revenue_share=(revenue / total).to_numpy() if total > 0 else np.nan)
    return out.assign(archetype=[archetype(means.loc[k], overall) for k in keys])


def crosstab(rows: SegmentMap, columns: SegmentMap, *, customer_col: str = schema.CUSTOMER_ID) -> pd.DataFrame:
    """Customers per segment of `rows` (index) and of `columns` (columns), both in rank order.

    Only customers labelled by both maps are counted.
    """
    both = rows.table[[customer_col, "segment"]].merge(
        columns.table[[customer_col, "segment"]], on=customer_col, suffixes=("_rows", "_columns")
    )
    counts = pd.crosstab(both["segment_rows"], both["segment_columns"])
    return counts.reindex(index=rows.segments["key"], columns=columns.segments["key"], fill_value=0).rename_axis(
        index=rows.name, columns=columns.name
    )
