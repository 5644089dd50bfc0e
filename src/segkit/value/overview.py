"""The value report's headline numbers, as keys and values (the sentences come at render time)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from segkit.value.lifecycle import Lifecycle
from segkit.value.profiles import Profile, profile, segment_summary
from segkit.value.segmentation import Segmentation
from segkit.value.transitions import Migration

#: Customer attributes a segment profile is made for, when the data have them.
PROFILE_COLUMNS = ("region", "province", "country", "industry", "customer_type", "age_band", "gender")


@dataclass(frozen=True)
class ValueOverview:
    """What the value report's summary and index say, computed once from one prepared run."""

    customers: int
    summaries: Mapping[str, pd.DataFrame]  # map name -> `segment_summary`
    largest_segment: str  # rfm10 key with the most customers
    champions_share: float
    important_value_share: float
    buyers: int  # customers with a purchase (lifecycle stage other than potential)
    churned_share: float  # of buyers
    moves: Mapping[str, int]  # upgraded / stayed / downgraded / new -> customers; empty without a migration


def value_overview(segmentation: Segmentation, lifecycle: Lifecycle, migration: Migration | None) -> ValueOverview:
    """Headline numbers of a segmentation, its lifecycle stages and its migration.

    Parameters
    ----------
    segmentation : Segmentation
    lifecycle : Lifecycle
    migration : Migration or None
        None when there is no earlier snapshot to compare with (``moves`` is then empty).

    Returns
    -------
    ValueOverview
    """
    features = segmentation.features.table
    summaries = {name: segment_summary(features, m) for name, m in segmentation.maps.items()}
    rfm10 = summaries["rfm10"].set_index("key")
    eight = summaries["eight_class"].set_index("key")
    buyers = lifecycle.table.loc[lifecycle.table["stage"] != "potential"]
    moves = migration.moves.set_index("direction")["customers"] if migration is not None else pd.Series(dtype="int64")
    return ValueOverview(
        customers=len(features),
        summaries=summaries,
        largest_segment=str(rfm10["customers"].idxmax()),
        champions_share=float(rfm10.loc["champions", "customer_share"]) if "champions" in rfm10.index else float("nan"),
        important_value_share=float(eight.loc["important_value", "customer_share"]),
        buyers=len(buyers),
        churned_share=float((buyers["stage"] == "churned").mean()) if len(buyers) else float("nan"),
        moves={k: int(v) for k, v in moves.items()},
    )


def customer_attributes(features: pd.DataFrame, known: pd.DataFrame | None, from_lines: pd.DataFrame) -> pd.DataFrame:
    """One row per customer with the attributes a profile can use: the customer file's, then the lines'.

    Parameters
    ----------
    features : pandas.DataFrame
        The per-customer features (customer ids of the buyers).
    known : pandas.DataFrame or None
        The customer attribute file (personal data already dropped).
    from_lines : pandas.DataFrame
        Region / country / type per customer from the transaction lines.

    Returns
    -------
    pandas.DataFrame
    """
    base = known if known is not None else features[["customer_id"]]
    return base.merge(from_lines, on="customer_id", how="outer", suffixes=("_file", ""))


def segment_profiles(segmentation: Segmentation, attributes: pd.DataFrame, *, map_name: str = "rfm10") -> list[Profile]:
    """A profile (segment x attribute, chi-square, Cramér's V) for every attribute the data have."""
    return [
        profile(segmentation.maps[map_name], attributes, c)
        for c in PROFILE_COLUMNS
        if c in attributes.columns and attributes[c].notna().any()
    ]
