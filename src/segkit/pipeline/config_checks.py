"""Checks shared by every part of the run config: unknown keys with a "did you mean" hint."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

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
