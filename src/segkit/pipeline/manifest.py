"""The run manifest: config, parameters, input hashes, versions, status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from segkit.core import privacy
from segkit.core.files import write_json_atomic
from segkit.pipeline.config import RunConfig
from segkit.pipeline.notebooks import NotebookResult
from segkit.pipeline.previous import key_changes, previous_run
from segkit.reporting.provenance import package_versions, segkit_version, source_revision


# ---------------------------------------------------------------- manifest and files
def build_manifest(
    config: RunConfig, results: Sequence[NotebookResult], *, started: datetime, finished: datetime, processed_dir: Path
) -> dict[str, Any]:
    """Everything needed to reproduce the run: config, parameters, input hashes, versions, status.

    `status` is "succeeded" (every notebook ok), "partial" (some failed) or "failed" (all failed);
    `segkit_commit` is segkit's own git commit, None when segkit is not run from its git checkout.
    The pseudonymisation key is never included. Each key number carries its numeric ``value``, its
    format ``fmt`` and its ``change`` since ``previous_run`` (`segkit.pipeline.previous`; None when
    there is no previous run or no comparable value).
    """
    previous = previous_run(config.reports_dir, before=started)
    changes = key_changes(results, previous)
    inputs = {name: spec.record(sizes=True) for name, spec in config.inputs.items()}
    failed = sum(r.status == "failed" for r in results)
    revision = source_revision()
    return {
        "run_id": config.run_id,
        "status": "succeeded" if not failed else "failed" if failed == len(results) else "partial",
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
        "previous_run": None
        if previous is None
        else {"run_id": previous.get("run_id"), "folder": previous["folder"], "finished": previous["finished"]},
        "inputs": inputs,
        "versions": package_versions(),
        "segkit_version": segkit_version(),
        "segkit_commit": revision["commit"],
        "segkit_tree_dirty": revision["dirty"],
        "notebooks": [
            {
                "name": r.name,
                "status": r.status,
                "seconds": r.seconds,
                "title": r.title,
                "parameters": r.parameters,
                "html": f"{r.name}.html" if r.status == "ok" else None,
                "executed": f"executed/{r.name}.ipynb",
                "key_numbers": [{**k, "change": changes[(r.name, k["name"])]} for k in r.key_numbers],
                "error": r.error,
                "kept_from": r.kept_from,
            }
            for r in results
        ],
    }


def _write_json(path: Path, content: dict[str, Any]) -> None:
    write_json_atomic(content, path)
