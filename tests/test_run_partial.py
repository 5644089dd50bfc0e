"""`segkit run` keeps going after a failing notebook and publishes what succeeded.

Two tiny jupytext notebooks are written into tmp_path; a per-notebook `fail` parameter makes one
raise `segkit.InputError` ("input") or a `RuntimeError` ("bug"). The last tests pin which git
commit the manifest names.
"""

import html
import io
import json
import subprocess
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

import segkit
from segkit.pipeline.config import load_config
from segkit.pipeline.manifest import build_manifest
from segkit.pipeline.notebooks import NotebookResult
from segkit.pipeline.run import run
from segkit.reporting import provenance

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOK = """\
# %% tags=["parameters"]
transactions_path: str = ""  # input; empty = none
language: str = "en"  # en | zh
fail: str = ""  # "input": raise an InputError, "bug": raise a RuntimeError (tests)

# %% tags=["remove-cell"]
import segkit
from segkit.reporting.report import Report
R = Report(language)

# %% tags=["hide-input"]
R.heading("core.quality.title", level=1)
R.key_number("rows_in", 2, label="quality.keys.rows_in")
if fail == "input":
    raise segkit.InputError("t.csv: column b: 1 of 1 values are not numbers (row 1: x)")
if fail == "bug":
    raise RuntimeError("boom in NAME")
R.summary(["NAME ran."])
"""
BAD_INPUT = "t.csv: column b: 1 of 1 values are not numbers (row 1: x)"
FIRST, SECOND = "01-first", "02-second"


@pytest.fixture
def project(tmp_path):
    """Two tiny notebooks, one input, and a config writer taking the `fail` value of each notebook."""
    (tmp_path / "notebooks").mkdir()
    for name in (FIRST, SECOND):
        (tmp_path / "notebooks" / f"{name}.py").write_text(NOTEBOOK.replace("NAME", name), encoding="utf-8")
    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")

    def config(first: str = "", second: str = "", *, language: str = "en", name: str = "run.yaml") -> Path:
        path = tmp_path / name
        path.write_text(
            f"run_id: tiny\nbase_dir: {tmp_path}\nlanguage: {language}\n"
            "inputs:\n  transactions: {path: t.csv, preset: demo}\n"
            f"parameters:\n  {FIRST}: {{fail: '{first}'}}\n  {SECOND}: {{fail: '{second}'}}\n",
            encoding="utf-8",
        )
        return path

    return tmp_path, config


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _error_outputs(notebook: Path) -> list[str]:
    executed = nbformat.read(notebook, as_version=4)
    return [
        o["ename"]
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def _head(folder: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.slow
def test_bad_input_in_the_first_notebook_still_publishes_the_second(project, capsys):
    root, config = project
    out = io.StringIO()
    assert run(config(first="input"), out=out) == 2
    folder = root / "reports" / "tiny"
    files = set(_tree(folder))
    assert {
        f"{SECOND}.html",
        "index.html",
        "manifest.json",
        "run.log",
        f"executed/{FIRST}.ipynb",
        f"executed/{SECOND}.ipynb",
    } <= files
    assert f"{FIRST}.html" not in files
    assert _error_outputs(folder / "executed" / f"{FIRST}.ipynb") == ["InputError"]  # the failed one shows its error cell
    assert _error_outputs(folder / "executed" / f"{SECOND}.ipynb") == []
    assert f"{SECOND} ran." in (folder / f"{SECOND}.html").read_text(encoding="utf-8")

    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "1 of 2 reports finished successfully" in index
    assert "1 of 2 reports failed" in index
    assert f"Error: {html.escape(BAD_INPUT)}" in index and "Traceback" not in index
    assert f'href="executed/{FIRST}.ipynb">{FIRST}</a>' in index  # the failed row links to its executed notebook
    assert f'href="{FIRST}.html"' not in index and f'href="{SECOND}.html"' in index
    assert '<span class="status-failed">failed</span>' in index and '<span class="status-ok">finished</span>' in index

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "partial"
    first, second = manifest["notebooks"]
    assert (first["status"], first["html"], first["error"]) == ("failed", None, f"{FIRST}: {BAD_INPUT}")
    assert (second["status"], second["html"], second["error"]) == ("ok", f"{SECOND}.html", None)
    assert manifest["segkit_version"] == segkit.__version__

    assert f"{FIRST}: {BAD_INPUT}" in (folder / "run.log").read_text(encoding="utf-8")
    failed = root / "reports" / "failed" / "tiny"
    assert {f"{FIRST}.ipynb", "run.log", "manifest.json"} == set(_tree(failed))  # only the failed notebook is kept there
    assert out.getvalue().splitlines()[-1] == str(folder / "index.html")
    stderr = capsys.readouterr().err
    assert [line for line in stderr.splitlines() if line.startswith("segkit: ")] == [f"segkit: {FIRST}: {BAD_INPUT}"]
    assert "Traceback" not in stderr
    assert not list((root / "reports").glob(".*partial")) and (root / "data" / "processed" / "tiny").is_dir()


@pytest.mark.slow
def test_a_bug_in_the_second_notebook_exits_1_and_publishes_the_first(project, capsys):
    root, config = project
    assert run(config(second="bug", language="zh"), out=io.StringIO()) == 1
    folder = root / "reports" / "tiny"
    assert (folder / f"{FIRST}.html").is_file() and not (folder / f"{SECOND}.html").exists()
    assert _error_outputs(folder / "executed" / f"{SECOND}.ipynb") == ["RuntimeError"]
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "2 份报告中有 1 份成功完成" in index and "2 份报告中有 1 份失败" in index
    assert "错误：cell 4 raised RuntimeError: boom in 02-second" in index
    assert '<span class="status-failed">失败</span>' in index and '<div class="table-note">Error' not in index
    assert f'href="executed/{SECOND}.ipynb">{SECOND}</a>' in index  # no catalogue title: the name
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["status"] == "partial"
    stderr = capsys.readouterr().err
    assert f"segkit: {SECOND}: cell 4 raised RuntimeError: boom in 02-second" in stderr
    assert set(_tree(root / "reports" / "failed" / "tiny")) == {f"{SECOND}.ipynb", "run.log", "manifest.json"}


@pytest.mark.slow
@pytest.mark.parametrize(("first", "second", "code"), [("input", "input", 2), ("input", "bug", 1)])
def test_when_every_notebook_fails_nothing_is_published(project, capsys, first, second, code):
    root, config = project
    assert run(config(), out=io.StringIO()) == 0
    folder, processed = root / "reports" / "tiny", root / "data" / "processed" / "tiny"
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["status"] == "succeeded"
    before, processed_before = _tree(folder), _tree(processed)
    capsys.readouterr()

    assert run(config(first, second, name="fail.yaml"), out=io.StringIO()) == code
    assert _tree(folder) == before and _tree(processed) == processed_before  # byte for byte
    failed = root / "reports" / "failed" / "tiny"
    assert set(_tree(failed)) == {f"{FIRST}.ipynb", f"{SECOND}.ipynb", "run.log", "manifest.json"}
    assert json.loads((failed / "manifest.json").read_text(encoding="utf-8"))["status"] == "failed"
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("segkit: ")]
    assert [e.split(":")[1].strip() for e in errors] == [FIRST, SECOND]  # one line per failed notebook
    assert not list((root / "reports").glob(".*partial")) and not list((root / "data" / "processed").glob(".*partial"))


# ---------------------------------------------------------------- which commit the manifest names
def test_manifest_names_segkit_s_own_commit(project):
    if provenance._git(ROOT, "rev-parse", "--show-toplevel") != str(ROOT):
        pytest.skip("segkit is not run from its git checkout")
    root, config = project
    now = datetime.now().astimezone()
    manifest = build_manifest(
        load_config(config()), [NotebookResult(FIRST, status="ok")], started=now, finished=now, processed_dir=root
    )
    assert manifest["segkit_commit"] == _head(ROOT)
    assert manifest["segkit_version"] == segkit.__version__
    assert isinstance(manifest["segkit_tree_dirty"], bool)
    assert provenance.git_commit() == _head(ROOT)  # the provenance section of the reports says the same


def _git_repo(folder: Path) -> Path:
    folder.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=folder, check=True)
    (folder / "src" / "segkit").mkdir(parents=True)
    (folder / "src" / "segkit" / "__init__.py").write_text('"""another segkit"""\n', encoding="utf-8")
    subprocess.run([*git, "add", "."], cwd=folder, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "other"], cwd=folder, check=True)
    return folder


def test_another_repository_s_commit_is_not_reported(tmp_path):
    other = _git_repo(tmp_path / "other")
    assert _head(other)  # a real commit exists there, but it is not segkit's own
    assert provenance.git_commit(other) is None
    assert provenance.git_commit(other / "src" / "segkit") is None
    assert provenance.source_revision(other) == {"commit": None, "dirty": None}
    assert provenance.git_commit(tmp_path) is None  # not a git work tree at all


def test_commit_and_dirty_of_segkit_s_own_tree(tmp_path, monkeypatch):
    tree = _git_repo(tmp_path / "tree")
    monkeypatch.setattr(provenance, "_PACKAGE", tree / "src" / "segkit")  # pretend this is segkit's own checkout
    assert provenance.source_revision() == {"commit": _head(tree), "dirty": False}
    (tree / "notes.txt").write_text("uncommitted\n", encoding="utf-8")
    assert provenance.source_revision(tree / "src") == {"commit": _head(tree), "dirty": True}
    assert provenance.git_commit() == _head(tree)
