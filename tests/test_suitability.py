"""Risk questionnaire scoring and the holdings suitability audit."""

import pandas as pd
import pytest

from segkit.core.errors import InputError
from segkit.needs import suitability

QUESTIONS = ["q1_horizon", "q2_loss", "q3_experience", "q4_income", "q5_goal"]


def answers(rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"customer_id": c, **dict(zip(QUESTIONS, list(a) if a else [None] * 5))} for c, a in rows.items()])


def test_scores_and_levels_by_hand():
    # a..e = 1..5 points; levels start at 0, 9, 13, 17, 21
    risk = suitability.score_risk(
        answers(
            {
                "C1": "aaaaa",  # 5 -> conservative
                "C2": "bbbba",  # 9 -> stable (exactly on the threshold)
                "C3": "abcde",  # 15 -> balanced
                "C4": "ddddc",  # 19 -> growth
                "C5": "eeeee",  # 25 -> aggressive
            }
        ),
        scoring=suitability.load_scoring(),
    ).set_index("customer_id")
    assert risk["score"].tolist() == [5, 9, 15, 19, 25]
    assert risk["risk_level"].tolist() == [1, 2, 3, 4, 5]
    assert risk["risk_name"].tolist() == list(suitability.LEVEL_NAMES)


def test_partial_questionnaire_gets_no_level():
    frame = answers({"C1": "aaaaa"})
    frame.loc[0, "q3_experience"] = None
    risk = suitability.score_risk(frame, scoring=suitability.load_scoring())
    assert risk["risk_level"].isna().all()


def test_unknown_answer_is_reported():
    frame = answers({"C1": "aaaaa", "C2": "abcdz"})
    with pytest.raises(InputError, match=r"risk.csv: column 'q5_goal': 1 answers are not one of a, b, c, d, e \(row 2: 'z'\)"):
        suitability.score_risk(frame, scoring=suitability.load_scoring())


def test_audit_by_hand():
    risk = suitability.score_risk(answers({"C1": "aaaaa", "C3": "abcde"}), scoring=suitability.load_scoring())
    holdings = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C3", "C3", "C9"],
            "product_id": ["P1", "P3", "P3", "P4", "P2"],
            "product_risk": ["R1", "R3", "3", "R4", "R2"],
        }
    )
    audit = suitability.audit_holdings(holdings, risk, segments=pd.Series({"C1": "new", "C3": "vip", "C9": "vip"}))
    # C1 (level 1) holds P3 (R3): excess 2; C3 (level 3) holds P4 (R4): excess 1; C9 has no questionnaire
    assert audit.violations[["customer_id", "product_id", "excess"]].values.tolist() == [["C1", "P3", 2], ["C3", "P4", 1]]
    assert audit.unassessed["customer_id"].tolist() == ["C9"]
    by_product = audit.by_product.set_index("product_id")["violations"].to_dict()
    assert by_product == {"P1": 0, "P2": 0, "P3": 1, "P4": 1}
    by_segment = audit.by_segment.set_index("segment")
    assert by_segment.loc["new", "violations"] == 1 and by_segment.loc["vip", "holdings"] == 3


def test_bad_product_risk():
    risk = suitability.score_risk(answers({"C1": "aaaaa"}), scoring=suitability.load_scoring())
    holdings = pd.DataFrame({"customer_id": ["C1"], "product_id": ["P1"], "product_risk": ["high"]})
    with pytest.raises(InputError, match="not risk levels 1–5 or R1–R5 \\(row 1: 'high'\\)"):
        suitability.audit_holdings(holdings, risk)
