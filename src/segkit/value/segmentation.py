"""The value segmentation as a fitted object: fit on one snapshot, apply to any other.

`Segmenter` follows scikit-learn's estimator conventions (parameters in ``__init__``, ``fit``
returns ``self``, what was learned ends in ``_``) without depending on scikit-learn: what it
learns is the score thresholds, the 8-class reference values, the tier cuts and names, and the
rule sets of the 10-segment map and of the user's own maps (a rule file's other maps join the
segmentation beside the built-in ones). Applying the fitted segmenter to an earlier snapshot
(`transform`) labels it on the same scale, so a customer who moves between segments changed, not
the other customers.
`segment_customers` is the one-call form: fit on a snapshot and return its segmentation.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

import pandas as pd

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.value.eight_class_model import eight_class
from segkit.value.maps import RuleSet, SegmentMap, apply_rules, load_rules
from segkit.value.purchasing_power import OrderValueTiers
from segkit.value.rfm import RFMFeatures, RFMScores, rfm_features, rfm_scores
from segkit.value.tiers import ValueTiers, strategic_tiers, tier_keys, value_tiers

#: The built-in maps every segmentation carries, in report order (a user's rule maps follow them).
MAP_NAMES = ("rfm10", "eight_class", "value_tier", "strategic_tier", "aov_tier")
#: Map names a user's rule file may not take besides ``rfm10`` (which it may replace).
RESERVED_MAP_NAMES = (*MAP_NAMES[1:], "value_cluster", "lifecycle")


class MapEstimator(Protocol):
    """A fitted-on-features segment map besides the rule maps (e.g. `segkit.models.ValueClusters`).

    ``fit(features)`` learns on the RFM feature table and sets ``map_``; ``transform(features)``
    labels another snapshot; ``state()`` is what was learned as plain values; ``name`` is the map's
    name in the segmentation.
    """

    name: str
    map_: SegmentMap

    def fit(self, features: pd.DataFrame) -> Any: ...

    def transform(self, features: pd.DataFrame) -> SegmentMap: ...

    def state(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Segmentation:
    """Features, scores and every built-in map for one as-of date, and the segmenter that made them.

    Attributes
    ----------
    features : RFMFeatures
        The RFM features.
    scores : RFMScores
        The scores and their thresholds.
    maps : mapping of str to SegmentMap
        ``rfm10``, ``eight_class``, ``value_tier``, ``strategic_tier`` and ``aov_tier``, then the maps of the
        user's rule file, and ``value_cluster`` when the segmenter was given clusters.
    tiers : ValueTiers
        The value tiers with Gini and Lorenz curve.
    segmenter : Segmenter or None
        The fitted segmenter that made it.
    """

    features: RFMFeatures
    scores: RFMScores
    maps: Mapping[str, SegmentMap]  # MAP_NAMES, the user's rule maps, value_cluster
    tiers: ValueTiers
    segmenter: Segmenter | None = field(default=None, repr=False, compare=False)

    @property
    def table(self) -> pd.DataFrame:
        """Features and scores with one ``<map>`` column of segment keys per map."""
        out = self.scores.table
        for name, segmap in self.maps.items():
            out = out.assign(**{name: segmap.table["segment"].to_numpy()})
        return out


class Segmenter:
    """RFM scores, the 10-segment map, the 8-class model, value tiers and rule maps, fitted on one snapshot.

    Parameters
    ----------
    frequency, monetary : str
        Feature definitions (see `segkit.value.rfm.rfm_features`).
    bins : int
        Number of scores per metric (5 = best).
    thresholds : mapping, optional
        Fixed business thresholds per metric instead of rank-based ones.
    eight_class_reference, eight_class_basis : str
        ``"mean"`` | ``"median"`` and ``"value"`` | ``"score"`` for the 8-class model.
    tier_cuts : sequence of float
        k increasing cumulative revenue shares that end the first k of k + 1 value tiers
        (default A and B of A, B, C).
    tier_names : sequence of str, optional
        The k + 1 tier keys, best first (default A, B, C, ...), e.g. ``("vip", "large", "medium", "small")``.
    rules_path : str or Path, optional
        A YAML rule file (`segkit.value.maps.load_rules`): its ``rfm10`` map, when it has one,
        replaces the built-in one; each other map joins the segmentation under its own name.
    clusters : MapEstimator, optional
        Data-driven clusters (e.g. ``segkit.models.ValueClusters()``) fitted on the same features;
        their map joins the others under the estimator's name (``value_cluster``), so migration,
        profiles and the export treat it like the rule maps. A copy is fitted (``clusters_``).

    Attributes
    ----------
    as_of_ : pandas.Timestamp
        The as-of date of the snapshot it was fitted on.
    thresholds_ : dict
        Score cut points per metric (``bins - 1`` ascending values each).
    references_ : dict
        The 8-class reference value per column.
    tier_cuts_ : tuple of float
        The tier cuts used.
    tier_names_ : tuple of str
        The tier keys used, best first.
    rules_ : RuleSet
        The rule set of the 10-segment map.
    rule_maps_ : dict of str to RuleSet
        The user's own rule maps (the rule file's maps besides ``rfm10``), in file order.
    clusters_ : MapEstimator or None
        The fitted copy of `clusters`.
    segmentation_ : Segmentation
        The fitted snapshot's own segmentation (like a clusterer's ``labels_``).
    """

    def __init__(
        self,
        *,
        frequency: str = "orders",
        monetary: str = "revenue",
        bins: int = 5,
        thresholds: Mapping[str, Sequence[float]] | None = None,
        eight_class_reference: str = "mean",
        eight_class_basis: str = "value",
        tier_cuts: Sequence[float] = (0.80, 0.95),
        tier_names: Sequence[str] | None = None,
        rules_path: str | Path | None = None,
        clusters: MapEstimator | None = None,
    ) -> None:
        self.frequency = frequency
        self.monetary = monetary
        self.bins = bins
        self.thresholds = thresholds
        self.eight_class_reference = eight_class_reference
        self.eight_class_basis = eight_class_basis
        self.tier_cuts = tier_cuts
        self.tier_names = tier_names
        self.rules_path = rules_path
        self.clusters = clusters

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters (as scikit-learn's ``get_params``)."""
        return {
            k: getattr(self, k)
            for k in (
                "frequency",
                "monetary",
                "bins",
                "thresholds",
                "eight_class_reference",
                "eight_class_basis",
                "tier_cuts",
                "tier_names",
                "rules_path",
                "clusters",
            )
        }

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.get_params().items() if v != Segmenter().get_params()[k]}
        return f"Segmenter({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def fit(self, customers: pd.DataFrame, *, as_of: str | pd.Timestamp | None = None) -> Segmenter:
        """Learn thresholds, references and rules on the per-customer table `customers`.

        Parameters
        ----------
        customers : pandas.DataFrame
            One row per customer (`segkit.prep.aggregate.customer_table`).
        as_of : str or Timestamp, optional
            Analysis date; default the day after the last purchase.

        Returns
        -------
        Segmenter
            ``self``, fitted.

        Raises
        ------
        InputError
            When an option, the rule file or the customer table is invalid, or a rule map takes the
            name of a built-in map.
        """
        tier_names = tier_keys(self.tier_cuts, self.tier_names, what="Segmenter: tier_cuts / tier_names")
        rules = {"rfm10": load_rules()["rfm10"]}  # the built-in 10-segment map
        if self.rules_path is not None:
            own = load_rules(self.rules_path)
            taken = [name for name in own if name in RESERVED_MAP_NAMES]
            if taken:
                raise InputError(
                    f"{Path(self.rules_path).name}: map {taken[0]!r} is a built-in map's name; "
                    f"name your map differently (built-in: {', '.join(RESERVED_MAP_NAMES)})"
                )
            rules = {"rfm10": own.get("rfm10", rules["rfm10"]), **{k: v for k, v in own.items() if k != "rfm10"}}
        features = rfm_features(customers, as_of=as_of, frequency=self.frequency, monetary=self.monetary)
        scores = rfm_scores(features.table, bins=self.bins, thresholds=self.thresholds)
        eight = eight_class(scores.table, reference=self.eight_class_reference, basis=self.eight_class_basis)
        tiers = value_tiers(features.table, cuts=self.tier_cuts, names=tier_names)
        self.as_of_ = features.as_of
        self.thresholds_ = {m: tuple(float(x) for x in v) for m, v in scores.thresholds.items()}
        references = cast(Mapping[str, float], eight.params["references"])
        self.references_ = {k: float(v) for k, v in references.items()}
        self.tier_cuts_ = tiers.cuts
        self.tier_names_ = tiers.keys
        self.rules_: RuleSet = rules["rfm10"]
        self.rule_maps_: dict[str, RuleSet] = {k: v for k, v in rules.items() if k != "rfm10"}
        self.aov_tiers_ = OrderValueTiers().fit(features.table)  # purchasing power: AOV thresholds of this snapshot
        maps = {
            "rfm10": apply_rules(scores.table, self.rules_),
            "eight_class": eight,
            "value_tier": tiers.map,
            "strategic_tier": strategic_tiers(features.table),
            "aov_tier": self.aov_tiers_.transform(features.table),
            **{name: apply_rules(scores.table, ruleset) for name, ruleset in self.rule_maps_.items()},
        }
        self.clusters_: MapEstimator | None = None
        if self.clusters is not None:
            self.clusters_ = copy.deepcopy(self.clusters).fit(features.table)
            maps[self.clusters_.name] = self.clusters_.map_  # fit labelled this snapshot already
        self.segmentation_ = Segmentation(features=features, scores=scores, maps=maps, tiers=tiers, segmenter=self)
        return self

    def transform(self, customers: pd.DataFrame, *, as_of: str | pd.Timestamp | None = None) -> Segmentation:
        """Label another snapshot with what was learned (same thresholds, references, rules, cuts).

        Value tiers are relative by nature: the same cuts, applied to that snapshot's revenue.

        Parameters
        ----------
        customers : pandas.DataFrame
            One row per customer, e.g. the customer table at an earlier date.
        as_of : str or Timestamp, optional
            That snapshot's as-of date; default the fitted one.

        Returns
        -------
        Segmentation
        """
        if not hasattr(self, "segmentation_"):
            raise InputError("Segmenter: call fit() on a snapshot before transform()")
        when = self.as_of_ if as_of is None else as_of
        features = rfm_features(customers, as_of=when, frequency=self.frequency, monetary=self.monetary)
        scores = rfm_scores(features.table, bins=self.bins, thresholds=self.thresholds_)
        tiers = value_tiers(features.table, cuts=self.tier_cuts_, names=self.tier_names_)
        maps = {
            "rfm10": apply_rules(scores.table, self.rules_),
            "eight_class": eight_class(
                scores.table, reference=self.eight_class_reference, basis=self.eight_class_basis, references=self.references_
            ),
            "value_tier": tiers.map,
            "strategic_tier": strategic_tiers(features.table),
            "aov_tier": self.aov_tiers_.transform(features.table),
            **{name: apply_rules(scores.table, ruleset) for name, ruleset in self.rule_maps_.items()},
        }
        if self.clusters_ is not None:
            maps[self.clusters_.name] = self.clusters_.transform(features.table)
        return Segmentation(features=features, scores=scores, maps=maps, tiers=tiers, segmenter=self)

    def state(self) -> dict[str, Any]:
        """What was fitted, as plain values (for the prepared run's JSON and the provenance)."""
        return {
            "params": {
                **self.get_params(),
                "rules_path": str(self.rules_path) if self.rules_path else None,
                "tier_cuts": [float(c) for c in self.tier_cuts],
                "tier_names": list(self.tier_names) if self.tier_names is not None else None,
                "thresholds": self.thresholds and {k: list(v) for k, v in self.thresholds.items()},
                "clusters": None,
            },
            "as_of": self.as_of_.date().isoformat(),
            "thresholds": {k: list(v) for k, v in self.thresholds_.items()},
            "references": dict(self.references_),
            "tier_cuts": list(self.tier_cuts_),
            "tier_names": list(self.tier_names_),
            "rfm10_rules": self.rules_.name,
            "rule_maps": list(self.rule_maps_),
            "aov_tiers": self.aov_tiers_.state(),
            "clusters": self.clusters_.state() if self.clusters_ is not None else None,
        }


@accepts_frames("customers")
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
    tier_cuts: Sequence[float] = (0.80, 0.95),
    tier_names: Sequence[str] | None = None,
    rules_path: str | Path | None = None,
) -> Segmentation:
    """Features, scores, the 10-segment map, the 8-class model and value tiers in one call.

    The result carries its fitted `Segmenter` (``.segmenter``): apply it to an earlier snapshot
    to compare like with like (`segkit.value.transitions.migrate`). `eight_class_references`
    fixes the 8-class reference values instead of learning them.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer (`segkit.prep.aggregate.customer_table`).
    as_of : str or pandas.Timestamp, optional
        The analysis date; default the day after the last purchase.
    frequency : {"orders", "days"}, default "orders"
        Frequency basis (see `segkit.value.rfm.rfm_features`).
    monetary : {"revenue", "aov"}, default "revenue"
        Monetary basis: total revenue or average order value.
    bins : int, default 5
        Scores per metric, 2..9.
    thresholds : mapping of str to sequence of float, optional
        Fixed cut points per metric instead of rank-based ones (see `segkit.value.rfm.rfm_scores`).
    eight_class_reference : {"mean", "median"}, default "mean"
        The 8-class model's reference statistic.
    eight_class_basis : {"value", "score"}, default "value"
        Whether the 8-class model compares features or scores.
    eight_class_references : mapping of str to float, optional
        Fixed 8-class reference values (column → value).
    tier_cuts : sequence of float, default (0.80, 0.95)
        k increasing cumulative revenue shares that end the first k of k + 1 value tiers.
    tier_names : sequence of str, optional
        The k + 1 tier keys, best first; default A, B, C, ...
    rules_path : str or pathlib.Path, optional
        A YAML rule file: its ``rfm10`` map replaces the built-in one, its other maps join.

    Returns
    -------
    Segmentation
        Features, scores, the maps ``rfm10``, ``eight_class``, ``value_tier``, ``strategic_tier``
        and the rule file's own maps, the tiers, and the fitted segmenter.

    Raises
    ------
    InputError
        When an option, the rule file or the customer table is invalid (see the functions above).
    """
    segmenter = Segmenter(
        frequency=frequency,
        monetary=monetary,
        bins=bins,
        thresholds=thresholds,
        eight_class_reference=eight_class_reference,
        eight_class_basis=eight_class_basis,
        tier_cuts=tier_cuts,
        tier_names=tier_names,
        rules_path=rules_path,
    ).fit(customers, as_of=as_of)
    if eight_class_references is None:
        return segmenter.segmentation_
    segmenter.references_ = {k: float(v) for k, v in eight_class_references.items()}
    return segmenter.transform(customers, as_of=segmenter.as_of_)
