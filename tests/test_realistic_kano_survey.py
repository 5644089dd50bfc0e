"""A Kano survey shaped like the public ones: a wide export (Google Forms / SurveyMonkey style) with
one column per question named by the question text, answers as text labels in Kano's own wording,
UX-guide wording and Chinese, a third "importance" question, no respondent id.

Expected classes are worked out by hand from the classic evaluation table (see test_kano.py):

dark_mode  A A O M I A A A          → A 5, O 1, M 1, I 1 (n 8): Better 6/8 = 0.75, Worse −2/8 = −0.25
offline    M M O M M M Q (blank)    → M 5, O 1, Q 1 (n 7):      Better 1/6,        Worse −6/6 = −1
export     I R I A I I I M          → I 5, R 1, A 1, M 1 (n 8): Better 1/7,        Worse −1/7
"""

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from segkit import InputError
from segkit.needs import kano
from segkit.survey import catalogue as survey_catalogue
from segkit.survey import load

FIXTURES = Path(__file__).parent / "fixtures" / "survey"


@pytest.fixture
def public():
    catalogue = survey_catalogue.load_catalogue(FIXTURES / "kano_public_needs.yaml")
    return load.read_survey(FIXTURES / "kano_public.csv", catalogue=catalogue)


def test_public_wide_kano_file_reads_through_the_catalogue_columns(public):
    assert public.n == 8
    assert public.respondents["respondent_id"].tolist() == [str(i) for i in range(1, 9)]  # data rows
    assert "Timestamp" in public.respondents.columns  # other columns stay respondent facts
    pairs = public.kano.set_index(["respondent_id", "item"])
    assert tuple(pairs.loc[("6", "dark_mode")]) == ("like", "neutral")  # "I like it that way." / "I’m neutral"
    assert tuple(pairs.loc[("8", "dark_mode")]) == ("like", "neutral")  # 我喜欢 / 无所谓
    assert tuple(pairs.loc[("5", "offline")]) == ("must-be", "dislike")  # 理所当然 / 不喜欢
    assert pairs.loc[("8", "offline")].isna().all()  # unanswered: missing, not an error
    # the third question: importance labels on the 1..5 scale, blank = no answer
    assert public.wide("importance")["dark_mode"].tolist()[:7] == [4, 5, 3, 4, 1, 2, 4]
    assert pd.isna(public.wide("importance").loc["8", "dark_mode"])


def test_public_kano_file_classes_and_coefficients_by_hand(public):
    classified = kano.classify_survey(public.kano.dropna(subset=["functional", "dysfunctional"]))
    table = kano.kano_table(classified, items=public.catalogue.ids, n_boot=0).set_index("item")
    assert table.loc["dark_mode", ["A", "O", "M", "I", "R", "Q"]].tolist() == [5, 1, 1, 1, 0, 0]
    assert table.loc["offline", ["A", "O", "M", "I", "R", "Q"]].tolist() == [0, 1, 5, 0, 0, 1]
    assert table.loc["export", ["A", "O", "M", "I", "R", "Q"]].tolist() == [1, 0, 1, 5, 1, 0]
    assert table["category"].to_dict() == {"dark_mode": "A", "offline": "M", "export": "I"}
    assert table.loc["dark_mode", ["better", "worse"]].tolist() == pytest.approx([0.75, -0.25])
    assert table.loc["offline", ["better", "worse"]].tolist() == pytest.approx([1 / 6, -1.0])
    assert table.loc["export", ["better", "worse"]].tolist() == pytest.approx([1 / 7, -1 / 7])


def test_unknown_label_names_file_row_column_and_value(tmp_path):
    text = (FIXTURES / "kano_public.csv").read_text(encoding="utf-8").replace("Expect,I dislike it", "Expect,Love it")
    path = tmp_path / "kano_public.csv"
    path.write_text(text, encoding="utf-8")
    catalogue = survey_catalogue.load_catalogue(FIXTURES / "kano_public_needs.yaml")
    with pytest.raises(InputError) as error:
        load.read_survey(path, catalogue=catalogue)
    # 8 respondents x 7 answer columns = 56 cells, 3 of them blank (row 8) = 53 answers
    assert str(error.value).startswith(
        "kano_public.csv: 1 of 53 answers are not on the scale or not a known label "
        "(row 4 (respondent 4), column 'How would you feel if the app did not work offline?', "
        "item offline dysfunctional: 'Love it'); fix them, or add the label"
    )


def test_catalogue_column_missing_from_the_file(tmp_path):
    needs = (FIXTURES / "kano_public_needs.yaml").read_text(encoding="utf-8").replace("worked offline?", "works offline?")
    (tmp_path / "needs.yaml").write_text(needs, encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"kano_public\.csv: columns named in the need catalogue are not in the file "
        r"\(item offline functional: 'How would you feel if the app works offline\?'\)",
    ):
        load.read_survey(FIXTURES / "kano_public.csv", catalogue=survey_catalogue.load_catalogue(tmp_path / "needs.yaml"))


NUMERIC_NEEDS = """
measure_names: {functional: F, dysfunctional: D}
respondent_column: ID
kano_answers: {like: ["5"], must-be: ["4"], neutral: ["3"], live-with: ["2"], dislike: ["1"]}
items:
  - {id: Q1, label_en: Fast, label_zh: 快, functional: non-functional, level: basic, role: core, horizon: long-term, category: speed}
  - {id: Q2, label_en: Cheap, label_zh: 便宜, functional: non-functional, level: value-added, role: core, horizon: long-term, category: price}
"""


def test_numeric_answers_coded_in_reverse_in_a_workbook(tmp_path):
    # A survey tool export coding 5 = "I like it" .. 1 = "I dislike it" (the reverse of segkit's
    # default 1 = like), columns Q1_F / Q1_D: the catalogue says so, no code changes.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["ID", "Q1_F", "Q1_D", "Q2_F", "Q2_D"])
    sheet.append([101, 5, 1, 3, 3])
    sheet.append([102, 4, 1, 5, 2])
    sheet.append([103, 5, 3, None, None])
    workbook.save(tmp_path / "kano.xlsx")
    (tmp_path / "needs.yaml").write_text(NUMERIC_NEEDS, encoding="utf-8")
    s = load.read_survey(tmp_path / "kano.xlsx", catalogue=survey_catalogue.load_catalogue(tmp_path / "needs.yaml"))
    pairs = s.kano.set_index(["respondent_id", "item"])
    assert tuple(pairs.loc[("101", "Q1")]) == ("like", "dislike")  # O
    assert tuple(pairs.loc[("102", "Q1")]) == ("must-be", "dislike")  # M
    assert tuple(pairs.loc[("103", "Q1")]) == ("like", "neutral")  # A
    assert tuple(pairs.loc[("102", "Q2")]) == ("like", "live-with")  # A
    classes = kano.classify_survey(s.kano.dropna(subset=["functional", "dysfunctional"]))["kano_class"].tolist()
    assert sorted(classes) == sorted(["O", "M", "A", "I", "A"])


def test_catalogue_survey_settings_are_checked(tmp_path):
    bad = NUMERIC_NEEDS.replace("measure_names: {functional: F", "measure_names: {funktional: F")
    (tmp_path / "needs.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(InputError, match=r"needs\.yaml: measure_names: expected 'measure: column' lines"):
        survey_catalogue.load_catalogue(tmp_path / "needs.yaml")
    (tmp_path / "needs.yaml").write_text(NUMERIC_NEEDS.replace("kano_answers: {like", "kano_answers: {love"), encoding="utf-8")
    with pytest.raises(InputError, match=r"needs\.yaml: kano_answers must map like, must-be, neutral, live-with, dislike"):
        survey_catalogue.load_catalogue(tmp_path / "needs.yaml")
    (tmp_path / "needs.yaml").write_text("survey_columns: {}\n" + NUMERIC_NEEDS, encoding="utf-8")
    with pytest.raises(InputError, match=r"needs\.yaml: unknown key\(s\) 'survey_columns'"):
        survey_catalogue.load_catalogue(tmp_path / "needs.yaml")
