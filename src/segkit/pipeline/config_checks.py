"""Checks shared by every part of the run config: unknown keys with a "did you mean" hint, separate output folders."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from segkit.core.errors import InputError


def no_unknown(mapping: Mapping[str, object], known: Mapping[str, object] | Sequence[str], *, where: str) -> None:
    """Raise `InputError` for the first key of `mapping` not in `known`, with a close match as a hint.

    Parameters
    ----------
    mapping : mapping
        A section of the config as written.
    known : mapping or sequence of str
        The keys the section may have.
    where : str
        Where the section is (``"run.yaml: inputs"``); the message starts with it.

    Raises
    ------
    InputError
        Naming the unknown key, the closest known key and every known key.
    """
    for key in mapping:
        if key not in known:
            raise InputError(f"{where}: unknown key {key!r}{hint(str(key), known)}; known keys are {', '.join(known)}")


def hint(word: str, choices: Mapping[str, object] | Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of `choices` to `word`, else an empty string.

    Parameters
    ----------
    word : str
        What was written.
    choices : mapping or sequence of str
        What could have been meant.

    Returns
    -------
    str
        The hint, with a leading blank, or ``""``.
    """
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def separate_outputs(reports: Path, processed: Path, *, run_id: str, inputs: Mapping[str, Any], where: str) -> None:
    """Refuse output folders that would overwrite each other or an input when a run is published.

    Publishing replaces ``<reports>/<run_id>`` and ``<processed>/<run_id>`` as whole folders, so the
    two roots must differ and neither may lie inside the other, and no input file may lie inside
    either run folder.

    Parameters
    ----------
    reports, processed : pathlib.Path
        The resolved ``reports_dir`` and ``processed_dir``.
    run_id : str
        The run's id.
    inputs : mapping
        Input name → `segkit.pipeline.config_inputs.InputFile`.
    where : str
        The config file's name, for messages.

    Raises
    ------
    InputError
        Naming the two folders, or the input and the folder.
    """
    reports, processed = reports.resolve(), processed.resolve()
    if reports == processed:
        raise InputError(f"{where}: reports_dir and processed_dir must be different folders (both are {reports})")
    for inner, outer, a, b in (
        (processed, reports, "processed_dir", "reports_dir"),
        (reports, processed, "reports_dir", "processed_dir"),
    ):
        if outer in inner.parents:
            raise InputError(f"{where}: {a} {inner} is inside {b} {outer}; give two separate folders")
    for name, spec in inputs.items():
        path = getattr(spec, "path", None)
        for root, key in ((reports, "reports_dir"), (processed, "processed_dir")):
            if path is not None and (root / run_id) in Path(path).resolve().parents:
                raise InputError(
                    f"{where}: inputs.{name} {path} is inside {key}/{run_id}, which the run replaces when it publishes; "
                    "keep raw data outside the output folders"
                )


def positive_int(value: object, *, key: str, unit: str, where: str) -> int:
    """`value` when it is a whole number above 0; YAML ``true`` is refused (a bool is an int in Python).

    Parameters
    ----------
    value : object
        The value as written.
    key : str
        The key's name in messages (``cell_timeout``, ``lifetime_value.horizon_months``).
    unit : str
        What the number counts (``seconds``, ``days``).
    where : str
        The config file's name, for messages.

    Returns
    -------
    int
        The value.

    Raises
    ------
    InputError
        For a boolean, a non-integer, zero or a negative number.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InputError(f"{where}: {key} must be a positive whole number of {unit}, got {value!r}")
    return value


def notebook_list(raw: Mapping[str, object], files: Mapping[str, Path], *, where: str) -> tuple[str, ...]:
    """The config's ``notebooks``: every notebook in `files` when the key is left out or empty-valued.

    Parameters
    ----------
    raw : mapping
        The config as written.
    files : mapping of str to pathlib.Path
        The notebooks found, by name.
    where : str
        The config file's name, for messages.

    Returns
    -------
    tuple of str
        The notebook names, in the order given.

    Raises
    ------
    InputError
        For an empty list (which would run nothing), or a value that is not a list of names.
    """
    value = raw.get("notebooks")
    if value is None:
        return tuple(files)
    if value == []:
        raise InputError(f"{where}: notebooks: the list is empty; omit the key to run every notebook")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: notebooks must be a list of notebook names, e.g. [01-data-quality], got {value!r}")
    return tuple(value)
