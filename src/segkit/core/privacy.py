"""Keep personal data out of reports: pseudonymised ids, the PII column list and a scanner.

Reports may show per-customer rows (top customers, examples); with ``pseudonymize_ids: true``
their ids are replaced by a keyed hash (HMAC-SHA256). The key comes from the run config
(``pseudonymize_key``) or the environment (``SEGKIT_PSEUDONYM_KEY``); when neither is set a
random key is drawn once per process, so pseudonyms are stable within a run but cannot be linked
across runs. The key is never written to a report or the manifest.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
from collections.abc import Iterable, Mapping
from functools import cache
from os import environ
from pathlib import Path

import pandas as pd

#: Environment variable holding the pseudonymisation key (how `segkit run` passes it to notebooks).
KEY_ENV = "SEGKIT_PSEUDONYM_KEY"
#: Columns that identify a person directly; they never appear in a report.
PII_COLUMNS = ("name", "phone", "email", "address", "contact", "mobile", "id_number")
#: Length of the hexadecimal part of a pseudonym: 48 bits, collision-free for millions of ids.
_DIGEST_CHARS = 12


@cache
def _random_key() -> str:
    return secrets.token_hex(32)


def pseudonym_key(configured: str | None = None) -> str:
    """The key to use: `configured`, else ``$SEGKIT_PSEUDONYM_KEY``, else a random per-process key.

    Parameters
    ----------
    configured : str, optional
        The key from the run config (``pseudonymize_key``); None or empty falls through to the
        environment variable `KEY_ENV`, then to the random key.

    Returns
    -------
    str
        The key.
    """
    return configured or environ.get(KEY_ENV) or _random_key()


def pseudonymize(ids: pd.Series, *, key: str | None = None, prefix: str = "P-") -> pd.Series:
    """Replace each id by ``prefix`` + the first 12 hex digits of HMAC-SHA256(key, id).

    A keyed hash (not a plain hash) so that nobody holding a list of customer ids can recompute
    the pseudonyms; equal ids map to equal pseudonyms, so joins and counts still work. Missing ids
    stay missing.

    Parameters
    ----------
    ids : pandas.Series
        Ids to replace (any type; each is hashed as its text).
    key : str, optional
        The HMAC key; None takes `pseudonym_key` (``$SEGKIT_PSEUDONYM_KEY``, else the per-process key).
    prefix : str, default "P-"
        Text put before the digest.

    Returns
    -------
    pandas.Series
        ``str`` pseudonyms such as ``P-3f2a9c01b7de``, with the index of `ids`; NA where the id is missing.
    """
    secret = pseudonym_key(key).encode("utf-8")

    def one(value: object) -> object:
        if pd.isna(value):
            return value
        digest = hmac.new(secret, str(value).encode("utf-8"), hashlib.sha256).hexdigest()
        return prefix + digest[:_DIGEST_CHARS]

    return ids.map(one).astype("str")


def is_pii_column(column: str) -> bool:
    """True when the column name marks direct personal data (``name``, ``customer_email``, ...).

    Parameters
    ----------
    column : str
        A column name; compared in lower case.

    Returns
    -------
    bool
        True when the name contains one of `PII_COLUMNS` and does not end in ``_id``.
    """
    lowered = str(column).lower()
    return any(part in lowered for part in PII_COLUMNS) and not lowered.endswith("_id")


def drop_pii(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` without the columns that identify a person (see `is_pii_column`).

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table, e.g. a customer table about to go into a report or export.

    Returns
    -------
    pandas.DataFrame
        A copy of `frame` without the columns for which `is_pii_column` is true.
    """
    return frame.drop(columns=[c for c in frame.columns if is_pii_column(c)])


def pii_values(customers: pd.DataFrame, *, columns: Iterable[str] = ("name", "phone", "email"), min_length: int = 2) -> set[str]:
    """Every non-empty value of the PII `columns` present in `customers`, for `find_pii`.

    Parameters
    ----------
    customers : pandas.DataFrame
        A table holding personal data (the customer attributes).
    columns : iterable of str, default ("name", "phone", "email")
        The PII columns to collect; those absent from `customers` are skipped.
    min_length : int, default 2
        Values shorter than this many characters (after stripping blanks) are left out.

    Returns
    -------
    set of str
        The stripped values.
    """
    values: set[str] = set()
    for column in columns:
        if column in customers.columns:
            texts = customers[column].dropna().astype("str").str.strip()
            values.update(t for t in texts if len(t) >= min_length)
    return values


def find_pii(paths: Iterable[Path], values: Iterable[str]) -> dict[Path, list[str]]:
    """Which of `values` occur in which files, as written or HTML-escaped (``O'Brien`` → ``O&#x27;Brien``).

    Used by the tests on every produced report and manifest; an empty result means no leak.

    Parameters
    ----------
    paths : iterable of pathlib.Path
        Files to scan, read as UTF-8 text (undecodable bytes replaced).
    values : iterable of str
        Personal values to look for (`pii_values`).

    Returns
    -------
    dict of pathlib.Path to list of str
        File → the values found in it, sorted; files without a hit are absent.
    """
    needles = {v: {v, html.escape(v), html.escape(v, quote=False)} for v in values}
    found: dict[Path, list[str]] = {}
    for path in paths:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        hits = sorted(v for v, forms in needles.items() if any(f in text for f in forms))
        if hits:
            found[Path(path)] = hits
    return found


def redact(mapping: Mapping[str, object], *, secret_keys: Iterable[str] = ("pseudonymize_key",)) -> dict:
    """A copy of a (nested) config mapping with secret values replaced by ``'<redacted>'``.

    Parameters
    ----------
    mapping : mapping of str to object
        A config, possibly nested.
    secret_keys : iterable of str, default ("pseudonymize_key",)
        Keys whose values are hidden, at any depth of nested mappings.

    Returns
    -------
    dict
        The copy; nested mappings are copied as dicts, other values (lists included) are kept as they are.
    """
    hidden = set(secret_keys)
    out: dict = {}
    for key, value in mapping.items():
        if key in hidden:
            out[key] = "<redacted>"
        elif isinstance(value, Mapping):
            out[key] = redact(value, secret_keys=hidden)
        else:
            out[key] = value
    return out
