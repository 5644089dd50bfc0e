"""The display helpers and customer sections of the need report (segments, complaints, suitability),
and the notes naming the run's follow-up lists.

`NeedsSections` is the base of `segkit.reporting.needs_report.NeedsReport`, which sets the
attributes declared here from the prepared run; these sections join the survey to the customers
(value segments, customer types, complaint files, risk answers and holdings).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.core.errors import InputError
from segkit.needs import complaints as needs_complaints
from segkit.needs import followup as needs_followup
from segkit.needs import kano as needs_kano
from segkit.needs import suitability as needs_suitability
from segkit.needs.analysis import NeedAnalyses
from segkit.needs.segments import RespondentLinks, priority_by_segment
from segkit.reporting import needs_charts as plots
from segkit.reporting.formats import fmt_int, fmt_number, fmt_pct
from segkit.reporting.report import Report


class NeedsSections:
    """Display helpers and the customer-facing sections shared by the need report."""

    R: Report
    run: Any
    A: NeedAnalyses
    L: dict[str, str]
    words: Mapping[str, Any]
    sep: str
    survey: Any
    items: list[str]
    small_base: int
    top_k: int
    seed: int
    links: RespondentLinks
    urgency: Any
    dictionary: Any
    complaint_rows: pd.DataFrame | None
    customer_type: pd.Series
    segment_of: pd.Series
    followup: Mapping[str, str]  # list name -> file the run wrote (`segkit.pipeline.followup_files`)

    # -- display helpers
    def show(self, frame: pd.DataFrame, formats: Mapping[str, str] | None = None, max_rows: int = 20) -> None:
        """A table with headers from the needs catalogue."""
        labels = {c: f"needs.col.{c}" for c in frame.columns if f"needs.col.{c}" in self.words}
        self.R.table(frame, labels=labels, formats=formats, max_rows=max_rows)

    def names(self, group: str, keys: Iterable[str]) -> dict[str, str]:
        """Key -> catalogue name ``needs.<group>.<key>``."""
        return {k: self.R.t(f"needs.{group}.{k}") for k in keys}

    def value_names(self, group: str, values: Iterable[Any]) -> dict[Any, Any]:
        """Catalogue names for data values (categories, customer types), the value itself when absent."""
        return {v: self.R.label(f"needs.{group}.{v}") if f"needs.{group}.{v}" in self.words else v for v in values}

    def _optional(self, name: str) -> pd.DataFrame | None:
        """Input `name` of the run, None when the run has none; an input prepare could not read raises its message."""
        if name in self.run.errors:
            raise InputError(self.run.errors[name])
        return self.run.optional(name)

    def _no_data(self, *keys: str, sep: str = " / ", analysis: str | None = None) -> None:
        """Why a section is empty: the survey lacks the answers, or they cannot carry the analysis (a tiny survey)."""
        reason = self.A.skipped.get(analysis) if analysis is not None else None
        if reason:
            self.R.warn(self.R.t("needs.skipped", reason=reason))
        else:
            self.R.text("needs.no_data", what=sep.join(self.R.t(k) for k in keys))

    # -- the follow-up lists the run wrote (named only when written)
    def detractors_note(self) -> None:
        """How many detractors the follow-up list holds (the NPS count) and its file."""
        if "detractors" in self.followup and self.A.overall_nps is not None:
            self.R.text("needs.followup.detractors", n=fmt_int(self.A.overall_nps.detractors), file=self.followup["detractors"])

    def least_satisfied_note(self) -> None:
        """How many respondents the least satisfied list holds, by which score and cut, and its file."""
        if "least_satisfied" not in self.followup:
            return
        S = self.survey
        rated = S.wide("satisfaction") if "satisfaction" in S.measures() else None
        chosen = needs_followup.least_satisfied(S.respondents, need_satisfaction=rated)
        self.R.text(
            f"needs.followup.least_satisfied.{chosen.basis}",
            share=fmt_pct(chosen.share, 0),
            cutoff=fmt_number(chosen.cutoff),
            n=fmt_int(len(chosen.table)),
            file=self.followup["least_satisfied"],
        )

    # -- customers: segments, complaints, suitability
    def segments(self) -> None:
        """Kano class mix per segment, then each need's priority rank per customer type and segment."""
        R, A, L, links = self.R, self.A, self.L, self.links
        R.heading("needs.sections.segments")
        R.how_to_read("needs.how.segments")
        if not links.groupings:
            self._no_data("needs.sections.segments")
        if A.kano_table is not None and links.segment.notna().any():
            classes = self.names("kano_class", needs_kano.CLASSES)
            mix, tests = needs_kano.category_mix(A.classified, links.segment)
            differing = tests.loc[tests["p_adjusted"] < 0.05, "item"].map(L).tolist()
            R.text("needs.segment_kano.differ" if differing else "needs.segment_kano.same", needs=self.sep.join(differing))
            self.show(mix.rename(columns=classes), formats={v: "pct" for v in classes.values()})
            self.show(
                tests.assign(item=tests["item"].map(L))[["item", "respondents", "chi2", "dof", "p_adjusted"]],
                formats={"chi2": "float"},
            )
        urgency = self.urgency.urgency if self.urgency is not None else None
        for grouping in links.groupings[::-1] if A.matrix is not None else ():
            by = "needs.features.segment" if grouping is links.segment else "needs.features.customer_type"
            R.text("needs.rank_by", by=R.t(by))
            by_segment = priority_by_segment(self.survey, grouping, small_base=self.small_base, urgency=urgency)
            ranks = by_segment.assign(item=by_segment["item"].map(L)).pivot(index="item", columns="segment", values="rank")
            self.show(ranks.astype("Int64").reset_index().rename_axis(columns=None), max_rows=len(self.items))
        if links.unlinked and links.groupings:
            R.warn(R.t("needs.unlinked", n=links.unlinked))

    def complaints(self) -> None:
        R, rows, dictionary = self.R, self.complaint_rows, self.dictionary
        R.heading("needs.sections.complaints")
        if rows is None or self.urgency is None:
            return self._no_data("needs.sections.complaints")
        R.how_to_read("needs.how.complaints")
        categories = {**dictionary.labels(R.language), needs_complaints.OTHER: needs_complaints.OTHER}
        summary = needs_complaints.complaint_summary(rows, dictionary=dictionary)
        R.figure(
            plots.bar_chart(summary.set_index("category")["complaints"], labels=categories, x_label=R.t("needs.chart.complaints"))
        )
        self.show(summary.assign(category=summary["category"].map(categories)), formats={"share": "pct"})
        if "customer_id" in rows and self.customer_type.notna().any():
            typed = rows.assign(segment=rows["customer_id"].map(self.customer_type))
            by_type = needs_complaints.complaint_summary(typed, dictionary=dictionary, segment_col="segment")
            self.show(by_type.assign(category=by_type["category"].map(categories)), formats={"share": "pct"})
        self.show(
            self.urgency.table.reset_index()
            .assign(item=lambda f: f["item"].map(self.L))[["item", "complaints", "mean_severity", "urgency"]]
            .rename(columns={"urgency": "complaint_urgency"})
        )

    def suitability(self) -> None:
        R, answers, holdings = self.R, self._optional("risk"), self._optional("holdings")
        R.heading("needs.sections.suitability")
        if answers is None or holdings is None:
            return self._no_data("needs.sections.suitability")
        R.how_to_read("needs.how.suitability")
        risk = needs_suitability.score_risk(
            answers, scoring=needs_suitability.load_scoring(), source=Path(self.run.inputs["risk"]).name
        )
        audit = needs_suitability.audit_holdings(holdings, risk, segments=self.segment_of)
        R.text("needs.summary.suitability", violations=fmt_int(len(audit.violations)), holdings=fmt_int(audit.n_holdings))
        tables = needs_suitability.risk_tables(audit, holdings)
        self.show(tables.by_product)
        if tables.by_segment["segment"].notna().any():
            self.show(tables.by_segment, formats={"share": "pct"})
        levels = self.names("risk_level", needs_suitability.LEVEL_NAMES)
        violations = tables.violations
        self.show(
            violations.assign(risk_level=violations["risk_level"] + " " + violations["risk_name"].map(levels))[
                ["customer_id", "product_id", "product_risk", "risk_level"]
            ],
            max_rows=10,
        )
        if "suitability_violations" in self.followup:
            R.text("needs.followup.suitability", n=fmt_int(len(violations)), file=self.followup["suitability_violations"])

    # -- provenance
    def provenance(self, *, run_id: str, pseudonymize_ids: bool) -> None:
        run = self.run
        inputs = {k: run.inputs.get(k, "") for k in ("survey", "needs", "complaints", "risk", "holdings")}
        R = self.R
        R.provenance(
            {
                "language": R.language,
                "as_of": run.settings["as_of"] or "",
                "run_id": run_id,
                "small_base": self.small_base,
                "top_k": self.top_k,
                "seed": self.seed,
                "engine": run.settings["engine"] or "",
                "pseudonymize_ids": pseudonymize_ids,
            },
            {**inputs, **{k: v for k, v in run.inputs.items() if k in ("transactions", "customers")}},
        )
