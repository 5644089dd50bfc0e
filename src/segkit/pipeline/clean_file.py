"""`segkit clean`: one transactions file in, the clean Parquet and the audit out, inputs never touched.

Every output path is checked before anything is read: it must not be an input (the raw file, the
mapping) nor the other output, nor an existing folder, and its folder must be writable. Nothing is
written when the cleaning keeps no row. Each problem is one `InputError` naming the path.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from segkit.core.errors import InputError
from segkit.core.files import write_parquet_atomic
from segkit.intake.presets import read_mapping
from segkit.intake.transactions import load_transactions
from segkit.prep.cleaning import clean_transactions, write_audit_json


def check_outputs(outputs: dict[str, Path | None], inputs: Sequence[Path | None]) -> None:
    """Refuse output paths that would overwrite an input or each other, or cannot be written.

    Parameters
    ----------
    outputs : dict of str to Path or None
        Option name (``--out``) → the path it names; None when the option is not given.
    inputs : sequence of Path or None
        The files the command reads.

    Raises
    ------
    InputError
        When an output is an input (the same file, also through a link), two outputs are the same,
        an output is a folder, or its folder cannot be created or written.
    """
    given = {name: Path(path) for name, path in outputs.items() if path is not None}
    read = [Path(p) for p in inputs if p is not None]
    seen: dict[Path, str] = {}
    for name, path in given.items():
        resolved = path.resolve()
        for source in read:
            if resolved == source.resolve() or (path.exists() and source.exists() and os.path.samefile(path, source)):
                raise InputError(
                    f"{name} {path}: is an input of this command; raw files are never overwritten, choose another path"
                )
        if resolved in seen:
            raise InputError(f"{name} {path}: is also given as {seen[resolved]}; choose two different files")
        seen[resolved] = name
        if path.is_dir():
            raise InputError(f"{name} {path}: is a folder; give a file name, e.g. {path / 'clean.parquet'}")
        folder = path.parent
        existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("/"))
        if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
            raise InputError(f"{name} {path}: cannot write in {existing}")


def clean_file(
    path: Path,
    *,
    out: Path,
    audit: Path | None = None,
    preset: str | None = None,
    mapping: Path | None = None,
    encoding: str | None = None,
) -> str:
    """Load, validate and clean `path`; write the clean Parquet to `out` (and the audit JSON).

    Parameters
    ----------
    path : pathlib.Path
        The transactions file.
    out : pathlib.Path
        The clean Parquet to write.
    audit : pathlib.Path, optional
        The cleaning audit (JSON) to write.
    preset, mapping, encoding
        How to read the file (`segkit.intake.load_transactions`); `mapping` is a YAML file.

    Returns
    -------
    str
        The line to print: ``<out>: <kept> of <raw> rows kept``.

    Raises
    ------
    InputError
        For an output that would overwrite an input or cannot be written, a file that cannot be
        read, or a cleaning that keeps no row (then nothing is written).
    """
    check_outputs({"--out": out, "--audit": audit}, [path, mapping])
    columns = read_mapping(mapping) if mapping else None
    raw = load_transactions(path, preset=preset, mapping=columns, encoding=encoding)
    result = clean_transactions(raw)
    if len(result.clean) == 0:
        raise InputError(f"{path.name}: no rows are left after cleaning ({len(raw):,} read); nothing was written")
    try:
        write_parquet_atomic(result.clean, out)
        if audit is not None:
            write_audit_json(result, audit)
    except OSError as error:
        raise InputError(f"{error.filename or out}: cannot write ({error.strerror})") from None
    return f"{out}: {len(result.clean):,} of {len(raw):,} rows kept"
