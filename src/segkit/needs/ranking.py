"""One ranked need backlog from every measure, and how stable it is under resampling."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.needs import kano as kano_mod
from segkit.needs.priority import gap_analysis, opportunity_scores, priority_matrix
from segkit.survey.read import Survey

#: Default weights of the backlog components.
DEFAULT_WEIGHTS: dict[str, float] = {
    "priority_score": 0.3,
    "gap": 0.2,
    "opportunity": 0.2,
    "kano": 0.15,
    "complaint_urgency": 0.15,
}
#: How much a Kano class adds to a need's priority: failing a must-be costs most.
KANO_PRIORITY = {"M": 1.0, "O": 0.75, "A": 0.5, "I": 0.0, "R": 0.0, "Q": 0.0}


@accepts_frames("complaint_urgency", "kano_table")
def need_metrics(
    survey: Survey,
    *,
    complaint_urgency: pd.Series | None = None,
    kano_table: str | pd.DataFrame = "classic",
    tie_threshold: float = 0.0,
    crosshair: str = "midpoint",
) -> pd.DataFrame:
    """Per need: priority score, gap, opportunity, Kano class and complaint urgency (the
    backlog's inputs). Components the survey lacks are NaN and drop out of the backlog."""
    has = set(survey.measures())
    frame = pd.DataFrame({"item": survey.catalogue.ids}).set_index("item")
    if "importance" in has and ("urgency" in has or complaint_urgency is not None):
        pm = priority_matrix(survey, crosshair=crosshair, urgency=complaint_urgency).table.set_index("item")
        frame = frame.assign(priority_score=pm["score"], quadrant=pm["quadrant"])
    if {"importance", "satisfaction"} <= has:
        frame = frame.assign(
            gap=gap_analysis(survey).set_index("item")["gap"],
            opportunity=opportunity_scores(survey).set_index("item")["opportunity"],
        )
    answered = survey.kano.dropna(subset=["functional", "dysfunctional"])
    if len(answered):
        classified = kano_mod.classify_survey(answered, table=kano_table)
        kt = kano_mod.kano_table(classified, items=survey.catalogue.ids, tie_threshold=tie_threshold, n_boot=0)
        frame = frame.assign(kano_class=kt.set_index("item")["category"])
    if complaint_urgency is not None:
        frame = frame.assign(complaint_urgency=complaint_urgency.astype("float64"))
    return frame.reset_index()


@dataclass(frozen=True)
class Backlog:
    """The prioritised needs backlog and the weights that ordered it."""

    table: pd.DataFrame  # item, components, normalised components, score, rank
    weights: Mapping[str, float] = field(default_factory=dict)


@accepts_frames("metrics")
def backlog(metrics: pd.DataFrame, *, weights: Mapping[str, float] | None = None) -> Backlog:
    """Order needs by a weighted sum of min–max normalised components (0 = lowest item, 1 = highest).

    The Kano class enters through `KANO_PRIORITY` (M 1, O 0.75, A 0.5, I/R/Q 0). Components that
    are missing for every item are dropped and the remaining weights renormalised, so a survey
    without complaints is still ranked. Ties keep catalogue order.
    """
    weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
    unknown = set(weights) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise InputError(f"backlog weights: unknown components {', '.join(sorted(unknown))}; use {', '.join(DEFAULT_WEIGHTS)}")
    table = metrics.copy()
    normalised = {}
    for component in weights:
        if component == "kano":
            column = table["kano_class"].map(KANO_PRIORITY) if "kano_class" in table else None
        else:
            column = table[component] if component in table else None
        if column is None or column.isna().all():
            continue
        column = column.astype("float64")
        spread = column.max() - column.min()
        normalised[component] = ((column - column.min()) / spread if spread > 0 else column * 0).fillna(0)
    used = {c: weights[c] for c in normalised if weights[c] > 0}
    total = sum(used.values())
    if not total:
        raise InputError("backlog: no component with a positive weight has data")
    score = sum(w * normalised[c] for c, w in used.items()) / total
    table = table.assign(**{f"{c}_norm": normalised[c] for c in used}, backlog_score=score)
    table = table.sort_values("backlog_score", ascending=False, kind="stable", ignore_index=True)
    return Backlog(table=table.assign(rank=np.arange(1, len(table) + 1)), weights={c: w / total for c, w in used.items()})


@accepts_frames("complaint_urgency", "kano_table")
def prioritise(
    survey: Survey,
    *,
    weights: Mapping[str, float] | None = None,
    complaint_urgency: pd.Series | None = None,
    kano_table: str | pd.DataFrame = "classic",
    tie_threshold: float = 0.0,
) -> Backlog:
    """The prioritised needs backlog of a survey (`need_metrics` then `backlog`)."""
    metrics = need_metrics(survey, complaint_urgency=complaint_urgency, kano_table=kano_table, tie_threshold=tie_threshold)
    return backlog(metrics, weights=weights)


def _resample(survey: Survey, rng: np.random.Generator) -> Survey:
    ids = survey.respondents["respondent_id"].to_numpy()
    drawn = ids[rng.integers(0, len(ids), len(ids))]
    draws = pd.DataFrame({"respondent_id": drawn, "new_id": [f"{r}#{k}" for k, r in enumerate(drawn)]})

    def remap(frame: pd.DataFrame) -> pd.DataFrame:
        joined = frame.merge(draws, on="respondent_id")
        return joined.drop(columns="respondent_id").rename(columns={"new_id": "respondent_id"})

    return Survey(
        ratings=remap(survey.ratings),
        kano=remap(survey.kano),
        respondents=remap(survey.respondents),
        catalogue=survey.catalogue,
        scale=survey.scale,
        source=survey.source,
    )


@accepts_frames("complaint_urgency")
def backlog_stability(
    survey: Survey,
    *,
    top_k: int = 5,
    n_boot: int = 200,
    seed: int = 0,
    weights: Mapping[str, float] | None = None,
    complaint_urgency: pd.Series | None = None,
) -> pd.DataFrame:
    """How often each need stays in the backlog's top `top_k` when respondents are resampled
    with replacement (`n_boot` times): a need at 95 % is a safe bet, one at 50 % is a coin toss."""
    rng = np.random.default_rng(seed)
    base = prioritise(survey, weights=weights, complaint_urgency=complaint_urgency).table
    hits = pd.Series(0, index=survey.catalogue.ids, dtype="int64")
    for _ in range(n_boot):
        table = prioritise(_resample(survey, rng), weights=weights, complaint_urgency=complaint_urgency).table
        hits[table["item"].head(top_k)] += 1
    return pd.DataFrame(
        {
            "item": base["item"],
            "rank": base["rank"],
            "in_top_k": base["rank"] <= top_k,
            "top_k_share": hits.reindex(base["item"]).to_numpy() / n_boot,
        }
    ).assign(n_boot=n_boot, top_k=top_k)
