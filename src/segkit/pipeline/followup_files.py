"""The follow-up lists of a run, written beside the CRM export: ``followup/*.csv``.

From the prepared run (so no report has to succeed): the detractors and the least satisfied
respondents when the run has a survey (with a recommendation score, a satisfaction score), every
suitability violation when it has risk answers and holdings (`segkit.needs.followup`). Segments
are the 8-class labels in the run's language, as the need report shows them; with
``pseudonymize_ids`` customer ids are replaced by the same keyed hash as the CRM export. Files are
CSV in UTF-8 with a BOM, written atomically; a list whose input prepare could not read (or whose
risk answers do not score) is not written, and the need report says why.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from segkit.core import schema
from segkit.core.errors import InputError
from segkit.core.files import write_csv_atomic
from segkit.core.privacy import filter_pii, pseudonymize
from segkit.needs import followup, suitability
from segkit.needs.analysis import applicable
from segkit.pipeline.prepared import PreparedRun
from segkit.reporting.i18n import catalogue
from segkit.reporting.names import segment_labels

#: The folder of the lists in the run's processed folder, and each list's file name.
FOLLOWUP_DIR = "followup"
FOLLOWUP_FILES = {
    "detractors": "detractors.csv",
    "least_satisfied": "least_satisfied.csv",
    "suitability_violations": "suitability_violations.csv",
}


def followup_lists(run: PreparedRun, *, language: str = "en") -> dict[str, pd.DataFrame]:
    """The follow-up lists the run's inputs support, with real customer ids.

    Parameters
    ----------
    run : PreparedRun
        The prepared run.
    language : str
        Language of the segment and risk level labels.

    Returns
    -------
    dict of str to pandas.DataFrame
        List name (a `FOLLOWUP_FILES` key) -> table; lists without their inputs are absent.
    """
    segments = _segments(run, language)
    lists: dict[str, pd.DataFrame] = {}
    if run.has("survey"):
        try:
            survey = run.survey
            if "nps" in applicable(survey):
                lists["detractors"] = followup.detractors(survey.respondents, segments=segments)
            rated = survey.wide("satisfaction") if "satisfaction" in survey.measures() else None
            if rated is not None or survey.respondents.get("overall_satisfaction", pd.Series()).notna().any():
                chosen = followup.least_satisfied(survey.respondents, need_satisfaction=rated, segments=segments)
                lists["least_satisfied"] = chosen.table
        except InputError:
            pass  # the need report shows the message
    answers, holdings = run.optional("risk"), run.optional("holdings")
    if answers is not None and holdings is not None:
        try:
            risk = suitability.score_risk(answers, scoring=suitability.load_scoring(), source=Path(run.inputs["risk"]).name)
            table = followup.suitability_violations(suitability.audit_holdings(holdings, risk, segments=segments))
        except InputError:
            pass  # the need report shows the message
        else:
            words = catalogue(language)
            labels = table["risk_name"].map(lambda k: words.get(f"needs.risk_level.{k}", k))
            lists["suitability_violations"] = table.assign(risk_label=labels.astype("str"))
    return lists


def _segments(run: PreparedRun, language: str) -> pd.Series | None:
    """Customer id -> 8-class label in `language` (as the need report shows it); None without transactions."""
    if not run.has("transactions"):
        return None
    value_map = run.segmentation.maps["eight_class"]
    return pd.Series(segment_labels(value_map, language).to_numpy(), index=value_map.table[schema.CUSTOMER_ID].to_numpy())


def write_followup(
    run: PreparedRun, out_dir: str | os.PathLike, *, language: str = "en", pseudonymize_ids: bool = False
) -> list[Path]:
    """Write the run's follow-up lists as ``out_dir/followup/<list>.csv`` (UTF-8 BOM), atomically.

    Parameters
    ----------
    run : PreparedRun
        The prepared run.
    out_dir : str or os.PathLike
        The run's processed folder.
    language : str
        Language of the labels.
    pseudonymize_ids : bool
        Replace customer and respondent ids by the keyed hash of the CRM export (the key of the
        environment, as `segkit.pipeline.export.write_crm_export` uses it).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    written = []
    for name, table in followup_lists(run, language=language).items():
        if pseudonymize_ids:  # respondent ids too: a survey may use customer ids as its respondent ids
            ids = [c for c in (schema.CUSTOMER_ID, "respondent_id") if c in table]
            table = table.assign(**{c: pseudonymize(table[c]) for c in ids})
        # product_name and risk_name hold no person's name: kept from the name rule, like the ids
        safe, _ = filter_pii(table, keep=("respondent_id", schema.CUSTOMER_ID, "product_name", "risk_name"))
        written.append(write_csv_atomic(safe, Path(out_dir) / FOLLOWUP_DIR / FOLLOWUP_FILES[name]))
    return written


def written_followup(processed_dir: str | os.PathLike | None) -> dict[str, str]:
    """The follow-up lists a run wrote, by name, as paths relative to its processed folder.

    Parameters
    ----------
    processed_dir : str or os.PathLike, optional
        The run's processed folder (the ``processed_dir`` parameter `segkit run` passes); empty
        when a notebook runs on its own, which wrote no lists.

    Returns
    -------
    dict of str to str
        List name -> ``followup/<file>.csv``, only for files that exist.
    """
    if not processed_dir:
        return {}
    folder = Path(processed_dir) / FOLLOWUP_DIR
    return {name: f"{FOLLOWUP_DIR}/{file}" for name, file in FOLLOWUP_FILES.items() if (folder / file).is_file()}
