"""Column checks shared by every domain module."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from segkit.core.errors import InputError


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise `InputError` naming every column of `columns` that `frame` lacks.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to check.
    columns : iterable of str
        Column names `frame` must have.
    what : str
        What the table is (``"transactions"``, ``"segment summary"``, ...); the message starts with it.

    Raises
    ------
    InputError
        When `frame` lacks any of `columns`; the message also lists the columns `frame` has.
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise InputError(f"{what}: missing column(s) {names}; it has {', '.join(map(repr, frame.columns))}")
