"""Atomic publication of a run's folders, and the place failed attempts are kept."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from segkit.pipeline.config import RunConfig
from segkit.pipeline.manifest import _write_json
from segkit.pipeline.notebooks import NotebookResult

#: Folder under the reports root that keeps the last failed attempt of each run id.
FAILED = "failed"


def _keep_failure(
    config: RunConfig, staging: Path, results: Sequence[NotebookResult], manifest: dict[str, Any], log_lines: list[str]
) -> Path:
    """Copy the failed executed notebooks, the log and the manifest to reports/failed/<run-id>/.

    An older failure of the same run id is replaced. The staging folder keeps its files (a run
    where some notebooks succeeded is still published, failed notebooks included).
    """
    target = config.reports_dir / FAILED / config.run_id
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for result in results:
        executed = staging / "executed" / f"{result.name}.ipynb"
        if result.status == "failed" and executed.exists():
            shutil.copy2(executed, target / executed.name)
    _write_json(target / "manifest.json", manifest)
    (target / "run.log").write_text(_run_log(log_lines, results), encoding="utf-8")
    return target


def _run_log(log_lines: list[str], results: Sequence[NotebookResult]) -> str:
    """run.log: the progress lines, then the message of every failed notebook."""
    return "\n".join(log_lines) + "\n" + "".join(f"{r.error}\n" for r in results if r.error)


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
