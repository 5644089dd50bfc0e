"""`segkit run CONFIG.yaml`: execute the report notebooks with papermill and publish HTML atomically.

A run reads and checks the config (`segkit.pipeline.config`), then for each notebook: passes the parameters
the notebook declares, executes it (kernel ``python3``, working directory ``notebooks/``) and renders
it to one self-contained HTML file without code. A failing notebook does not stop the others.
Everything is written into a staging folder next to ``reports/<run-id>/`` and moved into place
(together with ``index.html``, the executed notebooks and ``manifest.json``; processed data move the
same way into ``data/processed/<run-id>/``) when at least one notebook succeeded: the HTML of every
notebook that succeeded, every executed notebook (a failed one shows its error cell), an index that
lists every notebook with its status and a manifest with status "partial" when some failed. When
every notebook failed nothing is published and the previous run folder is left exactly as it was.
After any failure the failed notebooks and the log also go to ``reports/failed/<run-id>/``, and
each failure's message is one line on stderr.

Exit codes: 0 every notebook succeeded; 2 bad input (the config, or every failed notebook was
stopped by `InputError`); 1 any other failure.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import nbformat
import yaml

from segkit.core import privacy
from segkit.core.errors import InputError
from segkit.pipeline.at_risk import at_risk_customers, write_at_risk
from segkit.pipeline.carry_over import carry_over
from segkit.pipeline.config import INPUTS, InputFile, RunConfig, load_config
from segkit.pipeline.export import customer_segments, write_crm_export
from segkit.pipeline.followup_files import write_followup
from segkit.pipeline.history import HISTORY_FILE, add_previous_segments, append_history, read_history, write_history
from segkit.pipeline.html import _notebook_title, render_html, render_index
from segkit.pipeline.manifest import _write_json, build_manifest
from segkit.pipeline.notebooks import (
    NotebookFailed,
    NotebookResult,
    _execute_one,
    _read_notebook,
    declared_parameters,
    key_numbers,
    required_parameters,
)
from segkit.pipeline.outputs import FAILED, _keep_failure, _run_log, _staging_dir, _swap_into_place
from segkit.pipeline.prepare import prepare
from segkit.pipeline.run_guard import RunInterrupted, clear_stale, run_lock, signals_deferred, signals_raise

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def run(
    config_path: str | Path,
    *,
    run_id: str | None = None,
    language: str | None = None,
    only: Sequence[str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Run the notebooks of a config; print one progress line per notebook and the index path.

    Config errors raise `InputError` (the CLI prints it and exits 2); every notebook is attempted,
    each failing one is reported on stderr; exit code 0 when all succeeded, 2 when every failure
    was bad input, 1 otherwise (see `_exit_code`).
    """
    out = out or sys.stdout
    config = load_config(config_path, run_id=run_id, language=language, only=only)
    return execute(config, out=out)


def execute(config: RunConfig, *, out: TextIO) -> int:
    """Execute a checked config (see `run`); staging folders never outlive the call.

    One run per run id at a time (`run_guard.run_lock`); what a killed run of the id left is
    cleared first; SIGTERM / SIGINT / SIGHUP stop the run cleanly with exit code 128 + signal.
    """
    config.reports_dir.mkdir(parents=True, exist_ok=True)
    config.processed_dir.mkdir(parents=True, exist_ok=True)
    with run_lock(config.reports_dir, config.run_id):
        for root in (config.reports_dir, config.processed_dir):
            clear_stale(root, config.run_id)
        staging = _staging_dir(config.reports_dir, config.run_id)
        processed = _staging_dir(config.processed_dir, config.run_id)
        try:
            with signals_raise():
                return _execute(config, staging=staging, processed=processed, out=out)
        except RunInterrupted as stop:
            return _interrupted(config, stop)
        finally:  # once published both were renamed away; when nothing succeeded or after a crash they go
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(processed, ignore_errors=True)


def _interrupted(config: RunConfig, stop: RunInterrupted) -> int:
    """Record a stopped run under reports/failed/<run_id>/ and say so on stderr; the published run is untouched."""
    folder = config.reports_dir / FAILED / config.run_id
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    when = datetime.now().astimezone().isoformat(timespec="seconds")
    line = f"run {config.run_id} {stop} at {when}; nothing was published, the previous reports are unchanged"
    (folder / "run.log").write_text(line + "\n", encoding="utf-8")
    print(f"segkit: {line}", file=sys.stderr, flush=True)
    return 128 + stop.signum


def _execute(config: RunConfig, *, staging: Path, processed: Path, out: TextIO) -> int:
    started = datetime.now().astimezone()
    log_lines: list[str] = []

    def say(line: str) -> None:
        log_lines.append(line)
        print(line, file=out, flush=True)

    sources = {name: _read_notebook(path) for name, path in config.notebook_files.items()}
    offered = offered_parameters(config, processed_dir=processed)
    results = [
        NotebookResult(name, parameters=_parameters_for(config, name, sources[name], offered)) for name in config.notebooks
    ]
    (staging / "executed").mkdir()
    say(f"segkit run {config.run_id}: {len(results)} notebook(s), language {config.language}")
    clock = time.monotonic()
    prepared = prepare(
        config.inputs,
        offered["prepared_dir"],
        as_of=config.as_of,
        churn_days=config.churn_days,
        migration_days=config.migration_days,
        cleaning=config.cleaning,
        engine=config.engine,
        spark_master=config.spark_master,
        lifetime_value=config.lifetime_value,
        value_clusters=config.value_clusters,
        segments=config.segments,
    )
    problems = "".join(f"; {name}: {text}" for name, text in prepared.errors.items())
    say(f"[prepare] engine {prepared.settings['engine'] or '-'} {time.monotonic() - clock:>7.1f} s{problems}")
    history = None
    with _pseudonym_key(config.pseudonymize_key):
        if prepared.has("transactions"):  # the CRM export needs no report: it is written from the prepared run
            table = customer_segments(
                prepared.segmentation,
                prepared.lifecycle,
                language=config.language,
                lifetime_value=None if "lifetime_value" in prepared.errors else prepared.lifetime_value,
            )
            as_of = prepared.segmentation.features.as_of  # the history is kept with real ids, stored when published
            history = append_history(read_history(config.processed_dir / HISTORY_FILE), table, config.run_id, as_of)
            table = add_previous_segments(table, history, config.run_id)
            table = write_crm_export(table, processed, language=config.language, pseudonymize_ids=config.pseudonymize_ids)
            chosen = at_risk_customers(
                table,
                language=config.language,
                top_share=config.lifetime_value["at_risk_top_share"],
                min_risk=config.lifetime_value["at_risk_min_risk"],
            )
            write_at_risk(chosen, processed)
        write_followup(prepared, processed, language=config.language, pseudonymize_ids=config.pseudonymize_ids)
        failures = _run_notebooks(config, results, sources, staging=staging, say=say)
    finished = datetime.now().astimezone()
    nothing_succeeded = bool(failures) and len(failures) == len(results)
    # --only: the other notebooks' published pages stay (only when something will be published)
    kept = [] if nothing_succeeded else carry_over(config, results, staging=staging, processed=processed)
    shown = sorted([*results, *kept], key=lambda r: r.name) if kept else results
    manifest = build_manifest(config, shown, started=started, finished=finished, processed_dir=processed)

    if failures:
        failed_dir = _keep_failure(config, staging, results, manifest, log_lines)
        for failure in failures:
            print(f"segkit: {failure}", file=sys.stderr, flush=True)
        print(f"        executed notebook(s) and log kept in {failed_dir}", file=sys.stderr, flush=True)
    if nothing_succeeded:
        return _exit_code(failures)  # nothing is published

    _write_json(staging / "manifest.json", manifest)
    (staging / "index.html").write_text(render_index(config, shown, started=started, finished=finished), encoding="utf-8")
    (staging / "run.log").write_text(_run_log(log_lines, shown), encoding="utf-8")
    with signals_deferred():  # a stop signal waits until both folders are in place
        _swap_into_place(processed, config.processed_dir / config.run_id)
        if history is not None:
            write_history(history, config.processed_dir / HISTORY_FILE)
        _swap_into_place(staging, config.reports_dir / config.run_id)
        if not failures:  # an earlier failed attempt of this id is history now
            shutil.rmtree(config.reports_dir / FAILED / config.run_id, ignore_errors=True)
    say(str(config.reports_dir / config.run_id / "index.html"))
    return _exit_code(failures)


def _run_notebooks(
    config: RunConfig,
    results: Sequence[NotebookResult],
    sources: dict[str, nbformat.NotebookNode],
    *,
    staging: Path,
    say: Callable[[str], None],
) -> list[NotebookFailed]:
    """Execute and render every notebook (a failure does not stop the others); returns the failures.

    Executed notebooks go to ``staging/executed/`` (a failed one shows its error cell), the HTML of
    each notebook that succeeded to ``staging/``.
    """
    failures: list[NotebookFailed] = []
    for number, result in enumerate(results, start=1):
        clock = time.monotonic()
        try:
            executed = _execute_one(config, result, sources[result.name], staging / "executed" / f"{result.name}.ipynb")
            result.key_numbers = key_numbers(executed)
            page, result.title = render_html(
                executed,
                language=config.language,
                run_id=config.run_id,
                fallback_title=_notebook_title(config.language, result.name),
            )
            (staging / f"{result.name}.html").write_text(page, encoding="utf-8")
            result.status = "ok"
        except NotebookFailed as error:
            result.status, result.error = "failed", str(error)
            failures.append(error)
        result.seconds = round(time.monotonic() - clock, 1)
        say(f"[{number}/{len(results)}] {result.name:<24} {result.status:<6} {result.seconds:>7.1f} s")
    return failures


def _exit_code(failures: Sequence[NotebookFailed]) -> int:
    """0 when nothing failed; 2 when every failure was bad input (`InputError`); else 1."""
    if not failures:
        return EXIT_OK
    return EXIT_BAD_INPUT if all(f.bad_input for f in failures) else EXIT_FAILED


@contextmanager
def _pseudonym_key(configured: str | None) -> Iterator[None]:
    """The run's pseudonymisation key in the environment (the kernels inherit it), restored afterwards."""
    previous = os.environ.get(privacy.KEY_ENV)
    os.environ[privacy.KEY_ENV] = privacy.pseudonym_key(configured)
    try:
        yield
    finally:
        _restore_env(privacy.KEY_ENV, previous)


# ---------------------------------------------------------------- parameters
def offered_parameters(config: RunConfig, *, processed_dir: Path) -> dict[str, Any]:
    """Every parameter a run can give; each notebook receives those it declares.

    Inputs not in the config are passed as ``""`` so a notebook does not fall back to its demo
    default for a file the config did not name.
    """
    transactions = config.inputs.get("transactions", InputFile())
    mapping_path = ""
    if isinstance(transactions.mapping, dict):
        mapping_file = processed_dir / "column-mapping.yaml"
        mapping_file.write_text(yaml.safe_dump(transactions.mapping, allow_unicode=True), encoding="utf-8")
        mapping_path = str(mapping_file)
    elif transactions.mapping is not None:
        mapping_path = str(transactions.mapping)
    offered: dict[str, Any] = {
        param: config.inputs[name].where if name in config.inputs else "" for name, param in INPUTS.items()
    }
    offered.update(
        preset=transactions.preset or "",
        mapping_path=mapping_path,
        encoding=transactions.encoding or "",
        language=config.language,
        as_of=config.as_of.isoformat() if config.as_of else "",
        run_id=config.run_id,
        processed_dir=str(processed_dir),
        prepared_dir=str(processed_dir / "prepared"),
        pseudonymize_ids=config.pseudonymize_ids,
        cleaning_options=dict(config.cleaning),
    )
    return offered


def _parameters_for(config: RunConfig, name: str, notebook: nbformat.NotebookNode, offered: dict[str, Any]) -> dict[str, Any]:
    declared = declared_parameters(notebook)
    chosen = {k: v for k, v in offered.items() if k in declared}
    extra = config.parameters.get(name, {})
    inputs = {param: key for key, param in INPUTS.items()}
    for param in required_parameters(notebook):
        if param in inputs and not {**chosen, **extra}.get(param):
            raise InputError(
                f"{config.source.name}: notebook {name} needs inputs.{inputs[param]}; add it under 'inputs' "
                f"or leave {name} out of 'notebooks'"
            )
    unknown = sorted(set(extra) - set(declared))
    if unknown:
        raise InputError(
            f"{config.source.name}: parameters.{name}: {', '.join(unknown)} not declared by the notebook "
            f"(it takes {', '.join(declared) or 'none'})"
        )
    if (
        "transactions" in config.inputs
        and config.inputs["transactions"].mapping is not None
        and "transactions_path" in declared
        and "mapping_path" not in declared
        and "prepared_dir" not in declared
    ):  # a notebook of its own that reads the file
        raise InputError(
            f"{config.source.name}: notebook {name} takes no 'mapping_path' parameter, so it cannot read "
            "transactions through a column mapping; use a preset for this run"
        )
    return {**chosen, **extra}


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
