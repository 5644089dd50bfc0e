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
#     display_name: Python 3 (segkit)
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
transactions_path: str = "../data/raw/demo/transactions.csv"  # required: transaction file (CSV, Excel, Parquet)
preset: str = "demo"                                           # column preset; empty when mapping_path is given
mapping_path: str = ""                                         # YAML column mapping instead of a preset
encoding: str = ""                                             # text encoding; empty = detect
customers_path: str = "../data/raw/demo/customers.csv"        # customer file for regions; empty = none
language: str = "en"                                           # report language: en | zh
as_of: str = ""                                                # YYYY-MM-DD; empty = day after the last purchase
run_id: str = "dev"                                            # names the processed-data folder
processed_dir: str = "../data/processed/dev"                   # where the clean Parquet goes
cleaning_options: dict = {}                                    # segkit.prep.CleaningOptions overrides

# %% tags=["remove-cell"]
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from segkit.core import files, privacy
from segkit.intake import customers as intake_customers
from segkit.intake import transactions
from segkit.prep import aggregate as engine
from segkit.prep import cleaning
from segkit.reporting.formats import fmt_date, fmt_int, fmt_money, fmt_pct
from segkit.reporting.report import Report

R = Report(language)

# %% tags=["remove-cell"]
raw = transactions.load_transactions(transactions_path, preset=preset or None, mapping=mapping_path or None, encoding=encoding or None)
result = cleaning.clean_transactions(raw, cleaning_options)
clean = result.clean
orders = engine.order_table(clean)
customers = engine.customer_table(clean)
audit = result.audit.assign(share=result.audit["rows_removed"] / result.raw_rows)
removed = audit.loc[audit["rows_removed"] > 0].sort_values("rows_removed", ascending=False)
reference = pd.Timestamp(as_of) if as_of else (clean["order_date"].max() + pd.Timedelta(days=1)).normalize()
months = pd.period_range(clean["order_date"].min(), clean["order_date"].max(), freq="M")
per_month = orders.groupby(orders["order_date"].dt.to_period("M")).size().reindex(months, fill_value=0)
clean_file = files.write_parquet_atomic(clean, Path(processed_dir) / "transactions_clean.parquet")
audit_file = cleaning.write_audit_json(result, Path(processed_dir) / "cleaning_audit.json")

# %% tags=["remove-cell"]
# Region of each buying customer: from the transactions when they carry one, else from the customer file.
region_source = next((c for c in ("region", "country") if c in clean.columns), None)
known_customers = privacy.drop_pii(intake_customers.load_customers(customers_path)) if customers_path else None
if region_source:
    regions = clean.groupby("customer_id")[region_source].first()
elif known_customers is not None and (column := next((c for c in ("region", "province", "country") if c in known_customers.columns), None)):
    regions = known_customers.set_index("customer_id")[column].reindex(customers["customer_id"])
else:
    regions = None
if regions is not None:
    by_region = (regions.fillna(R.t("quality.region.unknown")).value_counts().rename_axis("region").reset_index(name="customers")
                 .assign(share=lambda t: t["customers"] / t["customers"].sum()))

# %% tags=["hide-input"]
R.heading("quality.title", level=1)
R.text("quality.intro")
summary = [
    R.t("quality.summary.rows", file=Path(transactions_path).name, raw=fmt_int(result.raw_rows),
        kept=fmt_int(result.kept_rows), share=fmt_pct(result.kept_rows / result.raw_rows)),
    R.t("quality.summary.removed", removed=fmt_int(result.raw_rows - result.kept_rows),
        revenue=fmt_money(result.raw_revenue - result.kept_revenue),
        rule=R.t(f"quality.rules.{removed['rule'].iloc[0]}"), rule_rows=fmt_int(removed["rows_removed"].iloc[0]))
    if len(removed) else R.t("quality.summary.nothing_removed"),
    R.t("quality.summary.coverage", first=fmt_date(clean["order_date"].min()), last=fmt_date(clean["order_date"].max()),
        months=fmt_int(len(months)), gaps=fmt_int((per_month == 0).sum())),
    R.t("quality.summary.orders", customers=fmt_int(len(customers)), orders=fmt_int(len(orders)),
        revenue=fmt_money(result.kept_revenue), median=fmt_money(orders["amount"].median())),
]
if regions is not None:
    summary.append(R.t("quality.summary.region", region=by_region["region"].iloc[0], share=fmt_pct(by_region["share"].iloc[0])))
if known_customers is not None:
    never = (~known_customers["customer_id"].isin(customers["customer_id"])).sum()
    summary.append(R.t("quality.summary.never_bought", count=fmt_int(never), share=fmt_pct(never / len(known_customers))))
R.summary(summary)
R.data_quality(result.audit, result.raw_rows, result.kept_rows)

# %% tags=["remove-cell"]
R.key_number("rows_in", result.raw_rows, label="quality.keys.rows_in")
R.key_number("rows_used", result.kept_rows, label="quality.keys.rows_used")
R.key_number("customers", len(customers), label="quality.keys.customers")
R.key_number("orders", len(orders), label="quality.keys.orders")
R.key_number("revenue", result.kept_revenue, label="quality.keys.revenue", fmt="money")
R.key_number("first_date", clean["order_date"].min(), label="quality.keys.first_date", fmt="date")
R.key_number("last_date", clean["order_date"].max(), label="quality.keys.last_date", fmt="date")

# %% tags=["hide-input"]
R.heading("quality.audit.title")
R.how_to_read("quality.audit.how")
if len(removed):
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(removed) + 1.2))
    sns.barplot(x=removed["rows_removed"], y=[R.t(f"quality.rules.{r}") for r in removed["rule"]], color="#2f6690", ax=ax)
    ax.set(title=R.t("quality.audit.chart_title"), xlabel=R.t("quality.audit.chart_x"), ylabel="")
    R.figure(fig)
R.table(audit.loc[audit["enabled"], ["rule", "rows_removed", "share", "revenue_removed"]]
        .assign(rule=lambda t: [R.t(f"quality.rules.{r}") for r in t["rule"]]),
        formats={"rows_removed": "int", "share": "pct", "revenue_removed": "money"},
        labels={"rule": "core.quality.rule", "rows_removed": "core.quality.rows_removed",
                "share": "quality.audit.share", "revenue_removed": "core.quality.revenue_removed"})

# %% tags=["hide-input"]
R.heading("quality.missing.title")
R.how_to_read("quality.missing.how")
missing = (raw.isna().sum().rename_axis("column").reset_index(name="missing")
           .assign(share=lambda t: t["missing"] / len(raw), column=lambda t: [R.label(f"core.columns.{c}") for c in t["column"]]))
if missing["missing"].any():
    R.table(missing.loc[missing["missing"] > 0].sort_values("missing", ascending=False),
            formats={"missing": "int", "share": "pct"},
            labels={"column": "quality.missing.column", "missing": "quality.missing.missing", "share": "quality.missing.share"})
else:
    R.text("quality.missing.none")

# %% tags=["hide-input"]
R.heading("quality.coverage.title")
R.how_to_read("quality.coverage.how")
R.table(pd.DataFrame({
    "item": [R.t(f"quality.coverage.{k}") for k in ("first", "last", "as_of", "months", "gaps")],
    "value": [fmt_date(clean["order_date"].min()), fmt_date(clean["order_date"].max()), fmt_date(reference),
              fmt_int(len(months)), fmt_int((per_month == 0).sum())],
}), labels={"item": "quality.coverage.item", "value": "quality.coverage.value"})

# %% tags=["hide-input"]
R.heading("quality.monthly.title")
R.how_to_read("quality.monthly.how")
fig, ax = plt.subplots(figsize=(9, 4))
sns.barplot(x=per_month.index.strftime("%Y-%m"), y=per_month.to_numpy(), color="#2f6690", ax=ax)
ax.set(title=R.t("quality.monthly.chart_title"), xlabel=R.t("quality.monthly.chart_x"), ylabel=R.t("quality.monthly.chart_y"))
ax.tick_params(axis="x", labelrotation=90)
R.figure(fig)

# %% tags=["hide-input"]
R.heading("quality.value.title")
R.how_to_read("quality.value.how")
positive = orders.loc[orders["amount"] > 0, "amount"]
fig, ax = plt.subplots()
sns.histplot(positive, log_scale=True, bins=40, color="#2f6690", ax=ax)
ax.axvline(positive.median(), color="#b44d12", linestyle="--", label=R.t("quality.value.median"))
ax.set(title=R.t("quality.value.chart_title"), xlabel=R.t("quality.value.chart_x"), ylabel=R.t("quality.value.chart_y"))
ax.legend()
R.figure(fig)
quantiles = {"p10": 0.10, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p90": 0.90, "p99": 0.99}
R.table(pd.DataFrame({
    "statistic": [R.t(f"quality.value.{k}") for k in (*quantiles, "mean")],
    "value": [*orders["amount"].quantile(list(quantiles.values())), orders["amount"].mean()],
}), formats={"value": "money"}, labels={"statistic": "quality.value.statistic", "value": "quality.value.value"})
largest = orders.nlargest(5, "amount")
R.heading("quality.value.largest_title", level=3)
R.text("quality.value.largest_on" if result.outlier_threshold is not None else "quality.value.largest_off",
       share=fmt_pct(largest["amount"].sum() / result.kept_revenue), cap=fmt_int(result.outlier_threshold))
R.table(largest.assign(share=largest["amount"] / result.kept_revenue)[["order_id", "order_date", "items", "amount", "share"]],
        formats={"order_date": "date", "items": "int", "amount": "money", "share": "pct"},
        labels={"order_id": "quality.value.order_id", "order_date": "quality.value.order_date", "items": "quality.value.items",
                "amount": "quality.value.value", "share": "quality.value.share"})

# %% tags=["hide-input"]
R.heading("quality.region.title")
if regions is None:
    R.text("quality.region.none")
else:
    R.how_to_read("quality.region.how")
    top = by_region.head(15)
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(top) + 1.2))
    sns.barplot(data=top, x="customers", y="region", color="#2f6690", ax=ax)
    ax.set(title=R.t("quality.region.chart_title", n=len(top)), xlabel=R.t("quality.region.chart_x"), ylabel=R.t("quality.region.chart_y"))
    R.figure(fig)
    R.table(by_region, formats={"customers": "int", "share": "pct"}, max_rows=15)

# %% tags=["hide-input"]
R.heading("quality.output.title")
R.text("quality.output.text", file=clean_file.name, rows=fmt_int(len(clean)))
R.provenance(
    {"run_id": run_id, "language": language, "preset": preset, "mapping_path": mapping_path, "encoding": encoding,
     "as_of": as_of or fmt_date(reference), "cleaning_options": cleaning_options},
    {"transactions": transactions_path, "mapping": mapping_path, "customers": customers_path},
)
