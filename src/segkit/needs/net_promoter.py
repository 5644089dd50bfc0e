"""Net Promoter Score with its uncertainty, group comparisons, and satisfaction extremes.

NPS is a difference of two proportions from one multinomial sample, so its standard error is
``100·√((p + d − (p − d)²) / n)``. Small bases use the adjusted Wald interval (add 3/4 of a
promoter and 3/4 of a detractor, n + 3; Rocks 2016, Sauro & Lewis), which keeps coverage near
nominal when n is small or the score is extreme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.core.stats import adjust_pvalues

#: The groups of the 0..10 recommendation score: promoters score at least `PROMOTER_MIN`,
#: detractors at most `DETRACTOR_MAX`, passives in between. `nps` and the follow-up list of
#: detractors (`segkit.needs.followup`) both count with these.
PROMOTER_MIN, DETRACTOR_MAX = 9, 6


@dataclass(frozen=True)
class NPSResult:
    """One NPS with what is needed to reproduce it: counts, n, method and interval."""

    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float
    se: float
    ci_low: float
    ci_high: float
    method: str
    level: float

    def as_dict(self) -> dict[str, float | int | str]:
        return dict(self.__dict__)


@accepts_frames("scores")
def valid_scores(scores: Sequence[float] | pd.Series) -> pd.Series:
    """The answered recommendation scores, checked to be whole numbers 0–10.

    Parameters
    ----------
    scores : sequence of float or pandas.Series
        Recommendation scores; missing values are no answer.

    Returns
    -------
    pandas.Series
        The answered scores as float64, with the index of `scores` (a Series) kept.

    Raises
    ------
    InputError
        When a score is not a whole number from 0 to 10 (the first three are named).
    """
    values = pd.Series(scores, dtype="float64").dropna()
    wrong = (values < 0) | (values > 10) | (values % 1 != 0)
    if wrong.any():
        raise InputError(f"NPS scores must be whole numbers 0–10; got {', '.join(f'{v:g}' for v in values[wrong].head(3))}")
    return values


@accepts_frames("scores")
def nps(scores: Sequence[float] | pd.Series, *, method: str = "auto", level: float = 0.95, small_base: int = 30) -> NPSResult:
    """NPS of 0..10 scores (promoters 9–10, passives 7–8, detractors 0–6) on −100..100.

    ``method``: "wald", "adjusted-wald", or "auto" (adjusted Wald when n < `small_base`). The
    reported NPS and SE are always the plain ones; only the interval is adjusted. The adjusted
    interval is centred on the shrunk estimate, which for a single promoter (or detractor) leaves
    the plain ±100 outside it; the interval is then widened to reach the reported NPS, so an
    interval always contains its own estimate.
    """
    values = valid_scores(scores)
    n = len(values)
    promoters, detractors = int((values >= PROMOTER_MIN).sum()), int((values <= DETRACTOR_MAX).sum())
    passives = n - promoters - detractors
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    if n == 0:
        nan = float("nan")
        return NPSResult(0, 0, 0, 0, nan, nan, nan, nan, method, level)
    p, d = promoters / n, detractors / n
    score, se = 100 * (p - d), 100 * float(np.sqrt((p + d - (p - d) ** 2) / n))
    chosen = ("adjusted-wald" if n < small_base else "wald") if method == "auto" else method
    if chosen == "wald":
        centre, half = score, z * se
    elif chosen == "adjusted-wald":
        n_adj = n + 3
        p_adj, d_adj = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
        centre = 100 * (p_adj - d_adj)
        half = z * 100 * float(np.sqrt((p_adj + d_adj - (p_adj - d_adj) ** 2) / n_adj))
    else:
        raise InputError(f"NPS method {method!r} is unknown; use auto, wald or adjusted-wald")
    return NPSResult(
        n=n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        nps=score,
        se=se,
        ci_low=min(score, max(-100.0, centre - half)),
        ci_high=max(score, min(100.0, centre + half)),
        method=chosen,
        level=level,
    )


def compare_two(a: NPSResult, b: NPSResult) -> tuple[float, float]:
    """Two-sided z-test of NPS(a) − NPS(b) for independent groups: ``(z, p)``."""
    se = float(np.sqrt(a.se**2 + b.se**2))
    if se == 0 or np.isnan(se):
        return float("nan"), float("nan")
    z = (a.nps - b.nps) / se
    return z, float(2 * stats.norm.sf(abs(z)))


@accepts_frames("scores", "groups")
def nps_by_group(
    scores: pd.Series, groups: pd.Series, *, correction: str = "holm", level: float = 0.95, small_base: int = 30
) -> pd.DataFrame:
    """NPS per group with CIs, each group tested against all other respondents (z-test), p-values
    corrected for the number of groups; `small_base` flags groups whose base is too small. Groups
    come in the order of a categorical `groups` (e.g. segments by value rank), else sorted."""
    frame = pd.DataFrame({"score": scores.to_numpy(dtype="float64"), "group": groups.reset_index(drop=True)}).dropna()
    rows = []
    for group, part in frame.groupby("group", sort=True, observed=True):
        inside = nps(part["score"], level=level, small_base=small_base)
        outside = nps(frame.loc[frame["group"] != group, "score"], level=level, small_base=small_base)
        z, p = compare_two(inside, outside)
        rows.append({"group": group, **inside.as_dict(), "z_vs_rest": z, "p_vs_rest": p})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    return table.assign(p_adjusted=adjust_pvalues(table["p_vs_rest"], method=correction), small_base=table["n"] < small_base)


@dataclass(frozen=True)
class Extremes:
    """Top and bottom `share` of respondents by a satisfaction score and what separates them."""

    share: float
    threshold_low: float
    threshold_high: float
    n_low: int
    n_high: int
    differences: pd.DataFrame  # feature, level, mean_top, mean_bottom, smd, p, q (BH), significant


@accepts_frames("respondents")
def satisfaction_extremes(
    respondents: pd.DataFrame,
    *,
    score_col: str,
    features: Sequence[str],
    share: float = 0.2,
    tiebreak_col: str | None = None,
    fdr: float = 0.05,
    seed: int = 0,
) -> Extremes:
    """Compare the `share` most and least satisfied respondents on `features`.

    Respondents are ordered by `score_col`, then `tiebreak_col` (e.g. the 0–10 recommendation
    score), then at random (seeded): a 1–5 rating has so many ties that cutting at its quantiles
    would put half the sample in each group. Each group holds round(share · n) respondents.
    Numeric features: standardised mean difference (pooled SD) and Welch's t-test; categorical
    features: one row per level, Cohen's h = 2·asin√p₁ − 2·asin√p₂ (defined even when a level
    is all in one group) and Fisher's exact test. p-values are controlled for the false
    discovery rate (Benjamini–Hochberg) across all rows, since many features are screened.
    """
    rated = respondents.dropna(subset=[score_col])
    keys = [rated[score_col].astype("float64")]
    if tiebreak_col:
        keys.append(rated[tiebreak_col].astype("float64").fillna(rated[tiebreak_col].astype("float64").median()))
    keys.append(pd.Series(np.random.default_rng(seed).random(len(rated)), index=rated.index))
    order = np.lexsort([k.to_numpy() for k in reversed(keys)])
    k = max(1, int(round(share * len(rated))))
    bottom, top = rated.iloc[order[:k]], rated.iloc[order[-k:]]
    low_cut, high_cut = bottom[score_col].max(), top[score_col].min()
    rows = []
    for feature in features:
        column = respondents[feature]
        if pd.api.types.is_numeric_dtype(column):
            a, b = top[feature].astype("float64").dropna(), bottom[feature].astype("float64").dropna()
            if len(a) < 2 or len(b) < 2:
                continue
            pooled = np.sqrt((a.var() + b.var()) / 2)
            smd = (a.mean() - b.mean()) / pooled if pooled > 0 else 0.0
            p = float(stats.ttest_ind(a, b, equal_var=False).pvalue) if pooled > 0 else 1.0
            rows.append({"feature": feature, "level": "", "top": a.mean(), "bottom": b.mean(), "smd": smd, "p": p})
            continue
        for level in sorted(column.dropna().astype("str").unique()):
            a = top[feature].astype("str") == level
            b = bottom[feature].astype("str") == level
            pa, pb = a.mean(), b.mean()
            smd = 2 * np.arcsin(np.sqrt(pa)) - 2 * np.arcsin(np.sqrt(pb))
            p = float(stats.fisher_exact([[a.sum(), (~a).sum()], [b.sum(), (~b).sum()]]).pvalue)
            rows.append({"feature": feature, "level": level, "top": pa, "bottom": pb, "smd": smd, "p": p})
    table = pd.DataFrame(rows, columns=["feature", "level", "top", "bottom", "smd", "p"])
    q = adjust_pvalues(table["p"], method="bh") if len(table) else np.array([])
    table = table.assign(q=q, significant=q <= fdr).sort_values("smd", key=np.abs, ascending=False, ignore_index=True)
    return Extremes(
        share=share,
        threshold_low=float(low_cut),
        threshold_high=float(high_cut),
        n_low=len(bottom),
        n_high=len(top),
        differences=table,
    )
