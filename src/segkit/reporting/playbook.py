"""The strategy playbook: actions and the KPI to watch per segment, in the report language.

The playbook is text a reader sees, so it lives with the catalogues: ``playbooks/strategy.yaml``
holds the actions and KPI per map, segment key and language. A user's strategy file (the same
layout) adds entries for their own maps and segments, or replaces built-in ones. A segment that
no file gives a strategy for is shown with the catalogue's "no strategy given" text, and an
`InputWarning` names the map and the segments, so a new rule map never fails deep in a report.
"""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from segkit.core.errors import InputError, InputWarning
from segkit.reporting.i18n import catalogue

# --------------------------------------------------------------------------------------------
# Strategy playbook


def _check_book(tree: object, where: str) -> dict:
    """`tree` if it has the playbook layout, else `InputError` naming the file, map, segment and language."""
    if not isinstance(tree, dict):
        raise InputError(f"{where}: expected a mapping of map names to segments, got {type(tree).__name__}")
    for name, segments in tree.items():
        if not isinstance(segments, dict):
            raise InputError(f"{where}: map {name!r}: expected a mapping of segment keys to texts per language")
        for key, languages in segments.items():
            if not isinstance(languages, dict):
                raise InputError(f"{where}: map {name!r}, segment {key!r}: expected texts per language (en, zh)")
            for language, entry in languages.items():
                actions = entry.get("actions") if isinstance(entry, dict) else None
                kpi = entry.get("kpi") if isinstance(entry, dict) else None
                if not (isinstance(actions, list) and actions and all(isinstance(a, str) and a for a in actions)):
                    raise InputError(f"{where}: map {name!r}, segment {key!r}, {language}: 'actions' must be a list of texts")
                if not (isinstance(kpi, str) and kpi):
                    raise InputError(f"{where}: map {name!r}, segment {key!r}, {language}: 'kpi' must be a text")
    return tree


def load_playbook(path: str | Path | None = None, *, strategy: str | Path | None = None) -> dict:
    """The playbook YAML (default: the built-in ``playbooks/strategy.yaml``) as a nested dict.

    Layout: ``map -> segment key -> language -> {actions: [...], kpi: ...}``.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A playbook file used instead of the built-in one.
    strategy : str or pathlib.Path, optional
        A user's strategy file in the same layout, laid over the playbook: its segments are added
        to (or replace) the playbook's, map by map and segment by segment.

    Returns
    -------
    dict
        Map → segment key → language → ``{"actions": [...], "kpi": ...}``.

    Raises
    ------
    InputError
        When a file does not exist, is not YAML, or does not have the layout above.
    """
    book = _read(path)
    if strategy is not None:
        for name, segments in _read(strategy).items():
            book[name] = {**book.get(name, {}), **segments}
    return book


def _read(path: str | Path | None) -> dict:
    if path is None:
        text = (resources.files("segkit.reporting") / "playbooks" / "strategy.yaml").read_text(encoding="utf-8")
        where = "strategy.yaml"
    else:
        if not Path(path).is_file():
            raise InputError(f"{path}: playbook file not found")
        text, where = Path(path).read_text(encoding="utf-8"), Path(path).name
    try:
        tree = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: not valid YAML ({exc})") from exc
    return _check_book(tree, where)


def playbook(
    map_name: str, segments: pd.DataFrame, language: str, *, path: str | Path | None = None, strategy: str | Path | None = None
) -> pd.DataFrame:
    """Each segment of a map (``key`` column) with its recommended actions and KPI in `language`.

    A segment without an entry in `language` (a user's rule map, a tier name of their own) gets
    the catalogue's "no strategy given" text, and one `InputWarning` names the map and those
    segments, so an edited playbook cannot drop one silently.

    Parameters
    ----------
    map_name : str
        The map (``rfm10``, ``value_tier``, ``strategic_tier``, a rule file's map, ``lifecycle``).
    segments : pandas.DataFrame
        One row per segment with a ``key`` column (e.g. the map's segment summary).
    language : str
        ``en`` or ``zh``.
    path : str or pathlib.Path, optional
        A playbook file used instead of the built-in one.
    strategy : str or pathlib.Path, optional
        A user's strategy file laid over the playbook (`load_playbook`).

    Returns
    -------
    pandas.DataFrame
        `segments` with ``actions`` and ``kpi`` (texts in `language`).

    Raises
    ------
    InputError
        When a file is missing or malformed (`load_playbook`).
    """
    book = load_playbook(path, strategy=strategy).get(map_name) or {}
    words = catalogue(language)
    rows, missing = [], []
    for key in segments["key"]:
        entry = (book.get(key) or {}).get(language)
        if not entry:
            missing.append(str(key))
            entry = {"actions": [words["value.playbook_missing.actions"]], "kpi": words["value.playbook_missing.kpi"]}
        rows.append({"key": key, "actions": ("；" if language == "zh" else "; ").join(entry["actions"]), "kpi": entry["kpi"]})
    if missing:
        warnings.warn(
            f"playbook: map {map_name!r} has no strategy in {language!r} for the segments {', '.join(missing)}; "
            "they are shown as 'no strategy given'. Add them to a strategy file (the layout of "
            "playbooks/strategy.yaml) and pass it as strategy= or the run config's segments.strategy",
            InputWarning,
            stacklevel=2,
        )
    return segments.merge(pd.DataFrame(rows, columns=["key", "actions", "kpi"]), on="key", how="left")


def cluster_playbook(segments: pd.DataFrame, language: str, *, path: str | Path | None = None) -> pd.DataFrame:
    """Each value cluster (``key``, ``archetype``) with the actions and KPI of its 8-class archetype.

    Clusters are found in the data, so the playbook cannot name them in advance; a cluster
    borrows the entry of the 8-class segment its average customer falls into.

    Parameters
    ----------
    segments : pandas.DataFrame
        One row per cluster with ``key`` and ``archetype`` (an 8-class segment key).
    language : str
        ``en`` or ``zh``.
    path : str or pathlib.Path, optional
        A playbook file used instead of the built-in one.

    Returns
    -------
    pandas.DataFrame
        `segments` with ``actions`` and ``kpi``.
    """
    archetypes = pd.DataFrame({"key": segments["archetype"].dropna().unique()})
    book = playbook("eight_class", archetypes, language, path=path).rename(columns={"key": "archetype"})
    return segments.merge(book, on="archetype", how="left")
