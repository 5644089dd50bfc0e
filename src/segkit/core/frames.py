"""Frames from any dataframe library as pandas: the one place segkit accepts polars, DuckDB and Arrow.

Every public function that takes a table calls `as_pandas` first, so a polars DataFrame or
LazyFrame, a DuckDB relation, a PyArrow table or a pandas DataFrame give the same result.
Conversion goes through narwhals, which knows each library's own way to hand over its data.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import pandas as pd

from segkit.core.errors import InputError


def as_pandas(frame: Any, *, what: str = "table") -> pd.DataFrame:
    """`frame` as a pandas DataFrame (itself when it already is one).

    Parameters
    ----------
    frame : DataFrame-like
        A pandas, polars (eager or lazy), DuckDB, PyArrow or other narwhals-supported frame.
    what : str, default "table"
        What the frame is, for the message when it is not a frame at all.

    Returns
    -------
    pandas.DataFrame
        The same rows and columns; text columns keep their values, dates become ``datetime64``.

    Raises
    ------
    InputError
        When `frame` is not a table narwhals can read.
    """
    if isinstance(frame, pd.DataFrame):
        return frame
    try:
        native = nw.from_native(frame)
    except TypeError:
        raise InputError(
            f"{what}: expected a table (pandas, polars, DuckDB or PyArrow frame), got {type(frame).__name__}"
        ) from None
    if isinstance(native, nw.LazyFrame):
        native = native.collect()
    if isinstance(native, nw.Series):
        raise InputError(f"{what}: expected a table with named columns, got a single column")
    return native.to_pandas()


def is_frame(value: Any) -> bool:
    """True when `value` is a table `as_pandas` can convert (not a path or a string).

    Parameters
    ----------
    value : object
        Anything a caller passed where a path or a frame is accepted.

    Returns
    -------
    bool
        Whether narwhals recognises `value` as a data frame or lazy frame.
    """
    if isinstance(value, pd.DataFrame):
        return True
    try:
        native = nw.from_native(value)
    except TypeError:
        return False
    return isinstance(native, nw.DataFrame | nw.LazyFrame)
