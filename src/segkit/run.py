"""`segkit run CONFIG.yaml`: execute the report notebooks with papermill and publish HTML atomically.

A run reads and checks the config (`segkit.config`), then for each notebook: passes the parameters
the notebook declares, executes it (kernel ``python3``, working directory ``notebooks/``) and renders
it to one self-contained HTML file without code. Everything is written into a staging folder next to
``reports/<run-id>/`` and moved into place only when every notebook succeeded, together with
``index.html``, the executed notebooks and ``manifest.json``; processed data move the same way into
``data/processed/<run-id>/``. On failure the previous run folder is left exactly as it was, the
failed notebook and the log go to ``reports/failed/<run-id>/`` and the exit code is non-zero.

Exit codes: 0 success; 2 bad input (config, or a notebook stopped by `InputError`); 1 any other failure.
"""

from __future__ import annotations

import copy
import html
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import nbformat
import yaml

import segkit
from segkit import privacy
from segkit.config import INPUTS, InputFile, RunConfig, load_config
from segkit.errors import InputError
from segkit.fonts import cjk_webfont_css
from segkit.i18n import message
from segkit.report import KEY_NUMBER_MIME, git_commit, package_versions, stylesheet

#: Cell tags understood by the HTML rendering (same meaning as in Jupyter Book).
REMOVE_CELL, HIDE_INPUT, REMOVE_OUTPUT = "remove-cell", "hide-input", "remove-output"
#: Folder under the reports root that keeps the last failed attempt of each run id.
FAILED = "failed"
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


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


class NotebookFailed(Exception):
    """A notebook stopped; the message is the one a person reads (no traceback)."""

    def __init__(self, notebook: str, text: str, *, bad_input: bool) -> None:
        super().__init__(f"{notebook}: {text}")
        self.bad_input = bad_input


def run(
    config_path: str | Path,
    *,
    run_id: str | None = None,
    language: str | None = None,
    only: Sequence[str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Run the notebooks of a config; print one progress line per notebook and the index path.

    Config errors raise `InputError` (the CLI prints it and exits 2); a failing notebook is
    reported on stderr and gives exit code 2 (bad input) or 1 (anything else).
    """
    out = out or sys.stdout
    config = load_config(config_path, run_id=run_id, language=language, only=only)
    return execute(config, out=out)


def execute(config: RunConfig, *, out: TextIO) -> int:
    """Execute a checked config (see `run`); staging folders never outlive the call."""
    config.reports_dir.mkdir(parents=True, exist_ok=True)
    config.processed_dir.mkdir(parents=True, exist_ok=True)
    staging = _staging_dir(config.reports_dir, config.run_id)
    processed = _staging_dir(config.processed_dir, config.run_id)
    try:
        return _execute(config, staging=staging, processed=processed, out=out)
    finally:  # after success both were renamed away; after a failure or a crash they go
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(processed, ignore_errors=True)


def _execute(config: RunConfig, *, staging: Path, processed: Path, out: TextIO) -> int:
    started = datetime.now().astimezone()
    log_lines: list[str] = []

    def say(line: str) -> None:
        log_lines.append(line)
        print(line, file=out, flush=True)

    sources = {name: _read_notebook(path) for name, path in config.notebook_files.items()}
    offered = offered_parameters(config, processed_dir=processed)
    results = [NotebookResult(name, parameters=_parameters_for(config, name, sources[name], offered)) for name in config.notebooks]
    (staging / "executed").mkdir()
    say(f"segkit run {config.run_id}: {len(results)} notebook(s), language {config.language}")
    previous_key = os.environ.get(privacy.KEY_ENV)
    os.environ[privacy.KEY_ENV] = privacy.pseudonym_key(config.pseudonymize_key)
    failure: NotebookFailed | None = None
    try:
        for number, result in enumerate(results, start=1):
            clock = time.monotonic()
            try:
                executed = _execute_one(config, result, sources[result.name], staging / "executed" / f"{result.name}.ipynb")
                result.key_numbers = key_numbers(executed)
                page, result.title = render_html(executed, language=config.language, run_id=config.run_id,
                                                 fallback_title=_notebook_title(config.language, result.name))
                (staging / f"{result.name}.html").write_text(page, encoding="utf-8")
                result.status = "ok"
            except NotebookFailed as error:
                result.status, result.error, failure = "failed", str(error), error
            result.seconds = round(time.monotonic() - clock, 1)
            say(f"[{number}/{len(results)}] {result.name:<24} {result.status:<6} {result.seconds:>7.1f} s")
            if failure:
                break
    finally:
        _restore_env(privacy.KEY_ENV, previous_key)
    finished = datetime.now().astimezone()
    manifest = build_manifest(config, results, started=started, finished=finished, processed_dir=processed)

    if failure:
        kept = _keep_failure(config, staging, results, manifest, log_lines)
        print(f"segkit: {failure}\n        executed notebook and log kept in {kept}", file=sys.stderr, flush=True)
        return EXIT_BAD_INPUT if failure.bad_input else EXIT_FAILED

    _write_json(staging / "manifest.json", manifest)
    (staging / "index.html").write_text(render_index(config, results, started=started, finished=finished), encoding="utf-8")
    (staging / "run.log").write_text("\n".join(log_lines) + "\n", encoding="utf-8")
    _swap_into_place(processed, config.processed_dir / config.run_id)
    _swap_into_place(staging, config.reports_dir / config.run_id)
    say(str(config.reports_dir / config.run_id / "index.html"))
    return EXIT_OK


# ---------------------------------------------------------------- parameters
def offered_parameters(config: RunConfig, *, processed_dir: Path) -> dict[str, Any]:
    """Every parameter a run can give; each notebook receives those it declares.

    Inputs not in the config are passed as ``""`` so a notebook does not fall back to its demo
    default for a file the config did not name.
    """
    transactions = config.inputs.get("transactions", InputFile(path=Path()))
    mapping_path = ""
    if isinstance(transactions.mapping, dict):
        mapping_file = processed_dir / "column-mapping.yaml"
        mapping_file.write_text(yaml.safe_dump(transactions.mapping, allow_unicode=True), encoding="utf-8")
        mapping_path = str(mapping_file)
    elif transactions.mapping is not None:
        mapping_path = str(transactions.mapping)
    offered: dict[str, Any] = {
        param: str(config.inputs[name].path) if name in config.inputs else "" for name, param in INPUTS.items()
    }
    offered.update(
        preset=transactions.preset or "",
        mapping_path=mapping_path,
        encoding=transactions.encoding or "",
        language=config.language,
        as_of=config.as_of.isoformat() if config.as_of else "",
        run_id=config.run_id,
        processed_dir=str(processed_dir),
        pseudonymize_ids=config.pseudonymize_ids,
        cleaning_options=dict(config.cleaning),
    )
    return offered


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


def _parameters_for(config: RunConfig, name: str, notebook: nbformat.NotebookNode, offered: dict[str, Any]) -> dict[str, Any]:
    declared = declared_parameters(notebook)
    chosen = {k: v for k, v in offered.items() if k in declared}
    extra = config.parameters.get(name, {})
    inputs = {param: key for key, param in INPUTS.items()}
    for param in required_parameters(notebook):
        if param in inputs and not {**chosen, **extra}.get(param):
            raise InputError(f"{config.source.name}: notebook {name} needs inputs.{inputs[param]}; add it under 'inputs' "
                             f"or leave {name} out of 'notebooks'")
    unknown = sorted(set(extra) - set(declared))
    if unknown:
        raise InputError(f"{config.source.name}: parameters.{name}: {', '.join(unknown)} not declared by the notebook "
                         f"(it takes {', '.join(declared) or 'none'})")
    if "transactions" in config.inputs and config.inputs["transactions"].mapping is not None and "transactions_path" in declared and "mapping_path" not in declared:
        raise InputError(f"{config.source.name}: notebook {name} takes no 'mapping_path' parameter, so it cannot read "
                         "transactions through a column mapping; use a preset for this run")
    return {**chosen, **extra}


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
            copy.deepcopy(source), str(target), parameters=result.parameters, kernel_name=config.kernel,
            language="python", cwd=str(config.notebooks_dir), progress_bar=False, log_output=False, execution_timeout=config.cell_timeout,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],  # the kernel's own log is noise in a cron mail
        )
    except PapermillExecutionError as error:
        bad_input = error.ename == InputError.__name__
        text = error.evalue if bad_input else f"cell {error.exec_count} raised {error.ename}: {error.evalue}"
        raise NotebookFailed(result.name, text, bad_input=bad_input) from None
    except Exception as error:  # noqa: BLE001 - kernel died, timeout, ...: still a failed notebook, not a crash of the run
        raise NotebookFailed(result.name, f"{type(error).__name__}: {error}", bad_input=False) from None


def key_numbers(notebook: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The key numbers a notebook recorded with `Report.key_number`, in order."""
    return [
        dict(output["data"][KEY_NUMBER_MIME])
        for cell in notebook.cells if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if KEY_NUMBER_MIME in output.get("data", {})
    ]


# ---------------------------------------------------------------- HTML
def render_html(notebook: nbformat.NotebookNode, *, language: str, run_id: str, fallback_title: str) -> tuple[str, str]:
    """One self-contained HTML page of an executed notebook, without code; returns (page, title).

    No input cells or prompts; cells tagged ``remove-cell`` vanish, ``remove-output`` lose their
    output; stderr streams (warnings), key-number outputs and papermill's parameter cells are left
    out. Images are the PNGs already embedded in the notebook; the stylesheet is inlined; no script.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    shown = _reader_view(notebook)
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={REMOVE_CELL}, remove_input_tags={HIDE_INPUT},
                              remove_all_outputs_tags={REMOVE_OUTPUT}, enabled=True),
        enabled=True,
    )
    body, _ = exporter.from_notebook_node(shown)
    found = re.search(r"<h1[^>]*>(.*?)</h1>", body, flags=re.DOTALL)
    title = html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else fallback_title
    nav = f'<p><a href="index.html">{html.escape(message(language, "core.back_to_index"))}</a></p>'
    return _page(language, title, nav + body + _footer(language, run_id)), title


def _reader_view(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    shown = copy.deepcopy(notebook)
    kept = []
    for cell in shown.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"parameters", "injected-parameters"}:
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and KEY_NUMBER_MIME not in o.get("data", {})
            ]
        kept.append(cell)
    shown.cells = kept
    return shown


def _page(language: str, title: str, body: str) -> str:
    lang = "zh-CN" if language == "zh" else "en"
    text = re.sub(r"data:[^\"']*", "", title + body)  # the words of the page, without embedded images
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{cjk_webfont_css(text)}\n{stylesheet()}</style></head>\n"
        f'<body class="segkit">\n{body}\n</body></html>\n'
    )


def _footer(language: str, run_id: str) -> str:
    created = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    text = message(language, "core.footer", version=segkit.__version__, run_id=run_id, created=created)
    return f'<div class="footer">{html.escape(text)}</div>'


def _notebook_title(language: str, name: str) -> str:
    try:
        return message(language, f"core.notebooks.{name}")
    except KeyError:
        return name


def render_index(config: RunConfig, results: Sequence[NotebookResult], *, started: datetime, finished: datetime) -> str:
    """index.html: status and duration per notebook, its key numbers and links to every file."""
    lang = config.language

    def t(key: str, **values: object) -> str:
        return html.escape(message(lang, f"core.index.{key}", **values))

    rows = "".join(
        f'<tr><td class="txt"><a href="{r.name}.html">{html.escape(r.title or _notebook_title(lang, r.name))}</a></td>'
        f'<td class="txt"><span class="status-{r.status}">{t(r.status)}</span></td>'
        f'<td class="num">{t("seconds", seconds=f"{r.seconds:,.1f}")}</td>'
        f'<td class="txt"><a href="executed/{r.name}.ipynb">{t("executed")}</a></td></tr>'
        for r in results
    )
    cards = ""
    for r in results:
        if r.key_numbers:
            boxes = "".join(
                f'<div class="key"><div class="value">{html.escape(k["text"])}</div><div class="label">{html.escape(k["label"])}</div></div>'
                for k in r.key_numbers
            )
            cards += f'<h3>{html.escape(r.title or r.name)}</h3><div class="keys">{boxes}</div>'
    done = sum(r.status == "ok" for r in results)
    meta = (
        f'<p>{t("run")}: <code>{html.escape(config.run_id)}</code> · {t("language")}: {html.escape(message(lang, f"core.language_names.{lang}"))} · '
        f'{t("started")}: {started:%Y-%m-%d %H:%M:%S} · {t("finished")}: {finished:%Y-%m-%d %H:%M:%S} · '
        f'{t("config")}: <code>{html.escape(config.source.name)}</code></p>'
    )
    body = (
        f'<h1>{t("title", run_id=config.run_id)}</h1>{meta}<p>{t("intro", done=done, total=len(results))}</p>'
        f'<table class="segkit-table"><thead><tr><th class="txt">{t("notebook")}</th><th class="txt">{t("status")}</th>'
        f'<th class="num">{t("duration")}</th><th class="txt">{t("links")}</th></tr></thead><tbody>{rows}</tbody></table>'
        f'<h2>{t("key_numbers")}</h2>{cards}<p><a href="manifest.json">{t("manifest")}</a> · <a href="run.log">run.log</a></p>'
    )
    return _page(lang, message(lang, "core.index.title", run_id=config.run_id), body + _footer(lang, config.run_id))


# ---------------------------------------------------------------- manifest and files
def build_manifest(config: RunConfig, results: Sequence[NotebookResult], *, started: datetime, finished: datetime,
                   processed_dir: Path) -> dict[str, Any]:
    """Everything needed to reproduce the run: config, parameters, input hashes, versions, status.

    The pseudonymisation key is never included.
    """
    from segkit.io import file_sha256

    inputs = {name: {"path": str(spec.path), "sha256": file_sha256(spec.path), "bytes": spec.path.stat().st_size}
              for name, spec in config.inputs.items()}
    failed = any(r.status == "failed" for r in results)
    return {
        "run_id": config.run_id,
        "status": "failed" if failed else "succeeded",
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "seconds": round((finished - started).total_seconds(), 1),
        "config_file": str(config.source),
        "config": privacy.redact(config.raw),
        "resolved": {
            "language": config.language,
            "as_of": config.as_of.isoformat() if config.as_of else None,
            "pseudonymize_ids": config.pseudonymize_ids,
            "notebooks": list(config.notebooks),
            "reports_dir": str(config.reports_dir / config.run_id),
            "processed_dir": str(config.processed_dir / config.run_id),
            "processed_dir_during_run": str(processed_dir),
        },
        "inputs": inputs,
        "versions": package_versions(),
        "git_commit": git_commit(),
        "notebooks": [
            {"name": r.name, "status": r.status, "seconds": r.seconds, "title": r.title, "parameters": r.parameters,
             "html": f"{r.name}.html" if r.status == "ok" else None, "executed": f"executed/{r.name}.ipynb",
             "key_numbers": r.key_numbers, "error": r.error}
            for r in results
        ],
    }


def _write_json(path: Path, content: dict[str, Any]) -> None:
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def _keep_failure(config: RunConfig, staging: Path, results: Sequence[NotebookResult], manifest: dict[str, Any],
                  log_lines: list[str]) -> Path:
    """Move the executed notebooks of a failed run to reports/failed/<run-id>/ (replacing an older failure)."""
    target = config.reports_dir / FAILED / config.run_id
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for result in results:
        executed = staging / "executed" / f"{result.name}.ipynb"
        if executed.exists():
            shutil.move(executed, target / executed.name)
    _write_json(target / "manifest.json", manifest)
    (target / "run.log").write_text("\n".join(log_lines) + "\n" + "\n".join(r.error for r in results if r.error) + "\n",
                                    encoding="utf-8")
    return target


def _staging_dir(root: Path, run_id: str) -> Path:
    """A fresh hidden folder beside the final one (same file system, so the final move is a rename)."""
    folder = Path(tempfile.mkdtemp(prefix=f".{run_id}.", suffix=".partial", dir=root))
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)  # mkdtemp makes it private; a published report folder is not
    return folder


def _swap_into_place(staging: Path, final: Path) -> None:
    """Replace `final` by `staging` with renames on one file system (the old folder is removed last)."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
