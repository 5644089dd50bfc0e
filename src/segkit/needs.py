"""Need priority: importance × urgency, gap, opportunity, IPA, derived importance, one backlog.

Every function takes the long ratings of a `segkit.survey.Survey` (respondent_id, item,
measure, value) or the survey itself and returns a table with the base size (n) of every
number, so a reviewer can see which results rest on few answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from segkit import kano as kano_mod
from segkit.errors import InputError
from segkit.survey import Survey

#: Priority quadrants (importance × urgency).
QUADRANTS = ("act-now", "plan", "quick-fix", "monitor")
#: IPA quadrants (Martilla & James 1977).
IPA_QUADRANTS = ("concentrate-here", "keep-up", "low-priority", "possible-overkill")
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
    scale, e.g. from `segkit.complaints.need_urgency`) replaces the survey's urgency when the
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
            f"{survey.source}: the survey has no urgency answers; pass complaint-based urgency (segkit.complaints.need_urgency)"
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
    from segkit.nps import adjust_pvalues

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
    table = pd.DataFrame({"item": items, "importance": imp.reindex(items).to_numpy(), "satisfaction": sat.reindex(items).to_numpy()})
    n = survey.ratings[survey.ratings["measure"] == "importance"].dropna(subset=["value"]).groupby("item").size()
    opportunity = table["importance"] + (table["importance"] - table["satisfaction"]).clip(lower=0)
    status = np.select(
        [opportunity > 10, table["satisfaction"] > table["importance"]], ["underserved", "overserved"], "served"
    )
    table = table.assign(opportunity=opportunity, status=pd.Series(status, dtype="str"), n=n.reindex(items).to_numpy())
    return table.assign(small_base=table["n"] < small_base).sort_values("opportunity", ascending=False, ignore_index=True)


@dataclass(frozen=True)
class IPA:
    """Importance–performance analysis: quadrants and the crosshair model that drew them."""

    table: pd.DataFrame
    model: str
    importance_line: float
    performance_line: float


def ipa(survey: Survey, *, model: str = "data") -> IPA:
    """Martilla & James (1977) importance–performance quadrants (performance = mean satisfaction).

    model "scale": crosshairs at the scale midpoint; "data": at the item means; "diagonal": the
    iso-priority line importance = performance — a need above it (importance > performance) is
    "concentrate here" whatever its level, the others are split by the data-centred crosshairs.
    High importance & low performance → concentrate here; high & high → keep up the good work;
    low & low → low priority; low importance & high performance → possible overkill.
    """
    imp = item_summary(survey.ratings, measure="importance").set_index("item")
    perf = item_summary(survey.ratings, measure="satisfaction").set_index("item")
    items = [i for i in survey.catalogue.ids if i in imp.index and i in perf.index]
    table = pd.DataFrame(
        {
            "item": items,
            "n_importance": imp["n"].reindex(items).to_numpy(),
            "importance": imp["mean"].reindex(items).to_numpy(),
            "n_performance": perf["n"].reindex(items).to_numpy(),
            "performance": perf["mean"].reindex(items).to_numpy(),
        }
    )
    if model == "scale":
        imp_line = perf_line = survey.scale.midpoint
    elif model in ("data", "diagonal"):
        imp_line, perf_line = float(table["importance"].mean()), float(table["performance"].mean())
    else:
        raise InputError(f"IPA model {model!r} is unknown; use scale, data or diagonal")
    high_imp, high_perf = table["importance"] > imp_line, table["performance"] > perf_line
    conditions = [high_imp & ~high_perf, high_imp & high_perf, ~high_imp & ~high_perf]
    if model == "diagonal":
        above = table["importance"] > table["performance"]
        conditions = [above, high_imp & ~above, ~high_imp & ~high_perf & ~above]
    quadrant = np.select(conditions, ["concentrate-here", "keep-up", "low-priority"], "possible-overkill")
    return IPA(
        table=table.assign(quadrant=pd.Series(quadrant, dtype="str")),
        model=model,
        importance_line=float(imp_line),
        performance_line=float(perf_line),
    )


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


def relative_weights(
    frame: pd.DataFrame,
    *,
    outcome: str,
    predictors: Sequence[str],
    n_boot: int = 0,
    level: float = 0.95,
    seed: int = 0,
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
    table = rw.weights.rename(columns={"predictor": "item"}).assign(
        stated=lambda f: f["item"].map(stated).astype("float64")
    )
    table = table.assign(
        rank_derived=table["raw"].rank(ascending=False, method="min").astype("int64"),
        rank_stated=table["stated"].rank(ascending=False, method="min").astype("Int64"),
    )
    return table, rw


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


def respondent_segments(respondents: pd.DataFrame, segments: pd.Series, *, key: str = "customer_id") -> pd.Series:
    """Map respondents to segments: `segments` is indexed by `key` (customer id); the result is
    indexed by respondent_id. Respondents without a customer id or segment get NA."""
    mapped = respondents[key].map(segments)
    return pd.Series(mapped.to_numpy(), index=respondents["respondent_id"].to_numpy(), name="segment")


def priority_by_segment(
    survey: Survey, segments: pd.Series, *, small_base: int = 30, crosshair: str = "midpoint", urgency: pd.Series | None = None
) -> pd.DataFrame:
    """The priority matrix within each segment (`segments`: respondent_id → segment), with the
    rank of each need in its segment, so a reviewer sees which needs matter to whom."""
    parts = []
    for segment, members in segments.dropna().groupby(segments.dropna()):
        sub = survey.subset(members.index)
        if not len(sub.ratings):
            continue
        pm = priority_matrix(sub, crosshair=crosshair, small_base=small_base, urgency=urgency).table
        parts.append(pm.assign(segment=segment, n_segment=len(members), rank=np.arange(1, len(pm) + 1)))
    if not parts:
        return pd.DataFrame(columns=["segment", "item", "rank", "score", "quadrant"])
    return pd.concat(parts, ignore_index=True)


def summary_sentences(
    matrix: PriorityMatrix | None,
    backlog_table: pd.DataFrame,
    *,
    language: str,
    labels: Mapping[str, str],
    top_k: int = 3,
) -> list[str]:
    """Executive-summary sentences: the needs to act on now (when the survey has a priority
    matrix) and the top of the backlog."""
    from segkit.i18n import message

    sep = "、" if language == "zh" else ", "
    sentences = []
    if matrix is not None:
        act = matrix.table[matrix.table["quadrant"] == "act-now"]
        if len(act):
            names = sep.join(labels.get(i, i) for i in act["item"])
            sentences.append(message(language, "needs.summary.act_now", n=len(act), needs=names))
        else:
            sentences.append(message(language, "needs.summary.no_act_now"))
    top = backlog_table.head(top_k)
    sentences.append(message(language, "needs.summary.backlog_top", k=len(top), needs=sep.join(labels.get(i, i) for i in top["item"])))
    if matrix is not None and matrix.table["small_base"].any():
        sentences.append(message(language, "needs.summary.small_base", n=int(matrix.table["small_base"].sum()), base=matrix.small_base))
    return sentences


#: Customer columns that may describe respondents in a report (never names, phones or e-mails).
PROFILE_COLUMNS = ("customer_type", "province", "industry", "age_band", "gender")


def respondent_profile(
    survey: Survey,
    customers: pd.DataFrame | None = None,
    *,
    context: Mapping[str, pd.Series] | None = None,
    measure: str = "satisfaction",
    columns: Sequence[str] = PROFILE_COLUMNS,
) -> pd.DataFrame:
    """One row per respondent: survey scores, customer attributes (only `columns`, so personal
    data never reach a report), any `context` Series keyed by customer id (value segment,
    lifecycle stage, ...) and the respondent's `measure` rating of every need (columns = item ids)."""
    profile = survey.respondents.drop(columns=[c for c in ("name", "phone", "email") if c in survey.respondents])
    if customers is not None:
        keep = [c for c in columns if c in customers.columns]
        attributes = customers.drop_duplicates("customer_id").set_index("customer_id")[keep]
        profile = profile.join(attributes, on="customer_id")
    for name, series in (context or {}).items():
        profile = profile.assign(**{name: profile["customer_id"].map(series)})
    ratings = survey.wide(measure)
    return profile.join(ratings, on="respondent_id")
