"""Which need analyses a survey supports, and their results for one need report.

A survey carries some of the measures (importance, urgency, satisfaction, Kano pairs, overall
satisfaction, NPS); `applicable` says which analyses they allow and `analyse` runs exactly those,
so a report shows every section the data support and says "no data" for the others. Results are
tables and keys; the report turns them into sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.needs import importance as importance_mod
from segkit.needs import kano as kano_mod
from segkit.needs import ranking
from segkit.needs.complaints import ComplaintUrgency
from segkit.needs.importance import RelativeWeights
from segkit.needs.importance_performance import IPA, ipa
from segkit.needs.net_promoter import Extremes, NPSResult, nps, satisfaction_extremes
from segkit.needs.priority import PriorityMatrix, gap_analysis, opportunity_scores, priority_matrix
from segkit.needs.segments import respondent_profile
from segkit.survey.read import Survey, base_sizes

#: Every analysis `applicable` may name.
ANALYSES = ("priority", "gap", "opportunity", "ipa", "kano", "derived", "nps", "extremes")
#: Respondent features the satisfaction extremes compare (before the need ratings), when present.
EXTREME_FEATURES = ("customer_type", "age_band", "gender", "province", "segment", "stage")


def applicable(survey: Survey, *, complaint_urgency: bool = False) -> frozenset[str]:
    """The analyses the measures of `survey` support.

    Parameters
    ----------
    survey : Survey
        The read survey.
    complaint_urgency : bool
        Whether an urgency derived from complaints stands in for a missing urgency question.

    Returns
    -------
    frozenset of str
        Names from `ANALYSES`: ``priority`` (importance and an urgency), ``gap``, ``opportunity``
        and ``ipa`` (importance and satisfaction), ``kano`` (a complete answer pair), ``derived``
        (item satisfaction and overall satisfaction), ``nps`` (a recommendation score),
        ``extremes`` (overall satisfaction and a recommendation score).
    """
    has = set(survey.measures())
    respondents = survey.respondents
    found = set()
    if "importance" in has and ("urgency" in has or complaint_urgency):
        found.add("priority")
    if {"importance", "satisfaction"} <= has:
        found.update(("gap", "opportunity", "ipa"))
    if survey.kano.dropna(subset=["functional", "dysfunctional"]).shape[0] > 0:
        found.add("kano")
    if "satisfaction" in has and "overall_satisfaction" in respondents:
        found.add("derived")
    if "nps" in respondents and respondents["nps"].notna().any():
        found.add("nps")
        if "overall_satisfaction" in respondents:
            found.add("extremes")
    return frozenset(found)


def count_small_bases(survey: Survey, *, small_base: int) -> int:
    """Need items whose smallest rating base (Kano pairs aside) is below `small_base`.

    Parameters
    ----------
    survey : Survey
    small_base : int

    Returns
    -------
    int
    """
    bases = base_sizes(survey).set_index("item").drop(columns="kano", errors="ignore")
    return int((bases.min(axis=1) < small_base).sum())


@dataclass(frozen=True)
class NeedAnalyses:
    """The results of every applicable analysis of one survey (None where not applicable)."""

    applicable: frozenset[str]
    matrix: PriorityMatrix | None
    gaps: pd.DataFrame | None
    opportunity: pd.DataFrame | None
    ipa: IPA | None
    classified: pd.DataFrame  # complete Kano answer pairs with their class
    kano_table: pd.DataFrame | None
    derived: pd.DataFrame | None
    weights: RelativeWeights | None
    backlog: ranking.Backlog
    stability: pd.DataFrame | None
    overall_nps: NPSResult | None
    n_small_base: int
    skipped: Mapping[str, str] = field(default_factory=dict)  # analysis -> why the data could not carry it


def analyse(
    survey: Survey,
    *,
    complaints: ComplaintUrgency | None = None,
    small_base: int = 30,
    top_k: int = 5,
    seed: int = 0,
    n_boot_derived: int = 200,
    n_boot_backlog: int = 100,
) -> NeedAnalyses:
    """Run every analysis `survey` supports.

    Parameters
    ----------
    survey : Survey
        The read survey.
    complaints : ComplaintUrgency, optional
        Complaint-based urgency (`segkit.needs.complaints.complaint_urgency`): its rescaled
        ``urgency`` replaces the survey's urgency on the priority matrix, its ``index`` enters
        the backlog.
    small_base : int
        Results on fewer answers are flagged.
    top_k : int
        Backlog stability: share of resamples in which a need stays in the top `top_k`.
    seed : int
        Seed of every bootstrap.
    n_boot_derived, n_boot_backlog : int
        Bootstrap resamples of the derived importance and of the backlog stability.

    Returns
    -------
    NeedAnalyses
    """
    scale_urgency = complaints.urgency if complaints is not None else None
    complaint_index = complaints.index if complaints is not None else None
    found = applicable(survey, complaint_urgency=complaints is not None)
    paired = "gap" in found
    skipped: dict[str, str] = {}

    def attempt(name: str, wanted: bool, step: Callable[[], Any]) -> Any:
        """One analysis, or None with the reason recorded when the data cannot carry it (a tiny survey)."""
        if not wanted:
            return None
        try:
            return step()
        except InputError as error:
            skipped[name] = str(error)
            return None

    classified = kano_mod.classify_survey(survey.kano.dropna(subset=["functional", "dysfunctional"]))
    derived, weights = attempt(
        "derived", "derived" in found, lambda: importance_mod.derived_importance(survey, n_boot=n_boot_derived, seed=seed)
    ) or (None, None)
    return NeedAnalyses(
        applicable=found,
        matrix=attempt(
            "priority", "priority" in found, lambda: priority_matrix(survey, small_base=small_base, urgency=scale_urgency)
        ),
        gaps=attempt("gap", paired, lambda: gap_analysis(survey, small_base=small_base)),
        opportunity=attempt("opportunity", paired, lambda: opportunity_scores(survey, small_base=small_base)),
        ipa=attempt("ipa", paired, lambda: ipa(survey, model="data")),
        classified=classified,
        kano_table=attempt(
            "kano", "kano" in found, lambda: kano_mod.kano_table(classified, items=survey.catalogue.ids, seed=seed)
        ),
        derived=derived,
        weights=weights,
        backlog=ranking.prioritise(survey, complaint_urgency=complaint_index),
        stability=attempt(
            "stability",
            True,
            lambda: ranking.backlog_stability(
                survey, top_k=top_k, n_boot=n_boot_backlog, seed=seed, complaint_urgency=complaint_index
            ),
        ),
        overall_nps=attempt("nps", "nps" in found, lambda: nps(survey.respondents["nps"], small_base=small_base)),
        n_small_base=count_small_bases(survey, small_base=small_base),
        skipped=skipped,
    )


@accepts_frames("customers", "context")
def extremes_profile(
    survey: Survey, customers: pd.DataFrame, *, context: Mapping[str, pd.Series], seed: int = 0, share: float = 0.2
) -> tuple[Extremes, list[str]]:
    """The most against the least satisfied respondents, on every feature they carry.

    Parameters
    ----------
    survey : Survey
        A survey with overall satisfaction and a recommendation score (``extremes`` applicable).
    customers : DataFrame
        Customer attributes by ``customer_id`` (only `segkit.needs.segments.PROFILE_COLUMNS`
        are used); may be empty.
    context : mapping of str to Series
        Further customer features keyed by customer id (``segment``, ``stage``).
    seed : int
        Seed of the random tie break.
    share : float
        Share of respondents in each extreme group.

    Returns
    -------
    (Extremes, list of str)
        The comparison and the features compared: those of `EXTREME_FEATURES` with any value,
        then the need items (their satisfaction ratings).
    """
    profile = respondent_profile(survey, customers, context=context)
    features = [f for f in [*EXTREME_FEATURES, *survey.catalogue.ids] if f in profile and profile[f].notna().any()]
    extremes = satisfaction_extremes(
        profile, score_col="overall_satisfaction", tiebreak_col="nps", features=features, seed=seed, share=share
    )
    return extremes, features
