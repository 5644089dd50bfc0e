"""The prepare step: one analysis per run, the same on every engine, every report reading it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from segkit import InputError
from segkit.pipeline import run as pipeline_run
from segkit.pipeline.config import InputFile, load_config
from segkit.pipeline.prepare import choose_engine, prepare
from segkit.pipeline.prepared import PreparedRun

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo"
BEFORE = Path(__file__).parent / "fixtures" / "demo" / "key_numbers_before_redesign.json"


def _inputs(**extra) -> dict[str, InputFile]:
    inputs = {
        "transactions": InputFile(path=DEMO / "transactions.csv", preset="demo"),
        "customers": InputFile(path=DEMO / "customers.csv"),
        "survey": InputFile(path=DEMO / "survey.csv"),
        "needs": InputFile(path=DEMO / "needs.yaml"),
    }
    return {**inputs, **extra}


@pytest.fixture(scope="module")
def pandas_run(tmp_path_factory) -> PreparedRun:
    return prepare(_inputs(), tmp_path_factory.mktemp("p") / "prepared", engine="pandas")


def test_duckdb_and_pandas_prepare_the_same_customers(pandas_run, tmp_path):
    duck = prepare(_inputs(), tmp_path / "prepared", engine="duckdb")
    assert duck.settings["engine"] == "duckdb" and pandas_run.settings["engine"] == "pandas"
    pd.testing.assert_frame_equal(duck.customer_table, pandas_run.customer_table)
    pd.testing.assert_frame_equal(duck.visits, pandas_run.visits)
    pd.testing.assert_frame_equal(duck.orders, pandas_run.orders)
    pd.testing.assert_frame_equal(duck.customers, pandas_run.customers)  # scores, every map, the stage
    assert duck.audit.kept_rows == pandas_run.audit.kept_rows == 86_749


def test_auto_engine_uses_duckdb_only_for_big_files(tmp_path):
    small = tmp_path / "t.csv"
    small.write_text("a\n1\n")
    assert choose_engine("auto", small) == "pandas"
    assert choose_engine("duckdb", small) == "duckdb"
    assert choose_engine("auto", None, rows=3_000_000) == "pandas"  # a database table: by lines read
    assert choose_engine("auto", None, rows=3_000_001) == "duckdb"
    with pytest.raises(InputError, match="engine"):
        choose_engine("polars", small)


def test_prepared_labels_match_the_stored_table(pandas_run):
    """customers.parquet (what prepare wrote) and the segmentation a report re-derives agree."""
    stored = pandas_run.customers.dropna(subset=["rfm10"]).set_index("customer_id")
    table = pandas_run.segmentation.table.set_index("customer_id")
    for column in ("rfm10", "eight_class", "value_tier"):
        assert (stored.loc[table.index, column] == table[column]).all(), column
    for column in ("r_score", "f_score", "m_score"):
        assert (stored.loc[table.index, column].astype(float) == table[column].astype(float)).all(), column
    stages = pandas_run.lifecycle.table.set_index("customer_id")["stage"]
    assert (pandas_run.customers.set_index("customer_id")["lifecycle_stage"].loc[stages.index] == stages).all()
    assert len(pandas_run.customers) == 5000  # 4,600 buyers + the 400 sign-ups who never bought (potential)
    assert (pandas_run.customers["lifecycle_stage"] == "potential").sum() == 400


def test_migration_holds_every_customer_with_user_rules(tmp_path):
    """The earlier snapshot is labelled by the fitted segmenter, the user's rule set included."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        textwrap.dedent("""
        rfm10:
          title: {en: Two groups, zh: 两组}
          segments:
            - {key: recent, rank: 1, en: Recent, zh: 近期, ranges: {r_score: [4, 5]}}
          other: {key: rest, rank: 2, en: Rest, zh: 其他}
    """),
        encoding="utf-8",
    )
    from segkit.value.segmentation import Segmenter
    from segkit.value.transitions import migrate

    run = prepare(_inputs(), tmp_path / "prepared", engine="pandas")
    lines = pd.read_parquet(run.folder / "transactions_clean.parquet")
    seg = Segmenter(rules_path=rules).fit(run.customer_table)
    moved = migrate(lines, seg.segmentation_, days=90)
    assert set(moved.counts.columns) == {"recent", "rest"}
    assert int(moved.counts.to_numpy().sum()) == len(run.customer_table) == 4600
    # by hand: the matrix rows are the earlier labels; customers absent then are "not yet"
    earlier = seg.transform(
        run.customer_table.iloc[:0].pipe(lambda _: pd.read_parquet(run.folder / "earlier_customer_table.parquet")),
        as_of=pd.Timestamp(run.settings["earlier_as_of"]),
    )
    assert int(moved.counts.drop(index="not_yet").to_numpy().sum()) == len(earlier.maps["rfm10"].table)


def test_backdated_as_of_cuts_the_data_by_itself(tmp_path):
    run = prepare(_inputs(), tmp_path / "prepared", as_of="2025-07-01", engine="pandas")
    assert run.as_of == pd.Timestamp("2025-07-01")
    assert run.customer_table["last_purchase"].max() < pd.Timestamp("2025-07-01")
    window = run.audit.audit.set_index("rule").loc["date_window"]
    assert window["enabled"] and window["rows_removed"] > 0
    assert run.audit.options["date_end"] == "2025-06-30"


def test_a_bad_survey_costs_only_the_survey(tmp_path):
    bad = tmp_path / "survey.csv"
    bad.write_text("respondent_id,N01_importance\nR1,eleven\n", encoding="utf-8")
    run = prepare(_inputs(survey=InputFile(path=bad)), tmp_path / "prepared", engine="pandas")
    assert set(run.errors) == {"survey"}
    assert run.has("transactions") and not run.has("survey")
    assert len(run.customer_table) == 4600
    with pytest.raises(InputError, match="survey.csv"):
        run.survey


def test_gb18030_complaints_are_read_through_intake(tmp_path):
    path = tmp_path / "complaints.csv"
    path.write_bytes("customer_id,text,severity\nCU00001,送货太慢,3\n".encode("gb18030"))
    run = prepare({"complaints": InputFile(path=path)}, tmp_path / "prepared")
    assert run.optional("complaints")["text"].tolist() == ["送货太慢"]


def test_run_wide_settings_are_not_notebook_parameters(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(
        textwrap.dedent(f"""
        run_id: t
        base_dir: {ROOT}
        inputs: {{transactions: {{path: data/raw/demo/transactions.csv, preset: demo}}}}
        parameters: {{02-customer-value: {{churn_days: 60}}}}
    """),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="churn_days applies to every report"):
        load_config(config)


@pytest.mark.slow
def test_demo_run_keeps_its_numbers_and_one_label_per_customer(tmp_path):
    """Every key number of the demo run equals the one recorded before the redesign, and a
    run-wide churn threshold gives every report and the export the same stage per customer."""
    config = tmp_path / "demo.yaml"
    config.write_text(
        textwrap.dedent(f"""
        run_id: same
        base_dir: {ROOT}
        reports_dir: {tmp_path / "reports"}
        processed_dir: {tmp_path / "processed"}
        inputs:
          transactions: {{path: data/raw/demo/transactions.csv, preset: demo}}
          customers: {{path: data/raw/demo/customers.csv}}
          survey: {{path: data/raw/demo/survey.csv}}
          needs: {{path: data/raw/demo/needs.yaml}}
          complaints: {{path: data/raw/demo/complaints.csv}}
          risk: {{path: data/raw/demo/risk.csv}}
          holdings: {{path: data/raw/demo/holdings.csv}}
    """),
        encoding="utf-8",
    )
    assert pipeline_run.run(config, out=open("/dev/null", "w")) == 0
    manifest = json.loads((tmp_path / "reports" / "same" / "manifest.json").read_text(encoding="utf-8"))
    now = {nb["name"]: {k["name"]: k["value"] for k in nb["key_numbers"]} for nb in manifest["notebooks"]}
    before = json.loads(BEFORE.read_text(encoding="utf-8"))
    for notebook, numbers in before.items():
        for name, value in numbers.items():
            got = now[notebook][name]
            assert got == (pytest.approx(value, rel=1e-12) if isinstance(value, float) else value), (notebook, name)
    processed = tmp_path / "processed" / "same"
    export = pd.read_parquet(processed / "customer_segments.parquet").set_index("customer_id")
    stored = pd.read_parquet(processed / "prepared" / "customers.parquet").set_index("customer_id")
    assert (export["lifecycle_stage"] == stored.loc[export.index, "lifecycle_stage"]).all()
    assert (export["eight_class"].dropna() == stored.loc[export["eight_class"].dropna().index, "eight_class"]).all()


@pytest.mark.slow
def test_spark_local_prepares_what_pandas_prepares(pandas_run, tmp_path):
    import shutil

    pytest.importorskip("pyspark", reason="pyspark not installed (the spark extra)")
    if shutil.which("java") is None:
        pytest.skip("no Java on the PATH: Spark needs Java 17")
    spark = prepare(_inputs(), tmp_path / "prepared", engine="spark", spark_master="local[2]")
    assert spark.settings["engine"] == "spark"
    pd.testing.assert_frame_equal(spark.customer_table, pandas_run.customer_table)
    pd.testing.assert_frame_equal(spark.visits, pandas_run.visits)
    pd.testing.assert_frame_equal(spark.customers, pandas_run.customers)


def test_a_mapped_transactions_file_runs_through_every_report(tmp_path):
    """The prepare step applies the mapping, so reports that read the prepared run accept any mapping."""
    from segkit.pipeline.notebooks import _read_notebook
    from segkit.pipeline.run import _parameters_for, offered_parameters

    config = tmp_path / "mapped.yaml"
    config.write_text(
        textwrap.dedent(f"""
        run_id: mapped
        base_dir: {ROOT}
        inputs:
          transactions:
            path: data/raw/demo/transactions.csv
            mapping: {{customer_id: customer_id, order_id: invoice_id, order_date: invoice_date, product_id: product_id,
                       quantity: quantity, unit_price: unit_price}}
          survey: {{path: data/raw/demo/survey.csv}}
          needs: {{path: data/raw/demo/needs.yaml}}
    """),
        encoding="utf-8",
    )
    loaded = load_config(config)
    offered = offered_parameters(loaded, processed_dir=tmp_path)
    for name, path in loaded.notebook_files.items():
        parameters = _parameters_for(loaded, name, _read_notebook(path), offered)
        assert parameters["prepared_dir"] == str(tmp_path / "prepared")
