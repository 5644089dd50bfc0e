"""Who is worth keeping and about to leave, and where the rule maps and the models disagree.

`high_value_at_risk` picks the customers in the top share by CLV whose churn risk reaches a
threshold, most value at stake (CLV x churn risk) first: the list the run writes beside the CRM
export and notebook 04 shows. `stage_conflicts` counts the customers the rules send opposite
ways, such as "Champions" by RFM score who are "churned" by the purchase-gap rule (RFM scores
rank customers against each other, the gap rule measures each one against a fixed number of
days, so on data where everyone buys rarely both can hold), and gives the models' view of them:
their probability alive and churn risk decide, not either rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from segkit.core import schema

#: Default thresholds of the at-risk list (config ``lifetime_value.at_risk_top_share`` / ``at_risk_min_risk``).
AT_RISK_TOP_SHARE, AT_RISK_MIN_RISK = 0.2, 0.5


def high_value_at_risk(
    values: pd.DataFrame,
    *,
    clv_col: str,
    risk_col: str = "churn_risk",
    top_share: float = AT_RISK_TOP_SHARE,
    min_risk: float = AT_RISK_MIN_RISK,
    customer_col: str = schema.CUSTOMER_ID,
) -> pd.DataFrame:
    """The rows of `values` in the top `top_share` by `clv_col` with `risk_col` at least `min_risk`.

    Parameters
    ----------
    values : pandas.DataFrame
        One row per customer with `customer_col`, `clv_col` and `risk_col` (other columns kept).
    clv_col, risk_col : str
        Columns of CLV (currency) and churn risk (probability).
    top_share : float, default 0.2
        High value = CLV at or above the ``1 - top_share`` quantile of the valued customers.
    min_risk : float, default 0.5
        At risk = churn risk at least this.
    customer_col : str, default "customer_id"
        Column of customer ids (ties in value at stake are broken by it).

    Returns
    -------
    pandas.DataFrame
        The chosen rows with ``value_at_stake`` = CLV x churn risk, largest first.
    """
    valued = values.dropna(subset=[clv_col, risk_col])
    cut = valued[clv_col].quantile(1 - top_share) if len(valued) else 0.0
    chosen = valued.loc[(valued[clv_col] >= cut) & (valued[risk_col] >= min_risk)]
    chosen = chosen.assign(value_at_stake=chosen[clv_col] * chosen[risk_col])
    return chosen.sort_values(["value_at_stake", customer_col], ascending=[False, True], ignore_index=True)


def stage_conflicts(
    labels: pd.DataFrame,
    values: pd.DataFrame,
    *,
    segments: Sequence[str] = ("champions", "loyal"),
    stage: str = "churned",
    min_risk: float = AT_RISK_MIN_RISK,
    segment_col: str = "rfm10",
    stage_col: str = "lifecycle_stage",
    customer_col: str = schema.CUSTOMER_ID,
) -> pd.DataFrame:
    """Customers in `segments` of one map who are in lifecycle `stage`, and what the models say of them.

    Parameters
    ----------
    labels : pandas.DataFrame
        One row per customer with `customer_col`, `segment_col` and `stage_col` (the prepared
        run's ``customers`` table).
    values : pandas.DataFrame
        Per customer ``p_alive`` and, when fitted, ``churn_risk`` (the run's lifetime values).
    segments : sequence of str, default ("champions", "loyal")
        The segments whose playbook says "keep and reward".
    stage : str, default "churned"
        The lifecycle stage whose playbook says "win back".
    min_risk : float, default 0.5
        Churn risk from which the model counts a customer as leaving.

    Returns
    -------
    pandas.DataFrame
        One row per segment in `segments`: ``customers`` in both, ``median_p_alive``,
        ``median_churn_risk`` and ``leaving`` (how many of them have churn risk at least
        `min_risk`; NaN without a churn model).
    """
    both = labels.loc[labels[segment_col].isin(list(segments)) & (labels[stage_col] == stage), [customer_col, segment_col]]
    wanted = [c for c in ("p_alive", "churn_risk") if c in values.columns]
    both = both.merge(values[[customer_col, *wanted]], on=customer_col, how="left")
    rows = []
    for key in segments:
        part = both.loc[both[segment_col] == key]
        risk = part["churn_risk"] if "churn_risk" in part else pd.Series(dtype="float64")
        rows.append(
            {
                "segment": key,
                "customers": len(part),
                "median_p_alive": part["p_alive"].median() if "p_alive" in part and len(part) else float("nan"),
                "median_churn_risk": risk.median() if len(risk) else float("nan"),
                "leaving": float((risk >= min_risk).sum()) if "churn_risk" in part else float("nan"),
            }
        )
    return pd.DataFrame(rows)
