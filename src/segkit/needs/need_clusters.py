"""Needs-based segments: respondents grouped by the pattern of their need-importance ratings.

`NeedClusters` pivots the survey's importance ratings to one row per respondent, leaves out
respondents who skipped too many needs, fills the few remaining gaps with the need's median,
standardises, and runs K-means for every k of a range, keeping the silhouette curve and the k
where it peaks. How far the segments can be trusted is measured, not assumed: the partition is
refitted with other seeds and on bootstrap resamples and compared with the adjusted Rand index.

Results are keys (need item ids, ``need_cluster_1`` ...); names are the report's business.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from threadpoolctl import threadpool_limits

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames

#: How `NeedClusters` standardises the respondent × need matrix.
STANDARDISE = ("respondent", "need", "none")
#: Prefix of the cluster keys: ``need_cluster_1`` is the largest cluster.
CLUSTER_PREFIX = "need_cluster_"


class NeedClusters:
    """K-means segments of respondents on their need-importance profiles, k chosen by silhouette.

    Standardisation. The default, ``"respondent"``, ipsatises: each respondent's ratings are
    centred on their own mean and divided by their own standard deviation. People use a rating
    scale differently (some rate everything 4–5, some rarely leave the middle); on raw or
    need-standardised ratings that scale use is the largest difference between respondents, and
    K-means then splits "generous raters" from "strict raters" instead of finding who needs what.
    After ipsatising, a segment is a pattern of *relative* importance: which needs matter more
    than others to its members. Respondents who gave every need the same rating (straight-liners)
    express no relative importance and are left out (counted in `n_flat_`). ``"need"`` z-scores
    each need over respondents (keeps the level, equal weight per need); ``"none"`` clusters the
    raw scale points.

    Parameters
    ----------
    k_range : tuple of int, default (2, 6)
        Smallest and largest number of clusters tried (both included); k above the number of
        distinct respondent profiles, or not below the number of respondents, is skipped.
    n_clusters : int, optional
        Use this k instead of the silhouette's choice (the curve is still computed).
    standardise : {"respondent", "need", "none"}, default "respondent"
        See above.
    max_missing : float, default 0.25
        A respondent who left more than this share of the needs unanswered is left out.
    n_init : int, default 10
        K-means restarts per fit (the best inertia is kept).
    random_state : int, default 0
        Seed of the reported fit; the stability fits use the following seeds.
    n_seeds : int, default 10
        Refits with other seeds for the stability check.
    n_boot : int, default 20
        Bootstrap resamples of respondents for the stability check.
    n_top : int, default 3
        Needs listed as a cluster's top needs (highest mean importance).
    n_defining : int, default 3
        At most this many defining needs per cluster.
    measure : str, default "importance"
        The rating measure clustered.
    min_stable_ari : float, default 0.6
        Mean adjusted Rand index below which the segments are called unstable (`stable_`).

    Attributes
    ----------
    items_ : list of str
        The needs clustered, in catalogue order.
    n_respondents_ : int
        Respondents given (with or without answers).
    excluded_ : pandas.DataFrame
        respondent_id, reason (``"missing"`` or ``"flat"``) of each respondent left out.
    n_excluded_, n_flat_ : int
        Respondents left out in all, and as straight-liners.
    n_imputed_ : int
        Missing answers of kept respondents filled with the need's median.
    answers_ : pandas.DataFrame
        Every respondent × need answer as given (NaN = no answer), the basis of the profiles.
    data_ : pandas.DataFrame
        The clustered matrix (kept respondents × needs, after imputation and standardisation).
    selection_ : pandas.DataFrame
        k, silhouette, inertia for every k tried, and ``chosen``.
    k_ : int
        The number of clusters.
    silhouette_ : float
        The silhouette of the reported partition.
    labels_ : pandas.Series
        Respondent id → cluster key (kept respondents only).
    clusters_ : list of str
        Cluster keys, largest cluster first (ties: the cluster of the earlier respondent).
    centres_ : pandas.DataFrame
        Cluster × need centroids in the standardised space.
    profiles_ : pandas.DataFrame
        Per cluster × need: cluster, item, n, mean (answered importance), overall, difference
        (mean − overall), rank (1 = highest mean in the cluster) and top (rank ≤ `n_top`).
    describe_ : pandas.DataFrame
        Per cluster: cluster, n, share, defining (tuple of need keys), top (tuple of need keys).
    stability_ : pandas.DataFrame
        kind (``"seed"`` or ``"bootstrap"``), replicate, ari against the reported partition.
    ari_mean_ : float
        Mean of `stability_`'s ari.
    stable_ : bool
        Whether `ari_mean_` reaches `min_stable_ari`.
    """

    def __init__(
        self,
        *,
        k_range: tuple[int, int] = (2, 6),
        n_clusters: int | None = None,
        standardise: str = "respondent",
        max_missing: float = 0.25,
        n_init: int = 10,
        random_state: int = 0,
        n_seeds: int = 10,
        n_boot: int = 20,
        n_top: int = 3,
        n_defining: int = 3,
        measure: str = "importance",
        min_stable_ari: float = 0.6,
    ) -> None:
        self.k_range = k_range
        self.n_clusters = n_clusters
        self.standardise = standardise
        self.max_missing = max_missing
        self.n_init = n_init
        self.random_state = random_state
        self.n_seeds = n_seeds
        self.n_boot = n_boot
        self.n_top = n_top
        self.n_defining = n_defining
        self.measure = measure
        self.min_stable_ari = min_stable_ari

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters (as scikit-learn's ``get_params``)."""
        names = ("k_range", "n_clusters", "standardise", "max_missing", "n_init", "random_state", "n_seeds", "n_boot")
        return {k: getattr(self, k) for k in (*names, "n_top", "n_defining", "measure", "min_stable_ari")}

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.get_params().items() if v != NeedClusters().get_params()[k]}
        return f"NeedClusters({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # -- fitting
    @accepts_frames("ratings")
    def fit(
        self,
        ratings: pd.DataFrame,
        *,
        respondents: Sequence[str] | None = None,
        items: Sequence[str] | None = None,
        respondent_col: str = "respondent_id",
        item_col: str = "item",
        measure_col: str = "measure",
        value_col: str = "value",
    ) -> NeedClusters:
        """Cluster the respondents of long `ratings` on their `measure` ratings.

        Parameters
        ----------
        ratings : pandas.DataFrame
            One row per respondent × need × measure (a `Survey`'s ``ratings``); NaN = no answer.
        respondents : sequence of str, optional
            Every respondent id (a respondent absent from `ratings` counts as excluded);
            default: the respondents in `ratings`.
        items : sequence of str, optional
            The needs in their order (the catalogue's ids); default: those rated, sorted.
        respondent_col, item_col, measure_col, value_col : str
            Columns of `ratings`.

        Returns
        -------
        NeedClusters
            This estimator, fitted.

        Raises
        ------
        InputError
            When a column is missing, a parameter is out of range, fewer than 2 needs are rated,
            or too few respondents remain for the smallest k.
        """
        self._check_params()
        missing_cols = [c for c in (respondent_col, item_col, measure_col, value_col) if c not in ratings.columns]
        if missing_cols:
            raise InputError(f"need clusters: the ratings lack column(s) {', '.join(missing_cols)}")
        part = ratings[ratings[measure_col] == self.measure]
        rated = part.dropna(subset=[value_col])
        order = list(items) if items is not None else sorted(rated[item_col].unique())
        self.items_ = [i for i in order if (rated[item_col] == i).any()]
        if len(self.items_) < 2:
            raise InputError(
                f"need clusters: {len(self.items_)} need item(s) have {self.measure} ratings; at least 2 are needed to cluster"
            )
        ids = list(respondents) if respondents is not None else list(dict.fromkeys(part[respondent_col]))
        wide = part.pivot_table(index=respondent_col, columns=item_col, values=value_col, aggfunc="first", dropna=False)
        wide = wide.reindex(index=pd.Index(ids, dtype="str", name="respondent_id"), columns=self.items_).astype("float64")
        self.n_respondents_ = len(wide)
        self.answers_ = wide
        kept, self.excluded_, self.n_imputed_ = _prepare(wide, max_missing=self.max_missing, standardise=self.standardise)
        self.n_excluded_ = len(self.excluded_)
        self.n_flat_ = int((self.excluded_["reason"] == "flat").sum())
        unanswered = [i for i in self.items_ if len(kept) and kept[i].isna().all()]
        if unanswered:
            raise InputError(
                f"need clusters: no respondent kept answered need(s) {', '.join(unanswered)}; leave them out (items)"
            )
        self.data_ = kept
        # OpenMP threads cost more than they save on survey-sized tables (about 20x slower on
        # 800 respondents with two cores); one per 50,000 respondents.
        with threadpool_limits(limits=max(1, min(os.cpu_count() or 1, len(kept) // 50_000))):
            self._fit_kmeans()
        return self

    def _check_params(self) -> None:
        low, high = self.k_range
        if not (2 <= low <= high):
            raise InputError(f"need clusters: k_range must be (low, high) with 2 <= low <= high, not {self.k_range}")
        if self.n_clusters is not None and self.n_clusters < 2:
            raise InputError(f"need clusters: n_clusters must be 2 or more, not {self.n_clusters}")
        if self.standardise not in STANDARDISE:
            raise InputError(f"need clusters: standardise must be one of {', '.join(STANDARDISE)}, not {self.standardise!r}")
        if not 0 <= self.max_missing < 1:
            raise InputError(f"need clusters: max_missing is a share from 0 to below 1, not {self.max_missing}")

    def _kmeans(self, k: int, seed: int) -> KMeans:
        return KMeans(n_clusters=k, n_init=self.n_init, random_state=seed)

    def _fit_kmeans(self) -> None:
        X = self.data_.to_numpy()
        n, distinct = len(X), len(np.unique(X, axis=0))
        low, high = self.k_range
        wanted = [self.n_clusters] if self.n_clusters is not None else []
        ks = sorted({*range(low, high + 1), *wanted})
        usable = [k for k in ks if k <= min(n - 1, distinct)]
        if not usable or (self.n_clusters is not None and self.n_clusters not in usable):
            smallest = self.n_clusters or low
            raise InputError(
                f"need clusters: {n} respondents remain ({self.n_excluded_} of {self.n_respondents_} left out, "
                f"{distinct} distinct profiles); {smallest} clusters need at least {smallest + 1} respondents "
                f"and {smallest} distinct profiles"
            )
        rows, fits = [], {}
        for k in usable:
            model = self._kmeans(k, self.random_state).fit(X)
            score = float(silhouette_score(X, model.labels_))
            rows.append({"k": k, "silhouette": score, "inertia": float(model.inertia_)})
            fits[k] = model
        selection = pd.DataFrame(rows)
        if self.n_clusters is not None:
            self.k_ = int(self.n_clusters)
        else:  # the highest silhouette; on a tie the smaller k (fewer segments to act on)
            self.k_ = int(selection.loc[selection["silhouette"].idxmax(), "k"])
        self.selection_ = selection.assign(chosen=selection["k"] == self.k_)
        self.silhouette_ = float(selection.loc[selection["k"] == self.k_, "silhouette"].iloc[0])
        model = fits[self.k_]
        keys = _ordered_keys(model.labels_)
        self.clusters_ = [f"{CLUSTER_PREFIX}{i}" for i in range(1, self.k_ + 1)]
        self.labels_ = pd.Series(
            np.array(self.clusters_, dtype=object)[keys[model.labels_]], index=self.data_.index, name="cluster", dtype="str"
        )
        centres = np.empty_like(model.cluster_centers_)
        centres[keys] = model.cluster_centers_
        self.centres_ = pd.DataFrame(centres, index=pd.Index(self.clusters_, name="cluster"), columns=self.items_)
        self.profiles_ = _profiles(self.answers_.loc[self.data_.index], self.labels_, self.clusters_, n_top=self.n_top)
        self.describe_ = _describe(self.profiles_, self.labels_, self.clusters_, n_defining=self.n_defining)
        self.stability_ = self._stability(X, model.labels_)
        self.ari_mean_ = float(self.stability_["ari"].mean()) if len(self.stability_) else float("nan")
        self.stable_ = bool(self.ari_mean_ >= self.min_stable_ari)

    def _stability(self, X: np.ndarray, reference: np.ndarray) -> pd.DataFrame:
        """ARI of refits with other seeds, and of bootstrap fits (every respondent assigned to the
        nearest bootstrap centroid), against the reported partition."""
        rows = []
        for r in range(1, self.n_seeds + 1):
            labels = self._kmeans(self.k_, self.random_state + r).fit(X).labels_
            rows.append({"kind": "seed", "replicate": r, "ari": float(adjusted_rand_score(reference, labels))})
        rng = np.random.default_rng(self.random_state)
        for b in range(1, self.n_boot + 1):
            sample = X[rng.integers(0, len(X), len(X))]
            if len(np.unique(sample, axis=0)) < self.k_:
                continue
            labels = self._kmeans(self.k_, self.random_state + b).fit(sample).predict(X)
            rows.append({"kind": "bootstrap", "replicate": b, "ari": float(adjusted_rand_score(reference, labels))})
        return pd.DataFrame(rows, columns=["kind", "replicate", "ari"]).astype({"kind": "str", "replicate": "int64"})


def _prepare(wide: pd.DataFrame, *, max_missing: float, standardise: str) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Leave out respondents missing too many needs (and, when ipsatising, straight-liners),
    impute the rest by the need's median over the respondents clustered, standardise."""
    too_many = wide.isna().mean(axis=1) > max_missing
    flat = ~too_many & (wide.nunique(axis=1, dropna=True) <= 1)
    if standardise != "respondent":  # only ipsatising needs some spread within a respondent
        flat = pd.Series(False, index=wide.index)
    reasons = pd.Series("missing", index=wide.index, dtype="str").where(too_many, "flat")[too_many | flat]
    excluded = pd.DataFrame({"respondent_id": reasons.index.astype("str"), "reason": reasons.to_numpy()}).astype("str")
    kept = wide[~(too_many | flat)]
    n_imputed = int(kept.isna().to_numpy().sum())
    filled = kept.fillna(kept.median())
    if standardise == "respondent":
        data = filled.sub(filled.mean(axis=1), axis=0).div(filled.std(axis=1, ddof=0), axis=0)
    elif standardise == "need":
        spread = filled.std(axis=0, ddof=0)
        data = (filled - filled.mean()) / spread.where(spread > 0, 1.0)
    else:
        data = filled
    return data, excluded, n_imputed


def _ordered_keys(labels: np.ndarray) -> np.ndarray:
    """Position (0 = largest) of each K-means label: by size, ties by the first respondent in it."""
    found = np.unique(labels)
    sizes = np.array([(labels == c).sum() for c in found])
    first = np.array([np.flatnonzero(labels == c)[0] for c in found])
    order = np.lexsort((first, -sizes))
    rank = np.empty(len(found), dtype="int64")
    rank[order] = np.arange(len(found))
    positions = np.zeros(labels.max() + 1, dtype="int64")
    positions[found] = rank
    return positions


def _profiles(answers: pd.DataFrame, labels: pd.Series, clusters: Sequence[str], *, n_top: int) -> pd.DataFrame:
    """Mean answered importance per cluster × need against the mean over every kept respondent."""
    overall = answers.mean()
    means = answers.groupby(labels).mean().reindex(list(clusters))
    sizes = labels.value_counts().reindex(list(clusters))
    long = means.stack(future_stack=True).rename("mean").rename_axis(["cluster", "item"]).reset_index()
    long = long.assign(
        n=long["cluster"].map(sizes).astype("int64"),
        overall=long["item"].map(overall),
        position=long.groupby("cluster").cumcount(),
    )
    long = long.assign(difference=long["mean"] - long["overall"])
    ranked = long.sort_values(["cluster", "mean", "position"], ascending=[True, False, True], kind="stable")
    long = long.assign(rank=ranked.groupby("cluster").cumcount().add(1).reindex(long.index).astype("int64"))
    return long.assign(top=long["rank"] <= n_top)[["cluster", "item", "n", "mean", "overall", "difference", "rank", "top"]]


def _describe(profiles: pd.DataFrame, labels: pd.Series, clusters: Sequence[str], *, n_defining: int) -> pd.DataFrame:
    """Per cluster: size, share, defining needs and top needs (need keys).

    The defining needs are those the cluster rates most above the overall mean: up to
    `n_defining` needs with a positive difference, largest first, keeping only those within half
    of the cluster's largest difference, so a clear single driver is not padded with noise.
    """
    rows = []
    for cluster in clusters:
        part = profiles[profiles["cluster"] == cluster]
        ahead = part[part["difference"] > 0].sort_values("difference", ascending=False, kind="stable")
        if len(ahead):
            ahead = ahead[ahead["difference"] >= ahead["difference"].iloc[0] / 2]
        top = part[part["top"]].sort_values("rank")
        n = int((labels == cluster).sum())
        rows.append(
            {
                "cluster": cluster,
                "n": n,
                "share": n / len(labels),
                "defining": tuple(ahead["item"].head(n_defining)),
                "top": tuple(top["item"]),
            }
        )
    return pd.DataFrame(rows, columns=["cluster", "n", "share", "defining", "top"])
