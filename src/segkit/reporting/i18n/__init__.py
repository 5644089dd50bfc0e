"""Message catalogues: every string a reviewer reads, in English and Simplified Chinese.

Each language is a folder of YAML files (`en/*.yaml`, `zh/*.yaml`); each file holds one
top-level section named after it (``value.yaml`` holds ``value: {...}``) so modules can own
their own text. Keys are looked up with dots: ``catalogue("zh")["value.title"]``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

LANGUAGES = ("en", "zh")


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalogue(language: str) -> dict[str, str]:
    """All messages of `language` as a flat ``{dotted.key: text}`` mapping."""
    if language not in LANGUAGES:
        from segkit.core.errors import InputError

        raise InputError(f"language {language!r} is not supported; use one of {', '.join(LANGUAGES)}")
    merged: dict[str, str] = {}
    folder = resources.files(__package__) / language
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            merged.update(_flatten(yaml.safe_load(entry.read_text(encoding="utf-8")) or {}))
    return merged


def message(language: str, key: str, **values: object) -> str:
    """The text for `key` in `language`, with ``{name}`` placeholders filled from `values`."""
    text = catalogue(language).get(key)
    if text is None:
        raise KeyError(f"message {key!r} is missing from the {language!r} catalogue")
    return text.format(**values) if values else text
