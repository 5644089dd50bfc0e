"""Sentences of the need report, built at render time from the needs results and the catalogues.

The needs package returns tables and keys; these functions turn them into the plain-language
sentences of the executive summary and the satisfaction-extremes section, in the report language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from segkit.reporting.i18n import message


def summary_sentences(
    matrix: Any, backlog_table: pd.DataFrame, *, language: str, labels: Mapping[str, str], top_k: int = 3
) -> list[str]:
    """Executive-summary sentences: the needs to act on now (when the survey has a priority
    matrix) and the top of the backlog."""
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
    sentences.append(
        message(language, "needs.summary.backlog_top", k=len(top), needs=sep.join(labels.get(i, i) for i in top["item"]))
    )
    if matrix is not None and matrix.table["small_base"].any():
        sentences.append(
            message(language, "needs.summary.small_base", n=int(matrix.table["small_base"].sum()), base=matrix.small_base)
        )
    return sentences


def extremes_sentences(result: Any, *, language: str, labels: dict[str, str] | None = None, limit: int = 5) -> list[str]:
    """Plain sentences for the significant differences, largest first (text from the catalogue)."""
    labels = labels or {}
    sentences = [
        message(
            language,
            "needs.extremes.groups",
            n_high=result.n_high,
            n_low=result.n_low,
            high=f"{result.threshold_high:g}",
            low=f"{result.threshold_low:g}",
        )
    ]
    shown = result.differences[result.differences["significant"]].head(limit)
    for row in shown.itertuples():
        name = labels.get(row.feature, row.feature)
        key = "needs.extremes.more" if row.smd > 0 else "needs.extremes.less"
        if row.level:
            sentences.append(
                message(
                    language,
                    key + "_share",
                    feature=name,
                    level=labels.get(row.level, row.level),
                    top=f"{row.top:.0%}",
                    bottom=f"{row.bottom:.0%}",
                    smd=f"{row.smd:.2f}",
                )
            )
        else:
            sentences.append(
                message(language, key, feature=name, top=f"{row.top:.2f}", bottom=f"{row.bottom:.2f}", smd=f"{row.smd:.2f}")
            )
    if shown.empty:
        sentences.append(message(language, "needs.extremes.none"))
    return sentences
