"""Derived importance: Johnson's relative weights of item satisfaction on overall satisfaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.needs.priority import item_summary
from segkit.survey.read import Survey


@dataclass(frozen=True)
class RelativeWeights:
    """Johnson's (2000) relative weights: each predictor's share of R², summing to R²."""

    weights: pd.DataFrame  # predictor, raw, rescaled (share of R²), [ci_low, ci_high]
    r2: float
    n: int
    n_boot: int = 0
    level: float = 0.95


def _raw_weights(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    data = np.column_stack([x, y])
    corr = np.corrcoef(data, rowvar=False)
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    evals, evecs = np.linalg.eigh(rxx)
    lam = evecs @ np.diag(np.sqrt(np.clip(evals, 0, None))) @ evecs.T
    beta = np.linalg.lstsq(lam, rxy, rcond=None)[0]
    return (lam**2) @ (beta**2)


@accepts_frames("frame")
def relative_weights(
    frame: pd.DataFrame, *, outcome: str, predictors: Sequence[str], n_boot: int = 0, level: float = 0.95, seed: int = 0
) -> RelativeWeights:
    """Relative weights of `predictors` on `outcome` (complete cases), with percentile
    bootstrap CIs when `n_boot` > 0.

    Correlated predictors are replaced by their closest orthogonal counterparts (Λ = R^½), the
    outcome is regressed on those, and the squared weights are mapped back through Λ²: unlike
    standardised betas, the weights are never negative and add up to R².
    """
    data = frame[[*predictors, outcome]].astype("float64").dropna()
    constant = [c for c in predictors if data[c].std() == 0]
    if len(data) < len(predictors) + 2 or constant:
        why = f"{', '.join(constant)} never vary" if constant else f"only {len(data)} complete rows"
        raise InputError(f"relative weights of {outcome!r}: cannot estimate ({why})")
    x, y = data[list(predictors)].to_numpy(), data[outcome].to_numpy()
    raw = _raw_weights(x, y)
    r2 = float(raw.sum())
    table = pd.DataFrame({"predictor": list(predictors), "raw": raw, "rescaled": raw / r2})
    if n_boot:
        rng = np.random.default_rng(seed)
        draws = np.empty((n_boot, len(predictors)))
        for b in range(n_boot):
            idx = rng.integers(0, len(y), len(y))
            draws[b] = _raw_weights(x[idx], y[idx])
        q = [(1 - level) / 2, 1 - (1 - level) / 2]
        low, high = np.nanquantile(draws, q, axis=0)
        table = table.assign(ci_low=low, ci_high=high)
    return RelativeWeights(weights=table, r2=r2, n=len(data), n_boot=n_boot, level=level)


def derived_importance(
    survey: Survey, *, outcome: str = "overall_satisfaction", n_boot: int = 200, seed: int = 0
) -> tuple[pd.DataFrame, RelativeWeights]:
    """Derived importance (relative weights of item satisfaction on `outcome`) beside stated
    importance, with both ranks: a need customers *say* matters but that does not move overall
    satisfaction (or the reverse) shows up as a rank difference."""
    if outcome not in survey.respondents.columns:
        raise InputError(f"{survey.source}: no {outcome!r} column; derived importance needs an overall rating")
    sat = survey.wide("satisfaction")
    answered = [c for c in sat.columns if sat[c].notna().any()]
    frame = sat[answered].join(survey.respondents.set_index("respondent_id")[outcome])
    rw = relative_weights(frame, outcome=outcome, predictors=answered, n_boot=n_boot, seed=seed)
    stated = item_summary(survey.ratings, measure="importance").set_index("item")["mean"]
    table = rw.weights.rename(columns={"predictor": "item"}).assign(stated=lambda f: f["item"].map(stated).astype("float64"))
    table = table.assign(
        rank_derived=table["raw"].rank(ascending=False, method="min").astype("int64"),
        rank_stated=table["stated"].rank(ascending=False, method="min").astype("Int64"),
    )
    return table, rw
