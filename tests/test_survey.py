"""Survey intake: need catalogue, Likert labels in two languages, bad answers reported."""

import numpy as np
import pandas as pd
import pytest

from segkit.core.errors import InputError
from segkit.survey import catalogue as survey_catalogue
from segkit.survey import likert, load, read

CATALOGUE = """
items:
  - {id: N1, label_en: Works, label_zh: 好用, functional: functional, level: basic, role: core, horizon: long-term, category: function}
  - {id: N2, label_en: Cheap, label_zh: 便宜, functional: non-functional, level: value-added, role: supplementary, horizon: short-term, category: price}
"""


@pytest.fixture
def catalogue(tmp_path):
    path = tmp_path / "needs.yaml"
    path.write_text(CATALOGUE, encoding="utf-8")
    return survey_catalogue.load_catalogue(path)


def test_catalogue(catalogue):
    assert catalogue.ids == ["N1", "N2"]
    assert catalogue.labels("zh") == {"N1": "好用", "N2": "便宜"}
    assert catalogue.items.loc[1, "level"] == "value-added"


def test_catalogue_bad_tag(tmp_path):
    path = tmp_path / "needs.yaml"
    path.write_text(CATALOGUE.replace("level: basic", "level: essential"), encoding="utf-8")
    with pytest.raises(InputError, match="N1: level is 'essential'; use one of basic, value-added"):
        survey_catalogue.load_catalogue(path)


def test_likert_labels_numbers_and_missing():
    values = pd.Series(["非常重要", "Very Important", " 4 ", "5.0", "don't know", "", None, "不知道", "3.5", "7", "super"])
    points, bad = likert.parse_likert(values, scale=likert.LikertScale.default(), measure="importance")
    assert points.iloc[:4].tolist() == [5, 4, 4, 5]
    assert points.iloc[4:].isna().all()
    assert bad.tolist() == [False] * 8 + [True] * 3


def test_likert_measure_specific_and_reverse():
    scale = likert.LikertScale.default()
    points, _ = likert.parse_likert(pd.Series(["非常满意", "dissatisfied", "一般"]), scale=scale, measure="satisfaction")
    assert points.tolist() == [5, 2, 3]
    reversed_points, _ = likert.parse_likert(pd.Series(["1", "2", "5"]), scale=scale, measure="satisfaction", reverse=True)
    assert reversed_points.tolist() == [5, 4, 1]


def test_custom_seven_point_scale():
    scale = likert.LikertScale(low=1, high=7, labels={"importance": {"top": 7.0}}, missing=frozenset({""}))
    points, bad = likert.parse_likert(pd.Series(["6", "top", "8"]), scale=scale, measure="importance")
    assert points.iloc[:2].tolist() == [6, 7] and bad.tolist() == [False, False, True]


WIDE = """respondent_id,customer_id,N1_importance,N1_satisfaction,N1_functional,N1_dysfunctional,N2_importance,N2_satisfaction,overall_satisfaction,nps
R1,CU1,非常重要,满意,我很喜欢,我很不喜欢,2,very satisfied,4,9
R2,CU2,very important,don't know,理应如此,I dislike it,一般,,3,6
R3,,5,1,I am neutral,无所谓,important,非常不满意,2,
"""


def test_read_wide_survey(tmp_path, catalogue):
    path = tmp_path / "survey.csv"
    path.write_text(WIDE, encoding="utf-8")
    s = load.read_survey(path, catalogue=catalogue)
    assert s.n == 3
    imp = s.wide("importance")
    assert imp.loc["R1"].tolist() == [5, 2] and imp.loc["R3"].tolist() == [5, 4]
    assert np.isnan(s.wide("satisfaction").loc["R2", "N1"])
    kano_pairs = s.kano.set_index(["respondent_id", "item"])
    assert tuple(kano_pairs.loc[("R2", "N1")]) == ("must-be", "dislike")
    assert s.respondents["nps"].tolist()[:2] == [9, 6] and np.isnan(s.respondents["nps"].iloc[2])
    bases = read.base_sizes(s).set_index("item")
    assert bases.loc["N1", "satisfaction"] == 2 and bases.loc["N1", "kano"] == 3 and bases.loc["N2", "kano"] == 0


def test_bad_answers_are_reported_with_item_respondent_value(tmp_path, catalogue):
    path = tmp_path / "survey.csv"
    path.write_text(
        WIDE.replace("very important", "sehr wichtig")
        .replace("2,very satisfied", "9,very satisfied")
        .replace("I am neutral", "maybe"),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as error:
        load.read_survey(path, catalogue=catalogue)
    text = str(error.value)
    assert text.startswith("survey.csv: 3 of ")
    # file, data row, respondent, column, item and value of each, in file order
    assert "row 1 (respondent R1), column 'N2_importance', item N2 importance: '9'" in text
    assert "row 2 (respondent R2), column 'N1_importance', item N1 importance: 'sehr wichtig'" in text
    assert "row 3 (respondent R3), column 'N1_functional', item N1 functional: 'maybe'" in text
    assert text.index("row 1 ") < text.index("row 2 ") < text.index("row 3 ")


def test_bad_nps_is_reported(tmp_path, catalogue):
    path = tmp_path / "survey.csv"
    path.write_text(WIDE.replace(",4,9\n", ",4,11\n"), encoding="utf-8")
    with pytest.raises(InputError, match=r"column 'nps': 1 of 3 values are not numbers from 0 to 10 \(row 1: '11'\)"):
        load.read_survey(path, catalogue=catalogue)


def test_no_answer_columns(tmp_path, catalogue):
    path = tmp_path / "survey.csv"
    path.write_text("respondent_id,q1\nR1,5\n", encoding="utf-8")
    with pytest.raises(InputError, match="survey.csv: no survey answer columns.*'N1_importance'"):
        load.read_survey(path, catalogue=catalogue)


def test_read_long_survey(tmp_path, catalogue):
    rows = [
        "respondent_id,item,measure,answer",
        "R1,,customer_id,CU1",
        "R1,,nps,10",
        "R1,N1,importance,非常重要",
        "R1,N1,functional,like",
        "R1,N1,dysfunctional,dislike",
        "R2,,nps,3",
        "R2,N1,importance,2",
    ]
    path = tmp_path / "long.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    s = load.read_survey(path, catalogue=catalogue, layout="long")
    assert s.wide("importance").loc[["R1", "R2"], "N1"].tolist() == [5, 2]
    assert s.respondents.set_index("respondent_id")["nps"].to_dict() == {"R1": 10, "R2": 3}


def test_unknown_item_in_long_answers(catalogue):
    answers = pd.DataFrame({"respondent_id": ["R1"], "item": ["N9"], "measure": ["importance"], "answer": ["5"]})
    with pytest.raises(InputError, match="items not in the need catalogue: N9"):
        read.survey_from_long(answers, pd.DataFrame({"respondent_id": ["R1"]}), catalogue=catalogue)


def test_subset(tmp_path, catalogue):
    path = tmp_path / "survey.csv"
    path.write_text(WIDE, encoding="utf-8")
    s = load.read_survey(path, catalogue=catalogue).subset(["R1"])
    assert s.n == 1 and set(s.ratings["respondent_id"]) == {"R1"}


def test_a_catalogue_needs_only_ids_and_one_label(tmp_path):
    path = tmp_path / "needs.yaml"
    path.write_text("items:\n- {id: F1, label_en: Dark mode}\n- {id: F2, label_zh: 数据导出, level: basic}\n", encoding="utf-8")
    catalogue = survey_catalogue.load_catalogue(path)
    assert catalogue.labels("en") == {"F1": "Dark mode", "F2": "数据导出"}
    assert catalogue.labels("zh") == {"F1": "Dark mode", "F2": "数据导出"}
    assert catalogue.items["level"].tolist() == ["unclassified", "basic"]
    assert catalogue.items["category"].tolist() == ["unclassified", "unclassified"]
    path.write_text("items:\n- {id: F1}\n", encoding="utf-8")
    with pytest.raises(InputError, match="item 1 \\(F1\\) needs an id and a label_en or label_zh"):
        survey_catalogue.load_catalogue(path)
    path.write_text("items:\n- {id: F1, label_en: x, level: premium}\n", encoding="utf-8")
    with pytest.raises(InputError, match="level is 'premium'; use one of basic, value-added"):
        survey_catalogue.load_catalogue(path)


def test_labels_fall_back_to_another_language_then_the_id(tmp_path):
    from segkit.survey.catalogue import load_catalogue

    path = tmp_path / "needs.yaml"
    path.write_text("items:\n  - {id: N1, label_en: Fast delivery}\n  - {id: N2, label_zh: 价格透明}\n", encoding="utf-8")
    catalogue = load_catalogue(path)
    assert catalogue.labels("zh") == {"N1": "Fast delivery", "N2": "价格透明"}
    assert catalogue.labels("en") == {"N1": "Fast delivery", "N2": "价格透明"}
