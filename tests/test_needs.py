"""Need priority: quadrants, gap, opportunity, IPA, relative weights, backlog and its stability."""

from pathlib import Path

import pandas as pd
import pytest

from segkit.core.errors import InputError
from segkit.needs import importance, priority
from segkit.needs import importance_performance as ipa
from segkit.needs import ranking as backlog
from segkit.needs import segments as needs_segments
from segkit.survey.catalogue import NeedCatalogue
from segkit.survey.likert import LikertScale
from segkit.survey.read import survey_from_long

FIXTURES = Path(__file__).parent / "fixtures"


def make_survey(answers: dict[str, dict[str, list]], *, extra: dict[str, list] | None = None):
    """A survey from {item: {measure: [answer per respondent]}}; respondents r1, r2, ..."""
    rows = []
    n = max(len(v) for m in answers.values() for v in m.values())
    for item, measures in answers.items():
        for measure, values in measures.items():
            rows += [
                {"respondent_id": f"r{i + 1}", "item": item, "measure": measure, "answer": str(v)} for i, v in enumerate(values)
            ]
    items = pd.DataFrame(
        {
            "item": list(answers),
            "label_en": list(answers),
            "label_zh": list(answers),
            "functional": "functional",
            "level": "basic",
            "role": "core",
            "horizon": "long-term",
            "category": "function",
        }
    )
    respondents = pd.DataFrame(
        {"respondent_id": [f"r{i + 1}" for i in range(n)], "customer_id": [f"c{i + 1}" for i in range(n)], **(extra or {})}
    )
    return survey_from_long(pd.DataFrame(rows), respondents, catalogue=NeedCatalogue(items), scale=LikertScale.default())


def test_relative_weights_mtcars_reference():
    # Johnson (2000) relative weights, mpg ~ cyl + disp + hp + gear on the 32 published mtcars rows
    mtcars = pd.read_csv(FIXTURES / "mtcars.csv")
    result = importance.relative_weights(mtcars, outcome="mpg", predictors=["cyl", "disp", "hp", "gear"])
    assert result.r2 == pytest.approx(0.7791896, abs=1e-7)
    raw = result.weights.set_index("predictor")["raw"]
    assert raw["cyl"] == pytest.approx(0.2284797, abs=1e-7)
    assert raw["disp"] == pytest.approx(0.2221469, abs=1e-7)
    assert raw["hp"] == pytest.approx(0.2321744, abs=1e-7)
    assert raw["gear"] == pytest.approx(0.0963886, abs=1e-7)
    assert result.weights["rescaled"].sum() == pytest.approx(1.0)


def test_relative_weights_bootstrap_brackets_estimate():
    mtcars = pd.read_csv(FIXTURES / "mtcars.csv")
    result = importance.relative_weights(mtcars, outcome="mpg", predictors=["cyl", "hp"], n_boot=200, seed=3)
    w = result.weights
    assert ((w["ci_low"] <= w["raw"]) & (w["raw"] <= w["ci_high"])).all()


def test_relative_weights_constant_predictor_is_input_error():
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4, 5], "a": [1.0, 2, 1, 2, 1], "b": [3.0] * 5})
    with pytest.raises(InputError, match="never vary"):
        importance.relative_weights(frame, outcome="y", predictors=["a", "b"])


PRIORITY = {
    # item: importance answers, urgency answers -> means
    "N1": {"importance": [5, 4], "urgency": [5, 4]},  # 4.5 x 4.5 = 20.25, act now
    "N2": {"importance": [5, 5], "urgency": [1, 2]},  # 5.0 x 1.5 = 7.5, plan
    "N3": {"importance": [1, 2], "urgency": [4, 5]},  # 1.5 x 4.5 = 6.75, quick fix
    "N4": {"importance": [3, 4], "urgency": [2, 1]},  # 3.5 x 1.5 = 5.25, plan at midpoint 3, monitor at mean 3.625
}


def test_priority_quadrants_by_hand():
    matrix = priority.priority_matrix(make_survey(PRIORITY))
    table = matrix.table.set_index("item")
    assert table["score"].to_dict() == pytest.approx({"N1": 20.25, "N2": 7.5, "N3": 6.75, "N4": 5.25})
    assert table["quadrant"].to_dict() == {"N1": "act-now", "N2": "plan", "N3": "quick-fix", "N4": "plan"}
    assert matrix.table["item"].tolist() == ["N1", "N2", "N3", "N4"]  # by score
    assert table["small_base"].all()  # 2 answers < 30
    assert table.loc["N1", "share_important"] == 1.0 and table.loc["N3", "share_important"] == 0.0


def test_priority_mean_crosshair():
    # importance mean over items = (4.5 + 5 + 1.5 + 3.5) / 4 = 3.625; urgency mean = 3.0
    matrix = priority.priority_matrix(make_survey(PRIORITY), crosshair="mean")
    assert matrix.importance_line == pytest.approx(3.625) and matrix.urgency_line == pytest.approx(3.0)
    assert matrix.table.set_index("item").loc["N4", "quadrant"] == "monitor"


def test_priority_uses_complaint_urgency_when_not_asked():
    survey = make_survey({"N1": {"importance": [5, 5]}, "N2": {"importance": [5, 4]}})
    with pytest.raises(InputError, match="no urgency"):
        priority.priority_matrix(survey)
    matrix = priority.priority_matrix(survey, urgency=pd.Series({"N1": 5.0, "N2": 1.0}))
    assert matrix.table.set_index("item")["quadrant"].to_dict() == {"N1": "act-now", "N2": "plan"}


def test_gap_paired_test_by_hand():
    # differences 2, 1, 0, 3: mean 1.5, sd sqrt(5/3) = 1.2910, t = 1.5 / (1.2910 / 2) = 2.3238, df 3, p = 0.1027
    survey = make_survey({"N1": {"importance": [5, 4, 3, 5], "satisfaction": [3, 3, 3, 2]}})
    row = priority.gap_analysis(survey).iloc[0]
    assert row["gap"] == pytest.approx(1.5)
    assert row["t"] == pytest.approx(2.3238, abs=1e-4)
    assert row["p"] == pytest.approx(0.1027, abs=1e-4)
    assert row["n"] == 4


def test_gap_uses_only_complete_pairs():
    survey = make_survey({"N1": {"importance": [5, 4, 3], "satisfaction": [3, "don't know", 1]}})
    row = priority.gap_analysis(survey).iloc[0]
    assert row["n"] == 2 and row["gap"] == pytest.approx(2.0)


def test_opportunity_by_hand():
    survey = make_survey(
        {
            # importance top-2 share 3/5 -> 6; satisfaction 1/5 -> 2; 6 + (6 - 2) = 10: not above 10 -> served
            "N1": {"importance": [5, 5, 4, 2, 1], "satisfaction": [5, 1, 2, 3, 3]},
            # 10 + (10 - 0) = 20 -> underserved
            "N2": {"importance": [5, 5, 5, 4, 4], "satisfaction": [1, 1, 2, 2, 3]},
            # importance 2, satisfaction 8: 2 + 0 = 2 -> overserved
            "N3": {"importance": [1, 1, 1, 2, 4], "satisfaction": [5, 5, 4, 4, 1]},
        }
    )
    table = priority.opportunity_scores(survey).set_index("item")
    assert table["opportunity"].to_dict() == pytest.approx({"N1": 10.0, "N2": 20.0, "N3": 2.0})
    assert table["status"].to_dict() == {"N1": "served", "N2": "underserved", "N3": "overserved"}


IPA = {
    "N1": {"importance": [5, 4], "satisfaction": [2, 2]},  # 4.5 / 2.0
    "N2": {"importance": [5, 4], "satisfaction": [5, 4]},  # 4.5 / 4.5
    "N3": {"importance": [2, 2], "satisfaction": [2, 2]},  # 2.0 / 2.0
    "N4": {"importance": [2, 2], "satisfaction": [5, 4]},  # 2.0 / 4.5
    "N5": {"importance": [3, 3], "satisfaction": [3, 2]},  # 3.0 / 2.5
}


def test_ipa_three_models_by_hand():
    survey = make_survey(IPA)
    scale = ipa.ipa(survey, model="scale").table.set_index("item")["quadrant"].to_dict()
    assert scale == {
        "N1": "concentrate-here",
        "N2": "keep-up",
        "N3": "low-priority",
        "N4": "possible-overkill",
        "N5": "low-priority",
    }
    # data means: importance (4.5 + 4.5 + 2 + 2 + 3) / 5 = 3.2, performance (2 + 4.5 + 2 + 4.5 + 2.5) / 5 = 3.1
    data = ipa.ipa(survey, model="data")
    assert data.importance_line == pytest.approx(3.2) and data.performance_line == pytest.approx(3.1)
    assert data.table.set_index("item")["quadrant"].to_dict() == scale
    # diagonal: N5 has importance 3 > performance 2.5, so it is above the iso-priority line
    diagonal = ipa.ipa(survey, model="diagonal").table.set_index("item")["quadrant"].to_dict()
    assert diagonal == {**scale, "N5": "concentrate-here"}


METRICS = pd.DataFrame(
    {
        "item": ["A", "B", "C"],
        "priority_score": [20.0, 10.0, 15.0],
        "gap": [2.0, 0.0, 1.0],
        "opportunity": [15.0, 5.0, 10.0],
        "kano_class": ["M", "A", "I"],
        "complaint_urgency": [0.5, 1.0, 0.0],
    }
)


def test_backlog_order_by_hand():
    # normalised: priority A 1, B 0, C .5; gap and opportunity the same; Kano M 1, A .5, I 0; complaints .5, 1, 0
    # A = .3 + .2 + .2 + .15 + .15*.5 = .925; B = .15*.5 + .15 = .225; C = .3*.5 + .2*.5 + .2*.5 = .35
    result = backlog.backlog(METRICS)
    assert result.table["item"].tolist() == ["A", "C", "B"]
    assert result.table["backlog_score"].tolist() == pytest.approx([0.925, 0.35, 0.225])
    assert result.table["rank"].tolist() == [1, 2, 3]


def test_backlog_weights_change_the_order():
    result = backlog.backlog(METRICS, weights={"complaint_urgency": 1.0})
    assert result.table["item"].tolist() == ["B", "A", "C"]


def test_backlog_renormalises_missing_components():
    # no complaint data: weights .3 .2 .2 .15 over .85; A = .85/.85 = 1, C = .35/.85, B = .075/.85
    result = backlog.backlog(METRICS.drop(columns="complaint_urgency"))
    assert result.table["backlog_score"].tolist() == pytest.approx([1.0, 0.35 / 0.85, 0.075 / 0.85])
    assert sum(result.weights.values()) == pytest.approx(1.0)


def test_backlog_unknown_weight_is_input_error():
    with pytest.raises(InputError, match="unknown components"):
        backlog.backlog(METRICS, weights={"loudness": 1.0})


def stable_survey():
    n = 40
    return make_survey(
        {
            "N1": {"importance": [5] * n, "urgency": [5] * n, "satisfaction": [1] * n},
            "N2": {"importance": [4, 3] * 20, "urgency": [3, 2] * 20, "satisfaction": [3] * n},
            "N3": {"importance": [1] * n, "urgency": [1] * n, "satisfaction": [5] * n},
        }
    )


def test_backlog_stability_clear_leader_always_on_top():
    table = backlog.backlog_stability(stable_survey(), top_k=1, n_boot=30, seed=1).set_index("item")
    assert table.loc["N1", "top_k_share"] == 1.0
    assert table.loc["N3", "top_k_share"] == 0.0
    assert table.loc["N1", "rank"] == 1


def test_priority_by_segment():
    survey = make_survey(
        {"N1": {"importance": [5, 5, 1, 1], "urgency": [5, 5, 1, 1]}, "N2": {"importance": [1, 1, 5, 5], "urgency": [1, 1, 5, 5]}}
    )
    segments = needs_segments.respondent_segments(
        survey.respondents, pd.Series({"c1": "ent", "c2": "ent", "c3": "ind", "c4": "ind"})
    )
    table = needs_segments.priority_by_segment(survey, segments)
    top = table[table["rank"] == 1].set_index("segment")["item"].to_dict()
    assert top == {"ent": "N1", "ind": "N2"}
    assert table["small_base"].all()


def test_derived_importance_recovers_the_driver():
    # overall satisfaction equals N1's satisfaction; N2 is unrelated
    s1 = [1, 2, 3, 4, 5] * 8
    s2 = [3, 1, 4, 1, 5, 2, 2, 3] * 5
    survey = make_survey(
        {"N1": {"importance": [3] * 40, "satisfaction": s1}, "N2": {"importance": [5] * 40, "satisfaction": s2}},
        extra={"overall_satisfaction": [float(v) for v in s1]},
    )
    table, rw = importance.derived_importance(survey, n_boot=20)
    table = table.set_index("item")
    assert rw.r2 == pytest.approx(1.0)
    assert table.loc["N1", "rank_derived"] == 1 and table.loc["N2", "rank_stated"] == 1
