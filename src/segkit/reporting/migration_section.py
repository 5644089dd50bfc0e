"""The several-period migration section of the value report: stacked shares per snapshot, moves per period.

Computes nothing itself: the snapshots come from the prepared run
(`segkit.pipeline.prepared.PreparedRun.migration_over_periods` / ``stages_over_periods``).
"""

from __future__ import annotations

from typing import Any

from segkit.reporting import value_charts as charts
from segkit.reporting.formats import fmt_date, fmt_int
from segkit.reporting.names import segment_names, stage_names


def _labels(keys: Any) -> dict[str, str]:
    return {k: f"value.metrics.{k}" for k in keys}


def migration_periods(report: Any, periods: int = 4) -> None:
    """Render the several-period migration on `report` (a `segkit.reporting.value_report.ValueReport`).

    Parameters
    ----------
    report : ValueReport
        The value report of one prepared run.
    periods : int, default 4
        Periods of ``migration_days`` compared (``periods + 1`` snapshots).
    """
    R, days = report.R, report.run.settings["migration_days"]
    eight, stages = report.run.migration_over_periods(periods, "eight_class"), report.run.stages_over_periods(periods)
    R.heading("value.sections.migration_periods", level=3)
    if len(eight.snapshots) < 2:
        R.warn(R.t("value.migration_periods.too_few"))
        return
    R.how_to_read("value.how_to_read.migration_periods")
    first, last = fmt_date(eight.snapshots[0]), fmt_date(eight.snapshots[-1])
    R.text("value.migration_periods.shown", periods=len(eight.snapshots) - 1, days=fmt_int(days), first=first, last=last)
    if eight.skipped:
        dates = ", ".join(fmt_date(d) for d in eight.skipped)
        R.text("value.migration_periods.skipped", dates=dates, first_purchase=fmt_date(report.features["first_purchase"].min()))
    shown = (
        (eight, "value.maps.eight_class", segment_names(report.seg.maps["eight_class"], R.language)),
        (stages, "value.maps.lifecycle", stage_names(R.language)),
    )
    for result, title, names in shown:
        R.heading(title, level=4)
        totals = result.sizes.groupby("snapshot")["customers"].sum()
        ticks = [R.t("value.migration_periods.tick", date=fmt_date(d), customers=fmt_int(n)) for d, n in totals.items()]
        order = result.segments["key"].tolist()
        R.figure(
            charts.shares_over_snapshots(
                result.sizes, order=order, names=names, ticks=ticks, legend_title=R.t(title), labels=report.L
            )
        )
        span = [
            R.t("value.migration_periods.period", start=fmt_date(a), end=fmt_date(b))
            for a, b in zip(result.moves["period_start"], result.moves["period_end"])
        ]
        R.table(
            result.moves.assign(span=span)[["span", "new", "stayed", "moved", "gone"]],
            formats={"new": "int", "stayed": "int", "moved": "int", "gone": "int"},
            labels=_labels(("span", "new", "stayed", "moved", "gone")),
        )
