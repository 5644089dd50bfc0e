"""`segkit run`: config checks, parameter passing, HTML rendering, atomic output, failure handling.

The end-to-end tests execute real notebooks with papermill (marked slow); the pipeline tests use a
tiny notebook written into tmp_path, the report tests the repository's notebooks on a small demo.
"""

import io
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jupytext
import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from segkit import InputError, datasets
from segkit.core import privacy
from segkit.pipeline.config import load_config
from segkit.pipeline.html import render_html
from segkit.pipeline.notebooks import declared_parameters, key_numbers
from segkit.pipeline.run import run
from segkit.reporting.report import KEY_NUMBER_MIME

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

TINY = """\
# %% tags=["parameters"]
transactions_path: str = ""  # input; empty = none
language: str = "en"  # en | zh
run_id: str = "dev"
fail: bool = False  # raise an InputError (tests)

# %% tags=["remove-cell"]
import segkit
from segkit.reporting.report import Report
R = Report(language)

# %% tags=["hide-input"]
R.heading("core.quality.title", level=1)
lines = sum(1 for _ in open(transactions_path))
R.summary([f"{lines} lines."])
R.key_number("rows_in", lines, label="quality.keys.rows_in")
R.key_number("tenths", lines / 10, label="Lines in tenths", fmt="pct")
if fail:
    raise segkit.InputError("t.csv: column 'b': 1 of 1 values are not numbers (row 1: 'x')")
R.provenance({"run_id": run_id}, {"transactions": transactions_path})
"""


@pytest.fixture
def project(tmp_path):
    """A project folder with one tiny notebook, one input and a config writer."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01-tiny.py").write_text(TINY, encoding="utf-8")
    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")

    def config(text: str = "", name: str = "run.yaml") -> Path:
        path = tmp_path / name
        base = f"run_id: tiny\nbase_dir: {tmp_path}\ninputs:\n  transactions: {{path: t.csv, preset: demo}}\n"
        path.write_text(base + textwrap.dedent(text), encoding="utf-8")
        return path

    return tmp_path, config


# ---------------------------------------------------------------- config checks
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("langauge: zh\n", "unknown key 'langauge' (did you mean 'language'?)"),
        ("as_of: 2011-02-30\n", "as_of '2011-02-30' is not a date"),
        ("notebooks: [01-tiyn]\n", "unknown notebook '01-tiyn' (did you mean '01-tiny'?)"),
        ("language: fr\n", "language 'fr' is not supported"),
        ("cleaning: {cancelations: keep}\n", "unknown key(s) 'cancelations'"),
        ("pseudonymize_ids: yes please\n", "pseudonymize_ids must be true or false"),
    ],
)
def test_config_errors_name_the_key(project, extra, message):
    _, config = project
    with pytest.raises(InputError) as caught:
        load_config(config(extra))
    assert message in str(caught.value) and "run.yaml" in str(caught.value)


def test_config_rejects_missing_input_file_and_bad_run_id(project):
    _, config = project
    path = config()
    path.write_text(path.read_text().replace("t.csv", "missing.csv"))
    with pytest.raises(InputError, match=r"inputs.transactions: file not found: .*missing.csv"):
        load_config(path)
    with pytest.raises(InputError, match="run_id 'a/b' is not usable"):
        load_config(config(), run_id="a/b")
    with pytest.raises(InputError, match="run_id 'failed'"):
        load_config(config(), run_id="failed")


def test_config_resolves_paths_and_overrides(project):
    root, config = project
    loaded = load_config(config("as_of: 2011-12-10\nlanguage: en\n"), language="zh", run_id="r2")
    assert loaded.inputs["transactions"].path == root / "t.csv"
    assert (loaded.run_id, loaded.language, str(loaded.as_of)) == ("r2", "zh", "2011-12-10")
    assert loaded.notebooks == ("01-tiny",)  # default: every NN-*.ipynb / .py in notebooks_dir
    assert loaded.reports_dir == root / "reports" and loaded.processed_dir == root / "data" / "processed"


def test_demo_config_is_valid():
    if not (ROOT / "data" / "raw" / "demo" / "transactions.csv").exists():
        pytest.skip("demo data not generated (segkit demo-data --out data/raw/demo)")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        loaded = load_config(ROOT / "configs" / "demo.yaml")
    assert loaded.run_id == "demo" and "01-data-quality" in loaded.notebooks


# ---------------------------------------------------------------- notebooks and rendering
def test_declared_parameters_survive_comments_with_semicolons_and_quotes():
    nb = new_notebook(
        cells=[new_code_cell('a: str = ""  # x; y\nb = "q"  # ("" = none)\nc, = [1]\n', metadata={"tags": ["parameters"]})]
    )
    assert declared_parameters(nb) == ["a", "b"]


def test_render_html_has_no_code_prompts_warnings_or_script():
    nb = new_notebook(
        cells=[
            new_code_cell("secret_code = 1", metadata={"tags": ["parameters"]}),
            new_code_cell(
                "import os",
                metadata={"tags": ["remove-cell"]},
                outputs=[new_output("stream", name="stdout", text="REMOVED CELL OUTPUT")],
            ),
            new_code_cell(
                "show()",
                outputs=[
                    new_output("display_data", data={"text/html": "<h1>My title</h1><p>visible</p>"}),
                    new_output("stream", name="stderr", text="UserWarning: noisy"),
                    new_output(
                        "display_data",
                        data={KEY_NUMBER_MIME: {"name": "n", "value": 1.0, "text": "1", "label": "N"}, "text/plain": ""},
                    ),
                ],
            ),
            new_markdown_cell("analyst note", metadata={"tags": ["remove-cell"]}),
        ]
    )
    page, title = render_html(nb, language="en", run_id="r1", fallback_title="fallback")
    assert title == "My title" and "<title>My title</title>" in page
    assert "visible" in page
    for absent in ("secret_code", "show()", "REMOVED CELL OUTPUT", "noisy", "analyst note", "In&nbsp;[", "<script"):
        assert absent not in page, absent
    assert key_numbers(nb) == [{"name": "n", "value": 1.0, "text": "1", "label": "N"}]


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("*.py")), ids=lambda p: p.stem)
def test_jupytext_pairs_are_in_sync(notebook):
    paired = notebook.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} missing: run jupytext --sync {notebook.name}"
    py, ipynb = jupytext.read(notebook), nbformat.read(paired, as_version=4)
    assert [c.source for c in py.cells] == [c.source for c in ipynb.cells]
    assert not any(c.get("outputs") for c in ipynb.cells), "committed notebooks carry no outputs"


# ---------------------------------------------------------------- pipeline (tiny notebook)
def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_run_writes_reports_atomically_and_a_failure_keeps_the_old_folder(project):
    root, config = project
    out = io.StringIO()
    assert run(config(), out=out) == 0
    folder = root / "reports" / "tiny"
    assert {"index.html", "01-tiny.html", "manifest.json", "run.log", "executed/01-tiny.ipynb"} <= set(_tree(folder))
    printed = out.getvalue().splitlines()
    assert printed[-1] == str(folder / "index.html")
    assert sum("01-tiny" in line and " ok " in line for line in printed) == 1  # one progress line
    manifest = json.loads((folder / "manifest.json").read_text())
    # sha256 of b"a,b\n1,2\n", computed with `printf 'a,b\n1,2\n' | sha256sum`
    assert manifest["inputs"]["transactions"]["sha256"] == "492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470"
    assert manifest["status"] == "succeeded" and manifest["notebooks"][0]["key_numbers"][0]["text"] == "2"
    assert {"python", "segkit", "pandas", "numpy", "papermill"} <= set(manifest["versions"])
    assert not list((root / "reports").glob(".*partial")) and (root / "data" / "processed" / "tiny").is_dir()
    before = _tree(folder)

    failing = config("parameters:\n  01-tiny: {fail: true}\n", name="fail.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "segkit", "run", str(failing)], check=False, capture_output=True, text=True, cwd=root
    )
    assert done.returncode == 2
    assert "01-tiny: t.csv: column 'b': 1 of 1 values are not numbers (row 1: 'x')" in done.stderr
    assert "Traceback" not in done.stderr
    assert _tree(folder) == before  # byte for byte
    assert (root / "reports" / "failed" / "tiny" / "01-tiny.ipynb").exists()
    assert not list((root / "reports").glob(".*partial")) and not list((root / "data" / "processed").glob(".*partial"))


@pytest.mark.slow
def test_second_index_shows_each_key_numbers_change_since_the_previous_run(project):
    root, config = project
    path = config()
    assert run(path, out=io.StringIO()) == 0  # t.csv has 2 lines: rows_in 2, tenths 20 %
    first = (root / "reports" / "tiny" / "index.html").read_text(encoding="utf-8")
    assert "There is no earlier published run to compare with" in first and "since the previous run" not in first
    (root / "t.csv").write_text("a,b\n1,2\n3,4\n5,6\n7,8\n", encoding="utf-8")  # 5 lines: rows_in 5, tenths 50 %
    assert run(path, run_id="tiny2", out=io.StringIO()) == 0
    second = (root / "reports" / "tiny2" / "index.html").read_text(encoding="utf-8")
    assert "Changes are against the previous run tiny, finished " in second
    assert '<div class="value">5</div><div class="change">+3 since the previous run</div>' in second
    assert '<div class="value">50.0%</div><div class="change">+30.0 pp since the previous run</div>' in second
    manifest = json.loads((root / "reports" / "tiny2" / "manifest.json").read_text())
    assert manifest["previous_run"]["folder"] == "tiny"
    keys = {k["name"]: k for k in manifest["notebooks"][0]["key_numbers"]}
    assert (keys["rows_in"]["value"], keys["rows_in"]["fmt"], keys["rows_in"]["change"]) == (5.0, "int", 3.0)
    assert keys["tenths"]["change"] == pytest.approx(0.3)
    # Rerunning run id tiny compares with the latest run before it, tiny2 (not with its own older publication).
    assert run(path, language="zh", out=io.StringIO()) == 0
    third = (root / "reports" / "tiny" / "index.html").read_text(encoding="utf-8")
    assert "变化相对于上一次运行 tiny2" in third and third.count("与上次运行持平") == 2


@pytest.mark.slow
def test_bad_config_exits_2_with_the_message_and_no_traceback(project):
    root, config = project
    done = subprocess.run(
        [sys.executable, "-m", "segkit", "run", str(config("langauge: zh\n"))],
        check=False,
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("segkit: run.yaml: unknown key 'langauge'") and "Traceback" not in done.stderr


def test_run_passes_only_declared_parameters_and_extras(project):
    root, config = project
    with pytest.raises(InputError, match="parameters.01-tiny: bins not declared by the notebook"):
        run(config("parameters:\n  01-tiny: {bins: 4}\n"))
    assert not list((root / "reports").glob(".*partial"))


# ---------------------------------------------------------------- the real reports
@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    datasets.write_demo(folder / "raw", customers=300, seed=7)
    return folder


def _demo_config(root: Path, raw: Path, *, language: str, notebooks: str = "") -> Path:
    inputs = {"transactions": "{path: %s, preset: demo}" % (raw / "transactions.csv")}
    for name, file in [
        ("customers", "customers.csv"),
        ("survey", "survey.csv"),
        ("needs", "needs.yaml"),
        ("risk", "risk.csv"),
        ("holdings", "holdings.csv"),
        ("complaints", "complaints.csv"),
    ]:
        if (raw / file).exists():
            inputs[name] = "{path: %s}" % (raw / file)
    text = (
        f"run_id: small-{language}\nlanguage: {language}\nnotebooks_dir: {NOTEBOOKS}\n"
        f"reports_dir: {root / 'reports'}\nprocessed_dir: {root / 'processed'}\ninputs:\n"
        + "".join(f"  {k}: {v}\n" for k, v in inputs.items())
        + notebooks
    )
    path = root / f"{language}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def english_run(small_demo):
    """Every notebook in notebooks/ on a 300-customer demo, in English."""
    config = _demo_config(small_demo, small_demo / "raw", language="en")
    with open(small_demo / "en.log", "w") as log:
        code = run(config, out=log)
    assert code == 0, (small_demo / "en.log").read_text()
    return small_demo / "reports" / "small-en"


@pytest.mark.slow
def test_reports_have_summary_provenance_and_no_code(english_run):
    page = (english_run / "01-data-quality.html").read_text(encoding="utf-8")
    assert "Executive summary" in page and "Provenance" in page and "Data quality" in page
    assert "<script" not in page and "In&nbsp;[" not in page and "import " not in page
    assert "R.heading" not in page and "data:image/png;base64," in page
    for html in english_run.glob("*.html"):
        assert html.stat().st_size < 2_000_000, html.name
    for html in english_run.glob("0*.html"):  # every report closes with a visible provenance section
        text = html.read_text(encoding="utf-8")
        assert "Executive summary" in text and "Provenance" in text and "SHA-256" in text, html.name
    index = (english_run / "index.html").read_text(encoding="utf-8")
    assert 'href="01-data-quality.html"' in index and "Lines read" in index
    manifest = json.loads((english_run / "manifest.json").read_text())
    assert all(n["status"] == "ok" for n in manifest["notebooks"])


@pytest.mark.slow
def test_no_names_phones_or_emails_in_any_report_or_manifest(english_run, small_demo):
    customers = pd.read_csv(small_demo / "raw" / "customers.csv", dtype=str)
    values = privacy.pii_values(customers)
    assert len(values) > 500  # names, phones and e-mails of 300 customers
    produced = [*english_run.glob("*.html"), english_run / "manifest.json"]
    assert privacy.find_pii(produced, values) == {}


@pytest.mark.slow
def test_chinese_run_of_every_report(small_demo):
    config = _demo_config(small_demo, small_demo / "raw", language="zh")
    with open(small_demo / "zh.log", "w") as log:
        assert run(config, out=log) == 0, (small_demo / "zh.log").read_text()
    pages = sorted((small_demo / "reports" / "small-zh").glob("0*.html"))
    assert [p.stem for p in pages] == [p.stem for p in sorted(NOTEBOOKS.glob("0*.ipynb"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert 'lang="zh-CN"' in text and "执行摘要" in text and "数据来源与可复现信息" in text, page.name
        assert "Executive summary" not in text and "Provenance" not in text, page.name


@pytest.mark.slow
def test_pseudonymised_run_shows_no_customer_id_and_keeps_the_key_out(small_demo):
    key = "test-key-not-in-reports"
    config = _demo_config(
        small_demo, small_demo / "raw", language="en", notebooks="notebooks: [02-customer-value, 03-need-priority]\n"
    )
    text = config.read_text(encoding="utf-8").replace("run_id: small-en", "run_id: small-pseudo")
    config.write_text(text + f"pseudonymize_ids: true\npseudonymize_key: {key}\n", encoding="utf-8")
    with open(small_demo / "pseudo.log", "w") as log:
        assert run(config, out=log) == 0, (small_demo / "pseudo.log").read_text()
    ids = pd.read_csv(small_demo / "raw" / "customers.csv", dtype=str)["customer_id"]
    out = small_demo / "reports" / "small-pseudo"
    produced = [*out.glob("*.html"), out / "manifest.json"]
    for path in produced:
        text = path.read_text(encoding="utf-8")
        assert key not in text, path.name
        leaked = [i for i in ids if i in text]
        assert leaked == [], f"{path.name} shows customer ids {leaked[:3]}"
    export = pd.read_csv(small_demo / "processed" / "small-pseudo" / "customer_segments.csv", dtype=str, encoding="utf-8-sig")
    assert export["customer_id"].str.startswith("P-").all()
    assert set(export["customer_id"]) <= set(privacy.pseudonymize(ids, key=key))  # same keyed hash as the library


def _chromium() -> str | None:
    return (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    )


@pytest.mark.slow
@pytest.mark.parametrize("page", ["index.html", "01-data-quality.html"])
def test_report_renders_in_headless_chromium(english_run, page, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium found (Debian: apt-get install chromium; .ci/run installs it)")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--hide-scrollbars",
            "--window-size=1100,1600",
            f"--screenshot={shot}",
            (english_run / page).as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.exists(), "Chromium wrote no screenshot"
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]
    ink = (pixels.min(axis=2) < 0.9).mean()  # share of pixels that are not (near) white
    assert ink > 0.01, f"screenshot of {page} is blank ({ink:.3%} non-white pixels)"


KANO_ONLY = """respondent_id,F1_functional,F1_dysfunctional,F2_functional,F2_dysfunctional
r1,I like it,I dislike it,I expect it,I dislike it
r2,I like it,I am neutral,I expect it,I dislike it
r3,I like it,I can tolerate it,I am neutral,I dislike it
r4,I am neutral,I am neutral,I expect it,I can tolerate it
"""
KANO_CATALOGUE = """items:
- {id: F1, label_en: Dark mode}
- {id: F2, label_en: Data export, label_zh: 数据导出, functional: functional, level: basic, role: core, horizon: long-term, category: function}
"""


def _survey_only_config(folder: Path, notebooks: str = "") -> Path:
    """A config naming only a Kano survey and its need catalogue (no transactions)."""
    (folder / "kano.csv").write_text(KANO_ONLY, encoding="utf-8")
    (folder / "needs.yaml").write_text(KANO_CATALOGUE, encoding="utf-8")
    config = folder / "kano.yaml"
    config.write_text(
        f"run_id: kano\nbase_dir: {folder}\nnotebooks_dir: {NOTEBOOKS}\n{notebooks}"
        "inputs:\n  survey: {path: kano.csv}\n  needs: {path: needs.yaml}\n",
        encoding="utf-8",
    )
    return config


@pytest.mark.slow
def test_a_survey_without_transactions_gets_its_need_report(tmp_path):
    """A Kano-only survey (no transactions, customers, ratings or NPS) still gets the survey sections."""
    config = _survey_only_config(tmp_path, "notebooks: [03-need-priority]\n")
    log = io.StringIO()
    assert run(config, out=log) == 0, log.getvalue()
    page = (tmp_path / "reports" / "kano" / "03-need-priority.html").read_text(encoding="utf-8")
    assert "Kano classification" in page and "Dark mode" in page and "Provenance" in page
    # F1: (like, dislike) O, (like, neutral) A, (like, tolerate) A, (neutral, neutral) I -> attractive
    assert "Attractive (value-added) needs: Dark mode" in page


def test_a_notebook_missing_its_required_input_stops_the_run_before_it_starts(tmp_path):
    config = _survey_only_config(tmp_path)
    with pytest.raises(InputError, match="notebook 01-data-quality needs inputs.transactions"):
        run(config, out=io.StringIO())
    assert not (tmp_path / "reports" / "kano").exists()
