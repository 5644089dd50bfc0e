"""The ``inputs`` section of a run config: which files a run reads and how to read each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segkit.core.errors import InputError
from segkit.pipeline.config_checks import no_unknown

#: Input names a config may give, and the notebook parameter each path is passed as.
INPUTS = {
    "transactions": "transactions_path",
    "customers": "customers_path",
    "survey": "survey_path",
    "needs": "needs_path",
    "risk": "risk_path",
    "holdings": "holdings_path",
    "complaints": "complaints_path",
}
#: Settings an input may carry besides its path (only transactions use preset/mapping/encoding).
INPUT_KEYS = ("path", "preset", "mapping", "encoding", "column_pattern")


@dataclass(frozen=True)
class InputFile:
    """One input: an absolute path and, for transactions, how to read it."""

    path: Path
    preset: str | None = None
    mapping: dict[str, Any] | Path | None = None
    encoding: str | None = None
    column_pattern: str | None = None  # survey columns, e.g. "{item}_{measure}"


def read_inputs(section: object, *, base: Path, where: str) -> dict[str, InputFile]:
    """Check the config's ``inputs`` section and resolve every path against `base`.

    Parameters
    ----------
    section : object
        The ``inputs`` value as written: input name → path, or a mapping with ``path`` and settings.
    base : pathlib.Path
        Folder relative paths are resolved against.
    where : str
        The config file's name, for messages.

    Returns
    -------
    dict of str to InputFile
        Input name → the resolved input.

    Raises
    ------
    InputError
        For an unknown input or key, a missing file, or settings an input does not take.
    """
    if not isinstance(section, dict) or not section:
        raise InputError(
            f"{where}: 'inputs' must be a mapping naming at least one file, e.g. 'transactions: {{path: ..., preset: ...}}'"
        )
    no_unknown(section, INPUTS, where=f"{where}: inputs")
    out: dict[str, InputFile] = {}
    for key, spec in section.items():
        spec = {"path": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict) or not spec.get("path"):
            raise InputError(f"{where}: inputs.{key} needs a 'path'")
        no_unknown(spec, INPUT_KEYS, where=f"{where}: inputs.{key}")
        path = Path(str(spec["path"])).expanduser()
        path = (path if path.is_absolute() else base / path).resolve()
        if not path.is_file():
            raise InputError(f"{where}: inputs.{key}: file not found: {path}")
        mapping = spec.get("mapping")
        if key != "transactions" and spec.get("preset"):
            raise InputError(f"{where}: inputs.{key}: only transactions take a preset")
        if key not in ("transactions", "customers") and mapping:
            raise InputError(f"{where}: inputs.{key}: only transactions and customers take a column mapping")
        if key != "survey" and spec.get("column_pattern"):
            raise InputError(f"{where}: inputs.{key}: only the survey takes a column_pattern")
        if key == "transactions" and bool(spec.get("preset")) == bool(mapping):
            raise InputError(f"{where}: inputs.transactions: give exactly one of 'preset' or 'mapping'")
        if isinstance(mapping, str):
            mapping = Path(mapping).expanduser()
            mapping = (mapping if mapping.is_absolute() else base / mapping).resolve()
            if not mapping.is_file():
                raise InputError(f"{where}: inputs.{key}.mapping: file not found: {mapping}")
        elif mapping is not None and not isinstance(mapping, dict):
            raise InputError(f"{where}: inputs.{key}.mapping must be a YAML file path or a mapping")
        out[key] = InputFile(
            path=path,
            preset=spec.get("preset"),
            mapping=mapping,
            encoding=spec.get("encoding"),
            column_pattern=spec.get("column_pattern"),
        )
    return out
