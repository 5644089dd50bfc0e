"""Issue 12, "misread without a word": config values and input files that used to be taken silently.

Each case is refused with a message naming the file and the key (or read correctly): a boolean
where a number belongs, a key given twice, an empty notebook list, a survey or catalogue in an
encoding other than UTF-8, and survey columns whose measure words segkit does not know.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from segkit.core.errors import InputError
from segkit.needs.complaints import load_dictionary
from segkit.pipeline.config import InputFile, load_config
from segkit.pipeline.prepare import prepare
from segkit.survey.catalogue import load_catalogue
from segkit.survey.load import read_survey

SRC = Path(__file__).resolve().parents[1] / "src"

CATALOGUE = """\
items:
  - {id: N01, label_en: Fast delivery, label_zh: 配送快}
  - {id: N02, label_en: Fair price, label_zh: 价格公道}
"""
LATIN_CATALOGUE = """\
items:
  - {id: N01, label_en: Crème delivered fast}
  - {id: N02, label_en: Fair price}
"""
SURVEY = """\
respondent_id,customer_id,city,N01_importance,N01_satisfaction,N02_importance,N02_satisfaction
R1,C1,Zürich,5,4,3,2
R2,C2,Köln,4,4,2,5
"""
CHINESE_SURVEY = SURVEY.replace("Zürich", "北京").replace("Köln", "上海")


@pytest.fixture
def project(tmp_path):
    """A project with one notebook and one input, and a writer of configs on top of a valid base."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01-tiny.py").write_text("# %% tags=['parameters']\nrun_id = ''\n", encoding="utf-8")
    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")

    def config(text: str = "", *, head: str = "run_id: tiny\n") -> Path:
        path = tmp_path / "run.yaml"
        base = f"{head}base_dir: {tmp_path}\ninputs:\n  transactions: {{path: t.csv, preset: demo}}\n"
        path.write_text(base + textwrap.dedent(text), encoding="utf-8")
        return path

    return tmp_path, config


def _cli(config: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "segkit", "run", str(config)], check=False, capture_output=True, text=True, env=env
    )


# ------------------------------------------------------------------- 1. booleans are not numbers
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("cell_timeout: true\n", "run.yaml: cell_timeout must be a positive whole number of seconds, got True"),
        ("cell_timeout: 0\n", "run.yaml: cell_timeout must be a positive whole number of seconds, got 0"),
        ("cell_timeout: -5\n", "run.yaml: cell_timeout must be a positive whole number of seconds, got -5"),
        ("cell_timeout: 1.5\n", "run.yaml: cell_timeout must be a positive whole number of seconds, got 1.5"),
        ("churn_days: true\n", "run.yaml: churn_days must be a positive whole number of days, got True"),
        ("churn_days: 0\n", "run.yaml: churn_days must be a positive whole number of days, got 0"),
        ("migration_days: false\n", "run.yaml: migration_days must be a positive whole number of days, got False"),
        ("migration_days: -30\n", "run.yaml: migration_days must be a positive whole number of days, got -30"),
        ("value_clusters: {k: true}\n", "run.yaml: value_clusters.k must be a whole number 0 (chosen from the data)"),
        ("value_clusters: {k_min: true}\n", "run.yaml: value_clusters.k_min must be a whole number from 2 to 20, got True"),
        ("value_clusters: {k_max: -3}\n", "run.yaml: value_clusters.k_max must be a whole number from 2 to 20, got -3"),
        (
            "lifetime_value: {horizon_months: true}\n",
            "lifetime_value.horizon_months must be a whole number from 1 to 120, got True",
        ),
        ("lifetime_value: {horizon_months: 0}\n", "lifetime_value.horizon_months must be a whole number from 1 to 120, got 0"),
        ("lifetime_value: {churn_window_days: true}\n", "lifetime_value.churn_window_days must be a whole number of days"),
    ],
)
def test_integer_keys_refuse_booleans_and_non_positive_values(project, extra, message):
    _, config = project
    with pytest.raises(InputError) as caught:
        load_config(config(extra))
    assert message in str(caught.value)


def test_a_positive_cell_timeout_is_kept(project):
    _, config = project
    assert load_config(config("cell_timeout: 60\n")).cell_timeout == 60


# ------------------------------------------------------------------- 2. a key given twice
def test_a_top_level_key_given_twice_names_both_lines(project):
    _, config = project
    with pytest.raises(InputError) as caught:
        load_config(config("language: zh\n", head="run_id: tiny\nlanguage: en\n"))
    assert str(caught.value) == "run.yaml: key 'language' is given twice (lines 2 and 6); keep one of them"


def test_an_input_given_twice_names_both_lines(project):
    _, config = project
    with pytest.raises(InputError, match=r"^run\.yaml: key 'transactions' is given twice \(lines 4 and 5\)"):
        load_config(config("  transactions: {path: t.csv, preset: demo}\nlanguage: en\n"))


def test_a_flow_mapping_with_a_key_twice_is_refused(project):
    _, config = project
    with pytest.raises(InputError, match=r"^run\.yaml: key 'k' is given twice \(lines 5 and 5\)"):
        load_config(config("value_clusters: {k: 3, k: 4}\n"))


def test_yaml_merge_keys_still_work(project):
    _, config = project
    text = "lifetime_value: &lv {horizon_months: 6}\n_unused: 0\n"
    with pytest.raises(InputError, match="unknown key '_unused'"):  # merge key parsed, duplicate check passed
        load_config(config(text))


def test_the_need_catalogue_and_the_mapping_refuse_a_key_twice(tmp_path):
    needs = tmp_path / "needs.yaml"
    needs.write_text(CATALOGUE + "respondent_column: respondent_id\nrespondent_column: id\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^needs\.yaml: key 'respondent_column' is given twice \(lines 4 and 5\)"):
        load_catalogue(needs)
    from segkit.intake.presets import read_mapping

    mapping = tmp_path / "map.yaml"
    mapping.write_text("customer_id: a\norder_date: b\nquantity: c\nunit_price: d\nquantity: e\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^map\.yaml: key 'quantity' is given twice \(lines 3 and 5\)"):
        read_mapping(mapping)


# ------------------------------------------------------------------- 3. an empty notebook list
def test_an_empty_notebook_list_is_refused(project):
    _, config = project
    with pytest.raises(InputError) as caught:
        load_config(config("notebooks: []\n"))
    assert str(caught.value) == "run.yaml: notebooks: the list is empty; omit the key to run every notebook"


def test_a_notebook_name_instead_of_a_list_is_refused(project):
    _, config = project
    with pytest.raises(InputError, match=r"^run\.yaml: notebooks must be a list of notebook names"):
        load_config(config("notebooks: 01-tiny\n"))


def test_omitted_notebooks_run_every_notebook(project):
    _, config = project
    assert load_config(config()).notebooks == ("01-tiny",)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "head", "message"),
    [
        ("cell_timeout: true\n", "run_id: tiny\n", "segkit: run.yaml: cell_timeout must be a positive whole number"),
        ("", "run_id: tiny\nrun_id: tiny2\n", "segkit: run.yaml: key 'run_id' is given twice (lines 1 and 2)"),
        ("notebooks: []\n", "run_id: tiny\n", "segkit: run.yaml: notebooks: the list is empty"),
    ],
)
def test_the_cli_exits_2_with_the_message_and_no_traceback(project, extra, head, message):
    _, config = project
    done = _cli(config(extra, head=head))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(message) and "Traceback" not in done.stderr


# ------------------------------------------------------------------- 4. a survey's encoding
def _survey_files(folder: Path, *, survey_encoding: str, needs_encoding: str = "utf-8") -> tuple[Path, Path]:
    """survey.csv and needs.yaml in the encodings given: Chinese text for GB18030, Western for the others."""
    survey, needs = folder / "survey.csv", folder / "needs.yaml"
    survey.write_bytes((CHINESE_SURVEY if survey_encoding == "gb18030" else SURVEY).encode(survey_encoding))
    needs.write_bytes((CATALOGUE if needs_encoding in ("utf-8", "gb18030") else LATIN_CATALOGUE).encode(needs_encoding))
    return survey, needs


def test_a_latin1_survey_is_read_through_prepare_with_its_encoding(tmp_path):
    survey, needs = _survey_files(tmp_path, survey_encoding="latin-1", needs_encoding="latin-1")
    inputs = {"survey": InputFile(path=survey, encoding="latin-1"), "needs": InputFile(path=needs, encoding="latin-1")}
    run = prepare(inputs, tmp_path / "prepared")
    assert run.meta["errors"] == {}
    assert run.survey.respondents["city"].tolist() == ["Zürich", "Köln"]
    assert run.survey.catalogue.labels("en")["N01"] == "Crème delivered fast"  # the copy in the prepared folder is UTF-8
    assert run.survey.wide("importance").loc["R1"].tolist() == [5, 3]


def test_a_latin1_survey_without_its_encoding_asks_for_it(tmp_path):
    survey, needs = _survey_files(tmp_path, survey_encoding="latin-1")
    run = prepare({"survey": InputFile(path=survey), "needs": InputFile(path=needs)}, tmp_path / "prepared")
    assert "survey.csv: the file is neither UTF-8 nor GB18030 text" in run.meta["errors"]["survey"]


def test_the_config_passes_each_inputs_encoding(project):
    root, config = project
    _survey_files(root, survey_encoding="latin-1")
    (root / "c.csv").write_bytes("customer_id,complaint\nC1,Crème brûlée\n".encode("latin-1"))
    text = (
        "  survey: {path: survey.csv, encoding: latin-1}\n  needs: needs.yaml\n  complaints: {path: c.csv, encoding: latin-1}\n"
    )
    text += "language: en\n"  # a top-level line, so the indented input lines are kept as written
    cfg = load_config(config(text))
    assert cfg.inputs["survey"].encoding == "latin-1" and cfg.inputs["complaints"].encoding == "latin-1"
    run = prepare(cfg.inputs, root / "prepared")
    assert "survey" not in run.meta["errors"] and "complaints" not in run.meta["errors"]
    assert run.optional("complaints")["complaint"].tolist() == ["Crème brûlée"]


# ------------------------------------------------------------------- 5. GB18030 files
def test_a_gb18030_need_catalogue_and_complaints_file_are_read(tmp_path):
    survey, needs = _survey_files(tmp_path, survey_encoding="gb18030", needs_encoding="gb18030")
    complaints = tmp_path / "complaints.csv"
    complaints.write_bytes("customer_id,complaint,severity\nC1,配送太慢了,3\nC2,价格太贵,2\n".encode("gb18030"))
    catalogue = load_catalogue(needs)
    assert catalogue.labels("zh") == {"N01": "配送快", "N02": "价格公道"}
    run = prepare(
        {"survey": InputFile(path=survey), "needs": InputFile(path=needs), "complaints": InputFile(path=complaints)},
        tmp_path / "prepared",
    )
    assert run.meta["errors"] == {}
    assert run.survey.catalogue.labels("zh")["N02"] == "价格公道"
    assert run.survey.respondents["city"].tolist() == ["北京", "上海"]
    assert run.optional("complaints")["complaint"].tolist() == ["配送太慢了", "价格太贵"]


def test_a_gb18030_keyword_dictionary_is_read(tmp_path):
    path = tmp_path / "keywords.yaml"
    text = "categories:\n  delivery: {label_en: Delivery, label_zh: 配送, keywords: [配送, 快递]}\n"
    path.write_bytes(text.encode("gb18030"))
    assert load_dictionary(path).keywords == {"delivery": ["配送", "快递"]}


def test_a_catalogue_in_an_undetected_encoding_asks_for_encoding(tmp_path):
    needs = tmp_path / "needs.yaml"
    needs.write_bytes(LATIN_CATALOGUE.encode("latin-1"))
    with pytest.raises(InputError) as caught:
        load_catalogue(needs)
    assert str(caught.value) == (
        "needs.yaml: the need catalogue is neither UTF-8 nor GB18030 text; "
        "give its encoding (e.g. encoding: latin-1 under the input in the run config)"
    )
    assert load_catalogue(needs, encoding="latin-1").labels("en")["N01"] == "Crème delivered fast"


def test_a_keyword_dictionary_in_an_undetected_encoding_asks_for_encoding(tmp_path):
    path = tmp_path / "keywords.yaml"
    path.write_bytes("categories:\n  price: {label_en: Crème, keywords: [prix]}\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"^keywords\.yaml: the keyword dictionary is neither UTF-8 nor GB18030 text"):
        load_dictionary(path)


# ------------------------------------------------------------------- 6. unknown measure words
def _catalogue(tmp_path: Path, extra: str = ""):
    path = tmp_path / "needs.yaml"
    path.write_text(CATALOGUE + extra, encoding="utf-8")
    return load_catalogue(path)


def _survey(tmp_path: Path, header: str) -> Path:
    path = tmp_path / "survey.csv"
    path.write_text(f"respondent_id,{header}\nR1,5,4,3,2\nR2,4,4,2,5\n", encoding="utf-8")
    return path


def test_abbreviated_measure_words_are_refused_with_the_expected_ones(tmp_path):
    path = _survey(tmp_path, "N01_imp,N01_sat,N02_imp,N02_sat")
    with pytest.raises(InputError) as caught:
        read_survey(path, catalogue=_catalogue(tmp_path))
    message = str(caught.value)
    assert message.startswith(
        "survey.csv: survey columns look like '{item}_{measure}' but their measure part is not one segkit reads: "
        "found 'imp', 'sat' (e.g. 'N01_imp'); expected 'importance', 'urgency', 'satisfaction', 'functional', 'dysfunctional'."
    )
    assert "measure_names: {importance: imp}" in message and "column_pattern" in message


def test_one_abbreviated_measure_beside_known_ones_is_refused(tmp_path):
    path = _survey(tmp_path, "N01_imp,N01_satisfaction,N02_imp,N02_satisfaction")
    with pytest.raises(InputError, match=r"found 'imp' \(e\.g\. 'N01_imp'\); expected 'importance'"):
        read_survey(path, catalogue=_catalogue(tmp_path))


def test_measure_names_in_the_catalogue_read_the_abbreviations(tmp_path):
    path = _survey(tmp_path, "N01_imp,N01_sat,N02_imp,N02_sat")
    catalogue = _catalogue(tmp_path, "measure_names: {importance: imp, satisfaction: sat}\n")
    survey = read_survey(path, catalogue=catalogue)
    assert survey.wide("importance").loc["R1"].tolist() == [5, 3]


def test_other_item_columns_beside_answers_are_left_alone(tmp_path):
    path = _survey(tmp_path, "N01_importance,N01_comment,N02_importance,N02_satisfaction")
    survey = read_survey(path, catalogue=_catalogue(tmp_path))
    assert survey.respondents["N01_comment"].tolist() == ["4", "4"]
    assert survey.wide("importance").loc["R2"].tolist() == [4, 2]


def test_a_custom_column_pattern_is_checked_the_same_way(tmp_path):
    path = _survey(tmp_path, "Q.N01.imp,Q.N01.sat,Q.N02.imp,Q.N02.sat")
    with pytest.raises(InputError, match=r"look like 'Q\.\{item\}\.\{measure\}' .* found 'imp', 'sat' \(e\.g\. 'Q\.N01\.imp'\)"):
        read_survey(path, catalogue=_catalogue(tmp_path), column_pattern="Q.{item}.{measure}")


def test_prepare_reports_unknown_measure_words(tmp_path):
    survey, needs = tmp_path / "survey.csv", tmp_path / "needs.yaml"
    survey.write_text("respondent_id,N01_imp,N02_imp\nR1,5,4\n", encoding="utf-8")
    needs.write_text(CATALOGUE, encoding="utf-8")
    run = prepare({"survey": InputFile(path=survey), "needs": InputFile(path=needs)}, tmp_path / "prepared")
    assert "found 'imp'" in run.meta["errors"]["survey"]
