"""YAML input files (need catalogues, column mappings, keyword dictionaries) in the encodings of tables.

A need catalogue saved by Excel or Notepad on a Chinese-locale Windows is GB18030, not UTF-8; it is
read with the same detection as a table (`segkit.intake.files.detect_encoding`), and a file that is
neither asks for its encoding instead of failing with a `UnicodeDecodeError`. A key given twice is
refused (`segkit.core.yaml_files.UniqueKeyLoader`).
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any

from segkit.core.errors import InputError
from segkit.core.files import write_text_atomic
from segkit.core.yaml_files import parse_yaml
from segkit.intake.files import detect_encoding


def read_yaml(path: str | os.PathLike, *, what: str, encoding: str | None = None) -> Any:
    """The YAML document in `path`, decoded with `encoding` or the detected one; empty file → ``None``.

    Parameters
    ----------
    path : str or os.PathLike
        The YAML file.
    what : str
        What the file is (``"need catalogue"``), for messages.
    encoding : str, optional
        The file's encoding (the input's ``encoding:`` in a run config); default detected: UTF-8
        (with or without BOM), else GB18030 when it reads as Chinese text.

    Returns
    -------
    object
        The document.

    Raises
    ------
    InputError
        When the file does not exist, is in no detected encoding and none is given (asking for
        ``encoding:``), cannot be decoded with the given one, names an unknown encoding, is not YAML,
        or gives a key twice.
    """
    path = Path(path)
    return parse_yaml(yaml_text(path, what=what, encoding=encoding), source=path.name)


def yaml_text(path: str | os.PathLike, *, what: str, encoding: str | None = None) -> str:
    """The text of a YAML file, decoded as `read_yaml` does (a leading BOM dropped).

    Parameters
    ----------
    path, what, encoding
        As in `read_yaml`.

    Returns
    -------
    str
        The decoded text.

    Raises
    ------
    InputError
        As `read_yaml`, for a file that is missing or cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path.name}: cannot read the {what}: file not found ({path})")
    if encoding is None:
        try:
            encoding = detect_encoding(path)
        except InputError:
            raise InputError(
                f"{path.name}: the {what} is neither UTF-8 nor GB18030 text; "
                "give its encoding (e.g. encoding: latin-1 under the input in the run config)"
            ) from None
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"{path.name}: unknown encoding {encoding!r} for the {what}") from None
    try:
        text = path.read_text(encoding=encoding)
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: the {what} cannot be read as {encoding} text; give its encoding") from None
    return text.removeprefix("\ufeff")


def copy_as_utf8(source: str | os.PathLike, target: str | os.PathLike, *, what: str, encoding: str | None = None) -> Path:
    """Copy a text input to `target` as UTF-8, so a later reader of the copy needs no encoding.

    Parameters
    ----------
    source, target : str or os.PathLike
        The input file and where its copy goes.
    what : str
        What the file is, for messages.
    encoding : str, optional
        The input's encoding; default detected as in `read_yaml`.

    Returns
    -------
    pathlib.Path
        `target`.

    Raises
    ------
    InputError
        As `yaml_text`.
    """
    return write_text_atomic(yaml_text(source, what=what, encoding=encoding), target)
