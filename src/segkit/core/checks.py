"""Column checks shared by every domain module."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from segkit.core.errors import InputError


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise `InputError` naming every column of `columns` that `frame` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise InputError(f"{what}: missing column(s) {names}; it has {', '.join(map(repr, frame.columns))}")
