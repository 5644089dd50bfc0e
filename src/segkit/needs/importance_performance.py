"""Importance-performance analysis (Martilla & James 1977)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core.errors import InputError
from segkit.needs.priority import item_summary
from segkit.survey.read import Survey

#: IPA quadrants (Martilla & James 1977).
IPA_QUADRANTS = ("concentrate-here", "keep-up", "low-priority", "possible-overkill")


@dataclass(frozen=True)
class IPA:
    """Importance–performance analysis: quadrants and the crosshair model that drew them."""

    table: pd.DataFrame
    model: str
    importance_line: float
    performance_line: float


def ipa(survey: Survey, *, model: str = "data") -> IPA:
    """Martilla & James (1977) importance–performance quadrants (performance = mean satisfaction).

    model "scale": crosshairs at the scale midpoint; "data": at the item means; "diagonal": the
    iso-priority line importance = performance — a need above it (importance > performance) is
    "concentrate here" whatever its level, the others are split by the data-centred crosshairs.
    High importance & low performance → concentrate here; high & high → keep up the good work;
    low & low → low priority; low importance & high performance → possible overkill.
    """
    imp = item_summary(survey.ratings, measure="importance").set_index("item")
    perf = item_summary(survey.ratings, measure="satisfaction").set_index("item")
    items = [i for i in survey.catalogue.ids if i in imp.index and i in perf.index]
    table = pd.DataFrame(
        {
            "item": items,
            "n_importance": imp["n"].reindex(items).to_numpy(),
            "importance": imp["mean"].reindex(items).to_numpy(),
            "n_performance": perf["n"].reindex(items).to_numpy(),
            "performance": perf["mean"].reindex(items).to_numpy(),
        }
    )
    if model == "scale":
        imp_line = perf_line = survey.scale.midpoint
    elif model in ("data", "diagonal"):
        imp_line, perf_line = float(table["importance"].mean()), float(table["performance"].mean())
    else:
        raise InputError(f"IPA model {model!r} is unknown; use scale, data or diagonal")
    high_imp, high_perf = table["importance"] > imp_line, table["performance"] > perf_line
    conditions = [high_imp & ~high_perf, high_imp & high_perf, ~high_imp & ~high_perf]
    if model == "diagonal":
        above = table["importance"] > table["performance"]
        conditions = [above, high_imp & ~above, ~high_imp & ~high_perf & ~above]
    quadrant = np.select(conditions, ["concentrate-here", "keep-up", "low-priority"], "possible-overkill")
    return IPA(
        table=table.assign(quadrant=pd.Series(quadrant, dtype="str")),
        model=model,
        importance_line=float(imp_line),
        performance_line=float(perf_line),
    )
