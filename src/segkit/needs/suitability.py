"""Suitability: score a risk-tolerance questionnaire into levels and audit holdings against them.

A product whose risk level is above the customer's risk level is a violation (the usual
suitability rule: conservative C1 customers may hold R1 products only, and so on). Customers
holding products without a scored questionnaire are listed separately as unassessed, because
they cannot be cleared either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from segkit import catalogues
from segkit.core.errors import InputError, sample_offenders
from segkit.core.frames import accepts_frames
from segkit.core.privacy import mask_pii

LEVEL_NAMES = ("conservative", "stable", "balanced", "growth", "aggressive")


@dataclass(frozen=True)
class RiskScoring:
    """Points per answer for each question and score thresholds for each level."""

    questions: dict[str, dict[str, float]]
    levels: pd.DataFrame  # level, name, min_score (ascending)


def load_scoring(path: str | Path | None = None) -> RiskScoring:
    """Read risk-questionnaire scoring (default: the packaged five-question, five-level one)."""
    source = Path(path) if path else catalogues.path("risk_questionnaire.yaml")
    tree = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    questions = {
        str(q): {str(a).strip().lower(): float(p) for a, p in answers.items()} for q, answers in tree.get("questions", {}).items()
    }
    levels = pd.DataFrame(tree.get("levels", [])).sort_values("min_score", ignore_index=True)
    if not questions or levels.empty or not {"level", "name", "min_score"} <= set(levels.columns):
        raise InputError(f"{source.name}: risk scoring needs 'questions' and 'levels' with level, name, min_score")
    return RiskScoring(questions=questions, levels=levels)


@accepts_frames("answers")
def score_risk(
    answers: pd.DataFrame, *, scoring: RiskScoring, customer_col: str = "customer_id", source: str = "risk.csv"
) -> pd.DataFrame:
    """Score each customer's answers: customer_id, score, risk_level (1..5), risk_name.

    Unknown answers raise `InputError` naming question, row and value; a customer with any
    question unanswered gets no level (NA): a partial questionnaire does not clear anyone.
    """
    missing = [q for q in scoring.questions if q not in answers.columns]
    if missing:
        raise InputError(f"{source}: missing question columns {', '.join(missing)}")
    points = {}
    for question, mapping in scoring.questions.items():
        raw = answers[question]
        text = raw.astype("str").str.strip().str.lower().where(raw.notna())
        mapped = text.map(mapping).astype("float64")
        wrong = text.notna() & mapped.isna()
        if wrong.any():
            rows = np.flatnonzero(wrong.to_numpy())
            raise InputError(
                f"{source}: column {question!r}: {int(wrong.sum())} answers are not one of "
                f"{', '.join(mapping)} ({sample_offenders((rows + 1).tolist(), [mask_pii(str(v)) for v in raw.iloc[rows[:4]]])})"
            )
        points[question] = mapped
    table = pd.DataFrame(points)
    score = table.sum(axis=1).where(table.notna().all(axis=1))
    cuts = scoring.levels["min_score"].to_numpy()
    position = np.searchsorted(cuts, score.fillna(-np.inf).to_numpy(), side="right") - 1
    level = pd.Series(scoring.levels["level"].to_numpy()[np.clip(position, 0, None)], index=table.index, dtype="Int64")
    level = level.where(score.notna() & (position >= 0))
    names = dict(zip(scoring.levels["level"], scoring.levels["name"]))
    return pd.DataFrame(
        {
            "customer_id": answers[customer_col].astype("str"),
            "score": score,
            "risk_level": level,
            "risk_name": level.map(names).astype("str"),
        }
    )


@dataclass(frozen=True)
class SuitabilityAudit:
    """Violations (product risk above customer risk), unassessed holdings, and counts."""

    violations: pd.DataFrame
    unassessed: pd.DataFrame
    by_product: pd.DataFrame
    by_segment: pd.DataFrame
    n_holdings: int
    n_customers: int


@accepts_frames("holdings", "risk", "segments")
def audit_holdings(
    holdings: pd.DataFrame,
    risk: pd.DataFrame,
    *,
    segments: pd.Series | None = None,
    product_col: str = "product_id",
    product_risk_col: str = "product_risk",
    customer_col: str = "customer_id",
) -> SuitabilityAudit:
    """List every holding whose product risk exceeds the customer's risk level.

    `risk` comes from `score_risk`; `segments` (customer_id → segment) adds the segment counts.
    """
    needed = {customer_col, product_col, product_risk_col} - set(holdings.columns)
    if needed:
        raise InputError(f"holdings: missing columns {', '.join(sorted(needed))}")
    product_risk = pd.to_numeric(holdings[product_risk_col].astype("str").str.upper().str.removeprefix("R"), errors="coerce")
    wrong = product_risk.isna() | (product_risk < 1) | (product_risk > 5)
    if wrong.any():
        rows = np.flatnonzero(wrong.to_numpy())
        raise InputError(
            f"holdings: column {product_risk_col!r}: {int(wrong.sum())} values are not risk levels 1–5 or R1–R5 "
            f"({sample_offenders((rows + 1).tolist(), holdings[product_risk_col].iloc[rows].tolist())})"
        )
    joined = holdings.assign(product_risk=product_risk.astype("int64")).merge(
        risk[["customer_id", "risk_level", "risk_name"]].rename(columns={"customer_id": customer_col}),
        on=customer_col,
        how="left",
    )
    if segments is not None:
        joined = joined.assign(segment=joined[customer_col].map(segments))
    assessed = joined["risk_level"].notna()
    violations = joined[assessed & (joined["product_risk"] > joined["risk_level"].fillna(99))].assign(
        excess=lambda f: f["product_risk"] - f["risk_level"].astype("int64")
    )
    unassessed = joined[~assessed]
    by_product = (
        joined.assign(violation=joined.index.isin(violations.index))
        .groupby(product_col)
        .agg(holders=(customer_col, "nunique"), violations=("violation", "sum"), product_risk=("product_risk", "first"))
        .reset_index()
        .sort_values("violations", ascending=False, ignore_index=True)
    )
    by_segment = pd.DataFrame(columns=["segment", "holdings", "violations", "share"])
    if segments is not None:
        by_segment = (
            joined.assign(violation=joined.index.isin(violations.index))
            .groupby("segment")
            .agg(holdings=("violation", "size"), violations=("violation", "sum"))
            .assign(share=lambda f: f["violations"] / f["holdings"])
            .reset_index()
        )
    return SuitabilityAudit(
        violations=violations.reset_index(drop=True),
        unassessed=unassessed.reset_index(drop=True),
        by_product=by_product,
        by_segment=by_segment,
        n_holdings=len(holdings),
        n_customers=int(holdings[customer_col].nunique()),
    )


@dataclass(frozen=True)
class RiskTables:
    """The audit with product risk as ``R1``..``R5`` and customer risk as ``C1``..``C5`` (the usual
    labels), so product and customer levels read side by side."""

    by_product: pd.DataFrame  # product_id (with its name when the holdings give one), product_risk, holders, violations
    by_segment: pd.DataFrame  # segment, holdings, violations, share
    violations: pd.DataFrame  # customer_id, product_id, product_risk, risk_level, risk_name (a LEVEL_NAMES key)


@accepts_frames("holdings")
def risk_tables(
    audit: SuitabilityAudit, holdings: pd.DataFrame, *, product_col: str = "product_id", name_col: str = "product_name"
) -> RiskTables:
    """The tables of a suitability audit, levels labelled R1..R5 (products) and C1..C5 (customers).

    Parameters
    ----------
    audit : SuitabilityAudit
        From `audit_holdings`.
    holdings : DataFrame
        The holdings audited; a `name_col` column adds each product's name after its id.
    product_col, name_col : str
        Product id and product name columns.

    Returns
    -------
    RiskTables
    """
    by_product = audit.by_product.assign(product_risk="R" + audit.by_product["product_risk"].astype(int).astype(str))
    if name_col in holdings:
        names = holdings.drop_duplicates(product_col).set_index(product_col)[name_col]
        by_product = by_product.assign(
            **{product_col: by_product[product_col] + " " + by_product[product_col].map(names).fillna("")}
        )
    violations = audit.violations.assign(
        product_risk="R" + audit.violations["product_risk"].astype(int).astype(str),
        risk_level="C" + audit.violations["risk_level"].astype(int).astype(str),
    )
    return RiskTables(
        by_product=by_product[[product_col, "product_risk", "holders", "violations"]],
        by_segment=audit.by_segment[["segment", "holdings", "violations", "share"]],
        violations=violations[["customer_id", product_col, "product_risk", "risk_level", "risk_name"]],
    )
