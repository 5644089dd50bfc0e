"""Files written atomically and fingerprinted: the one place that writes outputs."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pandas as pd

from segkit.core.errors import InputError

# --------------------------------------------------------------------------------------- files


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in chunks, so a run manifest can pin the exact input.

    Parameters
    ----------
    path : str or os.PathLike
        The file to fingerprint.

    Returns
    -------
    str
        The SHA-256 digest as 64 hexadecimal digits.

    Raises
    ------
    InputError
        When `path` does not exist or is not a file (see `existing_file`).
    """
    digest = hashlib.sha256()
    with open(existing_file(path), "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_parquet_atomic(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write `frame` to Parquet so that `path` is either the old file or the complete new one.

    The data go to a temporary file in the same folder (same file system) and are moved into place
    with `os.replace`; a crash or an interrupted job never leaves a half-written file behind.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to write; its index is not written.
    path : str or os.PathLike
        The target file; missing parent folders are created.

    Returns
    -------
    pathlib.Path
        `path`, as a `Path`.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def existing_file(path: str | os.PathLike) -> Path:
    """`path` as a `Path`, after checking that it exists and is a file (not a folder).

    Parameters
    ----------
    path : str or os.PathLike
        The input file.

    Returns
    -------
    pathlib.Path
        `path`, as a `Path`.

    Raises
    ------
    InputError
        When `path` does not exist ("file not found") or is not a file ("not a file").
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path.name}: file not found ({path})")
    if not path.is_file():
        raise InputError(f"{path.name}: not a file ({path})")
    return path


def write_text_atomic(text: str, path: str | os.PathLike) -> Path:
    """Write `text` (UTF-8) so that `path` is either the old file or the complete new one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def write_json_atomic(content: object, path: str | os.PathLike) -> Path:
    """Write `content` as indented JSON (non-ASCII kept, dates as text), atomically."""
    import json

    return write_text_atomic(json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n", path)


def write_csv_atomic(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write `frame` as CSV in UTF-8 with a BOM (Excel then shows Chinese), dates as YYYY-MM-DD, atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
