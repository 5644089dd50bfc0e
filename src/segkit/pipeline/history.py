"""Segment history: every run's segments per customer, so the CRM export can say what changed.

Each run appends one row per customer to ``data/processed/history.parquet``: ``run_id``, ``as_of``
(the run's analysis date), ``customer_id`` and the key of every segment map and the lifecycle stage.
Running the same run id again replaces that run's rows. The history is owner-side, like the id
map: it holds the real customer ids even when the run pseudonymises its exports, because a
pseudonym made with a random per-run key would not join across runs; the file is written
atomically and readable by its owner only (mode 0600).

From the history the export gains, per map, ``<map>_previous`` (the customer's segment in the
latest run with an earlier analysis date) and ``<map>_changed_on`` (the analysis date of the first
run from which the customer has held the current segment without a break, this run's date when
the segment just changed; empty for a customer with no earlier run). Only runs with an earlier
analysis date count, so a backdated rerun does not see the future; a run in which a customer is
absent does not break the run of a segment. A missing segment (a customer who never bought has
no RFM segment) is a value like any other.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from segkit.core import schema
from segkit.core.errors import InputError
from segkit.core.files import write_parquet_atomic

#: The history's file name in the processed folder (beside the run folders).
HISTORY_FILE = "history.parquet"
#: Columns every history has; the segment columns follow.
HISTORY_KEYS = ("run_id", "as_of", schema.CUSTOMER_ID)
#: Maps whose previous segment and date of change the export carries.
CHANGE_MAPS = ("rfm10", "eight_class", "value_tier", "lifecycle_stage")
_MISSING = "\0missing"  # stands for "no segment" when segments are compared


def segment_columns(table: pd.DataFrame) -> list[str]:
    """The export's segment key columns: every map that has a ``<map>_label`` column, and ``lifecycle_stage``.

    Parameters
    ----------
    table : pandas.DataFrame
        The CRM export (`segkit.pipeline.export.customer_segments`).

    Returns
    -------
    list of str
        Column names, in the table's order.
    """
    return [c for c in table.columns if f"{c}_label" in table.columns or c == "lifecycle_stage"]


def append_history(history: pd.DataFrame | None, table: pd.DataFrame, run_id: str, as_of: object) -> pd.DataFrame:
    """`history` with this run's segments per customer, replacing any earlier rows of `run_id`.

    Parameters
    ----------
    history : pandas.DataFrame or None
        The history so far (`read_history`); None or empty for the first run.
    table : pandas.DataFrame
        The run's CRM export with real ids: ``customer_id`` and the segment columns
        (`segment_columns`).
    run_id : str
        The run's id.
    as_of : date-like
        The run's analysis date (``PreparedRun.segmentation.features.as_of``).

    Returns
    -------
    pandas.DataFrame
        A new frame: ``run_id``, ``as_of``, ``customer_id`` and one column per segment map,
        sorted by ``as_of``, ``run_id`` and ``customer_id``.
    """
    segments = segment_columns(table)
    rows = table[[schema.CUSTOMER_ID, *segments]].astype({schema.CUSTOMER_ID: "str", **dict.fromkeys(segments, "str")})
    day = pd.Timestamp(str(as_of)).normalize()
    rows = rows.assign(run_id=str(run_id), as_of=pd.Series(day, index=rows.index).astype("datetime64[us]"))
    rows = rows[[*HISTORY_KEYS, *segments]]
    if history is not None and len(history):
        rows = pd.concat([history[history["run_id"] != str(run_id)], rows], ignore_index=True)
    return rows.sort_values(list(HISTORY_KEYS[:2]), kind="stable").reset_index(drop=True)


def previous_segments(history: pd.DataFrame, run_id: str, maps: Sequence[str] = CHANGE_MAPS) -> pd.DataFrame:
    """Per customer of `run_id`: ``<map>_previous`` and ``<map>_changed_on`` for each of `maps`.

    Parameters
    ----------
    history : pandas.DataFrame
        The history including this run's rows (`append_history`).
    run_id : str
        The run whose customers are described.
    maps : sequence of str, default `CHANGE_MAPS`
        Segment columns to follow; those the run does not have are left out.

    Returns
    -------
    pandas.DataFrame
        One row per customer of the run (in the history's order): ``customer_id``, then per map
        the previous segment key (empty without an earlier run) and the date since which the
        current segment is held (``datetime64``; empty without an earlier run).

    Raises
    ------
    InputError
        When the history has no rows of `run_id`.
    """
    now = history[history["run_id"] == str(run_id)]
    if now.empty:
        raise InputError(f"{HISTORY_FILE}: no rows of run {run_id!r}")
    as_of = now["as_of"].iloc[0]
    earlier = history[(history["as_of"] < as_of) & history[schema.CUSTOMER_ID].isin(now[schema.CUSTOMER_ID])]
    earlier = earlier.sort_values([schema.CUSTOMER_ID, "as_of", "run_id"], kind="stable")
    ids = earlier[schema.CUSTOMER_ID]
    seen = now[schema.CUSTOMER_ID].isin(ids).to_numpy()
    last = earlier.drop_duplicates(schema.CUSTOMER_ID, keep="last").set_index(schema.CUSTOMER_ID)  # latest earlier row
    out = now[[schema.CUSTOMER_ID]].reset_index(drop=True)
    for name in [m for m in maps if m in now.columns]:
        current = now.set_index(schema.CUSTOMER_ID)[name].fillna(_MISSING)
        if name in earlier.columns:
            held = earlier[name].fillna(_MISSING).to_numpy() == ids.map(current).to_numpy()
        else:  # the map is new in this run: every earlier run had no segment
            held = (ids.map(current) == _MISSING).to_numpy()
        previous = last[name] if name in last.columns else pd.Series(pd.NA, index=last.index, dtype="str")
        # walking back from the latest earlier run, the segment is held until the first run that differs
        broken = pd.Series(~held[::-1], index=ids.to_numpy()[::-1]).groupby(level=0, sort=False).cummax().to_numpy()[::-1]
        since = earlier["as_of"].where(~broken).groupby(ids).min().reindex(out[schema.CUSTOMER_ID])
        changed = since.fillna(as_of).where(seen).astype("datetime64[us]")  # not held in the latest earlier run: now
        out = out.assign(
            **{
                f"{name}_previous": previous.reindex(out[schema.CUSTOMER_ID]).astype("str").set_axis(out.index),
                f"{name}_changed_on": changed.set_axis(out.index),
            }
        )
    return out


def add_previous_segments(
    table: pd.DataFrame, history: pd.DataFrame, run_id: str, maps: Sequence[str] = CHANGE_MAPS
) -> pd.DataFrame:
    """`table` (the run's export, real ids) with the columns of `previous_segments` joined on ``customer_id``.

    Parameters
    ----------
    table : pandas.DataFrame
        The run's CRM export, before pseudonymisation.
    history : pandas.DataFrame
        The history including this run (`append_history`).
    run_id : str
        The run's id.
    maps : sequence of str, default `CHANGE_MAPS`
        Segment columns to follow.

    Returns
    -------
    pandas.DataFrame
        A new frame, rows in the order of `table`.
    """
    changes = previous_segments(history, run_id, maps)
    return table.merge(changes, on=schema.CUSTOMER_ID, how="left", sort=False, validate="one_to_one")


def read_history(path: str | os.PathLike) -> pd.DataFrame:
    """The history at `path`; an empty history when the file does not exist yet.

    Parameters
    ----------
    path : str or os.PathLike
        ``<processed_dir>/history.parquet``.

    Returns
    -------
    pandas.DataFrame
        ``run_id``, ``as_of``, ``customer_id`` and the segment columns.

    Raises
    ------
    InputError
        When the file is not a readable Parquet file or lacks a history's columns.
    """
    path = Path(path)
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype="datetime64[us]" if c == "as_of" else "str") for c in HISTORY_KEYS})
    try:
        history = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several types for a damaged or foreign file
        raise InputError(
            f"{path.name}: not a readable Parquet file ({type(error).__name__}); move it away to start a new history"
        ) from error
    missing = [c for c in HISTORY_KEYS if c not in history.columns]
    if missing:
        raise InputError(f"{path.name}: column(s) {', '.join(missing)} missing; this is not a segkit segment history")
    return history.astype({"run_id": "str", schema.CUSTOMER_ID: "str", "as_of": "datetime64[us]"})


def write_history(history: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write the history atomically (readable by its owner only: it holds real customer ids).

    Parameters
    ----------
    history : pandas.DataFrame
        The history (`append_history`).
    path : str or os.PathLike
        ``<processed_dir>/history.parquet``.

    Returns
    -------
    pathlib.Path
        `path`, as a `Path`.
    """
    target = write_parquet_atomic(history, path)
    os.chmod(target, 0o600)
    return target
