"""The sections of the lifetime-value report, rendered from one prepared run.

`LifetimeReport` fits nothing: the prepare step of the run fitted BG/NBD and Gamma-Gamma once
(`segkit.models.lifetime_value`, stored in ``models.json`` and ``lifetime_value.parquet``), and
this module shows those values, grouped by `segkit.models.matrices`, with the `Report` helpers,
names and sentences from the catalogues in the report language. When the run could not fit the
models, every section is skipped and the summary says why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from segkit.models.clv import value_concentration
from segkit.models.matrices import p_alive_matrix, value_by_group
from segkit.models.purchases import horizon_name
from segkit.reporting import lifetime_charts as charts
from segkit.reporting.formats import fmt_date, fmt_float, fmt_int, fmt_money, fmt_pct
from segkit.reporting.i18n import catalogue
from segkit.reporting.names import segment_names, stage_names
from segkit.reporting.report import Report

#: The fitted models of ``models.json``, in the order the report shows them.
MODELS = ("bg_nbd", "pareto_nbd", "gamma_gamma")
#: What each parameter describes (the reason a warning gives when the data do not identify it).
PARAMETER_KIND = {
    "r": "purchases",
    "alpha": "purchases",
    "a": "dropout",
    "b": "dropout",
    "s": "dropout",
    "beta": "dropout",
    "p": "spend",
    "q": "spend",
    "gamma": "spend",
}
#: Gamma-Gamma assumes spend and frequency independent; above this correlation the report warns.
CORRELATION_LIMIT = 0.3
CHART_KEYS = (
    "clv",
    "customers",
    "mean",
    "median",
    "no_value",
    "mean_p_alive",
    "frequency",
    "recency",
    "actual",
    "predicted",
    "calibration_frequency",
    "holdout_mean",
    "calibration_end",
    "cumulative",
    "per_period",
    "period",
    "repeat_purchases",
)
GROUP_FORMATS = {
    "customers": "int",
    "customer_share": "pct",
    "clv": "money",
    "clv_share": "pct",
    "mean_clv": "money",
    "mean_expected_purchases": "float",
    "mean_p_alive": "pct",
}


def _labels(keys: Any) -> dict[str, str]:
    return {k: f"lifetime.columns.{k}" for k in keys}


def _estimate(value: object) -> str:
    """A parameter estimate with about four significant digits, never fewer than two decimals."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    number = float(value)  # type: ignore[arg-type]
    digits = 2 if number == 0 else min(max(2, 3 - math.floor(math.log10(abs(number)))), 6)
    return fmt_float(number, digits)


class LifetimeReport:
    """Every section of the lifetime-value report for one prepared run (`segkit.pipeline.prepared.PreparedRun`)."""

    def __init__(self, report: Report, run: Any) -> None:
        self.R, self.run = report, run
        self.words = catalogue(report.language)
        #: Why the run has no lifetime values (None when it has them).
        self.error: str | None = run.errors.get("lifetime_value") or run.errors.get("transactions")
        if self.error:
            return
        self.fitted: dict[str, Any] = run.models  # models.json
        self.settings: dict[str, Any] = self.fitted["settings"]
        self.values: pd.DataFrame = run.lifetime_value
        horizon = self.settings["horizon_months"]
        clv = horizon_name("clv", horizon, "M")
        self.clv_col: str | None = clv if clv in self.values.columns else None
        self.purchases_col = horizon_name("expected_purchases", horizon, "M")
        unit = self.settings["time_unit"]
        self.check: dict[str, Any] | None = self.fitted.get("holdout")
        self.place = {
            "horizon": fmt_int(horizon),
            "rate": fmt_pct(self.settings["monthly_discount_rate"]),
            "unit": report.t(f"lifetime.units.{unit}"),
            "unit_one": report.t(f"lifetime.unit_one.{unit}"),
            "calibration_end": fmt_date(self.settings["calibration_end"]),
            "observation_end": fmt_date(self.settings["observation_end"]),
        }
        self.L = {k: report.t(f"lifetime.chart.{k}", **self.place) for k in CHART_KEYS}
        self.warnings = self._warnings()

    # -- summary and index
    def summary(self, extra: Sequence[str] = ()) -> None:
        """The executive summary; `extra` adds the other sections' sentences (churn, clusters) before the caveats."""
        R = self.R
        R.heading("lifetime.title", level=1)
        if self.error:
            R.summary([R.t("lifetime.failed", error=self.error)])
            if "transactions" not in self.run.errors:
                R.data_quality(self.run.audit.audit, self.run.audit.raw_rows, self.run.audit.kept_rows)
            return
        v, place = self.values, self.place
        customers, purchases = fmt_int(len(v)), fmt_int(v[self.purchases_col].sum())
        clv = fmt_money(v[self.clv_col].sum()) if self.clv_col else "–"
        R.text("lifetime.intro", customers=customers, **place)
        sentences = []
        if self.clv_col:
            top = value_concentration(v[self.clv_col], shares=(0.1,)).iloc[0]
            sentences += [
                R.t("lifetime.summary.total", customers=customers, purchases=purchases, clv=clv, **place),
                R.t("lifetime.summary.concentration", top=fmt_int(top["customers"]), share=fmt_pct(top["value_share"])),
            ]
        else:
            sentences.append(R.t("lifetime.summary.purchases_only", customers=customers, purchases=purchases, **place))
        p_alive = v["p_alive"]
        sentences.append(R.t("lifetime.summary.alive", p_alive=fmt_pct(p_alive.mean()), likely=fmt_pct((p_alive > 0.5).mean())))
        spend = self.fitted.get("gamma_gamma")
        if spend:
            p, q, gamma = (spend["params"][k] for k in ("p", "q", "gamma"))
            sentences.append(
                R.t(
                    "lifetime.summary.spend",
                    fitted=fmt_int(spend["n_customers"]),
                    no_repeat=fmt_int(spend["n_no_repeat"]),
                    zero=fmt_int(spend["n_zero_value_repeat"]),
                    mean=fmt_money(p * gamma / (q - 1)) if q > 1 else "–",
                )
            )
        check = self.check
        if check:
            actual, predicted = check["actual_purchases"], check["predicted_purchases"]
            sentences.append(
                R.t(
                    "lifetime.summary.holdout",
                    customers=fmt_int(check["customers"]),
                    predicted=fmt_int(predicted),
                    actual=fmt_int(actual),
                    difference=f"{100 * (predicted - actual) / actual:+.1f}%" if actual else "–",
                    mae=fmt_float(check["mae"]),
                    capture=fmt_pct(check["top_decile_capture"]),
                    **place,
                )
            )
        else:
            sentences.append(R.t("lifetime.summary.no_holdout", error=self.fitted.get("errors", {}).get("holdout", "–")))
        sentences += list(extra)
        if self.warnings:
            sentences.append(R.t("lifetime.summary.caveat", count=fmt_int(len(self.warnings))))
        R.summary(sentences)
        audit = self.run.audit
        R.data_quality(audit.audit, audit.raw_rows, audit.kept_rows)

    def key_numbers(self) -> None:
        if self.error:
            return
        R, v = self.R, self.values
        R.key_number("customers_valued", len(v), label="lifetime.keys.customers")
        if self.clv_col:
            top = value_concentration(v[self.clv_col], shares=(0.1,)).iloc[0]
            R.key_number("total_clv", v[self.clv_col].sum(), label="lifetime.keys.total_clv", fmt="money")
            R.key_number("top10_value_share", top["value_share"], label="lifetime.keys.top10_share", fmt="pct")
        R.key_number("mean_p_alive", v["p_alive"].mean(), label="lifetime.keys.mean_p_alive", fmt="pct")
        if self.check:
            R.key_number("holdout_mae", self.check["mae"], label="lifetime.keys.holdout_mae", fmt="float")
            R.key_number("top_decile_capture", self.check["top_decile_capture"], label="lifetime.keys.top_decile", fmt="pct")

    # -- values
    def clv(self) -> None:
        if self.error:
            return
        R = self.R
        R.heading("lifetime.sections.clv")
        if not self.clv_col:
            R.warn(R.t("lifetime.warnings.no_clv"))
            return
        clv = self.values[self.clv_col]
        R.how_to_read("lifetime.how_to_read.clv", **self.place)
        R.figure(charts.clv_histogram(clv, labels=self.L))
        R.text("lifetime.clv_stats", median=fmt_money(clv.median()), mean=fmt_money(clv.mean()))
        R.heading("lifetime.sections.concentration", level=3)
        R.how_to_read("lifetime.how_to_read.concentration")
        R.table(
            value_concentration(clv),
            formats={"top_share": "pct", "customers": "int", "value_share": "pct"},
            labels=_labels(("top_share", "customers", "value_share")),
        )

    def group_table(self, name: str) -> pd.DataFrame:
        """Values per segment of a map (`name` ``eight_class``, ``value_cluster``) or lifecycle stage (``lifecycle``), by key.

        Groups without a valued customer are left out; the rest add up to the run's total CLV.
        """
        if name == "lifecycle":
            life = self.run.lifecycle
            groups, column, order = life.table, "stage", list(life.sizes["key"])
        else:
            segmap = self.run.segmentation.maps[name]
            groups, column, order = segmap.table, "segment", list(segmap.segments["key"])
        table = value_by_group(
            self.values, groups, group_col=column, purchases_col=self.purchases_col, clv_col=self.clv_col, order=order
        )
        return table.loc[table["customers"] > 0].reset_index(drop=True)

    def by_segment(self) -> None:
        if self.error:
            return
        R = self.R
        R.heading("lifetime.sections.by_segment")
        R.how_to_read("lifetime.how_to_read.by_segment", **self.place)
        columns = [c for c in GROUP_FORMATS if self.clv_col or not c.endswith("clv") and c != "clv_share"]
        if not self.clv_col:
            R.warn(R.t("lifetime.warnings.no_clv"))
        segmap = self.run.segmentation.maps["eight_class"]
        names = segment_names(segmap, R.language)
        codes = dict(zip(segmap.segments["key"], segmap.segments["code"])) if "code" in segmap.segments else {}
        names = {k: f"{codes[k]} {n}" if k in codes else n for k, n in names.items()}
        groups = [
            ("value.maps.eight_class", "eight_class", names, "segment"),
            ("value.maps.lifecycle", "lifecycle", stage_names(R.language), "stage"),
        ]
        if "value_cluster" in self.run.segmentation.maps:  # the data-driven segments, when the run has them
            clusters = segment_names(self.run.segmentation.maps["value_cluster"], R.language)
            groups.append(("value.maps.value_cluster", "value_cluster", clusters, "segment"))
        for title, name, shown, label in groups:
            table = self.group_table(name)
            table["group"] = [shown.get(k, "–") if isinstance(k, str) else "–" for k in table["group"]]
            R.heading(title, level=3)
            R.table(
                table[["group", *columns]],
                formats=GROUP_FORMATS,
                labels={"group": f"lifetime.columns.{label}", **_labels(columns)},
                max_rows=len(table),
            )

    def p_alive_matrix(self) -> None:
        if self.error:
            return
        R = self.R
        R.heading("lifetime.sections.p_alive")
        R.how_to_read("lifetime.how_to_read.p_alive", **self.place)
        R.figure(charts.p_alive_heatmap(p_alive_matrix(self.values), labels=self.L))

    # -- how good the models are
    def holdout(self) -> None:
        if self.error:
            return
        R, check = self.R, self.check
        R.heading("lifetime.sections.holdout")
        if not check:
            R.warn(R.t("lifetime.warnings.holdout_failed", error=self.fitted.get("errors", {}).get("holdout", "–")))
            return
        R.how_to_read("lifetime.how_to_read.holdout", **self.place)
        by = self.run.holdout("by_frequency")
        names = [fmt_int(f) for f in by["frequency"]]
        names[-1] += "+"  # the last row holds that many repeat purchases or more
        R.heading("lifetime.sections.by_frequency", level=3)
        R.how_to_read("lifetime.how_to_read.by_frequency")
        R.figure(charts.holdout_by_frequency(by, names=names, labels=self.L))
        R.table(
            by.assign(frequency=names)[["frequency", "customers", "actual", "predicted"]],
            formats={"frequency": "text", "customers": "int", "actual": "float", "predicted": "float"},
            labels=_labels(("frequency", "customers", "actual", "predicted")),
            max_rows=len(by),
        )
        R.heading("lifetime.sections.tracking", level=3)
        R.how_to_read("lifetime.how_to_read.tracking", **self.place)
        R.figure(charts.tracking(self.run.holdout("tracking"), labels=self.L))
        mean_actual = check["actual_purchases"] / check["customers"] if check["customers"] else float("nan")
        R.text(
            "lifetime.accuracy",
            mae=fmt_float(check["mae"]),
            mean_actual=fmt_float(mean_actual),
            capture=fmt_pct(check["top_decile_capture"]),
        )

    def _fits(self) -> list[tuple[str, dict[str, Any]]]:
        """(name, fitted model) of every model in models.json, the calibration fit of the holdout last."""
        fits = [(name, self.fitted[name]) for name in MODELS if self.fitted.get(name)]
        if self.check and self.check.get("bg_nbd"):
            fits.append(("holdout", self.check["bg_nbd"]))
        return fits

    def _model_name(self, name: str) -> str:
        return self.words.get(f"lifetime.models.{name}", name)

    def _warnings(self) -> list[str]:
        """The caveats of the fitted models, in plain words (shown in the model section)."""
        R, found = self.R, []
        for name, error in self.fitted.get("errors", {}).items():
            if name == "holdout":
                found.append(R.t("lifetime.warnings.holdout_failed", error=error))
            else:
                found.append(R.t("lifetime.warnings.model_failed", model=self._model_name(name), error=error))
        said = set((self.fitted.get("bg_nbd") or {}).get("at_bound") or [])
        for name, fit in self._fits():
            bound = fit.get("at_bound") or []
            if name == "holdout":  # the calibration fit: only what the full fit has not said already
                bound = [p for p in bound if p not in said]
            if bound:
                kinds = sorted({PARAMETER_KIND.get(p, "purchases") for p in bound})
                params = ", ".join(
                    R.t("lifetime.warnings.param", name=p, meaning=self.words.get(f"lifetime.params.{p}", p)) for p in bound
                )
                reason = " ".join(R.t(f"lifetime.warnings.reason.{k}") for k in kinds)
                found.append(R.t("lifetime.warnings.at_bound", model=self._model_name(name), params=params, reason=reason))
        correlation = (self.fitted.get("gamma_gamma") or {}).get("frequency_spend_correlation")
        if correlation is not None and correlation > CORRELATION_LIMIT:
            found.append(R.t("lifetime.warnings.correlation", correlation=fmt_float(correlation, 3)))
        return found

    def models(self) -> None:
        """The fitted parameters with their standard errors, each model's fit, and the caveats."""
        if self.error:
            return
        R = self.R
        R.heading("lifetime.sections.models")
        R.how_to_read("lifetime.how_to_read.models")
        rows, fits = [], []
        for name, fit in self._fits():
            model = self._model_name(name)
            errors = fit.get("standard_errors") or {}
            for parameter, estimate in fit["params"].items():
                rows.append(
                    {
                        "model": model,
                        "parameter": parameter,
                        "meaning": self.words.get(f"lifetime.params.{parameter}", ""),
                        "estimate": _estimate(estimate),
                        "standard_error": _estimate(errors.get(parameter)),
                    }
                )
            fits.append({"model": model, "customers": fit.get("n_customers"), "log_likelihood": fit.get("log_likelihood")})
        R.table(
            pd.DataFrame(rows, columns=["model", "parameter", "meaning", "estimate", "standard_error"]),
            formats={"estimate": "text", "standard_error": "text"},
            labels=_labels(("model", "parameter", "meaning", "estimate", "standard_error")),
            max_rows=len(rows),
        )
        R.table(
            pd.DataFrame(fits, columns=["model", "customers", "log_likelihood"]),
            formats={"customers": "int", "log_likelihood": "float"},
            labels=_labels(("model", "customers", "log_likelihood")),
        )
        for text in self.warnings:
            R.warn(text)

    def provenance(self, *, run_id: str, pseudonymize_ids: bool) -> None:
        """The provenance of the report: the settings the models were fitted with, and the inputs."""
        R, settings = self.R, self.run.settings
        fitted = settings.get("lifetime_value") or {}
        R.provenance(
            {
                "run_id": run_id,
                "language": R.language,
                "engine": settings.get("engine"),
                "as_of": fmt_date(settings.get("as_of")),
                "time_unit": fitted.get("time_unit", "–"),
                "horizon_months": fitted.get("horizon_months", "–"),
                "monthly_discount_rate": fitted.get("monthly_discount_rate", "–"),
                "observation_end": fitted.get("observation_end", "–"),
                "calibration_end": fitted.get("calibration_end", "–"),
                "models": [name for name, _ in self._fits()] if not self.error else [],
                "pseudonymize_ids": pseudonymize_ids,
            },
            {k: v for k, v in self.run.inputs.items() if k in ("transactions", "customers")},
        )
