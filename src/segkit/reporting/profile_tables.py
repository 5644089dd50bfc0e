"""Segment profiles as a reader sees them: the tests per attribute, then each segment's mix.

Shared by the value report (the 10-segment map) and the data-driven segments of report 04, so a
profile reads the same wherever a map is profiled.
"""

from __future__ import annotations

import pandas as pd

from segkit.reporting.formats import fmt_pct
from segkit.reporting.i18n import catalogue
from segkit.reporting.names import segment_names
from segkit.reporting.report import Report
from segkit.value.overview import segment_profiles
from segkit.value.segmentation import Segmentation

COLUMNS = ("attribute", "n", "chi2", "dof", "p_value", "cramers_v", "low_expected")


def segment_profile_tables(R: Report, seg: Segmentation, attributes: pd.DataFrame, *, map_name: str, level: int = 2) -> None:
    """Heading, the chi-square / Cramér's V per attribute and the segment x attribute shares of `map_name`.

    Parameters
    ----------
    R : Report
        The display helpers in the report language.
    seg : Segmentation
        The run's segmentation (the map to profile is ``seg.maps[map_name]``).
    attributes : pandas.DataFrame
        One row per customer with the attributes (`segkit.value.overview.customer_attributes`).
    map_name : str
        The map profiled.
    level : int, default 2
        Heading level of the section (its attributes one below).
    """
    found = segment_profiles(seg, attributes, map_name=map_name)
    R.heading("value.sections.profiles", level=level)
    if not found:
        R.text("value.warnings.no_attribute")
        return
    R.how_to_read("value.how_to_read.profiles")
    rows = [
        {
            "attribute": R.t(f"value.attributes.{p.attribute}"),
            "n": p.n,
            "chi2": p.chi2,
            "dof": p.dof,
            "p_value": p.p_value,
            "cramers_v": p.cramers_v,
            "low_expected": p.low_expected_share,
        }
        for p in found
    ]
    R.table(
        pd.DataFrame(rows),
        formats={"n": "int", "chi2": "float", "dof": "int", "cramers_v": "float", "low_expected": "pct"},
        labels={k: f"value.metrics.{k}" for k in COLUMNS},
    )
    names = segment_names(seg.maps[map_name], R.language)
    words = catalogue(R.language)
    for p in found:
        values = {c: words.get(f"core.values.{c}", c) for c in p.row_pct.columns}  # enterprise -> 企业 ...
        shown = p.row_pct.rename(index=names, columns=values)
        R.heading(f"value.attributes.{p.attribute}", level=level + 1)
        R.table(
            shown.rename_axis(R.t("value.metrics.segment")).reset_index(),
            formats={c: "pct" for c in shown.columns},
            max_rows=len(shown),
        )
        if p.low_expected_share > 0.2:
            attribute = R.t(f"value.attributes.{p.attribute}")
            R.warn(R.t("value.warnings.low_expected", attribute=attribute, share=fmt_pct(p.low_expected_share)))
