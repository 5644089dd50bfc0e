"""Hostile cases: what must never lose data or end in a traceback (issue 12, "Data lost" first).

Each case asserts the exit code, one line on stderr naming the path and the problem, no
traceback, and that no file that existed before changed.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from segkit import InputError, datasets
from segkit.pipeline.config import load_config

LINES = "invoice_id,product_id,category,description,quantity,unit_price,invoice_date,customer_id\n"
LINES += "500001,AP019,apparel,Slippers,4,49.00,2024-01-01 07:27:21,CU04864\n"
LINES += "500002,AP015,apparel,Belt,1,149.00,2024-01-02 08:00:00,CU00001\n"


def _segkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "segkit", *args], capture_output=True, text=True, cwd=cwd, check=False)


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _one_line_error(done: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    for word in words:
        assert word in done.stderr, (word, done.stderr)


@pytest.fixture
def raw(tmp_path) -> Path:
    path = tmp_path / "t.csv"
    path.write_text(LINES, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--out", "t.csv"], ["--out t.csv", "is an input", "never overwritten"]),
        (["--out", "./sub/../t.csv"], ["is an input"]),
        (["--out", "c.parquet", "--audit", "t.csv"], ["--audit t.csv", "is an input"]),
        (["--out", "c.parquet", "--audit", "c.parquet"], ["is also given as --out"]),
        (["--out", "."], ["is a folder"]),
    ],
)
def test_clean_never_overwrites_an_input_or_writes_into_a_folder(raw, args, words):
    (raw.parent / "sub").mkdir()
    before = _digest(raw.parent)
    done = _segkit("clean", "t.csv", "--preset", "demo", *args, cwd=raw.parent)
    _one_line_error(done, 2, *words)
    assert _digest(raw.parent) == before


def test_clean_refuses_a_link_to_the_input(raw):
    (raw.parent / "link.csv").symlink_to(raw)
    before = _digest(raw.parent)
    done = _segkit("clean", "t.csv", "--preset", "demo", "--out", "link.csv", cwd=raw.parent)
    _one_line_error(done, 2, "is an input")
    assert _digest(raw.parent) == before


def test_clean_with_no_row_left_exits_2_and_writes_nothing(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(LINES.replace("CU04864", "").replace("CU00001", ""), encoding="utf-8")  # no customer ids
    done = _segkit("clean", "t.csv", "--preset", "demo", "--out", "c.parquet", "--audit", "a.json", cwd=tmp_path)
    _one_line_error(done, 2, "t.csv", "no usable rows")
    assert not (tmp_path / "c.parquet").exists() and not (tmp_path / "a.json").exists()


def test_clean_writes_when_the_paths_are_fine(raw):
    done = _segkit("clean", "t.csv", "--preset", "demo", "--out", "out/c.parquet", "--audit", "out/a.json", cwd=raw.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "out/c.parquet: 2 of 2 rows kept"
    assert not list(raw.parent.rglob("*.tmp"))


def test_demo_data_does_not_overwrite_a_users_own_files(tmp_path):
    (tmp_path / "transactions.csv").write_text("my,own\n1,2\n", encoding="utf-8")
    before = _digest(tmp_path)
    done = _segkit("demo-data", "--out", ".", "--customers", "60", cwd=tmp_path)
    _one_line_error(done, 2, "transactions.csv", "segkit did not write", "--force")
    assert _digest(tmp_path) == before
    forced = _segkit("demo-data", "--out", ".", "--customers", "60", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    again = _segkit("demo-data", "--out", ".", "--customers", "60", cwd=tmp_path)  # a segkit demo folder: rewritten
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--out", "file.txt"], ["file.txt", "is a file, not a folder"]),
        (["--seed", "-1"], ["seed must be a whole number from 0"]),
        (["--customers", "0"], ["customers must be at least 50"]),
    ],
)
def test_demo_data_bad_requests_exit_2_with_one_line(tmp_path, args, words):
    (tmp_path / "file.txt").write_text("keep me", encoding="utf-8")
    done = _segkit("demo-data", *(args if "--out" in args else [*args, "--out", "demo"]), cwd=tmp_path)
    _one_line_error(done, 2, *words)
    assert (tmp_path / "file.txt").read_text(encoding="utf-8") == "keep me"


def test_write_demo_refuses_the_same_in_python(tmp_path):
    (tmp_path / "customers.csv").write_text("id\n1\n", encoding="utf-8")
    with pytest.raises(InputError, match="segkit did not write"):
        datasets.write_demo(tmp_path, customers=10)


@pytest.mark.parametrize(
    ("folders", "message"),
    [
        ("reports_dir: out\nprocessed_dir: out\n", "must be different folders"),
        ("reports_dir: out\nprocessed_dir: out/data\n", "inside"),
        ("reports_dir: out/reports\nprocessed_dir: out\n", "inside"),
        ("reports_dir: data/raw\n", "inside"),
    ],
)
def test_config_refuses_overlapping_output_folders(tmp_path, raw, folders, message):
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01-tiny.py").write_text('# %% tags=["parameters"]\nrun_id: str = ""\n', encoding="utf-8")
    path = tmp_path / "run.yaml"
    path.write_text(
        textwrap.dedent(f"run_id: x\nbase_dir: {tmp_path}\ninputs:\n  transactions: {{path: t.csv, preset: demo}}\n") + folders,
        encoding="utf-8",
    )
    if "data/raw" in folders:  # an input inside the run's output folder: publishing would replace it
        (tmp_path / "data" / "raw" / "x").mkdir()
        (tmp_path / "data" / "raw" / "x" / "t.csv").write_text(LINES, encoding="utf-8")
        path.write_text(path.read_text().replace("path: t.csv", "path: data/raw/x/t.csv"), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_config(path)


def test_a_partial_rerun_keeps_the_other_notebooks_pages_and_files(tmp_path):
    """`segkit run --only 01-a` on a published run id: 02-b's page, executed notebook and files stay."""
    import json

    from test_run import TINY

    from segkit.pipeline.run import run

    (tmp_path / "notebooks").mkdir()
    for name in ("01-a", "02-b"):
        (tmp_path / "notebooks" / f"{name}.py").write_text(TINY, encoding="utf-8")
    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    config = tmp_path / "run.yaml"
    config.write_text(f"run_id: part\nbase_dir: {tmp_path}\ninputs:\n  transactions: {{path: t.csv, preset: demo}}\n")
    with open(tmp_path / "1.log", "w") as log:
        assert run(config, out=log) == 0
    reports, processed = tmp_path / "reports" / "part", tmp_path / "data" / "processed" / "part"
    (processed / "notes.csv").write_text("kept\n", encoding="utf-8")  # a file only the earlier run wrote
    before = {p: (reports / p).read_bytes() for p in ("02-b.html", "executed/02-b.ipynb")}
    first = json.loads((reports / "manifest.json").read_text())
    with open(tmp_path / "2.log", "w") as log:
        assert run(config, only=["01-a"], out=log) == 0
    assert {p: (reports / p).read_bytes() for p in before} == before
    assert (processed / "notes.csv").read_text(encoding="utf-8") == "kept\n"
    manifest = json.loads((reports / "manifest.json").read_text())
    entries = {n["name"]: n for n in manifest["notebooks"]}
    assert list(entries) == ["01-a", "02-b"]
    assert entries["01-a"]["kept_from"] is None and entries["02-b"]["kept_from"] == first["finished"]
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'href="02-b.html"' in index and "not run this time: kept from the run finished" in index
    with open(tmp_path / "3.log", "w") as log:  # a full run replaces everything again
        assert run(config, out=log) == 0
    assert all(n["kept_from"] is None for n in json.loads((reports / "manifest.json").read_text())["notebooks"])


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_FORMULA_TEXT = st.one_of(
    st.text(max_size=12), st.builds(lambda c, t: c + t, st.sampled_from(["=", "+", "-", "@", "\t", "\r"]), st.text(max_size=10))
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(_FORMULA_TEXT, min_size=1, max_size=6, unique=True), labels=st.lists(_FORMULA_TEXT, min_size=6, max_size=6))
def test_no_export_cell_starts_with_a_formula_character(tmp_path, ids, labels):
    """CSV export, id map and follow-up files: text that starts like a formula is written as text."""
    import csv

    import openpyxl
    import pandas as pd

    from segkit.core.files import FORMULA_STARTS, write_private_csv_atomic
    from segkit.pipeline.export import write_customer_segments

    n = len(ids)
    table = pd.DataFrame(
        {
            "customer_id": ids,
            "rfm10": labels[:n],
            "rfm10_label": labels[::-1][:n],
            "monetary": [-1.5 * i for i in range(n)],  # negative numbers stay numbers
        }
    )
    _, csv_path, xlsx_path = write_customer_segments(table, tmp_path, language="en")
    private = write_private_csv_atomic(table, tmp_path / "id_map.csv")
    for path in (csv_path, private):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        for row in rows[1:]:
            assert not any(cell.startswith(FORMULA_STARTS) for cell in row[:3]), (path.name, row)
            assert float(row[3]) <= 0  # the number column is a plain number
        assert [r[0] for r in rows[1:]] == [("'" + i if i.startswith(FORMULA_STARTS) else i) for i in ids]
    sheet = openpyxl.load_workbook(xlsx_path)["customer_segments"]
    for row in sheet.iter_rows(min_row=3):
        assert all(cell.data_type != "f" for cell in row)  # text cells, never formulas


@pytest.mark.slow
def test_a_file_shorter_than_migration_days_still_gets_its_value_report(tmp_path):
    """Issue 12: one section that cannot be computed must not sink the report (02 on six weeks of data)."""
    import pandas as pd

    from segkit.pipeline.run import run

    raw = tmp_path / "raw"
    datasets.write_demo(raw, customers=300, seed=7)
    lines = pd.read_csv(raw / "transactions.csv", dtype=str, keep_default_na=False)
    lines.loc[lines["invoice_date"] >= "2025-11-20"].to_csv(tmp_path / "short.csv", index=False)
    config = tmp_path / "short.yaml"
    config.write_text(
        f"run_id: short\nlanguage: zh\nnotebooks_dir: {Path(__file__).resolve().parents[1] / 'notebooks'}\n"
        f"reports_dir: {tmp_path / 'reports'}\nprocessed_dir: {tmp_path / 'processed'}\nnotebooks: [02-customer-value]\n"
        f"inputs:\n  transactions: {{path: {tmp_path / 'short.csv'}, preset: demo}}\n",
        encoding="utf-8",
    )
    with open(tmp_path / "run.log", "w") as log:
        assert run(config, out=log) == 0, (tmp_path / "run.log").read_text()
    page = (tmp_path / "reports" / "short" / "02-customer-value.html").read_text(encoding="utf-8")
    assert "迁移分析没有可比较的对象，因此略去" in page and "购买力与盈利能力" in page


@pytest.mark.slow
@pytest.mark.parametrize("respondents", [1, 2])
def test_a_survey_of_one_or_two_respondents_still_gets_its_need_report(tmp_path, respondents):
    """Issue 12: 03 used to fail whole on a survey of 1-2 respondents; now the analyses that cannot be done say why."""
    import pandas as pd

    from segkit.pipeline.run import run

    raw = tmp_path / "raw"
    datasets.write_demo(raw, customers=300, seed=7)
    pd.read_csv(raw / "survey.csv", dtype=str).head(respondents).to_csv(tmp_path / "s.csv", index=False)
    config = tmp_path / "s.yaml"
    config.write_text(
        f"run_id: tiny\nnotebooks_dir: {Path(__file__).resolve().parents[1] / 'notebooks'}\n"
        f"reports_dir: {tmp_path / 'reports'}\nprocessed_dir: {tmp_path / 'processed'}\nnotebooks: [03-need-priority]\n"
        f"inputs:\n  survey: {{path: {tmp_path / 's.csv'}}}\n  needs: {{path: {raw / 'needs.yaml'}}}\n",
        encoding="utf-8",
    )
    with open(tmp_path / "run.log", "w") as log:
        assert run(config, out=log) == 0, (tmp_path / "run.log").read_text()
    page = (tmp_path / "reports" / "tiny" / "03-need-priority.html").read_text(encoding="utf-8")
    assert "Left out: the answers cannot carry this analysis" in page and "Provenance" in page


@pytest.mark.slow
def test_a_run_whose_cleaning_keeps_no_row_exits_2_with_the_message(tmp_path):
    postage = LINES.replace("AP019", "POST").replace("AP015", "POST")
    (tmp_path / "t.csv").write_text(postage, encoding="utf-8")
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    (tmp_path / "c.yaml").write_text(
        f"run_id: zr\nnotebooks_dir: {notebooks}\ninputs:\n  transactions: {{path: t.csv, preset: demo}}\n"
        "notebooks: [01-data-quality, 02-customer-value]\n",
        encoding="utf-8",
    )
    done = _segkit("run", "c.yaml", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "KeyError" not in done.stderr
    assert done.stderr.count("t.csv: no rows are left after cleaning") == 2  # one line per notebook
