"""Names of the keys computation returns (segments, stages), in the report language.

Computation returns keys (``champions``, ``important_value``, ``churned``); a reader sees names.
They come from the i18n catalogues (``value.segment_names.<map>.<key>``, ``value.stages.<key>``)
and, for a user's own rule file, from the names per language the file gives; a key with neither
is shown as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from segkit.reporting.i18n import catalogue


def segment_names(segmap: Any, language: str, *, keys: Iterable[str] | None = None) -> dict[str, str]:
    """Key -> name for every segment of `segmap` (a `segkit.value.maps.SegmentMap`).

    Parameters
    ----------
    segmap : SegmentMap
        The map (its ``name``, ``segments`` and the rule file's ``names``).
    language : str
        ``en`` or ``zh``.
    keys : iterable of str, optional
        Extra keys to name (e.g. ``not_yet`` of a migration).

    Returns
    -------
    dict
    """
    words = catalogue(language)
    if segmap.name == "value_cluster" and "archetype" in segmap.segments:
        return {
            **cluster_names(segmap.segments, language),
            **{k: words.get(f"value.segment_names.migration.{k}", k) for k in keys or ()},
        }
    own: Mapping[str, str] = getattr(segmap, "names", {}).get(language, {})
    wanted = [*segmap.segments["key"], *(keys or ())]
    return {
        k: words.get(f"value.segment_names.{segmap.name}.{k}")
        or words.get(f"value.segment_names.migration.{k}")
        or own.get(k)
        or str(k)
        for k in wanted
    }


def cluster_names(segments: pd.DataFrame, language: str) -> dict[str, str]:
    """Key -> name of each value cluster from its rank and levels (``C1: recent, frequent, high spend``)."""
    words = catalogue(language)
    levels = [c for c in segments.columns if c.startswith("level_")]
    out = {}
    for row in segments.itertuples(index=False):
        parts = [words.get(f"clusters.levels.{c[len('level_') :]}.{getattr(row, c)}", str(getattr(row, c))) for c in levels]
        profile = words["clusters.separator"].join(parts)
        out[str(row.key)] = words["clusters.name"].format(number=row.rank, profile=profile)
    return out


def segment_labels(segmap: Any, language: str) -> pd.Series:
    """Each customer's segment name (aligned with ``segmap.table``)."""
    return segmap.table["segment"].map(segment_names(segmap, language))


def map_title(segmap: Any, language: str) -> str:
    """The map's title: the catalogue's ``value.maps.<name>``, else the rule file's, else its name."""
    return catalogue(language).get(f"value.maps.{segmap.name}") or getattr(segmap, "title", {}).get(language) or segmap.name


def stage_names(language: str, keys: Iterable[str] | None = None) -> dict[str, str]:
    """Lifecycle stage key -> name (all six stages unless `keys` is given)."""
    words = catalogue(language)
    from_catalogue = {k[len("value.stages.") :]: v for k, v in words.items() if k.startswith("value.stages.")}
    return {k: from_catalogue.get(k, k) for k in (keys if keys is not None else from_catalogue)}
