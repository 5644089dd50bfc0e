"""Need priority: importance × urgency, gap, opportunity, IPA, derived importance, one backlog.

Every function takes the long ratings of a `segkit.survey.Survey` (respondent_id, item,
measure, value) or the survey itself and returns a table with the base size (n) of every
number, so a reviewer can see which results rest on few answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.survey.read import Survey

#: Priority quadrants (importance × urgency).
QUADRANTS = ("act-now", "plan", "quick-fix", "monitor")


@accepts_frames("ratings")
def item_summary(ratings: pd.DataFrame, *, measure: str, level: float = 0.95) -> pd.DataFrame:
    """Per item: n, mean, sd and the t-interval of the mean for one rating `measure`."""
    part = ratings[(ratings["measure"] == measure)].dropna(subset=["value"])
    grouped = part.groupby("item", sort=False)["value"]
    table = pd.DataFrame({"n": grouped.count(), "mean": grouped.mean(), "sd": grouped.std()})
    t = stats.t.ppf(1 - (1 - level) / 2, np.maximum(table["n"] - 1, 1))
    half = t * table["sd"] / np.sqrt(table["n"])
    return table.assign(ci_low=table["mean"] - half, ci_high=table["mean"] + half).reset_index()


def _top_box_share(ratings: pd.DataFrame, *, measure: str, high: int, top_box: int) -> pd.Series:
    part = ratings[ratings["measure"] == measure].dropna(subset=["value"])
    return (part["value"] >= high - top_box + 1).groupby(part["item"]).mean()


@dataclass(frozen=True)
class PriorityMatrix:
    """Importance × urgency per need with the crosshairs used to draw the quadrants."""

    table: pd.DataFrame
    importance_line: float
    urgency_line: float
    crosshair: str
    small_base: int


@accepts_frames("urgency")
def priority_matrix(
    survey: Survey,
    *,
    crosshair: str = "midpoint",
    urgency: pd.Series | None = None,
    top_box: int = 2,
    small_base: int = 30,
    level: float = 0.95,
) -> PriorityMatrix:
    """Priority score = mean importance × mean urgency, and the quadrant of each need.

    Crosshairs sit at the scale midpoint (``crosshair="midpoint"``: absolute judgement) or at the
    mean over items (``"mean"``: relative, always splits the items). A need is *important* or
    *urgent* when its mean is strictly above the line. `urgency` (item → value on the survey
    scale, e.g. from `segkit.needs.complaints.need_urgency`) replaces the survey's urgency when the
    survey asked none. ``share_important`` is the top-`top_box` share of importance (bubble size).
    """
    imp = item_summary(survey.ratings, measure="importance", level=level).set_index("item")
    if imp.empty:
        raise InputError(f"{survey.source}: the survey has no importance answers; the priority matrix needs them")
    urg = item_summary(survey.ratings, measure="urgency", level=level).set_index("item")
    if urgency is not None and urg.empty:
        urg = pd.DataFrame({"n": 0, "mean": urgency.astype("float64"), "ci_low": np.nan, "ci_high": np.nan})
    if urg.empty:
        raise InputError(
            f"{survey.source}: the survey has no urgency answers; pass complaint-based urgency (segkit.needs.complaints.need_urgency)"
        )
    items = [i for i in survey.catalogue.ids if i in imp.index]
    table = pd.DataFrame(
        {
            "item": items,
            "n_importance": imp["n"].reindex(items).to_numpy(),
            "importance": imp["mean"].reindex(items).to_numpy(),
            "importance_low": imp["ci_low"].reindex(items).to_numpy(),
            "importance_high": imp["ci_high"].reindex(items).to_numpy(),
            "n_urgency": urg["n"].reindex(items).fillna(0).astype("int64").to_numpy(),
            "urgency": urg["mean"].reindex(items).to_numpy(),
            "urgency_low": urg["ci_low"].reindex(items).to_numpy(),
            "urgency_high": urg["ci_high"].reindex(items).to_numpy(),
        }
    )
    if crosshair == "midpoint":
        imp_line = urg_line = survey.scale.midpoint
    elif crosshair == "mean":
        imp_line, urg_line = float(table["importance"].mean()), float(table["urgency"].mean())
    else:
        raise InputError(f"crosshair {crosshair!r} is unknown; use midpoint or mean")
    important, urgent = table["importance"] > imp_line, table["urgency"] > urg_line
    quadrant = np.select(
        [important & urgent, important & ~urgent, ~important & urgent], ["act-now", "plan", "quick-fix"], "monitor"
    )
    share = _top_box_share(survey.ratings, measure="importance", high=survey.scale.high, top_box=top_box)
    table = table.assign(
        score=table["importance"] * table["urgency"],
        quadrant=pd.Series(quadrant, dtype="str"),
        share_important=share.reindex(items).to_numpy(),
        small_base=table["n_importance"] < small_base,
    )
    return PriorityMatrix(
        table=table.sort_values("score", ascending=False, ignore_index=True),
        importance_line=float(imp_line),
        urgency_line=float(urg_line),
        crosshair=crosshair,
        small_base=small_base,
    )


def _paired(ratings: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    wide = ratings[ratings["measure"].isin([first, second])].pivot_table(
        index=["respondent_id", "item"], columns="measure", values="value", aggfunc="first"
    )
    return wide.reindex(columns=[first, second]).dropna().reset_index()


def gap_analysis(survey: Survey, *, level: float = 0.95, small_base: int = 30) -> pd.DataFrame:
    """Gap = importance − satisfaction per need, on respondents who rated both, with a paired
    t-test (H0: no gap) and Holm-adjusted p-values over the items.

    Pairing matters: the same person rates both, so the test uses the spread of their
    differences, not of two separate samples.
    """
    pairs = _paired(survey.ratings, "importance", "satisfaction")
    rows = []
    for item in survey.catalogue.ids:
        part = pairs[pairs["item"] == item]
        n = len(part)
        diff = part["importance"] - part["satisfaction"]
        if n >= 2 and diff.std() > 0:
            test = stats.ttest_rel(part["importance"], part["satisfaction"])
            t_stat, p = float(test.statistic), float(test.pvalue)
            half = stats.t.ppf(1 - (1 - level) / 2, n - 1) * diff.std() / np.sqrt(n)
        else:
            t_stat, p, half = np.nan, np.nan, np.nan
        rows.append(
            {
                "item": item,
                "n": n,
                "importance": part["importance"].mean(),
                "satisfaction": part["satisfaction"].mean(),
                "gap": diff.mean(),
                "ci_low": diff.mean() - half,
                "ci_high": diff.mean() + half,
                "t": t_stat,
                "p": p,
            }
        )
    from segkit.core.stats import adjust_pvalues

    table = pd.DataFrame(rows)
    return table.assign(p_adjusted=adjust_pvalues(table["p"], method="holm"), small_base=table["n"] < small_base)


def opportunity_scores(survey: Survey, *, top_box: int = 2, small_base: int = 30) -> pd.DataFrame:
    """Ulwick's opportunity = importance + max(importance − satisfaction, 0), with importance and
    satisfaction the top-`top_box` shares × 10 (0..10). Above 10: underserved; satisfaction above
    importance: overserved; otherwise served."""
    high = survey.scale.high
    imp = _top_box_share(survey.ratings, measure="importance", high=high, top_box=top_box) * 10
    sat = _top_box_share(survey.ratings, measure="satisfaction", high=high, top_box=top_box) * 10
    items = [i for i in survey.catalogue.ids if i in imp.index]
    table = pd.DataFrame(
        {"item": items, "importance": imp.reindex(items).to_numpy(), "satisfaction": sat.reindex(items).to_numpy()}
    )
    n = survey.ratings[survey.ratings["measure"] == "importance"].dropna(subset=["value"]).groupby("item").size()
    opportunity = table["importance"] + (table["importance"] - table["satisfaction"]).clip(lower=0)
    status = np.select([opportunity > 10, table["satisfaction"] > table["importance"]], ["underserved", "overserved"], "served")
    table = table.assign(opportunity=opportunity, status=pd.Series(status, dtype="str"), n=n.reindex(items).to_numpy())
    return table.assign(small_base=table["n"] < small_base).sort_values("opportunity", ascending=False, ignore_index=True)
