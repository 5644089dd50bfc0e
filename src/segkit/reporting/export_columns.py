"""The reader's names of the CRM export's columns (the first header row of ``customer_segments.xlsx``).

Column keys stay English and stable (the CSV header, the second header row of the workbook); the
names come from the catalogue (``export.columns.<key>``). A column with a horizon
(``clv_12M``, ``expected_purchases_12M``) gets its name with the number of months filled in;
a segment map's columns (``<map>``, ``<map>_label``, ``<map>_code``, ``<map>_previous``,
``<map>_changed_on``) are named from the map's name (``export.segments.<map>``, else the map
key, for a user's own map) and a pattern (``export.patterns.*``). A column with none of these
is shown by its key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from segkit.reporting.i18n import catalogue

_HORIZON = re.compile(r"^(expected_purchases|clv)_(\d+)M$")
#: Suffixes of a segment map's columns, longest first, and the pattern that names them.
_SUFFIXES = (("_changed_on", "changed_on"), ("_previous", "previous"), ("_label", "label"), ("_code", "code"))


def export_column_labels(columns: Iterable[str], language: str) -> list[str]:
    """The name of each export column in `language`, in the order given.

    Parameters
    ----------
    columns : iterable of str
        The export's column keys (``customer_id``, ``rfm10``, ``clv_12M`` ...).
    language : str
        ``en`` or ``zh``.

    Returns
    -------
    list of str
        One name per column.
    """
    words = catalogue(language)
    return [_label(str(column), words) for column in columns]


def _label(column: str, words: dict[str, str]) -> str:
    if f"export.columns.{column}" in words:
        return words[f"export.columns.{column}"]
    horizon = _HORIZON.match(column)
    if horizon:
        return words[f"export.columns.{horizon.group(1)}"].format(months=horizon.group(2))
    if f"export.segments.{column}" in words:
        return words["export.patterns.key"].format(segment=words[f"export.segments.{column}"])
    for suffix, pattern in _SUFFIXES:
        if column.endswith(suffix) and len(column) > len(suffix):
            segmap = column[: -len(suffix)]
            return words[f"export.patterns.{pattern}"].format(segment=words.get(f"export.segments.{segmap}", segmap))
    return column
