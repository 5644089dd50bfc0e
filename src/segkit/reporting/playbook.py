"""The strategy playbook: actions and the KPI to watch per segment, in the report language.

The playbook is text a reader sees, so it lives with the catalogues: ``playbooks/strategy.yaml``
holds the actions and KPI per map, segment key and language (edit it, or pass your own file).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from segkit.core.errors import InputError

# --------------------------------------------------------------------------------------------
# Strategy playbook


def load_playbook(path: str | Path | None = None) -> dict:
    """The playbook YAML (default: the built-in ``playbooks/strategy.yaml``) as a nested dict.

    Layout: ``map -> segment key -> language -> {actions: [...], kpi: ...}``.
    """
    if path is None:
        text = (resources.files("segkit.reporting") / "playbooks" / "strategy.yaml").read_text(encoding="utf-8")
    else:
        if not Path(path).exists():
            raise InputError(f"{path}: playbook file not found")
        text = Path(path).read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"playbook: not valid YAML ({exc})") from exc


def playbook(map_name: str, segments: pd.DataFrame, language: str, *, path: str | Path | None = None) -> pd.DataFrame:
    """Each segment of a map (``key`` column) with its recommended actions and KPI in `language`.

    A segment without an entry raises `InputError`, so an edited playbook cannot silently drop one.
    """
    book = load_playbook(path).get(map_name)
    if book is None:
        raise InputError(f"playbook: no section for the map {map_name!r}")
    rows = []
    for key in segments["key"]:
        entry = (book.get(key) or {}).get(language)
        if not entry or not entry.get("actions") or not entry.get("kpi"):
            raise InputError(f"playbook: map {map_name!r}, segment {key!r}: no actions/kpi in {language!r}")
        rows.append({"key": key, "actions": ("；" if language == "zh" else "; ").join(entry["actions"]), "kpi": entry["kpi"]})
    return segments.merge(pd.DataFrame(rows), on="key", how="left")


def cluster_playbook(segments: pd.DataFrame, language: str, *, path: str | Path | None = None) -> pd.DataFrame:
    """Each value cluster (``key``, ``archetype``) with the actions and KPI of its 8-class archetype.

    Clusters are found in the data, so the playbook cannot name them in advance; a cluster
    borrows the entry of the 8-class segment its average customer falls into.
    """
    archetypes = pd.DataFrame({"key": segments["archetype"].dropna().unique()})
    book = playbook("eight_class", archetypes, language, path=path).rename(columns={"key": "archetype"})
    return segments.merge(book, on="archetype", how="left")
