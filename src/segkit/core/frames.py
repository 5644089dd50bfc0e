"""Frames from any dataframe library as pandas: the one place segkit accepts polars, DuckDB and Arrow.

Every public function that takes a table calls `as_pandas` first, so a polars DataFrame or
LazyFrame, a DuckDB relation, a PyArrow table or a pandas DataFrame give the same result.
Conversion goes through narwhals, which knows each library's own way to hand over its data.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import narwhals as nw
import pandas as pd

from segkit.core.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])


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


def to_pandas(value: Any, *, what: str = "argument") -> Any:
    """`value` as pandas when it is a frame or series of another library; anything else unchanged.

    Parameters
    ----------
    value : object
        A frame (see `as_pandas`), a polars / PyArrow series, or any other value (None, a list, a
        number, a pandas object), which is returned as it is.
    what : str, default "argument"
        The argument's name, for messages.

    Returns
    -------
    object
        A pandas DataFrame or Series for a frame or series, else `value` itself.
    """
    if value is None or isinstance(value, pd.DataFrame | pd.Series):
        return value
    try:
        native = nw.from_native(value, allow_series=True)
    except TypeError:
        return value
    if isinstance(native, nw.Series):
        return native.to_pandas()
    return as_pandas(value, what=what)


def accepts_frames(*names: str) -> Callable[[F], F]:
    """Decorator: the arguments `names` of a function are converted with `to_pandas` before it runs.

    So every public function taking a table gives the same result for a pandas, polars or DuckDB
    frame; the function itself is written for pandas.

    Parameters
    ----------
    *names : str
        Names of the parameters that take tables or series.

    Returns
    -------
    callable
        The decorator.
    """

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        unknown = [n for n in names if n not in signature.parameters]
        if unknown:
            raise TypeError(f"{func.__qualname__} has no parameter(s) {', '.join(unknown)}")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind_partial(*args, **kwargs)
            for name in names:
                if name in bound.arguments:
                    bound.arguments[name] = to_pandas(bound.arguments[name], what=name)
            return func(*bound.args, **bound.kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
