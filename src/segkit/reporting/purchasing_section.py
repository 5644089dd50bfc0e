"""The purchasing-power and profitability section of the value report: AOV tiers, margin by segment.

Computes nothing itself: the AOV tiers are the prepared run's ``aov_tier`` map
(`segkit.value.purchasing_power.OrderValueTiers`), the margins come from
`segkit.value.purchasing_power.margin_by_segment` on the customer table.
"""

from __future__ import annotations

from typing import Any

from segkit.core import schema
from segkit.reporting.formats import fmt_int, fmt_money, fmt_pct
from segkit.reporting.names import segment_names
from segkit.value.purchasing_power import margin_by_segment

MARGIN_FORMATS = {
    "customers": "int",
    "revenue": "money",
    "cost": "money",
    "margin": "money",
    "margin_rate": "pct",
    "margin_share": "pct",
}


def purchasing_power(report: Any) -> None:
    """Render the section on `report` (a `segkit.reporting.value_report.ValueReport`).

    Parameters
    ----------
    report : ValueReport
        The value report of one prepared run; its segmentation holds the ``aov_tier`` map.
    """
    R, seg = report.R, report.seg
    if "aov_tier" not in seg.maps:
        return
    low, high = seg.maps["aov_tier"].params["thresholds"]
    R.heading("value.sections.purchasing_power")
    R.how_to_read("value.how_to_read.purchasing_power", low=fmt_money(low), high=fmt_money(high))
    report.segment_map("aov_tier")
    features = report.run.customer_table  # the per-customer table keeps cost and margin (the RFM features do not)
    if schema.MARGIN not in features.columns:
        R.text("value.no_cost")
        return
    known = features.dropna(subset=[schema.MARGIN])
    revenue, margin = float(known[schema.REVENUE].sum()), float(known[schema.MARGIN].sum())
    R.text("value.margin_sentence", margin=fmt_money(margin), rate=fmt_pct(margin / revenue) if revenue else "–")
    if len(known) < len(features):
        R.text("value.margin_unknown", customers=fmt_int(len(features) - len(known)))
    eight = seg.maps["eight_class"]
    table = margin_by_segment(known, eight)
    R.heading("value.margin_by_segment", level=3)
    R.table(
        table.assign(segment=table["segment"].map(segment_names(eight, R.language))),
        formats=MARGIN_FORMATS,
        labels={k: f"value.metrics.{k}" for k in ("segment", *MARGIN_FORMATS)},
        max_rows=len(table),
    )
