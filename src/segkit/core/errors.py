"""The one exception type for bad input.

Anything a user can fix (a missing column, an unparseable date, a bad config key) raises
`InputError` with a message that names the file, the column, the problem and a few offending
rows. The CLI prints the message and exits 2; every other exception is a bug.
"""

from __future__ import annotations

from collections.abc import Sequence


class InputError(ValueError):
    """Bad input that the user can fix; the message is meant to be read by a person."""


def sample_offenders(rows: Sequence[int], values: Sequence[object], *, limit: int = 3) -> str:
    """Format up to `limit` offending rows as ``row 17: '31/02/2011', row 40: 'n/a'``.

    Rows are 1-based data rows (the header is not counted), as a spreadsheet user counts them.

    Parameters
    ----------
    rows : sequence of int
        1-based data rows of the offending values.
    values : sequence of object
        The offending values, in the order of `rows`; None is shown as ``''``.
    limit : int, default 3
        Most rows shown; when there are more, ``, ...`` is appended.

    Returns
    -------
    str
        The rows and values, comma-separated, for an error message.
    """
    shown = [f"row {r}: {str(v)!r}" if v is not None else f"row {r}: ''" for r, v in zip(rows, values)]
    text = ", ".join(shown[:limit])
    if len(shown) > limit:
        text += ", ..."
    return text


class InputWarning(UserWarning):
    """Input that can be used but is probably incomplete (a segment without a strategy, ...); the message says what to add."""
