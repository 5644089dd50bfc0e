"""Reading a survey file (wide or long, any encoding segkit detects, CSV or Excel) into a `Survey`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from segkit.core.errors import InputError
from segkit.intake import files as io
from segkit.survey.catalogue import NeedCatalogue
from segkit.survey.likert import LikertScale
from segkit.survey.read import Survey, survey_from_long, wide_to_long


def _score_column(frame: pd.DataFrame, column: str, *, low: float, high: float, source: str) -> pd.Series:
    """A respondent-level numeric score (overall satisfaction, NPS); off-range values are reported."""
    raw = frame[column]
    text = raw.astype("str").str.strip().str.lower().where(raw.notna(), "")
    values = pd.to_numeric(text, errors="coerce")
    missing = text.isin(LikertScale.default().missing)
    wrong = (values.isna() & ~missing) | (values < low) | (values > high)
    if wrong.any():
        rows = np.flatnonzero(wrong.to_numpy())
        from segkit.core.errors import sample_offenders
        from segkit.core.privacy import mask_pii

        cells = [None if v is None else mask_pii(str(v)) for v in raw.iloc[rows[:4]].tolist()]  # no e-mail in a message
        raise InputError(
            f"{source}: column {column!r}: {int(wrong.sum())} of {len(frame)} values are not numbers "
            f"from {low:g} to {high:g} ({sample_offenders((rows + 1).tolist(), cells)})"
        )
    return values.astype("float64")


def read_survey(
    path: str | Path,
    *,
    catalogue: NeedCatalogue,
    layout: str = "wide",
    column_pattern: str = "{item}_{measure}",
    respondent_col: str = "respondent_id",
    customer_col: str = "customer_id",
    overall_col: str | None = "overall_satisfaction",
    overall_range: tuple[float, float] = (1, 5),
    nps_col: str | None = "nps",
    scale: LikertScale | None = None,
    kano_labels: Mapping[str, Sequence[str]] | None = None,
    reverse: Iterable[tuple[str, str]] = (),
    encoding: str | None = None,
) -> Survey:
    """Read a survey file (CSV in any encoding `segkit.intake` detects, also ``.csv.gz``, or an
    ``.xlsx`` sheet): ``layout="wide"``: a row per respondent, answer columns named by
    `column_pattern` or by the need catalogue (`answer_columns`); ``layout="long"``: columns
    respondent_id, item, measure, answer.

    For a long file, respondent facts (customer id, overall satisfaction, NPS) come from rows
    whose item is empty and whose measure names the column. Overall satisfaction is read on
    `overall_range`, NPS on 0..10; a respondent without a customer id is kept (unlinked). A wide
    file without the respondent column (a public survey export, where a row is a respondent)
    numbers the respondents by data row: ``1``, ``2``, ...

    Parameters
    ----------
    path : str or pathlib.Path
        The survey file.
    catalogue : NeedCatalogue
        The need items and where the file keeps their answers.
    layout : {"wide", "long"}, default "wide"
        The file's layout (see above).
    column_pattern : str, default "{item}_{measure}"
        Answer column names of a wide file (see `answer_columns`).
    respondent_col : str, default "respondent_id"
        Column of respondent ids; the catalogue's ``respondent_column`` wins when it names one.
    customer_col : str, default "customer_id"
        Column of customer ids (renamed to ``customer_id``).
    overall_col : str or None, default "overall_satisfaction"
        Column of overall satisfaction, read on `overall_range` when present; None: not read.
    overall_range : tuple of float, default (1, 5)
        Lowest and highest point of overall satisfaction.
    nps_col : str or None, default "nps"
        Column of the 0..10 likelihood to recommend, read when present; None: not read.
    scale, kano_labels, reverse
        As in `survey_from_long`.
    encoding : str, optional
        Encoding of a CSV file (the input's ``encoding:``); default detected (UTF-8, GB18030).

    Returns
    -------
    Survey
        The tidy survey; respondents carry ``overall_satisfaction`` and ``nps`` as float64 when read.

    Raises
    ------
    InputError
        When the file cannot be read, a column is missing, `layout` is unknown, respondent ids
        repeat, a score is off its range, or answers cannot be read.
    """
    path = Path(path)
    frame = _as_text(io.load_table(path, encoding=encoding))
    respondent_col = catalogue.respondent_column or respondent_col
    if respondent_col not in frame.columns:
        if layout == "long" or catalogue.respondent_column:
            raise InputError(
                f"{path.name}: no respondent column {respondent_col!r} (columns: {', '.join(map(str, frame.columns[:8]))})"
            )
        frame = frame.assign(**{respondent_col: [str(i) for i in range(1, len(frame) + 1)]})
    if layout == "long":
        needed = {"item", "measure", "answer"} - set(frame.columns)
        if needed:
            raise InputError(f"{path.name}: a long survey needs columns {', '.join(sorted(needed))}")
        frame = frame.assign(column="answer", row=np.arange(1, len(frame) + 1))
        facts = frame[frame["item"].isna()]
        respondents = facts.pivot_table(index=respondent_col, columns="measure", values="answer", aggfunc="first")
        respondents = respondents.reset_index().rename_axis(columns=None)
        answers = frame[frame["item"].notna()].rename(columns={respondent_col: "respondent_id"})
    elif layout == "wide":
        answers = wide_to_long(
            frame,
            items=catalogue.ids,
            column_pattern=column_pattern,
            respondent_col=respondent_col,
            columns=catalogue.columns,
            measure_names=catalogue.measure_names,
            source=path.name,
        )
        used = set(answers["column"].unique())
        respondents = frame[[c for c in frame.columns if c not in used]]
    else:
        raise InputError(f"{path.name}: layout must be 'wide' or 'long', not {layout!r}")
    respondents = respondents.rename(columns={respondent_col: "respondent_id", customer_col: "customer_id"})
    repeated = respondents["respondent_id"][respondents["respondent_id"].duplicated()]
    if len(repeated):
        raise InputError(f"{path.name}: respondent ids are repeated: {', '.join(repeated.head(5))}")
    if "customer_id" not in respondents.columns:
        respondents = respondents.assign(customer_id=pd.Series(pd.NA, index=respondents.index, dtype="str"))
    scores = {}
    if overall_col and overall_col in respondents.columns:
        scores["overall_satisfaction"] = _score_column(
            respondents, overall_col, low=overall_range[0], high=overall_range[1], source=path.name
        )
    if nps_col and nps_col in respondents.columns:
        scores["nps"] = _score_column(respondents, nps_col, low=0, high=10, source=path.name)
    respondents = respondents.drop(columns=[c for c in (overall_col, nps_col) if c in respondents.columns]).assign(**scores)
    return survey_from_long(
        answers, respondents, catalogue=catalogue, scale=scale, kano_labels=kano_labels, reverse=reverse, source=path.name
    )


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as stripped text, empty → NA; Excel numbers as written (``3``, not ``3.0``)."""
    out = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_string_dtype(values.dtype) and not pd.api.types.is_object_dtype(values.dtype):
            text = values.str.strip()
        else:
            text = values.map(_cell_text, na_action="ignore").astype("str")
        out[str(name)] = text.mask(text == "")
    return pd.DataFrame(out, index=frame.index)


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
