"""Who is about to leave: a churn-risk model checked against a later period and the BG/NBD baseline.

A customer has churned at a cut-off when they make no purchase in the `window_days` after it. The
model is trained on an earlier cut-off and tested on a later one (a time-based split, never a random
one: the test period is in the training period's future), with two scikit-learn pipelines (gradient
boosting and a logistic regression) and the BG/NBD model's 1 - P(alive) as the baseline they must
beat. The best of the three on the test period's ROC-AUC scores today's customers; the report says
which one it was and how much better than the baseline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from segkit.core import schema
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.models.bg_nbd import BetaGeoModel
from segkit.models.btyd import btyd_summary
from segkit.models.churn_features import NUMERIC_FEATURES, churn_features, churn_labels

#: The candidates, in the order they are reported.
CANDIDATES = ("gradient_boosting", "logistic", "bg_nbd")


def _pipeline(kind: str, categories: list[str], seed: int) -> Any:
    signed = ["spend_trend"]
    positive = [c for c in NUMERIC_FEATURES if c not in signed]
    encode = OneHotEncoder(handle_unknown="ignore", min_frequency=5, sparse_output=False)
    if kind == "logistic":
        log = make_pipeline(SimpleImputer(strategy="median"), FunctionTransformer(np.log1p), StandardScaler())
        columns = ColumnTransformer(
            [("log", log, positive), ("signed", StandardScaler(), signed), ("cat", encode, categories)], remainder="drop"
        )
        return make_pipeline(columns, LogisticRegression(max_iter=2000))
    columns = ColumnTransformer([("num", "passthrough", list(NUMERIC_FEATURES)), ("cat", encode, categories)], remainder="drop")
    return make_pipeline(columns, HistGradientBoostingClassifier(random_state=seed, max_iter=200, early_stopping=False))


def bg_nbd_p_alive(visits: pd.DataFrame, *, cutoff: str | pd.Timestamp) -> pd.Series | None:
    """BG/NBD's P(alive) by customer id at `cutoff`, fitted on the purchases before it (weeks); None if it cannot be fitted."""
    try:
        summary = btyd_summary(visits, observation_end=pd.Timestamp(cutoff).normalize() - pd.Timedelta(days=1), unit="W")
        fitted = BetaGeoModel().fit(summary)
    except InputError:
        return None
    t = summary.table
    return pd.Series(fitted.p_alive(t["btyd_frequency"], t["btyd_recency"], t["btyd_T"]), index=t[schema.CUSTOMER_ID].to_numpy())


def _threads(customers: int) -> int:
    """OpenMP threads for the gradient boosting: one per 50,000 customers, at most the machine's cores.

    On small tables the threads' start-up and spinning cost more than they save (measured 12x
    slower on 1,500 customers with two busy cores).
    """
    return max(1, min(os.cpu_count() or 1, customers // 50_000))


def bootstrap_interval(y: np.ndarray, score: np.ndarray, metric: Any, *, n_boot: int, seed: int) -> tuple[float, float]:
    """95 % percentile bootstrap interval of `metric(y, score)` over resampled customers.

    Parameters
    ----------
    y : numpy.ndarray
        0/1 outcomes.
    score : numpy.ndarray
        Risk scores.
    metric : callable
        ``metric(y, score)``, e.g. `sklearn.metrics.roc_auc_score`.
    n_boot : int
        Resamples; those holding one class only are skipped.
    seed : int
        Random seed.

    Returns
    -------
    tuple of float
        The 2.5 % and 97.5 % quantiles (NaN when no resample has both classes).
    """
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(y), len(y))
        if 0 < y[pick].sum() < len(pick):
            values.append(metric(y[pick], score[pick]))
    if not values:
        return float("nan"), float("nan")
    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)


def lift_table(y: np.ndarray, score: np.ndarray, *, groups: int = 10) -> pd.DataFrame:
    """Churners by risk decile: decile 1 holds the highest scores.

    Parameters
    ----------
    y : numpy.ndarray
        0/1 outcomes.
    score : numpy.ndarray
        Risk scores.
    groups : int, default 10
        Number of equal-size groups (ties broken by row order).

    Returns
    -------
    pandas.DataFrame
        ``decile``, ``customers``, ``churners``, ``churn_rate``, ``lift`` (rate / overall rate)
        and ``capture`` (cumulative share of all churners).
    """
    order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
    parts = np.array_split(np.asarray(y)[order], groups)
    base = float(np.mean(y)) if len(y) else float("nan")
    churners = np.array([p.sum() for p in parts], dtype=float)
    sizes = np.array([len(p) for p in parts], dtype=float)
    rate = np.divide(churners, sizes, out=np.full(len(sizes), np.nan), where=sizes > 0)
    total = churners.sum()
    return pd.DataFrame(
        {
            "decile": np.arange(1, groups + 1),
            "customers": sizes.astype(int),
            "churners": churners.astype(int),
            "churn_rate": rate,
            "lift": rate / base if base > 0 else np.nan,
            "capture": np.cumsum(churners) / total if total > 0 else np.nan,
        }
    )


@dataclass(frozen=True)
class ChurnQuality:
    """Test-period quality of every candidate.

    Attributes
    ----------
    metrics : pandas.DataFrame
        ``model``, ``roc_auc`` with ``roc_auc_low`` / ``roc_auc_high``, ``pr_auc`` with its interval,
        ``customers``, ``churn_rate``.
    lift : pandas.DataFrame
        `lift_table` per ``model``.
    calibration : pandas.DataFrame
        ``model``, ``predicted`` and ``observed`` churn rate per quantile bin.
    importance : pandas.DataFrame
        Permutation importance (drop in ROC-AUC) of each input column for the best scikit-learn model.
    """

    metrics: pd.DataFrame
    lift: pd.DataFrame
    calibration: pd.DataFrame
    importance: pd.DataFrame


class ChurnRisk:
    """Churn risk: trained on an earlier cut-off, tested on a later one, against BG/NBD.

    Parameters
    ----------
    window_days : int, default 90
        A customer has churned when they make no purchase in this many days after the cut-off.
    n_boot : int, default 200
        Bootstrap resamples of the metrics' intervals.
    seed : int, default 0
        Seed of the models, the bootstrap and the permutations.

    Attributes
    ----------
    train_cutoff_, test_cutoff_ : pandas.Timestamp
        The two cut-offs (test = the end of the data minus the window; train = a window earlier).
    quality_ : ChurnQuality
        Metrics of every candidate on the test period.
    best_ : str
        The candidate with the highest test ROC-AUC (``gradient_boosting``, ``logistic`` or ``bg_nbd``).
    beats_baseline_ : bool
        Whether a scikit-learn model beat BG/NBD's 1 - P(alive) on the test period.
    """

    def __init__(self, *, window_days: int = 90, n_boot: int = 200, seed: int = 0) -> None:
        self.window_days, self.n_boot, self.seed = window_days, n_boot, seed

    @accepts_frames("visits", "attributes")
    def fit(
        self, visits: pd.DataFrame, *, observation_end: str | pd.Timestamp, attributes: pd.DataFrame | None = None
    ) -> ChurnRisk:
        """Train on the earlier cut-off, test on the later one, keep the better model.

        Parameters
        ----------
        visits : pandas.DataFrame
            Purchase days (customer id, order date, amount).
        observation_end : str or pandas.Timestamp
            Last day of the data.
        attributes : pandas.DataFrame, optional
            Customer attributes used as categories.

        Returns
        -------
        self

        Raises
        ------
        InputError
            When the span is too short for two windows, or a period has only churners or none.
        """
        window = pd.Timedelta(days=int(self.window_days))
        end = pd.Timestamp(observation_end).normalize()
        self.test_cutoff_ = end + pd.Timedelta(days=1) - window
        self.train_cutoff_ = self.test_cutoff_ - window
        first = pd.to_datetime(visits[schema.ORDER_DATE]).min().normalize()
        if self.train_cutoff_ <= first + window:
            raise InputError(
                f"churn model: the data span {first.date()} to {end.date()} is too short for a {self.window_days}-day "
                "training window, a test window and history before them; use a shorter window_days"
            )
        self.attributes_ = attributes
        alive_train, alive = bg_nbd_p_alive(visits, cutoff=self.train_cutoff_), bg_nbd_p_alive(visits, cutoff=self.test_cutoff_)
        train = churn_features(visits, cutoff=self.train_cutoff_, attributes=attributes, p_alive=alive_train)
        test = churn_features(visits, cutoff=self.test_cutoff_, attributes=attributes, p_alive=alive)
        y_train = churn_labels(visits, train[schema.CUSTOMER_ID], cutoff=self.train_cutoff_, window_days=self.window_days)
        y_test = churn_labels(visits, test[schema.CUSTOMER_ID], cutoff=self.test_cutoff_, window_days=self.window_days)
        for name, y in (("training", y_train), ("test", y_test)):
            if y.min() == y.max():
                raise InputError(f"churn model: in the {name} window every customer {'churned' if y[0] else 'came back'}")
        self.categories_ = [c for c in train.columns if c not in (schema.CUSTOMER_ID, *NUMERIC_FEATURES)]
        scores: dict[str, np.ndarray] = {}
        self.pipelines_: dict[str, Any] = {}
        for kind in ("gradient_boosting", "logistic"):
            pipe = _pipeline(kind, self.categories_, self.seed).fit(train, y_train)
            self.pipelines_[kind] = pipe
            scores[kind] = pipe.predict_proba(test)[:, 1]
        if alive is None:
            raise InputError("churn model: the BG/NBD baseline could not be fitted on the purchases before the test cut-off")
        scores["bg_nbd"] = 1 - alive.reindex(test[schema.CUSTOMER_ID]).to_numpy()
        self.quality_ = self._quality(scores, test, y_test)
        metrics = self.quality_.metrics.set_index("model")
        self.best_ = str(metrics["roc_auc"].idxmax())
        self.beats_baseline_ = bool(
            metrics.loc[["gradient_boosting", "logistic"], "roc_auc"].max() > metrics.loc["bg_nbd", "roc_auc"]
        )
        if self.best_ != "bg_nbd":  # score today's customers with the model refitted on the latest complete window
            self.model_ = _pipeline(self.best_, self.categories_, self.seed).fit(test, y_test)
        return self

    def _quality(self, scores: dict[str, np.ndarray], test: pd.DataFrame, y: np.ndarray) -> ChurnQuality:
        rows, lifts, calibrations = [], [], []
        for name in CANDIDATES:
            s = scores[name]
            auc_low, auc_high = bootstrap_interval(y, s, roc_auc_score, n_boot=self.n_boot, seed=self.seed)
            pr_low, pr_high = bootstrap_interval(y, s, average_precision_score, n_boot=self.n_boot, seed=self.seed)
            rows.append(
                {
                    "model": name,
                    "roc_auc": roc_auc_score(y, s),
                    "roc_auc_low": auc_low,
                    "roc_auc_high": auc_high,
                    "pr_auc": average_precision_score(y, s),
                    "pr_auc_low": pr_low,
                    "pr_auc_high": pr_high,
                    "customers": len(y),
                    "churn_rate": float(y.mean()),
                }
            )
            lifts.append(lift_table(y, s).assign(model=name))
            observed, predicted = calibration_curve(y, np.clip(s, 0, 1), n_bins=10, strategy="quantile")
            calibrations.append(pd.DataFrame({"model": name, "predicted": predicted, "observed": observed}))
        metrics = pd.DataFrame(rows)
        learned = metrics.loc[metrics["model"] != "bg_nbd"].set_index("model")["roc_auc"].idxmax()
        found = permutation_importance(self.pipelines_[learned], test, y, scoring="roc_auc", n_repeats=5, random_state=self.seed)
        columns = [c for c in test.columns if c != schema.CUSTOMER_ID]
        positions = [list(test.columns).index(c) for c in columns]
        importance = pd.DataFrame(
            {
                "model": learned,
                "feature": columns,
                "importance": found.importances_mean[positions],
                "std": found.importances_std[positions],
            }
        ).sort_values("importance", ascending=False, ignore_index=True)
        return ChurnQuality(metrics=metrics, lift=pd.concat(lifts, ignore_index=True),
                            calibration=pd.concat(calibrations, ignore_index=True), importance=importance)  # fmt: skip

    def predict_risk(self, visits: pd.DataFrame, *, as_of: str | pd.Timestamp, p_alive: pd.Series | None = None) -> pd.DataFrame:
        """Churn risk of every customer who bought before `as_of`, from the best model.

        Parameters
        ----------
        visits : pandas.DataFrame
            Purchase days.
        as_of : str or pandas.Timestamp
            The cut-off for today's features (the analysis date).
        p_alive : pandas.Series, optional
            P(alive) by customer id, used when BG/NBD was the best model (default: fitted here).

        Returns
        -------
        pandas.DataFrame
            customer id and ``churn_risk`` (probability of no purchase in the next ``window_days``;
            1 - P(alive) when the baseline won).
        """
        if not hasattr(self, "best_"):
            raise InputError("churn model: not fitted yet; call fit() first")
        if p_alive is None:
            p_alive = bg_nbd_p_alive(visits, cutoff=as_of)
        now = churn_features(visits, cutoff=as_of, attributes=self.attributes_, p_alive=p_alive)
        if self.best_ == "bg_nbd":
            if p_alive is None:
                raise InputError("churn model: the BG/NBD baseline could not be fitted on today's purchases")
            risk = 1 - p_alive.reindex(now[schema.CUSTOMER_ID]).to_numpy()
        else:
            with threadpool_limits(limits=_threads(len(now))):
                risk = self.model_.predict_proba(now)[:, 1]
        return pd.DataFrame({schema.CUSTOMER_ID: now[schema.CUSTOMER_ID].to_numpy(), "churn_risk": risk})

    def as_dict(self) -> dict[str, Any]:
        """The churn model for ``models.json``: cut-offs, window, the best model and every candidate's metrics."""
        return {
            "window_days": int(self.window_days),
            "train_cutoff": self.train_cutoff_.date().isoformat(),
            "test_cutoff": self.test_cutoff_.date().isoformat(),
            "best": self.best_,
            "beats_baseline": self.beats_baseline_,
            "metrics": self.quality_.metrics.to_dict(orient="records"),
        }
