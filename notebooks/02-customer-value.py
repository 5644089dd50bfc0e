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
prepared_dir: str = ""                                         # the run's prepared data (segkit run sets it); empty = the demo
language: str = "en"                                           # report language: en | zh
run_id: str = "dev"                                            # set by segkit run
processed_dir: str = "../data/processed/dev"                   # where customer_segments.parquet/.csv go
pseudonymize_ids: bool = False                                 # replace customer ids in the export by keyed hashes

# %% tags=["remove-cell"]

import pandas as pd

from segkit.pipeline.prepare import prepared
from segkit.reporting import value_charts as plots
from segkit.reporting.formats import fmt_date, fmt_float, fmt_int, fmt_pct
from segkit.reporting.report import Report
from segkit.reporting.theme import set_theme
from segkit.value import export, rfm
from segkit.value import profiles as value_profiles
from segkit.value import retention as value_retention
from segkit.value import strategy as playbook

R = Report(language, pseudonymize_ids=pseudonymize_ids)
set_theme(language)
L = {k: R.t(f"value.metrics.{k}") for k in (
    "recency", "frequency", "monetary", "r_score", "f_score", "m_score", "mean_monetary", "customers",
    "customer_share", "revenue_share", "customer_share_axis", "revenue_share_axis", "equality", "lorenz",
    "cohort", "months_since_first", "before", "after", "pareto_point", "gini")}
PROFILE_COLUMNS = ("region", "province", "country", "industry", "customer_type", "age_band", "gender")

# %% tags=["remove-cell"]
run = prepared(prepared_dir)  # what segkit run prepared once for every report (or the demo)
cleaned = run.audit
known = run.optional("attributes")
seg = run.segmentation
features = seg.features.table
life = run.lifecycle
migration_days = run.settings["migration_days"]
retention = value_retention.retention_by_period(run.visits)
cohorts = value_retention.cohort_retention(run.visits)
moved = run.migration()
summaries = {name: value_profiles.segment_summary(features, m) for name, m in seg.maps.items()}
attributes = (known if known is not None else features[["customer_id"]]).merge(
    run.line_attributes,
    on="customer_id", how="outer", suffixes=("_file", ""))
if "customer_type" in attributes:  # enterprise / individual in the report language
    attributes = attributes.assign(customer_type=attributes["customer_type"].map(
        lambda v: v if pd.isna(v) else R.label(f"core.values.{v}")))
profiles = [value_profiles.profile(seg.maps["rfm10"], attributes, c) for c in PROFILE_COLUMNS
            if c in attributes.columns and attributes[c].notna().any()]
crm = export.customer_segments(seg, life, language=language, pseudonymize_ids=pseudonymize_ids)
parquet_file, csv_file = export.write_customer_segments(crm, processed_dir)
buyers = life.table.loc[life.table["stage"] != "potential"]
churned_share = (buyers["stage"] == "churned").mean()
eight = summaries["eight_class"].set_index("key")
rfm10 = summaries["rfm10"].set_index("key")
largest = rfm10["customers"].idxmax()
moves = moved.moves.set_index("direction")["customers"]
refs = seg.maps["eight_class"].params["references"]
churn_rule = (R.t("value.churn_rule.given") if life.churn_quantile is None
              else R.t("value.churn_rule.data", quantile=f"{100 * life.churn_quantile:g}", gaps=fmt_int(life.gaps)))

# %% tags=["hide-input"]
R.heading("value.title", level=1)
R.text("value.intro", as_of=fmt_date(seg.features.as_of), customers=fmt_int(len(features)),
       first=fmt_date(features["first_purchase"].min()), last=fmt_date(features["last_purchase"].max()))
R.summary([
    R.t("value.summary.customers", customers=fmt_int(len(features)), first=fmt_date(features["first_purchase"].min()),
        last=fmt_date(features["last_purchase"].max()), as_of=fmt_date(seg.features.as_of)),
    R.t("value.pareto_sentence", customers=f"{100 * seg.tiers.customer_share_at_cut:.1f}", revenue=f"{100 * seg.tiers.cuts[0]:.0f}"),
    R.t("value.summary.gini", gini=fmt_float(seg.tiers.gini)),
    R.t("value.summary.top_segment", segment=rfm10.loc[largest, language], share=fmt_pct(rfm10.loc[largest, "customer_share"]),
        revenue_share=fmt_pct(rfm10.loc[largest, "revenue_share"])),
    R.t("value.summary.important_value", share=fmt_pct(eight.loc["important_value", "customer_share"]),
        revenue_share=fmt_pct(eight.loc["important_value", "revenue_share"])),
    R.t("value.summary.churn", share=fmt_pct(churned_share), days=fmt_int(life.churn_days), rule=churn_rule),
    R.t("value.summary.migration", days=fmt_int(migration_days), up=fmt_int(moves["upgraded"]),
        down=fmt_int(moves["downgraded"]), new=fmt_int(moves["new"])),
])
R.data_quality(cleaned.audit, cleaned.raw_rows, cleaned.kept_rows)

# %% tags=["remove-cell"]
R.key_number("customers", len(features), label="value.keys.customers")
R.key_number("top_share", seg.tiers.customer_share_at_cut, label="value.keys.top_share", fmt="pct")
R.key_number("gini", seg.tiers.gini, label="value.keys.gini", fmt="float")
R.key_number("champions", rfm10.loc["champions", "customer_share"], label="value.keys.champions", fmt="pct")
R.key_number("important_value", eight.loc["important_value", "customer_share"], label="value.keys.important_value", fmt="pct")
R.key_number("churned", churned_share, label="value.keys.churned", fmt="pct")
R.key_number("churn_days", life.churn_days, label="value.keys.churn_days")

# %% tags=["hide-input"]
R.heading("value.sections.distributions")
R.how_to_read("value.how_to_read.distributions")
R.figure(plots.rfm_distributions(features, labels=L))
R.heading("value.sections.scores", level=3)
R.how_to_read("value.how_to_read.scores", bins=seg.scores.bins)
R.table(rfm.score_bands(seg.scores).assign(metric=lambda t: [L[m] for m in t["metric"]]),
        formats={"customers": "int", "min": "number", "max": "number"}, max_rows=3 * seg.scores.bins,
        labels={k: f"value.metrics.{k}" for k in ("metric", "score", "customers", "min", "max")})

# %% tags=["hide-input"]
R.heading("value.sections.heatmap")
R.how_to_read("value.how_to_read.heatmap")
R.figure(plots.rfm_heatmap(seg.scores.table, bins=seg.scores.bins, labels=L))

# %% tags=["remove-cell"]
SUMMARY_FORMATS = {"customers": "int", "customer_share": "pct", "revenue": "money", "revenue_share": "pct",
                   "average_order_value": "money", "median_recency": "number", "median_frequency": "number",
                   "median_monetary": "money"}
SUMMARY_LABELS = {k: f"value.metrics.{k}" for k in ("segment", *SUMMARY_FORMATS)}


def show_map(name: str) -> None:
    """Segment table of one map, with a warning for each empty segment."""
    summary = summaries[name]
    shown = summary[language]
    if "code" in seg.maps[name].segments:  # the 8-class codes (R F M, 1 = high) beside the names
        codes = dict(zip(seg.maps[name].segments["key"], seg.maps[name].segments["code"]))
        shown = summary["key"].map(codes).fillna("").str.cat(shown, sep=" ").str.strip()
    R.table(summary.assign(segment=shown)[["segment", *SUMMARY_FORMATS]], formats=SUMMARY_FORMATS,
            labels=SUMMARY_LABELS, max_rows=len(summary))
    names = dict(zip(seg.maps[name].segments["key"], seg.maps[name].segments[language]))
    for key in seg.maps[name].empty:
        R.warn(R.t("value.warnings.empty_segment", segment=names[key], map=R.t(f"value.maps.{name}")))


# %% tags=["hide-input"]
R.heading("value.sections.segments")
R.how_to_read("value.how_to_read.segments")
R.figure(plots.segment_shares(summaries["rfm10"], names=summaries["rfm10"][language], labels=L))
show_map("rfm10")

# %% tags=["hide-input"]
R.heading("value.sections.eight_class")
R.how_to_read("value.how_to_read.eight_class", reference=R.t(f"value.reference.{seg.maps['eight_class'].params['reference']}"),
              r_ref=fmt_float(refs["recency"], 1), f_ref=fmt_float(refs["frequency"], 2), m_ref=fmt_float(refs["monetary"]))
show_map("eight_class")

# %% tags=["hide-input"]
R.heading("value.sections.pareto")
R.how_to_read("value.how_to_read.pareto", a_cut=fmt_pct(seg.tiers.cuts[0]), b_share=fmt_pct(seg.tiers.cuts[1] - seg.tiers.cuts[0]))
R.text("value.pareto_sentence", customers=f"{100 * seg.tiers.customer_share_at_cut:.1f}", revenue=f"{100 * seg.tiers.cuts[0]:.0f}")
R.figure(plots.lorenz(seg.tiers.lorenz, cut=seg.tiers.cuts[0], customer_share_at_cut=seg.tiers.customer_share_at_cut,
                      gini=seg.tiers.gini, labels=L))
show_map("value_tier")

# %% tags=["hide-input"]
R.heading("value.sections.lifecycle")
R.how_to_read("value.how_to_read.lifecycle", churn=fmt_int(life.churn_days), rule=churn_rule,
              new=fmt_int(life.new_days), risk=fmt_int(life.at_risk_days))
R.figure(plots.stage_bars(life.sizes, names=life.sizes[language], labels=L))
buyer_share = life.sizes["customers"].where(life.sizes["key"] != "potential") / len(buyers)  # the summary's base
R.table(life.sizes.assign(stage=life.sizes[language], buyer_share=buyer_share)[["stage", "customers", "share", "buyer_share"]],
        formats={"customers": "int", "share": "pct", "buyer_share": "pct"},
        labels={"stage": "value.metrics.stage", "customers": "value.metrics.customers", "share": "value.metrics.customer_share",
                "buyer_share": "value.metrics.buyer_share"})
R.heading("value.sections.retention", level=3)
R.how_to_read("value.how_to_read.retention")
R.table(retention.tail(13), formats={"buyers": "int", "retained": "int", "new": "int", "retention_rate": "pct", "churn_rate": "pct"},
        labels={k: f"value.metrics.{k}" for k in ("period", "buyers", "retained", "new", "retention_rate", "churn_rate")})

# %% tags=["hide-input"]
R.heading("value.sections.cohorts")
R.how_to_read("value.how_to_read.cohorts")
R.figure(plots.cohort_heatmap(cohorts.pct, labels=L))

# %% tags=["hide-input"]
R.heading("value.sections.migration")
R.how_to_read("value.how_to_read.migration", days=fmt_int(migration_days),
              before=fmt_date(seg.features.as_of - pd.Timedelta(days=migration_days)))
names = dict(zip(moved.segments["key"], moved.segments[language]))
R.figure(plots.migration_heatmap(moved.pct, moved.counts, row_names=[names[k] for k in moved.counts.index],
                                 column_names=[names[k] for k in moved.counts.columns], labels=L))
R.table(moved.moves.assign(direction=[R.t(f"value.directions.{d}") for d in moved.moves["direction"]]),
        formats={"customers": "int", "revenue": "money"},
        labels={"direction": "value.metrics.direction", "customers": "value.metrics.customers", "revenue": "value.metrics.revenue"})

# %% tags=["hide-input"]
R.heading("value.sections.profiles")
if not profiles:
    R.text("value.warnings.no_attribute")
else:
    R.how_to_read("value.how_to_read.profiles")
    R.table(pd.DataFrame([{"attribute": R.t(f"value.attributes.{p.attribute}"), "n": p.n, "chi2": p.chi2, "dof": p.dof, "p_value": p.p_value,
                           "cramers_v": p.cramers_v, "low_expected": p.low_expected_share} for p in profiles]),
            formats={"n": "int", "chi2": "float", "dof": "int", "cramers_v": "float", "low_expected": "pct"},
            labels={k: f"value.metrics.{k}" for k in ("attribute", "n", "chi2", "dof", "p_value", "cramers_v", "low_expected")})
    rfm_names = dict(zip(seg.maps["rfm10"].segments["key"], seg.maps["rfm10"].segments[language]))
    for p in profiles:
        R.heading(f"value.attributes.{p.attribute}", level=3)
        R.table(p.row_pct.rename(index=rfm_names).rename_axis(R.t("value.metrics.segment")).reset_index(),
                formats={c: "pct" for c in p.row_pct.columns}, max_rows=len(p.row_pct))
        if p.low_expected_share > 0.2:
            R.warn(R.t("value.warnings.low_expected", attribute=R.t(f"value.attributes.{p.attribute}"),
                       share=fmt_pct(p.low_expected_share)))

# %% tags=["hide-input"]
R.heading("value.sections.playbook")
R.how_to_read("value.how_to_read.playbook")
for name in ("rfm10", "eight_class", "value_tier"):
    R.heading(f"value.maps.{name}", level=3)
    book = playbook.playbook(name, summaries[name], language)
    R.table(book.assign(segment=book[language])[["segment", "customers", "revenue_share", "actions", "kpi"]],
            formats={"customers": "int", "revenue_share": "pct", "actions": "text", "kpi": "text"},
            labels={k: f"value.metrics.{k}" for k in ("segment", "customers", "revenue_share", "actions", "kpi")},
            max_rows=len(book))
R.heading("value.maps.lifecycle", level=3)
book = playbook.playbook("lifecycle", life.sizes, language)
R.table(book.assign(segment=book[language])[["segment", "customers", "actions", "kpi"]],
        formats={"customers": "int", "actions": "text", "kpi": "text"},
        labels={k: f"value.metrics.{k}" for k in ("segment", "customers", "actions", "kpi")}, max_rows=len(book))

# %% tags=["hide-input"]
R.heading("value.sections.export")
R.how_to_read("value.how_to_read.export", parquet=parquet_file.name, csv=csv_file.name)
R.provenance(
    {"run_id": run_id, "language": language, "engine": run.settings["engine"],
     "as_of": fmt_date(seg.features.as_of), "cleaning_options": run.audit.options, "churn_days": life.churn_days,
     "churn_rule": life.churn_rule, "migration_days": migration_days, "pseudonymize_ids": pseudonymize_ids,
     "score_thresholds": {m: list(v) for m, v in seg.scores.thresholds.items()}, "tie_rule": seg.scores.tie_rule,
     "eight_class_references": refs, "tier_cuts": list(seg.tiers.cuts)},
    run.inputs,
)
