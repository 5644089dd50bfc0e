"""The sections of the data-quality report, rendered from one prepared run.

`QualityReport` asks `segkit.prep.quality` for tables and numbers and shows them with the
`Report` helpers; the notebook calls one method per section, between its prose.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from segkit.prep import quality
from segkit.reporting import quality_charts as charts
from segkit.reporting.formats import fmt_date, fmt_int, fmt_money, fmt_pct
from segkit.reporting.report import Report


class QualityReport:
    """Every section of the data-quality report for one prepared run (`segkit.pipeline.prepared.PreparedRun`)."""

    def __init__(self, report: Report, run: Any) -> None:
        self.R, self.run = report, run
        self.audit = run.audit
        self.orders, self.customers = run.orders, run.customer_table
        self.coverage = quality.coverage(self.orders, self.customers)
        self.known = run.optional("attributes")
        self.regions = quality.customers_by_region(self.customers["customer_id"], run.line_attributes, self.known)
        if self.regions is not None:
            self.regions = self.regions.assign(region=self.regions["region"].fillna(report.t("quality.region.unknown")))
        table = self.audit.audit.assign(share=self.audit.audit["rows_removed"] / self.audit.raw_rows)
        self.table = table
        self.removed = table.loc[table["rows_removed"] > 0].sort_values("rows_removed", ascending=False)

    def _rule(self, key: str) -> str:
        return self.R.t(f"quality.rules.{key}")

    def summary(self) -> None:
        R, a, c = self.R, self.audit, self.coverage
        R.heading("quality.title", level=1)
        R.text("quality.intro")
        removed = self.removed
        sentences = [
            R.t(
                "quality.summary.rows",
                file=Path(self.run.inputs["transactions"]).name,
                raw=fmt_int(a.raw_rows),
                kept=fmt_int(a.kept_rows),
                share=fmt_pct(a.kept_rows / a.raw_rows),
            ),
            R.t(
                "quality.summary.removed",
                removed=fmt_int(a.raw_rows - a.kept_rows),
                revenue=fmt_money(a.raw_revenue - a.kept_revenue),
                rule=self._rule(removed["rule"].iloc[0]),
                rule_rows=fmt_int(removed["rows_removed"].iloc[0]),
            )
            if len(removed)
            else R.t("quality.summary.nothing_removed"),
            R.t(
                "quality.summary.coverage",
                first=fmt_date(c.first),
                last=fmt_date(c.last),
                months=fmt_int(c.months),
                gaps=fmt_int(c.gap_months),
            ),
            R.t(
                "quality.summary.orders",
                customers=fmt_int(len(self.customers)),
                orders=fmt_int(len(self.orders)),
                revenue=fmt_money(a.kept_revenue),
                median=fmt_money(self.orders["amount"].median()),
            ),
        ]
        if self.regions is not None:
            sentences.append(
                R.t("quality.summary.region", region=self.regions["region"].iloc[0], share=fmt_pct(self.regions["share"].iloc[0]))
            )
        never = quality.never_bought(self.known, self.customers["customer_id"])
        if never is not None:
            sentences.append(R.t("quality.summary.never_bought", count=fmt_int(never[0]), share=fmt_pct(never[0] / never[1])))
        R.summary(sentences)
        R.data_quality(a.audit, a.raw_rows, a.kept_rows)

    def key_numbers(self) -> None:
        R, a, c = self.R, self.audit, self.coverage
        R.key_number("rows_in", a.raw_rows, label="quality.keys.rows_in")
        R.key_number("rows_used", a.kept_rows, label="quality.keys.rows_used")
        R.key_number("customers", len(self.customers), label="quality.keys.customers")
        R.key_number("orders", len(self.orders), label="quality.keys.orders")
        R.key_number("revenue", a.kept_revenue, label="quality.keys.revenue", fmt="money")
        R.key_number("first_date", c.first, label="quality.keys.first_date", fmt="date")
        R.key_number("last_date", c.last, label="quality.keys.last_date", fmt="date")

    def cleaning(self) -> None:
        R = self.R
        R.heading("quality.audit.title")
        R.how_to_read("quality.audit.how")
        if len(self.removed):
            R.figure(
                charts.removed_rows(
                    self.removed["rows_removed"].tolist(),
                    [self._rule(r) for r in self.removed["rule"]],
                    title=R.t("quality.audit.chart_title"),
                    x_label=R.t("quality.audit.chart_x"),
                )
            )
        shown = self.table.loc[self.table["enabled"], ["rule", "rows_removed", "share", "revenue_removed"]]
        R.table(
            shown.assign(rule=[self._rule(r) for r in shown["rule"]]),
            formats={"rows_removed": "int", "share": "pct", "revenue_removed": "money"},
            labels={
                "rule": "core.quality.rule",
                "rows_removed": "core.quality.rows_removed",
                "share": "quality.audit.share",
                "revenue_removed": "core.quality.revenue_removed",
            },
        )

    def missing(self) -> None:
        R = self.R
        R.heading("quality.missing.title")
        R.how_to_read("quality.missing.how")
        found = quality.missing_values(self.run.missing)
        if len(found):
            R.table(
                found.assign(column=[R.label(f"core.columns.{c}") for c in found["column"]]),
                formats={"missing": "int", "share": "pct"},
                labels={
                    "column": "quality.missing.column",
                    "missing": "quality.missing.missing",
                    "share": "quality.missing.share",
                },
            )
        else:
            R.text("quality.missing.none")

    def personal_data(self) -> None:
        """What the personal-data filter removed from the customer file (columns and counts, never values)."""
        R = self.R
        R.heading("quality.personal.title")
        R.how_to_read("quality.personal.how")
        if "customers" not in self.run.inputs:
            R.text("quality.personal.no_file")
            return
        found = pd.DataFrame(
            self.run.meta.get("privacy", {}).get("customers") or [], columns=["column", "rule", "action", "cells"]
        )
        if found.empty:
            R.text("quality.personal.none")
            return
        for rule in found.loc[found["action"] == "kept", "rule"]:
            R.warn(R.t("quality.personal.id_warning", rule=R.t(f"quality.personal.rules.{rule}")))
        R.table(
            found.assign(
                rule=[R.t(f"quality.personal.rules.{r}") for r in found["rule"]],
                action=[R.t(f"quality.personal.actions.{a}") for a in found["action"]],
            ),
            formats={"cells": "int"},
            labels={k: f"quality.personal.{k}" for k in ("column", "rule", "action", "cells")},
        )

    def coverage_table(self) -> None:
        R, c = self.R, self.coverage
        R.heading("quality.coverage.title")
        R.how_to_read("quality.coverage.how")
        R.table(
            pd.DataFrame(
                {
                    "item": [R.t(f"quality.coverage.{k}") for k in ("first", "last", "as_of", "months", "gaps")],
                    "value": [
                        fmt_date(c.first),
                        fmt_date(c.last),
                        fmt_date(self.run.as_of),
                        fmt_int(c.months),
                        fmt_int(c.gap_months),
                    ],
                }
            ),
            labels={"item": "quality.coverage.item", "value": "quality.coverage.value"},
        )

    def monthly(self) -> None:
        R = self.R
        R.heading("quality.monthly.title")
        R.how_to_read("quality.monthly.how")
        R.figure(
            charts.orders_per_month(
                self.coverage.per_month,
                title=R.t("quality.monthly.chart_title"),
                x_label=R.t("quality.monthly.chart_x"),
                y_label=R.t("quality.monthly.chart_y"),
            )
        )

    def order_values(self) -> None:
        R, a = self.R, self.audit
        R.heading("quality.value.title")
        R.how_to_read("quality.value.how")
        R.figure(
            charts.order_values(
                self.orders["amount"],
                title=R.t("quality.value.chart_title"),
                x_label=R.t("quality.value.chart_x"),
                y_label=R.t("quality.value.chart_y"),
                median_label=R.t("quality.value.median"),
            )
        )
        stats = quality.order_value_stats(self.orders)
        R.table(
            stats.assign(statistic=[R.t(f"quality.value.{k}") for k in stats["statistic"]]),
            formats={"value": "money"},
            labels={"statistic": "quality.value.statistic", "value": "quality.value.value"},
        )
        largest = quality.largest_orders(self.orders, a.kept_revenue)
        R.heading("quality.value.largest_title", level=3)
        R.text(
            "quality.value.largest_on" if a.outlier_threshold is not None else "quality.value.largest_off",
            share=fmt_pct(largest["amount"].sum() / a.kept_revenue),
            cap=fmt_int(a.outlier_threshold),
        )
        R.table(
            largest[["order_id", "order_date", "items", "amount", "share"]],
            formats={"order_date": "date", "items": "int", "amount": "money", "share": "pct"},
            labels={
                "order_id": "quality.value.order_id",
                "order_date": "quality.value.order_date",
                "items": "quality.value.items",
                "amount": "quality.value.value",
                "share": "quality.value.share",
            },
        )

    def regions_section(self) -> None:
        R = self.R
        R.heading("quality.region.title")
        if self.regions is None:
            R.text("quality.region.none")
            return
        R.how_to_read("quality.region.how")
        top = self.regions.head(15)
        R.figure(
            charts.customers_by_region(
                top,
                title=R.t("quality.region.chart_title", n=len(top)),
                x_label=R.t("quality.region.chart_x"),
                y_label=R.t("quality.region.chart_y"),
            )
        )
        R.table(self.regions, formats={"customers": "int", "share": "pct"}, max_rows=15)

    def output_and_provenance(self, *, run_id: str) -> None:
        R = self.R
        R.heading("quality.output.title")
        R.text("quality.output.text", file="transactions_clean.parquet", rows=fmt_int(self.audit.kept_rows))
        R.provenance(
            {
                "run_id": run_id,
                "language": R.language,
                "engine": self.run.settings["engine"],
                "as_of": fmt_date(self.run.as_of),
                "cleaning_options": self.audit.options,
            },
            {k: v for k, v in self.run.inputs.items() if k in ("transactions", "customers")},
        )
