"""The run config's ``segments`` section: the user's own class schemes, checked before any notebook runs.

``segments: {tier_cuts: [0.5, 0.8, 0.95], tier_names: [vip, large, medium, small], rules:
my_maps.yaml, strategy: my_strategy.yaml}``. The cuts and names are checked as the value tiers
check them; the rule and strategy files are resolved against the config file's folder, must
exist and are read once here, so a mistake in them names the config, the key and the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segkit.core.errors import InputError
from segkit.pipeline.config_checks import no_unknown
from segkit.reporting.playbook import load_playbook
from segkit.value.maps import load_rules
from segkit.value.segmentation import RESERVED_MAP_NAMES
from segkit.value.tiers import tier_keys

#: The keys of the ``segments`` section and what they mean (the README table documents the same).
SEGMENT_KEYS = {
    "tier_cuts": "cumulative revenue shares ending each value tier but the last, increasing in (0, 1] (default [0.80, 0.95])",
    "tier_names": "one key per tier, best first (default A, B, C, ...), e.g. [vip, large, medium, small]",
    "rules": "a YAML rule file (layout of segment_maps.yaml): its rfm10 replaces the built-in one, its other maps join",
    "strategy": "a YAML strategy file (layout of strategy.yaml) laid over the built-in playbook",
}


@dataclass(frozen=True)
class SegmentSettings:
    """The checked ``segments`` section of a run config.

    Attributes
    ----------
    tier_cuts : tuple of float
        The value-tier cuts.
    tier_names : tuple of str or None
        The tier keys, best first; None = A, B, C, ...
    rules : pathlib.Path or None
        The user's rule file (absolute).
    strategy : pathlib.Path or None
        The user's strategy file (absolute).
    """

    tier_cuts: tuple[float, ...] = (0.80, 0.95)
    tier_names: tuple[str, ...] | None = None
    rules: Path | None = None
    strategy: Path | None = None

    def segmenter_options(self) -> dict[str, Any]:
        """The `segkit.value.segmentation.Segmenter` keyword arguments: tier_cuts, tier_names, rules_path.

        Returns
        -------
        dict
        """
        return {"tier_cuts": self.tier_cuts, "tier_names": self.tier_names, "rules_path": self.rules}


def read_segments(section: object, *, folder: Path, where: str) -> SegmentSettings:
    """Check the ``segments`` section; file paths are resolved against `folder` (the config's folder).

    Parameters
    ----------
    section : object
        The section as written (a mapping, or empty).
    folder : pathlib.Path
        The folder relative file paths are resolved against.
    where : str
        The config file's name, which every message starts with.

    Returns
    -------
    SegmentSettings

    Raises
    ------
    InputError
        Naming the config and the key: an unknown key, cuts that are not increasing numbers in
        (0, 1], names that do not fit the cuts, a missing or malformed rule or strategy file, or a
        rule map that takes a built-in map's name.
    """
    if section in (None, ""):
        return SegmentSettings()
    if not isinstance(section, dict):
        raise InputError(f"{where}: segments must be a mapping such as {{tier_cuts: [0.8, 0.95], rules: my_maps.yaml}}")
    no_unknown(section, SEGMENT_KEYS, where=f"{where}: segments")
    cuts = section.get("tier_cuts", [0.80, 0.95])
    if not isinstance(cuts, list) or not cuts or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in cuts):
        raise InputError(f"{where}: segments.tier_cuts must be a list of numbers such as [0.8, 0.95], got {cuts!r}")
    names = section.get("tier_names")
    if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
        raise InputError(
            f"{where}: segments.tier_names must be a list of texts such as [vip, large, medium, small], got {names!r}"
        )
    tier_keys(cuts, names, what=f"{where}: segments.tier_cuts / tier_names")
    rules = _file(section.get("rules"), key="rules", folder=folder, where=where)
    if rules is not None:
        try:
            own = load_rules(rules)
        except InputError as error:
            raise InputError(f"{where}: segments.rules: {error}") from None
        taken = [name for name in own if name in RESERVED_MAP_NAMES]
        if taken:
            raise InputError(
                f"{where}: segments.rules: {rules.name}: map {taken[0]!r} is a built-in map's name; name your map "
                f"differently (built-in: {', '.join(RESERVED_MAP_NAMES)}; rfm10 may be replaced)"
            )
    strategy = _file(section.get("strategy"), key="strategy", folder=folder, where=where)
    if strategy is not None:
        try:
            load_playbook(strategy=strategy)
        except InputError as error:
            raise InputError(f"{where}: segments.strategy: {error}") from None
    return SegmentSettings(
        tier_cuts=tuple(float(c) for c in cuts),
        tier_names=tuple(names) if names is not None else None,
        rules=rules,
        strategy=strategy,
    )


def _file(value: object, *, key: str, folder: Path, where: str) -> Path | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InputError(f"{where}: segments.{key} must be a file path, got {value!r}")
    path = Path(value).expanduser()
    path = (path if path.is_absolute() else folder / path).resolve()
    if not path.is_file():
        raise InputError(f"{where}: segments.{key}: {path}: file not found (relative paths start at the config's folder)")
    return path
