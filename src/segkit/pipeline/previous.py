"""The previous run of a reports folder, and each key number's change against it (for index.html).

The previous run is the run folder under ``reports_dir`` whose ``manifest.json`` has status
``succeeded`` or ``partial`` and the latest ``finished`` time no later than this run's start.
Hidden folders (staging) and ``failed/`` (which holds failed attempts one level deeper) are never
candidates. A run id's own earlier publication counts: when a run id is rerun, its folder still holds
the publication the rerun replaces, so a run id reused every month (``monthly``) compares with last
month, and a rerun after a fix shows what the fix changed (unless another run finished since).

Changes are computed from the numbers recorded in the manifests (``value``), never from the shown
text, and written in the key number's format (``fmt``), rounded as it is shown:

* ``int``: whole numbers, ``+120`` / ``−3``;
* ``pct``: percentage points with one decimal, ``+2.3 pp`` (``core.index.points``);
* ``float``, ``money``: two decimals with thousands separators, ``+1,234.50``;
* ``number``: as `segkit.reporting.formats.fmt_number`;
* a change that rounds to 0 reads "unchanged"; dates, text and p-values get no change.

The minus sign is U+2212 (as typeset), the plus sign is always written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from segkit.pipeline.notebooks import NotebookResult
from segkit.reporting.formats import fmt_float, fmt_int, fmt_number
from segkit.reporting.i18n import message

#: Manifest statuses of a run that was published (a failed run publishes nothing).
PUBLISHED = ("succeeded", "partial")
#: Key-number formats that have a change, and the decimals it is rounded to.
DECIMALS = {"int": 0, "pct": 1, "float": 2, "money": 2, "number": 2}
MINUS = "\u2212"


def previous_run(reports_dir: Path, *, before: datetime) -> dict[str, Any] | None:
    """The manifest of the most recent published run under `reports_dir` finished no later than `before`.

    Parameters
    ----------
    reports_dir : pathlib.Path
        The reports root (``reports/``), holding one folder per run id.
    before : datetime.datetime
        This run's start; a manifest time without a time zone is read as local time.

    Returns
    -------
    dict or None
        The manifest, with ``folder`` (the run folder's name) added; None when there is none.
    """
    found: list[tuple[datetime, str, dict[str, Any]]] = []
    limit = _aware(before)
    for path in sorted(Path(reports_dir).glob("*/manifest.json")):
        if path.parent.name.startswith("."):
            continue
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            finished = _aware(datetime.fromisoformat(manifest["finished"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a manifest segkit wrote: no comparison rather than a failed index
        if manifest.get("status") in PUBLISHED and finished <= limit:
            found.append((finished, path.parent.name, manifest))
    if not found:
        return None
    finished, folder, manifest = max(found, key=lambda f: (f[0], f[1]))
    return {**manifest, "folder": folder}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.astimezone()


def previous_values(previous: dict[str, Any] | None) -> dict[tuple[str, str], float]:
    """(notebook, key-number name) -> the numeric value recorded in `previous` (a manifest)."""
    values: dict[tuple[str, str], float] = {}
    for notebook in (previous or {}).get("notebooks", []):
        for key in notebook.get("key_numbers") or []:
            value = key.get("value")
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                values[(notebook["name"], key["name"])] = float(value)
    return values


def change(current: dict[str, Any], before: float | None) -> float | None:
    """The change of one key number (a `Report.key_number` record) since `before`; None when it has none."""
    value = current.get("value")
    if before is None or current.get("fmt") not in DECIMALS or not isinstance(value, (int, float)):
        return None
    return float(value) - before if math.isfinite(float(value)) else None


def change_text(delta: float | None, fmt: str, language: str) -> str:
    """`delta` written in format `fmt` with its sign, from the catalogue (``core.index.*``); "" for no change."""
    if delta is None or fmt not in DECIMALS:
        return ""
    scaled = 100 * delta if fmt == "pct" else delta
    shown = round(scaled, DECIMALS[fmt])
    if shown == 0:
        return message(language, "core.index.unchanged")
    size = {"int": fmt_int, "number": fmt_number}.get(fmt, lambda v: fmt_float(v, DECIMALS[fmt]))(abs(shown))
    signed = ("+" if shown > 0 else MINUS) + size
    if fmt == "pct":
        signed = message(language, "core.index.points", delta=signed)
    return message(language, "core.index.change", delta=signed)


def key_changes(results: Sequence[NotebookResult], previous: dict[str, Any] | None) -> dict[tuple[str, str], float | None]:
    """(notebook, key-number name) -> change since `previous` for every key number of `results`."""
    before = previous_values(previous)
    return {(r.name, k["name"]): change(k, before.get((r.name, k["name"]))) for r in results for k in r.key_numbers}
