"""The at-risk list: the high-value customers most likely to leave, with the retention action.

Written beside the CRM export from the export table itself (so ids are pseudonymised when the run
asks, and labels are in the run's language): the customers in the top share by CLV whose churn
risk is at least a threshold, ordered by the value at stake (CLV x churn risk), each with the
playbook's actions for their 8-class segment.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from segkit.core import schema
from segkit.models.at_risk import AT_RISK_MIN_RISK, AT_RISK_TOP_SHARE, high_value_at_risk
from segkit.pipeline.export import write_parquet_and_csv
from segkit.reporting.playbook import playbook

#: The list's file names in the run's processed folder.
AT_RISK_FILES = ("at_risk_customers.parquet", "at_risk_customers.csv")


def at_risk_customers(
    export: pd.DataFrame, *, language: str = "en", top_share: float = AT_RISK_TOP_SHARE, min_risk: float = AT_RISK_MIN_RISK
) -> pd.DataFrame:
    """High-value customers at risk, most value at stake first.

    Parameters
    ----------
    export : pandas.DataFrame
        The CRM export (`segkit.pipeline.export.customer_segments` with lifetime values): customer
        id, ``eight_class`` and its label, ``lifecycle_stage``, ``clv_<H>M``, ``p_alive``, ``churn_risk``.
    language : str
        Language of the actions.
    top_share : float, default 0.2
        High value = the top `top_share` of customers by CLV.
    min_risk : float, default 0.5
        At risk = churn risk at least this.

    Returns
    -------
    pandas.DataFrame
        customer id, segment and label, lifecycle stage, CLV, ``p_alive``, ``churn_risk``,
        ``value_at_stake`` (CLV x churn risk) and ``actions``; empty (same columns) when the export
        has no CLV or churn risk.
    """
    clv = next((c for c in export.columns if c.startswith("clv_")), None)
    wanted = [schema.CUSTOMER_ID, "eight_class", "eight_class_label", "lifecycle_stage", "lifecycle_label"]
    columns = [c for c in wanted if c in export.columns]
    if clv is None or "churn_risk" not in export.columns:
        return pd.DataFrame(columns=[*columns, "p_alive", "churn_risk", "value_at_stake", "actions"])
    chosen = high_value_at_risk(export, clv_col=clv, top_share=top_share, min_risk=min_risk)
    segments = pd.DataFrame({"key": sorted(chosen["eight_class"].dropna().unique())})
    actions = playbook("eight_class", segments, language).set_index("key")["actions"] if len(segments) else pd.Series(dtype="str")
    out = chosen[[*columns, clv, "p_alive", "churn_risk", "value_at_stake"]]
    return out.assign(actions=chosen["eight_class"].map(actions).to_numpy())


def write_at_risk(frame: pd.DataFrame, out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``at_risk_customers.parquet`` and ``.csv`` (UTF-8 BOM) atomically."""
    return write_parquet_and_csv(frame, out_dir, AT_RISK_FILES)
