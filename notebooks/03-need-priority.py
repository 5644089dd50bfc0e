# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
prepared_dir: str = ""  # the run's prepared data (segkit run sets it); empty = the demo
survey_path: str = "../data/raw/demo/survey.csv"  # required: survey, wide (a row per respondent) or long
needs_path: str = "../data/raw/demo/needs.yaml"  # required: need catalogue (YAML)
risk_path: str = "../data/raw/demo/risk.csv"  # risk questionnaire answers; empty: no audit
holdings_path: str = "../data/raw/demo/holdings.csv"  # holdings with product risk levels
complaints_path: str = "../data/raw/demo/complaints.csv"  # complaint texts with severity; empty: none
language: str = "en"  # en | zh
run_id: str = ""  # set by segkit run
small_base: int = 30  # results on fewer answers are flagged
top_k: int = 5  # backlog stability: share of resamples in the top k
seed: int = 0  # bootstrap seed
pseudonymize_ids: bool = False  # per-customer tables show keyed-hash ids instead of customer ids

# %% tags=["remove-cell"]
from pathlib import Path

import pandas as pd

from segkit.needs import complaints, importance, kano, priority, suitability
from segkit.needs import importance_performance as needs_ipa
from segkit.needs import net_promoter as nps
from segkit.needs import ranking as needs_backlog
from segkit.needs import segments as needs_segments
from segkit.pipeline.prepare import prepared
from segkit.reporting import needs_charts as plots
from segkit.reporting import needs_text
from segkit.reporting.formats import fmt_int
from segkit.reporting.i18n import catalogue as catalog
from segkit.reporting.names import segment_labels, segment_names, stage_names
from segkit.reporting.report import Report
from segkit.survey import read

R = Report(language, pseudonymize_ids=pseudonymize_ids)
words = catalog(language)


def show(frame, formats=None, max_rows=20):
    """A table with headers from the needs catalogue."""
    labels = {c: f"needs.col.{c}" for c in frame.columns if f"needs.col.{c}" in words}
    R.table(frame, labels=labels, formats=formats, max_rows=max_rows)


def names(group, keys):
    return {k: R.t(f"needs.{group}.{k}") for k in keys}


def value_names(group, values):
    """Catalogue names for data values (categories, customer types), the value itself when absent."""
    return {v: R.label(f"needs.{group}.{v}") if f"needs.{group}.{v}" in words else v for v in values}


# %% tags=["remove-cell"]
run = prepared(prepared_dir)  # what segkit run prepared once: the survey, and the same segments and stages as the value report
S = run.survey
catalogue = S.catalogue
has = set(S.measures())
has_kano = S.kano.dropna(subset=["functional", "dysfunctional"]).shape[0] > 0
has_nps = "nps" in S.respondents and S.respondents["nps"].notna().any()
L = catalogue.labels(language)
# Without transactions (or customers) the survey still gets every survey-only section; the
# per-segment views need customer ids that link respondents to buyers.
attributes = run.optional("attributes")
customers = attributes if attributes is not None else pd.DataFrame({"customer_id": pd.Series(dtype="str")})
segment_of = stage_of = pd.Series(dtype="str")
n_customers = S.n
if run.has("transactions"):
    value_map = run.segmentation.maps["eight_class"]
    segment_of = pd.Series(segment_labels(value_map, language).to_numpy(), index=value_map.table["customer_id"].to_numpy())
    stages = run.lifecycle.table
    stage_of = stages["stage"].map(stage_names(language))
    stage_of.index = stages["customer_id"].to_numpy()
    n_customers = len(run.customer_table)
respondent_segment = needs_segments.respondent_segments(S.respondents, segment_of)
if run.has("transactions"):  # segments in value order (重要价值客户 first), not alphabetically
    respondent_segment = respondent_segment.astype(pd.CategoricalDtype(list(segment_names(value_map, language).values())))
customer_type = customers.set_index("customer_id")["customer_type"] if "customer_type" in customers else pd.Series(dtype="str")
customer_type = customer_type.map(value_names("values", customer_type.dropna().unique()))
respondent_type = needs_segments.respondent_segments(S.respondents, customer_type)
groupings = [g for g in (respondent_segment, respondent_type) if g.notna().any()]

dictionary = complaints.load_dictionary()
complaint_rows = run.optional("complaints")
urgency_from_complaints = None
if complaint_rows is not None:
    urgency_from_complaints = complaints.need_urgency(
        complaint_rows, dictionary=dictionary, items=catalogue.ids, n_customers=n_customers
    ).set_index("item")

complaint_urgency = urgency_from_complaints["index"] if urgency_from_complaints is not None else None
scale_urgency = urgency_from_complaints["urgency"] if urgency_from_complaints is not None else None
has_priority = "importance" in has and ("urgency" in has or scale_urgency is not None)
matrix = priority.priority_matrix(S, small_base=small_base, urgency=scale_urgency) if has_priority else None
paired = {"importance", "satisfaction"} <= has
gaps = priority.gap_analysis(S, small_base=small_base) if paired else None
opportunity = priority.opportunity_scores(S, small_base=small_base) if paired else None
ipa = needs_ipa.ipa(S, model="data") if paired else None
classified = kano.classify_survey(S.kano.dropna(subset=["functional", "dysfunctional"]))
kano_table = kano.kano_table(classified, items=catalogue.ids, seed=seed) if has_kano else None
has_derived = "satisfaction" in has and "overall_satisfaction" in S.respondents
derived, weights = importance.derived_importance(S, n_boot=200, seed=seed) if has_derived else (None, None)
backlog = needs_backlog.prioritise(S, complaint_urgency=complaint_urgency)
stability = needs_backlog.backlog_stability(S, top_k=top_k, n_boot=100, seed=seed, complaint_urgency=complaint_urgency)
overall_nps = nps.nps(S.respondents["nps"], small_base=small_base) if has_nps else None

# %% tags=["hide-input"]
R.heading("needs.title", level=1)
R.text("needs.intro", n=S.n, items=len(catalogue.ids))
sep = "、" if language == "zh" else ", "
sentences = needs_text.summary_sentences(matrix, backlog.table, language=language, labels=L)
if kano_table is not None:
    by_class = kano_table.groupby("category")["item"].apply(lambda s: sep.join(L[i] for i in s))
    sentences.append(R.t("needs.summary.kano", must=by_class.get("M", "–"), attractive=by_class.get("A", "–")))
if overall_nps is not None:
    sentences.append(R.t("needs.summary.nps", nps=f"{overall_nps.nps:.1f}", low=f"{overall_nps.ci_low:.1f}",
                         high=f"{overall_nps.ci_high:.1f}", n=fmt_int(overall_nps.n)))
    R.key_number("nps", overall_nps.nps, label="needs.col.nps", fmt="float")
R.summary(sentences)
R.key_number("respondents", S.n, label="needs.col.n")
small = int((read.base_sizes(S).set_index("item").drop(columns="kano", errors="ignore").min(axis=1) < small_base).sum())
if small:
    R.warn(R.t("needs.small_base_warning", n=small, base=small_base))

# %% tags=["hide-input"]
R.heading("needs.sections.catalogue")
R.how_to_read("needs.how.catalogue")
tags = catalogue.items.assign(
    label=catalogue.items["item"].map(L),
    category=catalogue.items["category"].map(value_names("category", catalogue.items["category"])),
    **{t: catalogue.items[t].map(names("tags", catalogue.items[t].unique())) for t in ("functional", "level", "role", "horizon")},
)
show(tags[["item", "label", "functional", "level", "role", "horizon", "category"]].rename(columns={"item": "id", "level": "level_tag"}))
R.heading("needs.sections.bases", level=3)
R.how_to_read("needs.how.bases")
show(read.base_sizes(S).assign(label=lambda f: f["item"].map(L)).rename(columns={"item": "id"}))

# %% tags=["hide-input"]
R.heading("needs.sections.priority")
if matrix is None:
    R.text("needs.no_data", what=R.t("needs.col.importance") + " × " + R.t("needs.col.urgency"))
else:
    R.how_to_read("needs.how.priority", crosshair=R.t(f"needs.crosshair.{matrix.crosshair}"))
    R.figure(plots.priority_chart(matrix.table, importance_line=matrix.importance_line, urgency_line=matrix.urgency_line,
                                  labels=L, x_label=R.t("needs.chart.importance"), y_label=R.t("needs.chart.urgency"),
                                  quadrant_names=names("quadrant", priority.QUADRANTS)))
    show(matrix.table.assign(item=matrix.table["item"].map(L), quadrant=matrix.table["quadrant"].map(names("quadrant", priority.QUADRANTS)))
         [["item", "n_importance", "importance", "urgency", "score", "quadrant", "share_important", "small_base"]]
         .rename(columns={"n_importance": "n"}), formats={"share_important": "pct"})

# %% tags=["hide-input"]
R.heading("needs.sections.gap")
if gaps is None:
    R.text("needs.no_data", what=R.t("needs.col.importance") + " / " + R.t("needs.col.satisfaction"))
else:
    R.how_to_read("needs.how.gap")
    show(gaps.assign(item=gaps["item"].map(L))[["item", "n", "importance", "satisfaction", "gap", "ci_low", "ci_high", "p_adjusted", "small_base"]])

# %% tags=["hide-input"]
R.heading("needs.sections.opportunity")
if opportunity is None:
    R.text("needs.no_data", what=R.t("needs.col.importance") + " / " + R.t("needs.col.satisfaction"))
else:
    R.how_to_read("needs.how.opportunity")
    R.figure(plots.bar_chart(opportunity.set_index("item")["opportunity"], labels=L, x_label=R.t("needs.chart.opportunity"), reference=10))
    show(opportunity.assign(item=opportunity["item"].map(L), status=opportunity["status"].map(names("status", ("underserved", "overserved", "served"))))
         [["item", "n", "importance", "satisfaction", "opportunity", "status"]])

# %% tags=["hide-input"]
R.heading("needs.sections.ipa")
if ipa is None:
    R.text("needs.no_data", what=R.t("needs.col.importance") + " / " + R.t("needs.col.satisfaction"))
else:
    R.how_to_read("needs.how.ipa", model=R.t(f"needs.ipa_model.{ipa.model}"))
    R.figure(plots.ipa_chart(ipa.table, importance_line=ipa.importance_line, performance_line=ipa.performance_line, model=ipa.model,
                             labels=L, x_label=R.t("needs.chart.performance"), y_label=R.t("needs.chart.importance"),
                             quadrant_names=names("ipa_quadrant", needs_ipa.IPA_QUADRANTS)))
    show(ipa.table.assign(item=ipa.table["item"].map(L), quadrant=ipa.table["quadrant"].map(names("ipa_quadrant", needs_ipa.IPA_QUADRANTS)))
         [["item", "importance", "performance", "quadrant"]])

# %% tags=["hide-input"]
R.heading("needs.sections.kano")
if kano_table is None:
    R.text("needs.no_data", what=R.t("needs.col.kano"))
else:
    R.how_to_read("needs.how.kano", table=R.t("needs.kano_table.classic"))
    R.figure(plots.better_worse_chart(kano_table, labels=L, x_label=R.t("needs.chart.worse"), y_label=R.t("needs.chart.better"),
                                      class_names=names("kano_class", kano.CLASSES)))
    show(kano_table.assign(item=kano_table["item"].map(L), category=kano_table["category"].map(names("kano_class", kano.CLASSES)),
                           seed_class=kano_table["seed_class"].map(names("seed_class", kano.SEED_CLASS.values())))
         [["item", "n", "A", "O", "M", "I", "R", "Q", "category", "seed_class", "category_strength", "total_strength",
           "fong_significant", "better", "worse"]], formats={"category_strength": "pct", "total_strength": "pct"})
    continuous = kano.continuous_kano(S.kano)
    _, q_by_item = kano.questionable_rates(classified)
    show(continuous.merge(q_by_item[["item", "rate"]], on="item").rename(columns={"rate": "questionable_rate"})
         .assign(item=lambda f: f["item"].map(L))[["item", "n", "functional_mean", "dysfunctional_mean", "questionable_rate"]],
         formats={"questionable_rate": "pct"})

# %% tags=["hide-input"]
R.heading("needs.sections.derived")
if derived is None:
    R.text("needs.no_data", what=R.t("needs.col.satisfaction"))
else:
    R.how_to_read("needs.how.derived", r2=f"{weights.r2:.2f}", n=weights.n)
    R.figure(plots.derived_vs_stated_chart(derived, labels=L, x_label=R.t("needs.chart.stated"), y_label=R.t("needs.chart.derived")))
    show(derived.assign(item=derived["item"].map(L))[["item", "stated", "raw", "ci_low", "ci_high", "rescaled", "rank_stated", "rank_derived"]],
         formats={"rescaled": "pct", "raw": "float", "ci_low": "float", "ci_high": "float"})

# %% tags=["hide-input"]
R.heading("needs.sections.nps")
if overall_nps is None:
    R.text("needs.no_data", what=R.t("needs.col.nps"))
else:
    R.how_to_read("needs.how.nps")
    show(pd.DataFrame([overall_nps.as_dict()])[["n", "promoters", "detractors", "nps", "ci_low", "ci_high"]])
    R.heading("needs.sections.nps_segment", level=3)
    R.how_to_read("needs.how.nps_segment")
    for grouping in groupings:
        by_group = nps.nps_by_group(S.respondents["nps"], grouping.reindex(S.respondents["respondent_id"]), small_base=small_base)
        R.figure(plots.interval_chart(by_group, value_col="nps", label_col="group", x_label=R.t("needs.chart.nps")))
        show(by_group.rename(columns={"group": "segment"})[["segment", "n", "nps", "ci_low", "ci_high", "p_adjusted", "small_base"]])

# %% tags=["hide-input"]
R.heading("needs.sections.extremes")
if not ("overall_satisfaction" in S.respondents and has_nps):
    R.text("needs.no_data", what=R.t("needs.col.satisfaction"))
else:
    R.how_to_read("needs.how.extremes", share="20%")
    profile = needs_segments.respondent_profile(S, customers.assign(customer_type=customers["customer_id"].map(customer_type)),
                                       context={"segment": segment_of, "stage": stage_of})
    features = [f for f in ["customer_type", "age_band", "gender", "province", "segment", "stage", *catalogue.ids]
                if f in profile and profile[f].notna().any()]
    extremes = nps.satisfaction_extremes(profile, score_col="overall_satisfaction", tiebreak_col="nps", features=features, seed=seed)
    feature_names = {**{f: R.t(f"needs.features.{f}") for f in features if f not in catalogue.ids},
                     **{i: f"{R.t('needs.col.satisfaction')} · {L[i]}" for i in catalogue.ids}}
    for sentence in needs_text.extremes_sentences(extremes, language=language, labels=feature_names):
        R.text("needs.sentence", s=sentence)
    show(extremes.differences.assign(feature=extremes.differences["feature"].map(feature_names))
         [["feature", "level", "top", "bottom", "smd", "q"]], max_rows=15)

# %% tags=["hide-input"]
R.heading("needs.sections.segments")
R.how_to_read("needs.how.segments")
if not groupings:
    R.text("needs.no_data", what=R.t("needs.sections.segments"))
if kano_table is not None and respondent_segment.notna().any():
    mix, kano_tests = kano.category_mix(classified, respondent_segment)
    differing = kano_tests.loc[kano_tests["p_adjusted"] < 0.05, "item"].map(L).tolist()
    R.text("needs.segment_kano.differ" if differing else "needs.segment_kano.same", needs=sep.join(differing))
    show(mix.rename(columns=names("kano_class", kano.CLASSES)), formats={v: "pct" for v in names("kano_class", kano.CLASSES).values()})
    show(kano_tests.assign(item=kano_tests["item"].map(L))[["item", "respondents", "chi2", "dof", "p_adjusted"]],
         formats={"chi2": "float"})
for grouping in groupings[::-1] if matrix is not None else ():
    R.text("needs.rank_by", by=R.t("needs.features.segment" if grouping is respondent_segment else "needs.features.customer_type"))
    by_segment = needs_segments.priority_by_segment(S, grouping, small_base=small_base, urgency=scale_urgency)
    ranks = by_segment.assign(item=by_segment["item"].map(L)).pivot(index="item", columns="segment", values="rank")
    show(ranks.astype("Int64").reset_index().rename_axis(columns=None), max_rows=len(catalogue.ids))
unlinked = int(respondent_segment.isna().sum())
if unlinked and groupings:
    R.warn(R.t("needs.unlinked", n=unlinked))

# %% tags=["hide-input"]
R.heading("needs.sections.complaints")
if complaint_rows is None:
    R.text("needs.no_data", what=R.t("needs.sections.complaints"))
else:
    R.how_to_read("needs.how.complaints")
    cat_names = {**dictionary.labels(language), complaints.OTHER: complaints.OTHER}
    summary = complaints.complaint_summary(complaint_rows, dictionary=dictionary)
    R.figure(plots.bar_chart(summary.set_index("category")["complaints"], labels=cat_names, x_label=R.t("needs.chart.complaints")))
    show(summary.assign(category=summary["category"].map(cat_names)), formats={"share": "pct"})
    if "customer_id" in complaint_rows and customer_type.notna().any():
        typed = complaint_rows.assign(segment=complaint_rows["customer_id"].map(customer_type))
        by_type = complaints.complaint_summary(typed, dictionary=dictionary, segment_col="segment")
        show(by_type.assign(category=by_type["category"].map(cat_names)), formats={"share": "pct"})
    show(urgency_from_complaints.reset_index().assign(item=lambda f: f["item"].map(L))
         [["item", "complaints", "mean_severity", "urgency"]].rename(columns={"urgency": "complaint_urgency"}))

# %% tags=["hide-input"]
R.heading("needs.sections.suitability")
risk_answers, holdings = run.optional("risk"), run.optional("holdings")
if risk_answers is None or holdings is None:
    R.text("needs.no_data", what=R.t("needs.sections.suitability"))
else:
    R.how_to_read("needs.how.suitability")
    risk = suitability.score_risk(risk_answers, scoring=suitability.load_scoring(), source=Path(run.inputs["risk"]).name)
    audit = suitability.audit_holdings(holdings, risk, segments=segment_of)
    R.text("needs.summary.suitability", violations=fmt_int(len(audit.violations)), holdings=fmt_int(audit.n_holdings))
    # Product risk R1..R5 against customer level C1..C5 (the usual labels), so a reader can compare them.
    product_names = holdings.drop_duplicates("product_id").set_index("product_id")["product_name"] if "product_name" in holdings else None
    by_product = audit.by_product.assign(product_risk="R" + audit.by_product["product_risk"].astype(int).astype(str))
    if product_names is not None:
        by_product = by_product.assign(product_id=by_product["product_id"] + " " + by_product["product_id"].map(product_names).fillna(""))
    show(by_product[["product_id", "product_risk", "holders", "violations"]])
    if audit.by_segment["segment"].notna().any():
        show(audit.by_segment[["segment", "holdings", "violations", "share"]], formats={"share": "pct"})
    level_names = names("risk_level", suitability.LEVEL_NAMES)
    show(audit.violations.assign(
        product_risk="R" + audit.violations["product_risk"].astype(int).astype(str),
        risk_level="C" + audit.violations["risk_level"].astype(int).astype(str) + " " + audit.violations["risk_name"].map(level_names),
    )[["customer_id", "product_id", "product_risk", "risk_level"]], max_rows=10)

# %% tags=["hide-input"]
R.heading("needs.sections.backlog")
component_names = {"priority_score": "score", "gap": "gap", "opportunity": "opportunity", "kano": "kano_class",
                   "complaint_urgency": "complaint_urgency"}
R.how_to_read("needs.how.backlog", n_boot=100, k=top_k,
              weights=", ".join(f"{R.t('needs.col.' + component_names[k])} {v:.0%}" for k, v in backlog.weights.items()))
table = backlog.table.merge(stability[["item", "top_k_share"]], on="item").assign(item=lambda f: f["item"].map(L))
if "kano_class" in table:
    table = table.assign(kano_class=table["kano_class"].map(names("kano_class", kano.CLASSES)))
if "quadrant" in table:
    table = table.assign(quadrant=table["quadrant"].map(names("quadrant", priority.QUADRANTS)))
columns = ["rank", "item", "backlog_score", "priority_score", "gap", "opportunity", "kano_class", "quadrant", "top_k_share"]
show(table[[c for c in columns if c in table]].rename(columns={"priority_score": "score"}), formats={"top_k_share": "pct", "rank": "int"})

# %% tags=["hide-input"]
R.provenance(
    {"language": language, "as_of": run.settings["as_of"] or "", "run_id": run_id, "small_base": small_base, "top_k": top_k,
     "seed": seed, "engine": run.settings["engine"] or "", "pseudonymize_ids": pseudonymize_ids},
    {"survey": survey_path, "needs": needs_path, "complaints": complaints_path, "risk": risk_path, "holdings": holdings_path,
     **{k: v for k, v in run.inputs.items() if k in ("transactions", "customers")}},
)
