"""A partial rerun (``segkit run --only ...``) keeps what the published run had for the other notebooks.

Publishing replaces the run's report and processed folders as a whole. Without this step a rerun
of one notebook would delete the other notebooks' pages and every file only the earlier run
wrote. So before publishing, the earlier run's pages and executed notebooks of the notebooks not
run this time, and every processed file this run did not write again (the prepared data are
always this run's own), are copied into the staging folders; the index and the manifest mark those
notebooks as kept from the earlier run (its finish time), since their numbers come from its data.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from segkit.pipeline.config import RunConfig
from segkit.pipeline.notebooks import NotebookResult


def carry_over(config: RunConfig, ran: list[NotebookResult], *, staging: Path, processed: Path) -> list[NotebookResult]:
    """Copy the published run's outputs of the notebooks not run now into the staging folders.

    Parameters
    ----------
    config : RunConfig
        The run; nothing is carried over unless it was started with ``--only`` (``config.only``).
    ran : list of NotebookResult
        The notebooks run this time.
    staging, processed : pathlib.Path
        The report and processed staging folders that will be published.

    Returns
    -------
    list of NotebookResult
        One result per notebook kept from the published run (``kept_from`` set), in its order.
    """
    published = config.reports_dir / config.run_id
    try:
        earlier = json.loads((published / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not config.only or not isinstance(earlier, dict):
        return []
    names = {r.name for r in ran}
    kept: list[NotebookResult] = []
    for entry in earlier.get("notebooks", []):
        if not isinstance(entry, dict) or entry.get("name") in names:
            continue
        for relative in (entry.get("html"), entry.get("executed")):
            if relative and (published / relative).is_file():
                (staging / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(published / relative, staging / relative)
        kept.append(
            NotebookResult(
                name=str(entry["name"]),
                status=str(entry.get("status", "ok")),
                seconds=float(entry.get("seconds", 0.0)),
                parameters=dict(entry.get("parameters") or {}),
                key_numbers=[{k: v for k, v in n.items() if k != "change"} for n in entry.get("key_numbers", [])],
                title=str(entry.get("title") or ""),
                error=entry.get("error"),
                kept_from=str(entry.get("kept_from") or earlier.get("finished", "")),
            )
        )
    old = config.processed_dir / config.run_id
    if old.is_dir():
        for path in sorted(old.rglob("*")):
            relative = path.relative_to(old)
            if path.is_file() and relative.parts[0] != "prepared" and not (processed / relative).exists():
                (processed / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, processed / relative)
    return kept
