"""The CRM round trip: the Excel export keeps ids as text, the id map joins pseudonyms back, the history says what changed."""

import os
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from segkit import InputError, datasets
from segkit.pipeline import export, history
from segkit.pipeline.run import run

# ---------------------------------------------------------------- the Excel workbook
EXPORT = pd.DataFrame(
    {
        "customer_id": ["000123", "4711000000000000001", "=1+1"],
        "last_purchase": pd.to_datetime(["2024-03-30", "2024-02-01", None]),
        "orders": pd.array([5, 1, None], dtype="Int64"),
        "monetary": [500.5, 20.0, None],
        "rfm_code": ["007", "545", None],
        "rfm10": ["champions", "lost", None],
        "rfm10_label": ["Champions", "Lost", None],
        "eight_class_code": pd.array(["011", "000", None], dtype="str"),
        "clv_12M": [1234.5, 0.0, None],
    }
)


def _sheet(path: Path) -> list[list[openpyxl.cell.Cell]]:
    book = openpyxl.load_workbook(path)
    sheet = book["customer_segments"]
    assert sheet.freeze_panes == "A3"  # both header rows stay in view
    return [list(row) for row in sheet.iter_rows()]


def test_xlsx_keeps_ids_and_codes_as_text_and_numbers_as_numbers(tmp_path):
    *_, workbook = export.write_customer_segments(EXPORT, tmp_path, language="en")
    assert workbook.name == "customer_segments.xlsx"
    rows = _sheet(workbook)
    labels, keys, first, second, third = ([c.value for c in row] for row in rows)
    assert keys == list(EXPORT.columns)  # the second header row: the stable English keys (the CSV header)
    assert labels[:2] == ["Customer ID", "Last purchase"]
    assert labels[5:7] == ["RFM segment (key)", "RFM segment (name)"]
    assert labels[-1] == "Expected CLV, next 12 months"  # the horizon filled in
    assert first[:2] == ["000123", pd.Timestamp("2024-03-30").to_pydatetime()]
    assert first[2:5] == [5, 500.5, "007"]
    assert second[0] == "4711000000000000001" and second[7] == "000"
    assert third[0] == "=1+1" and third[1:5] == [None, None, None, None]  # an id, never a formula; missing = empty
    cells = {key: cell for key, cell in zip(keys, rows[2], strict=True)}
    for key in ("customer_id", "rfm_code", "rfm10", "eight_class_code"):
        assert cells[key].data_type == "s" and cells[key].number_format == "@", key
    for key in ("orders", "monetary", "clv_12M"):
        assert cells[key].data_type == "n" and isinstance(cells[key].value, (int, float)), key
    assert rows[4][0].data_type == "s"


def test_xlsx_first_header_row_follows_the_report_language(tmp_path):
    *_, workbook = export.write_customer_segments(EXPORT, tmp_path, language="zh")
    labels, keys = ([c.value for c in row] for row in _sheet(workbook)[:2])
    assert labels[0] == "客户编号" and labels[-1] == "未来 12 个月预期终身价值"
    assert labels[5] == "RFM 细分（标识）" and labels[7] == "八类代码（R F M，1 = 高）"
    assert keys[0] == "customer_id"
    csv = pd.read_csv(tmp_path / "customer_segments.csv", encoding="utf-8-sig", dtype=str, nrows=0)
    assert list(csv.columns) == list(EXPORT.columns)  # the CSV header stays English


def test_every_column_of_a_full_export_has_a_label_in_both_languages():
    from segkit.reporting.export_columns import export_column_labels

    columns = [
        *export.FEATURE_COLUMNS,
        "customer_id",
        "eight_class_code",
        "lifecycle_label",
        "p_alive",
        "churn_risk",
        "expected_purchases_6M",
        *(f"{m}{s}" for m in ("rfm10", "eight_class", "value_tier", "value_cluster") for s in ("", "_label")),
        *(f"{m}{s}" for m in history.CHANGE_MAPS for s in ("_previous", "_changed_on")),
    ]
    for language in ("en", "zh"):
        labels = export_column_labels(columns, language)
        assert not [c for c, label in zip(columns, labels, strict=True) if label == c], language
    assert export_column_labels(["expected_purchases_6M", "lifecycle_stage_changed_on"], "en") == [
        "Expected purchases, next 6 months",
        "Lifecycle stage held since",
    ]


def test_a_header_row_of_the_wrong_length_is_refused(tmp_path):
    from segkit.core.files import write_xlsx_atomic

    with pytest.raises(InputError, match="t.xlsx: every header row needs one entry per column"):
        write_xlsx_atomic(EXPORT, tmp_path / "t.xlsx", headers=[["one"]])
    assert not (tmp_path / "t.xlsx").exists()


# ---------------------------------------------------------------- the id map
def test_id_map_joins_every_pseudonym_back_to_one_id_and_is_private(tmp_path):
    table = pd.DataFrame({"customer_id": ["000123", "007", "4711000000000000001"], "rfm10": ["champions", "lost", "lost"]})
    umask = os.umask(0)  # even with a permissive umask the map is the owner's only
    try:
        written = export.write_crm_export(table, tmp_path, pseudonymize_ids=True)
    finally:
        os.umask(umask)
    id_map_file = tmp_path / "id_map.csv"
    assert stat.S_IMODE(id_map_file.stat().st_mode) == 0o600
    assert id_map_file.read_bytes().startswith(b"\xef\xbb\xbfpseudonym,customer_id\r\n")  # UTF-8 BOM
    ids = pd.read_csv(id_map_file, encoding="utf-8-sig", dtype=str)
    out = pd.read_csv(tmp_path / "customer_segments.csv", encoding="utf-8-sig", dtype=str)
    assert out["customer_id"].str.startswith("P-").all() and out["customer_id"].tolist() == written["customer_id"].tolist()
    joined = out.merge(ids, left_on="customer_id", right_on="pseudonym", how="left", validate="one_to_one")
    assert joined["customer_id_y"].tolist() == ["000123", "007", "4711000000000000001"]  # leading zeros intact
    assert ids["pseudonym"].is_unique and len(ids) == 3


def test_no_id_map_without_pseudonyms(tmp_path):
    export.write_crm_export(pd.DataFrame({"customer_id": ["a"]}), tmp_path)
    assert not (tmp_path / "id_map.csv").exists()


# ---------------------------------------------------------------- the history
def _table(rows: dict[str, tuple[str | None, str | None]]) -> pd.DataFrame:
    """An export with rfm10 and value_tier (key and label) for customers {id: (rfm10, tier)}."""
    rfm = [v[0] for v in rows.values()]
    tier = [v[1] for v in rows.values()]
    return pd.DataFrame(
        {"customer_id": list(rows), "rfm10": rfm, "rfm10_label": rfm, "value_tier": tier, "value_tier_label": tier, "orders": 1}
    )


# a: rfm10 kept since run 1, tier changes in run 3; b: at_risk -> lost in run 2, tier B throughout;
# c: joins in run 2; d: tier A, B, A (the run of A is broken by run 2); z: never bought (no segment).
RUN1 = _table({"a": ("champions", "A"), "b": ("at_risk", "B"), "d": ("loyal", "A")})
RUN2 = _table({"a": ("champions", "A"), "b": ("lost", "B"), "c": ("new_customers", "C"), "d": ("loyal", "B"), "z": (None, None)})
RUN3 = _table({"a": ("champions", "B"), "b": ("lost", "B"), "c": ("promising", "C"), "d": ("loyal", "A"), "z": (None, None)})


@pytest.fixture
def three_runs() -> pd.DataFrame:
    h = history.append_history(None, RUN1, "r1", pd.Timestamp("2024-01-31"))
    h = history.append_history(h, RUN2, "r2", "2024-02-29")
    return history.append_history(h, RUN3, "r3", "2024-03-31")


def test_history_has_one_row_per_run_and_customer(three_runs):
    assert len(three_runs) == 3 + 5 + 5
    assert list(three_runs.columns) == ["run_id", "as_of", "customer_id", "rfm10", "value_tier"]
    assert three_runs.groupby("run_id")["as_of"].first().dt.strftime("%Y-%m-%d").to_dict() == {
        "r1": "2024-01-31",
        "r2": "2024-02-29",
        "r3": "2024-03-31",
    }


def test_previous_segment_and_date_of_change_over_three_runs(three_runs):
    got = history.previous_segments(three_runs, "r3").set_index("customer_id")
    day = pd.Timestamp
    assert got.loc["a", "rfm10_previous"] == "champions" and got.loc["a", "rfm10_changed_on"] == day("2024-01-31")
    assert got.loc["a", "value_tier_previous"] == "A" and got.loc["a", "value_tier_changed_on"] == day("2024-03-31")
    assert got.loc["b", "rfm10_previous"] == "lost" and got.loc["b", "rfm10_changed_on"] == day("2024-02-29")
    assert got.loc["b", "value_tier_changed_on"] == day("2024-01-31")
    assert got.loc["c", "rfm10_previous"] == "new_customers" and got.loc["c", "rfm10_changed_on"] == day("2024-03-31")
    assert got.loc["c", "value_tier_changed_on"] == day("2024-02-29")
    assert got.loc["d", "value_tier_previous"] == "B" and got.loc["d", "value_tier_changed_on"] == day("2024-03-31")
    assert pd.isna(got.loc["z", "rfm10_previous"]) and got.loc["z", "rfm10_changed_on"] == day("2024-02-29")
    assert "eight_class_previous" not in got.columns  # a map the runs do not have is left out


def test_previous_segment_on_the_second_of_two_runs_and_none_on_the_first(three_runs):
    second = history.previous_segments(three_runs, "r2").set_index("customer_id")
    assert second.loc["b", "rfm10_previous"] == "at_risk" and second.loc["b", "rfm10_changed_on"] == pd.Timestamp("2024-02-29")
    assert second.loc["a", "rfm10_changed_on"] == pd.Timestamp("2024-01-31")
    assert pd.isna(second.loc["c", "rfm10_previous"]) and pd.isna(second.loc["c", "rfm10_changed_on"])  # new customer
    first = history.previous_segments(three_runs, "r1")  # later runs do not count
    assert first["rfm10_previous"].isna().all() and first["value_tier_changed_on"].isna().all()


def test_a_map_new_in_this_run_changed_now():
    older = history.append_history(None, RUN1.drop(columns=["value_tier", "value_tier_label"]), "r1", "2024-01-31")
    both = history.append_history(older, RUN2, "r2", "2024-02-29")
    got = history.previous_segments(both, "r2").set_index("customer_id")
    assert pd.isna(got.loc["a", "value_tier_previous"]) and got.loc["a", "value_tier_changed_on"] == pd.Timestamp("2024-02-29")
    assert got.loc["a", "rfm10_changed_on"] == pd.Timestamp("2024-01-31")


def test_rerunning_a_run_replaces_its_rows(three_runs):
    again = history.append_history(three_runs, RUN2.assign(rfm10="hibernating"), "r2", "2024-02-29")
    assert len(again) == len(three_runs)
    assert (again.loc[again["run_id"] == "r2", "rfm10"] == "hibernating").all()
    got = history.previous_segments(again, "r3").set_index("customer_id")
    assert got.loc["a", "rfm10_previous"] == "hibernating" and got.loc["a", "rfm10_changed_on"] == pd.Timestamp("2024-03-31")


def test_the_export_gains_the_columns_in_its_own_order(three_runs):
    out = history.add_previous_segments(RUN3, three_runs, "r3")
    assert out["customer_id"].tolist() == list(RUN3["customer_id"])
    assert out.columns[-4:].tolist() == ["rfm10_previous", "rfm10_changed_on", "value_tier_previous", "value_tier_changed_on"]


def test_history_file_round_trip_is_private_and_checked(three_runs, tmp_path):
    path = history.write_history(three_runs, tmp_path / "history.parquet")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    pd.testing.assert_frame_equal(history.read_history(path), three_runs)
    assert history.read_history(tmp_path / "none.parquet").empty
    (tmp_path / "bad.parquet").write_text("not parquet", encoding="utf-8")
    with pytest.raises(InputError, match="bad.parquet: not a readable Parquet file"):
        history.read_history(tmp_path / "bad.parquet")
    three_runs.drop(columns="as_of").to_parquet(tmp_path / "old.parquet")
    with pytest.raises(InputError, match="old.parquet: column\\(s\\) as_of missing"):
        history.read_history(tmp_path / "old.parquet")


# ---------------------------------------------------------------- through `segkit run`
TINY = """\
# %% tags=["parameters"]
language: str = "en"

# %% tags=["remove-cell"]
from segkit.reporting.report import Report
R = Report(language)

# %%
R.heading("core.quality.title", level=1)
"""


def test_two_pseudonymised_runs_write_history_id_map_and_previous_segments(tmp_path):
    datasets.write_demo(tmp_path / "raw", customers=120, seed=3)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01-tiny.py").write_text(TINY, encoding="utf-8")

    def config(run_id: str, extra: str = "") -> Path:
        path = tmp_path / f"{run_id}.yaml"
        path.write_text(
            f"run_id: {run_id}\nbase_dir: {tmp_path}\nlanguage: zh\nprocessed_dir: {tmp_path / 'processed'}\n"
            "inputs:\n  transactions: {path: raw/transactions.csv, preset: demo}\n"
            f"value_clusters: {{method: none}}\npseudonymize_ids: true\npseudonymize_key: k\n{extra}",
            encoding="utf-8",
        )
        return path

    with open(os.devnull, "w") as quiet:
        assert run(config("first", "as_of: 2025-07-01\n"), out=quiet) == 0
        assert run(config("second"), out=quiet) == 0
        assert run(config("second"), out=quiet) == 0  # the same run again: its rows are replaced
    processed = tmp_path / "processed"
    kept = history.read_history(processed / "history.parquet")
    assert kept.groupby("run_id").size().to_dict() == {
        "first": len(pd.read_parquet(processed / "first" / "customer_segments.parquet")),
        "second": len(pd.read_parquet(processed / "second" / "customer_segments.parquet")),
    }
    assert not kept["customer_id"].str.startswith("P-").any()  # the owner's history keeps the real ids
    out = pd.read_parquet(processed / "second" / "customer_segments.parquet")
    ids = pd.read_csv(processed / "second" / "id_map.csv", encoding="utf-8-sig", dtype=str)
    assert stat.S_IMODE((processed / "second" / "id_map.csv").stat().st_mode) == 0o600
    real = out.merge(ids, left_on="customer_id", right_on="pseudonym", validate="one_to_one")["customer_id_y"]
    assert len(real) == len(out) and real.is_unique
    before = kept[kept["run_id"] == "first"].set_index("customer_id")["rfm10"]
    expected = real.map(before).rename("rfm10_previous")
    pd.testing.assert_series_equal(out["rfm10_previous"], expected, check_dtype=False)  # joined back through the id map
    assert out["rfm10_previous"].notna().any()
    assert out["rfm10_changed_on"].dropna().isin(kept["as_of"].unique()).all()
    header = [c.value for c in next(openpyxl.load_workbook(processed / "second" / "customer_segments.xlsx").active.iter_rows())]
    assert header[0] == "客户编号"
