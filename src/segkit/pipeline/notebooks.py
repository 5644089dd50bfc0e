"""Report notebooks: their parameters, their execution with papermill, their key numbers."""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from segkit.core.errors import InputError
from segkit.pipeline.config import RunConfig
from segkit.pipeline.run_guard import RunInterrupted
from segkit.reporting.report import KEY_NUMBER_MIME


@dataclass
class NotebookResult:
    """What happened to one notebook (one row of index.html, one entry of the manifest)."""

    name: str
    status: str = "pending"  # pending | ok | failed
    seconds: float = 0.0
    parameters: dict[str, Any] = field(default_factory=dict)
    key_numbers: list[dict[str, Any]] = field(default_factory=list)
    title: str = ""
    error: str | None = None
    kept_from: str | None = None  # not run this time (--only): the finish time of the run it comes from


class NotebookFailed(Exception):
    """A notebook stopped; the message is the one a person reads (one line, no traceback)."""

    def __init__(self, notebook: str, text: str, *, bad_input: bool) -> None:
        one_line = " ".join(part.strip() for part in str(text).splitlines() if part.strip())
        super().__init__(f"{notebook}: {one_line}")
        self.bad_input = bad_input


def _parameters_source(notebook: nbformat.NotebookNode) -> str:
    """The source of the cell tagged ``parameters`` ("" when the notebook has none)."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell.source
    return ""


def declared_parameters(notebook: nbformat.NotebookNode) -> list[str]:
    """Names assigned in the cell tagged ``parameters`` (what a run may override).

    Parsed with `ast` rather than papermill's line-based reader, which skips any line whose
    comment holds a ``;`` or quotes, and would silently leave such a parameter at its default.
    """
    import ast

    names: list[str] = []
    for node in ast.parse(_parameters_source(notebook)).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def required_parameters(notebook: nbformat.NotebookNode) -> list[str]:
    """Parameters whose comment in the ``parameters`` cell starts with ``required``: inputs the
    notebook cannot do without, so a run that lacks them stops before anything executes."""
    return re.findall(r"^(\w+)\s*(?::[^=]*)?=.*#\s*required\b", _parameters_source(notebook), flags=re.MULTILINE)


# ---------------------------------------------------------------- execution
def _read_notebook(path: Path) -> nbformat.NotebookNode:
    if path.suffix == ".py":
        import jupytext

        return jupytext.read(path)
    return nbformat.read(path, as_version=4)


def _execute_one(config: RunConfig, result: NotebookResult, source: nbformat.NotebookNode, target: Path) -> nbformat.NotebookNode:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.ERROR)  # its parameter-parsing warnings are not ours
    try:
        return papermill.execute_notebook(
            copy.deepcopy(source),
            str(target),
            parameters=result.parameters,
            kernel_name=config.kernel,
            language="python",
            cwd=str(config.notebooks_dir),
            progress_bar=False,
            log_output=False,
            execution_timeout=config.cell_timeout,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],  # the kernel's own log is noise in a cron mail
        )
    except PapermillExecutionError as error:
        bad_input = error.ename == InputError.__name__
        text = error.evalue if bad_input else f"cell {error.exec_count} raised {error.ename}: {error.evalue}"
        raise NotebookFailed(result.name, text, bad_input=bad_input) from None
    except RunInterrupted:  # a stop signal stops the run, not just this notebook
        raise
    except Exception as error:  # noqa: BLE001 - kernel died, timeout, ...: still a failed notebook, not a crash of the run
        raise NotebookFailed(result.name, f"{type(error).__name__}: {error}", bad_input=False) from None


def key_numbers(notebook: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The key numbers a notebook recorded with `Report.key_number`, in order."""
    return [
        dict(output["data"][KEY_NUMBER_MIME])
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if KEY_NUMBER_MIME in output.get("data", {})
    ]
