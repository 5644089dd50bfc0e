"""Data-driven value segments: k-means or a Gaussian mixture on log-transformed, standardised RFM.

The rule maps (10 segments, 8 classes, tiers) cut the customers where a rule says; clusters cut
them where the data is dense. `ValueClusters` follows scikit-learn's conventions: parameters in
``__init__``, ``fit`` returns ``self``, what was learned ends in ``_``. What it learns is the
transformation (``log1p`` then per-column mean and scale), the number of clusters (chosen by the
silhouette for k-means and by BIC for the mixture over ``k_range``, with the whole curve kept),
and the cluster centres (or the mixture's weights, means and covariances). Assignment is
computed from those stored values with numpy (`assign`), so the clusters restored from a
prepared run's JSON label every customer exactly as the fit did, and an earlier snapshot (for
migration) is labelled by the same centres.

Selection, the final fit and the stability checks run on a seeded sample of at most
``sample_size`` customers (every customer is then assigned): centres of three features are
pinned down well by ten thousand customers (on a million simulated customers the partition
agrees with a fit on every row at an adjusted Rand index of 0.99), and a million cost seconds.
Stability is the adjusted Rand index (ARI) between the final labels and those of refits with
other seeds and on bootstrap resamples: 1 = the same partition every time, near 0 = chance.

Clusters are numbered by mean monetary value, best first (``cluster_1`` ...); their profile
(`segkit.models.cluster_profiles`) gives each one's level per feature and the 8-class archetype
its means fall into, from which the report names it and borrows the playbook's actions.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.models.cluster_assign import gmm_assign as _gmm_assign
from segkit.models.cluster_assign import kmeans_assign as _kmeans_assign
from segkit.models.cluster_profiles import cluster_profile
from segkit.value.maps import SegmentMap

#: The map name of the clusters in a segmentation, the CRM export and the prepared run.
CLUSTER_MAP = "value_cluster"
#: Default features: the three RFM features.
FEATURES = ("recency", "frequency", "monetary")
METHODS = ("kmeans", "gmm")
#: Added to the mixture's variances (standardised units): one-off buyers all have frequency 1, and
#: without a floor a component collapses onto that one value and BIC rewards it without end.
REG_COVAR = 0.01
#: Customers the silhouette is averaged over (its cost grows with the square of this).
SILHOUETTE_SAMPLE = 3000


class ValueClusters:
    """K-means or Gaussian-mixture clusters of customers on log-standardised RFM features.

    Parameters
    ----------
    method : {"kmeans", "gmm"}, default "kmeans"
        The clustering that labels customers. Both are fitted for the selection curve and their
        agreement (ARI) is reported; this one makes the map.
    k : int, optional
        A fixed number of clusters; default: chosen over `k_range` (k-means: highest silhouette;
        mixture: lowest BIC).
    k_range : tuple of int, default (3, 8)
        Smallest and largest k tried (inclusive). Two clusters are left out by default: on RFM
        data the silhouette nearly always prefers the split into repeat and one-off buyers,
        which the rule maps already draw; a value segmentation needs at least high, middle and
        low. Pass ``(2, 8)`` to let two compete.
    features : sequence of str, default ("recency", "frequency", "monetary")
        Numeric per-customer columns; each is clipped at 0 and ``log1p``-transformed, then
        standardised.
    sample_size : int, default 10000
        At most this many customers (a seeded sample) are used to choose k, fit and check
        stability; every customer is then assigned.
    n_seeds, n_boot : int, default 5 and 10
        Refits with other seeds and on bootstrap resamples for the stability check.
    random_state : int, default 0
        Seed of the sample, the fits and the resamples.

    Attributes
    ----------
    k_ : int
        The number of clusters used.
    selection_ : pandas.DataFrame
        k, ``inertia`` and ``silhouette`` (k-means), ``bic`` (mixture) per k tried.
    center_ : numpy.ndarray
        Per-feature mean of the transformed features (the standardisation's centre).
    scale_ : numpy.ndarray
        Per-feature standard deviation of the transformed features.
    centers_ : numpy.ndarray
        Cluster centres in standardised units (k x features), in cluster order.
    weights_, covariances_ : numpy.ndarray or None
        The mixture's weights and full covariances (``method="gmm"``), in cluster order.
    stability_ : dict
        ``seeds`` and ``bootstrap``: mean and minimum ARI against the final labels.
    method_agreement_ : float
        ARI between k-means and the mixture at ``k_``.
    n_customers_ : int
        Customers fitted on (all, not just the sample).
    profile_ : pandas.DataFrame
        Per cluster: key, rank, customers, share, feature means and medians, revenue share,
        standardised centre per feature, level per feature and the 8-class archetype.
    map_ : SegmentMap
        The fitted customers' clusters as a map named ``value_cluster``.
    """

    name = CLUSTER_MAP

    def __init__(
        self,
        *,
        method: str = "kmeans",
        k: int | None = None,
        k_range: tuple[int, int] = (3, 8),
        features: Sequence[str] = FEATURES,
        sample_size: int = 10_000,
        n_seeds: int = 5,
        n_boot: int = 10,
        random_state: int = 0,
    ) -> None:
        self.method = method
        self.k = k
        self.k_range = k_range
        self.features = tuple(features)
        self.sample_size = sample_size
        self.n_seeds = n_seeds
        self.n_boot = n_boot
        self.random_state = random_state

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters (as scikit-learn's ``get_params``)."""
        keys = ("method", "k", "k_range", "features", "sample_size", "n_seeds", "n_boot", "random_state")
        return {key: getattr(self, key) for key in keys}

    def __repr__(self) -> str:
        default = ValueClusters().get_params()
        return f"ValueClusters({', '.join(f'{k}={v!r}' for k, v in self.get_params().items() if v != default[k])})"

    # -- fitting
    def _check(self, n: int) -> tuple[int, int]:
        if self.method not in METHODS:
            raise InputError(f"clusters: method must be one of {', '.join(METHODS)}, got {self.method!r}")
        low, high = (int(self.k), int(self.k)) if self.k else (int(self.k_range[0]), int(self.k_range[1]))
        if low < 2 or high < low:
            raise InputError(f"clusters: k must be at least 2 (k={self.k!r}, k_range={self.k_range!r})")
        if n < 3 * high:
            raise InputError(f"clusters: {n} customers are too few for {high} clusters; use fewer clusters")
        return low, high

    @accepts_frames("features")
    def fit(self, features: pd.DataFrame, *, customer_col: str = schema.CUSTOMER_ID) -> Self:
        """Choose k, fit the clusters and check their stability on the per-customer `features`.

        Parameters
        ----------
        features : pandas.DataFrame
            One row per customer with `customer_col` and the feature columns (e.g.
            ``segkit.value.rfm_features(...).table``).
        customer_col : str, default "customer_id"
            Column of customer ids.

        Returns
        -------
        ValueClusters
            ``self``, fitted.

        Raises
        ------
        InputError
            When a feature column is missing or not numeric, or there are too few customers for
            the largest k.
        """
        from sklearn.exceptions import ConvergenceWarning
        from threadpoolctl import threadpool_limits

        # At most `sample_size` rows are fitted: one thread is fastest, and OpenMP threads
        # fighting over a busy machine made the fit ten times slower.
        with threadpool_limits(limits=1), warnings.catch_warnings():
            # a resample with fewer distinct customers than clusters only warns; the ARI shows it
            warnings.simplefilter("ignore", category=ConvergenceWarning)
            return self._fit(features, customer_col=customer_col)

    def _fit(self, features: pd.DataFrame, *, customer_col: str) -> Self:
        from sklearn.cluster import KMeans
        from sklearn.metrics import adjusted_rand_score, silhouette_score
        from sklearn.mixture import GaussianMixture

        self.__dict__.pop("profile_", None)  # a refit names its clusters afresh
        raw = self._raw(features, customer_col=customer_col)
        low, high = self._check(len(raw))
        self.center_ = raw.mean(axis=0)
        self.scale_ = np.where(raw.std(axis=0) > 0, raw.std(axis=0), 1.0)
        x = (raw - self.center_) / self.scale_
        rng = np.random.default_rng(self.random_state)
        sample = np.sort(rng.choice(len(x), self.sample_size, replace=False)) if len(x) > self.sample_size else np.arange(len(x))
        xs = x[sample]
        distinct = len(np.unique(xs, axis=0))
        if distinct <= low:
            raise InputError(
                f"clusters: the customers have only {distinct} distinct feature profiles, too few for {low} clusters"
            )
        high = min(high, distinct - 1)
        rows, fits = [], {}
        for k in range(low, high + 1):
            km = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit(xs)
            gm = GaussianMixture(
                n_components=k,
                covariance_type="full",
                reg_covar=REG_COVAR,
                init_params="k-means++",
                n_init=2,
                random_state=self.random_state,
            ).fit(xs)
            silhouette = silhouette_score(
                xs, km.labels_, sample_size=min(len(xs), SILHOUETTE_SAMPLE), random_state=self.random_state
            )
            rows.append({"k": k, "inertia": float(km.inertia_), "silhouette": float(silhouette), "bic": float(gm.bic(xs))})
            fits[k] = (km, gm)
        self.selection_ = pd.DataFrame(rows)
        best = self.selection_["silhouette"].idxmax() if self.method == "kmeans" else self.selection_["bic"].idxmin()
        self.k_ = int(self.selection_.loc[best, "k"])
        km, gm = fits[self.k_]
        self._store(km, gm)
        labels = self.assign_index(x)
        self.method_agreement_ = float(adjusted_rand_score(_kmeans_assign(x, km.cluster_centers_), gm.predict(x)))
        self.stability_ = self._stability(x, xs, labels, adjusted_rand_score)
        self.n_customers_ = len(x)
        self._finish(features, labels, customer_col=customer_col)
        return self

    def _raw(self, features: pd.DataFrame, *, customer_col: str) -> np.ndarray:
        require_columns(features, [customer_col, *self.features], what="clusters: customer features")
        for col in self.features:
            if not pd.api.types.is_numeric_dtype(features[col]):
                raise InputError(f"clusters: customer features: column {col!r} is not numeric")
        values = features[list(self.features)].astype("float64").to_numpy()
        if np.isnan(values).any():
            col = self.features[int(np.isnan(values).any(axis=0).argmax())]
            raise InputError(f"clusters: customer features: column {col!r} has missing values")
        return np.log1p(np.clip(values, 0.0, None))

    def _store(self, km: Any, gm: Any) -> None:
        """Keep the chosen model's centres (and the mixture's parameters), clusters in value order."""
        self.weights_: np.ndarray | None = None
        self.covariances_: np.ndarray | None = None
        if self.method == "kmeans":
            centers = np.asarray(km.cluster_centers_)
        else:
            centers, self.weights_, self.covariances_ = (
                np.asarray(gm.means_),
                np.asarray(gm.weights_),
                np.asarray(gm.covariances_),
            )
        # Order by the centre's monetary coordinate (else the last feature's), best first.
        column = self.features.index("monetary") if "monetary" in self.features else len(self.features) - 1
        order = np.argsort(-centers[:, column], kind="stable")
        self.centers_ = centers[order]
        if self.weights_ is not None and self.covariances_ is not None:
            self.weights_, self.covariances_ = self.weights_[order], self.covariances_[order]

    def _stability(self, x: np.ndarray, xs: np.ndarray, labels: np.ndarray, ari: Any) -> dict[str, dict[str, float]]:
        from sklearn.cluster import KMeans
        from sklearn.mixture import GaussianMixture

        def refit(data: np.ndarray, seed: int) -> np.ndarray:
            if self.method == "kmeans":
                return _kmeans_assign(x, KMeans(n_clusters=self.k_, n_init=2, random_state=seed).fit(data).cluster_centers_)
            return (
                GaussianMixture(
                    n_components=self.k_,
                    covariance_type="full",
                    reg_covar=REG_COVAR,
                    init_params="k-means++",
                    n_init=2,
                    random_state=seed,
                )
                .fit(data)
                .predict(x)
            )

        rng = np.random.default_rng(self.random_state + 1)
        seeds = [ari(labels, refit(xs, self.random_state + 1 + i)) for i in range(self.n_seeds)]
        boots = [ari(labels, refit(xs[rng.integers(0, len(xs), len(xs))], self.random_state)) for _ in range(self.n_boot)]
        return {
            name: {"mean": float(np.mean(v)), "min": float(np.min(v)), "runs": len(v)}
            for name, v in (("seeds", seeds), ("bootstrap", boots))
            if v
        }

    def _finish(self, features: pd.DataFrame, index: np.ndarray, *, customer_col: str) -> None:
        """Profile the fitted customers' clusters (cluster `index` per row), then make their map."""
        labels = np.asarray(self.keys, dtype=object)[index]
        self.profile_ = cluster_profile(
            features.assign(segment=labels), keys=self.keys, centers=self.centers_, features=self.features
        )
        self.map_ = self._map(features, index, customer_col=customer_col)

    # -- applying
    @property
    def keys(self) -> list[str]:
        """Cluster keys in cluster order: ``cluster_1`` (highest monetary centre) ..."""
        return [f"cluster_{i + 1}" for i in range(len(self.centers_))]

    def assign_index(self, x: np.ndarray) -> np.ndarray:
        """Cluster index (0 = ``cluster_1``) of standardised rows `x`, from the stored centres."""
        if self.method == "kmeans" or self.weights_ is None or self.covariances_ is None:
            return _kmeans_assign(x, self.centers_)
        return _gmm_assign(x, self.weights_, self.centers_, self.covariances_)

    @accepts_frames("features")
    def transform(self, features: pd.DataFrame, *, customer_col: str = schema.CUSTOMER_ID) -> SegmentMap:
        """Label the customers of `features` (this or another snapshot) with the fitted clusters.

        Returns
        -------
        SegmentMap
            Named ``value_cluster``: one cluster key per customer.
        """
        if not hasattr(self, "centers_"):
            raise InputError("clusters: call fit() before transform()")
        x = (self._raw(features, customer_col=customer_col) - self.center_) / self.scale_
        return self._map(features, self.assign_index(x), customer_col=customer_col)

    def _map(self, features: pd.DataFrame, index: np.ndarray, *, customer_col: str) -> SegmentMap:
        keys = np.asarray(self.keys, dtype=object)
        table = pd.DataFrame({customer_col: features[customer_col].to_numpy(), "segment": pd.array(keys[index], dtype="str")})
        return SegmentMap(name=CLUSTER_MAP, segments=self._catalogue(), table=table, params={"method": self.method, "k": self.k_})

    def _catalogue(self) -> pd.DataFrame:
        """The map's segments: key and rank, and once profiled the archetype and level per feature."""
        if not hasattr(self, "profile_"):
            return pd.DataFrame({"key": self.keys, "rank": range(1, len(self.keys) + 1)})
        return self.profile_[["key", "rank", "archetype", *(f"level_{f}" for f in self.features)]]

    # -- persistence
    def state(self) -> dict[str, Any]:
        """What was fitted, as plain JSON values (`from_state` restores a fitted object from it)."""
        return {
            "params": {**self.get_params(), "k_range": list(self.k_range), "features": list(self.features)},
            "k": self.k_,
            "center": self.center_.tolist(),
            "scale": self.scale_.tolist(),
            "centers": self.centers_.tolist(),
            "weights": None if self.weights_ is None else self.weights_.tolist(),
            "covariances": None if self.covariances_ is None else self.covariances_.tolist(),
            "selection": self.selection_.to_dict(orient="records"),
            "stability": self.stability_,
            "method_agreement": self.method_agreement_,
            "n_customers": self.n_customers_,
            "profile": self.profile_.to_dict(orient="records"),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ValueClusters:
        """A fitted `ValueClusters` from `state` (no refit: the same centres, the same labels)."""
        params = dict(state["params"])
        out = cls(**{**params, "k_range": tuple(params["k_range"]), "features": tuple(params["features"])})
        out.k_ = int(state["k"])
        out.center_, out.scale_ = np.asarray(state["center"]), np.asarray(state["scale"])
        out.centers_ = np.asarray(state["centers"])
        out.weights_ = None if state["weights"] is None else np.asarray(state["weights"])
        out.covariances_ = None if state["covariances"] is None else np.asarray(state["covariances"])
        out.selection_ = pd.DataFrame(state["selection"])
        out.stability_ = state["stability"]
        out.method_agreement_ = float(state["method_agreement"])
        out.n_customers_ = int(state["n_customers"])
        out.profile_ = pd.DataFrame(state["profile"])
        return out


class FrozenClusters:
    """Fitted clusters whose ``fit`` learns nothing (as scikit-learn's ``FrozenEstimator``).

    A prepared run restores its clusters with this, so a notebook's segmentation uses the
    centres the prepare step fitted instead of fitting again.
    """

    name = CLUSTER_MAP

    def __init__(self, fitted: ValueClusters) -> None:
        self.fitted = fitted

    @accepts_frames("features")
    def fit(self, features: pd.DataFrame, *, customer_col: str = schema.CUSTOMER_ID) -> Self:
        """Keep the fitted clusters; only the map of `features` is made."""
        self.map_ = self.transform(features, customer_col=customer_col)
        return self

    @accepts_frames("features")
    def transform(self, features: pd.DataFrame, *, customer_col: str = schema.CUSTOMER_ID) -> SegmentMap:
        """The fitted clusters' labels for `features` (see `ValueClusters.transform`)."""
        return self.fitted.transform(features, customer_col=customer_col)

    def state(self) -> dict[str, Any]:
        """The fitted clusters' state."""
        return self.fitted.state()
