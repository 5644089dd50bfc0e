"""Likert answers (numbers or labels) to scale points, with every bad answer reported."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import yaml

from segkit import catalogues
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames


@dataclass(frozen=True)
class LikertScale:
    """A rating scale: integer points `low`..`high`, labels per measure, and "no answer" tokens.

    Labels are matched case-insensitively after trimming; numbers must be whole points on the
    scale. The default is the packaged 5-point scale with English and Chinese labels.

    Attributes
    ----------
    low, high : int
        The lowest and highest scale point.
    labels : mapping of str to mapping of str to float
        Measure → lower-case label → point; ``agreement`` labels apply to every measure.
    missing : frozenset of str
        Lower-case answers that mean "no answer".
    """

    low: int = 1
    high: int = 5
    labels: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    missing: frozenset[str] = frozenset()

    @classmethod
    def default(cls) -> LikertScale:
        tree = yaml.safe_load(catalogues.path("likert.yaml").read_text(encoding="utf-8"))
        labels = {m: {str(k).strip().lower(): float(v) for k, v in d.items()} for m, d in tree["labels"].items()}
        return cls(
            low=int(tree["low"]),
            high=int(tree["high"]),
            labels=labels,
            missing=frozenset(str(v).strip().lower() for v in tree["missing"]),
        )

    @property
    def midpoint(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True)
class BadAnswer:
    """One answer that could not be read: where it is (item, measure, respondent, and the file's
    column and 1-based data row when known) and what it was.

    Attributes
    ----------
    item, measure, respondent, value : str
        The need item, the measure, the respondent id and the answer as written.
    column : str or None
        The file's column.
    row : int or None
        The 1-based data row.
    """

    item: str
    measure: str
    respondent: str
    value: str
    column: str | None = None
    row: int | None = None

    def describe(self) -> str:
        where = f"respondent {self.respondent}"
        if self.row is not None:
            where = f"row {self.row} ({where})"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}, item {self.item} {self.measure}: {self.value!r}"


@accepts_frames("values")
def parse_likert(values: pd.Series, *, scale: LikertScale, measure: str, reverse: bool = False) -> tuple[pd.Series, pd.Series]:
    """Turn answers into points; return ``(points, bad)`` where `bad` marks unreadable answers.

    Missing tokens and blanks become NaN and are *not* bad; out-of-range or fractional numbers
    and unknown labels are bad. Reverse-coded items are mirrored (``low + high - x``).

    Parameters
    ----------
    values : pandas.Series
        Raw answers: scale points or labels.
    scale : LikertScale
        The scale (points, labels, "no answer" tokens).
    measure : str
        The rating measure (importance, urgency, satisfaction); its labels add to the agreement labels.
    reverse : bool, default False
        The item was asked in reverse: points are mirrored.

    Returns
    -------
    points : pandas.Series
        float64 scale points, NaN where the answer is missing or bad.
    bad : pandas.Series
        bool, True where the answer cannot be read.
    """
    text = values.astype("str").str.strip().str.lower().where(values.notna(), "")
    numbers = pd.to_numeric(text, errors="coerce")
    labels = {**scale.labels.get("agreement", {}), **scale.labels.get(measure, {})}
    from_labels = text.map(labels).astype("float64")
    points = numbers.where(numbers.notna(), from_labels)
    is_missing = text.isin(scale.missing)
    off_scale = points.notna() & ((points < scale.low) | (points > scale.high) | (points % 1 != 0))
    bad = (points.isna() & ~is_missing) | off_scale
    points = points.where(~bad)
    if reverse:
        points = scale.low + scale.high - points
    return points.astype("float64"), bad


def _report_bad(bad: list[BadAnswer], total: int, source: str) -> None:
    if not bad:
        return
    shown = "; ".join(b.describe() for b in bad[:5])
    more = "; ..." if len(bad) > 5 else ""
    raise InputError(
        f"{source}: {len(bad)} of {total} answers are not on the scale or not a known label "
        f"({shown}{more}); fix them, or add the label to the scale (Likert) or to kano_answers "
        "in the need catalogue (Kano)"
    )
