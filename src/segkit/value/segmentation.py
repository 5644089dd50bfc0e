"""Features, scores and every built-in map for one as-of date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from segkit.value.eight_class_model import eight_class
from segkit.value.maps import SegmentMap, rfm10
from segkit.value.rfm import RFMFeatures, RFMScores, rfm_features, rfm_scores
from segkit.value.tiers import ValueTiers, value_tiers

# --------------------------------------------------------------------------------------------
# All built-in maps at once


@dataclass(frozen=True)
class Segmentation:
    """Features, scores and every built-in map for one as-of date."""

    features: RFMFeatures
    scores: RFMScores
    maps: Mapping[str, SegmentMap]  # rfm10, eight_class, value_tier
    tiers: ValueTiers

    @property
    def table(self) -> pd.DataFrame:
        """Features and scores with one ``<map>`` column of segment keys per map."""
        out = self.scores.table
        for name, segmap in self.maps.items():
            out = out.assign(**{name: segmap.table["segment"].to_numpy()})
        return out


def segment_customers(
    customers: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp | None = None,
    frequency: str = "orders",
    monetary: str = "revenue",
    bins: int = 5,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    eight_class_reference: str = "mean",
    eight_class_basis: str = "value",
    eight_class_references: Mapping[str, float] | None = None,
    tier_cuts: tuple[float, float] = (0.80, 0.95),
    rules_path: str | Path | None = None,
) -> Segmentation:
    """Features, scores, the 10-segment map, the 8-class model and value tiers in one call.

    Pass `thresholds` and `eight_class_references` from a later segmentation to label an
    earlier snapshot on the same scale (see `segkit.value.transitions.migrate`).
    """
    features = rfm_features(customers, as_of=as_of, frequency=frequency, monetary=monetary)
    scores = rfm_scores(features.table, bins=bins, thresholds=thresholds)
    tiers = value_tiers(features.table, cuts=tier_cuts)
    maps = {
        "rfm10": rfm10(scores.table, rules_path=rules_path),
        "eight_class": eight_class(scores.table, reference=eight_class_reference, basis=eight_class_basis,
                                   references=eight_class_references),
        "value_tier": tiers.map,
    }
    return Segmentation(features=features, scores=scores, maps=maps, tiers=tiers)
