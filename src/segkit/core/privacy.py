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
import re
import secrets
from collections.abc import Iterable, Mapping
from functools import cache
from os import environ
from pathlib import Path

import pandas as pd

from segkit.core.errors import InputError

#: Environment variable holding the pseudonymisation key (how `segkit run` passes it to notebooks).
KEY_ENV = "SEGKIT_PSEUDONYM_KEY"
#: Columns that identify a person directly; they never appear in a report. English fragments are
#: matched in lower case (not in a name ending ``_id``), Chinese ones anywhere in the name.
PII_COLUMNS = ("name", "phone", "email", "address", "contact", "mobile", "id_number", "passport", "id_card")
PII_COLUMNS_ZH = (
    "姓名",
    "名字",
    "客户名称",
    "联系人",
    "手机",
    "电话",
    "邮箱",
    "邮件",
    "身份证",
    "证件号",
    "地址",
    "住址",
    "护照",
    "银行卡",
)
#: Values that identify a person whatever the column is called: a column whose non-empty values
#: mostly (`PII_VALUE_SHARE`) are one of these is dropped; single hits inside other text are masked.
PII_PATTERNS = {
    "email": r"[^@\s,;:<>()\[\]\"']+@[^@\s,;:<>()\[\]\"']+\.[A-Za-z]{2,}",
    "mobile": r"(?<![\d+])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)",  # mainland mobile numbers, 11 digits
    "id_number": r"(?<!\d)\d{17}[\dXx](?![\dA-Za-z])",  # 18-digit resident ID, checksum verified
}
#: Share of a column's non-empty values matching one pattern above which the column is dropped.
PII_VALUE_SHARE = 0.5
#: What a masked value is replaced by, per pattern.
PII_MASKS = {"email": "[email]", "mobile": "[phone]", "id_number": "[id]"}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: Length of the hexadecimal part of a pseudonym: 24 hex digits = 96 bits. By the birthday bound
#: two of n ids share a pseudonym with p ~ n**2 / 2**(b + 1); for n = 1e9, b = 96 that is
#: 1e18 / 2**97 ~ 6e-12 (48 bits gave 4 % at 5 million ids).
_DIGEST_CHARS = 24


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
    """Replace each id by ``prefix`` + the first 24 hex digits (96 bits) of HMAC-SHA256(key, id).

    A keyed hash (not a plain hash) so that nobody holding a list of customer ids can recompute
    the pseudonyms; equal ids map to equal pseudonyms, so joins and counts still work. Missing ids
    stay missing. 96 bits make a collision negligible: by the birthday bound, n ids share a
    pseudonym with probability p ~ n**2 / 2**(b + 1), which for n = 1e9 ids and b = 96 bits is
    1e18 / 2**97 ~ 6e-12. Should two distinct ids still meet in one call, `InputError` is raised
    rather than silently merging two customers.

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
        ``str`` pseudonyms such as ``P-3f2a9c01b7de5a4410c2e9f1``, with the index of `ids`; NA where
        the id is missing.

    Raises
    ------
    InputError
        When two distinct ids (as text) get the same pseudonym.
    """
    secret = pseudonym_key(key).encode("utf-8")
    texts = {str(value) for value in ids.dropna().unique()}
    digests = {t: prefix + hmac.new(secret, t.encode("utf-8"), hashlib.sha256).hexdigest()[:_DIGEST_CHARS] for t in texts}
    if len(set(digests.values())) < len(digests):
        _raise_collision(digests)
    return ids.map(lambda value: value if pd.isna(value) else digests[str(value)]).astype("str")


def _raise_collision(digests: Mapping[str, str]) -> None:
    """`InputError` naming how many pseudonyms are shared (never the ids themselves)."""
    counts = pd.Series(list(digests.values())).value_counts()
    shared = counts[counts > 1]
    raise InputError(
        f"pseudonymize_ids: {int(shared.sum())} different ids got only {len(shared)} pseudonyms "
        f"(e.g. {shared.index[0]!r}); refusing to merge customers"
    )


def is_pii_column(column: str) -> bool:
    """True when the column name marks direct personal data (``name``, ``customer_email``, 手机号 ...).

    Parameters
    ----------
    column : str
        A column name; compared in lower case.

    Returns
    -------
    bool
        True when the name contains one of `PII_COLUMNS_ZH`, or one of `PII_COLUMNS` and does not
        end in ``_id``.
    """
    lowered = str(column).lower()
    if any(part in lowered for part in PII_COLUMNS_ZH):
        return True
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


def id_number_valid(text: str) -> bool:
    """True when `text` is an 18-digit resident ID number with a correct check character (GB 11643).

    The check character is ``"10X98765432"[sum(digit_i * weight_i) mod 11]`` over the first 17
    digits with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 (ISO 7064 MOD 11-2).

    Parameters
    ----------
    text : str
        A candidate of 17 digits and a digit or ``X``.

    Returns
    -------
    bool
        Whether the check character fits.
    """
    if len(text) != 18 or not text[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == text[17].upper()


def pii_kind(values: pd.Series) -> str | None:
    """The `PII_PATTERNS` kind most of the non-empty `values` are (share >= `PII_VALUE_SHARE`), else None.

    Parameters
    ----------
    values : pandas.Series
        One column, any type (read as text).

    Returns
    -------
    str or None
        ``"email"``, ``"mobile"`` or ``"id_number"``, or None.
    """
    texts = values.dropna().astype("str").str.strip()
    texts = texts[texts != ""]
    if texts.empty:
        return None
    for kind, pattern in PII_PATTERNS.items():
        hits = texts.str.fullmatch(pattern)
        if kind == "id_number":
            hits = hits & texts.map(id_number_valid).astype(bool)
        if hits.mean() >= PII_VALUE_SHARE:
            return kind
    return None


def filter_pii(frame: pd.DataFrame, *, keep: Iterable[str] = ("customer_id",)) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """`frame` without personal data, and a record of what was removed and why.

    1. Columns whose name marks personal data (`is_pii_column`, Chinese and English) are dropped.
    2. Columns whose values are mostly e-mails, mainland mobile numbers or ID numbers
       (`pii_kind`) are dropped, whatever they are called.
    3. In the other text columns, single e-mails, phone numbers and ID numbers inside the text
       are replaced by `PII_MASKS` (``[email]``, ``[phone]``, ``[id]``).
    Columns in `keep` are never changed; when they look personal (ids that are phone numbers)
    the record says so, so the run can pseudonymise them.

    Parameters
    ----------
    frame : pandas.DataFrame
        A customer attribute table.
    keep : iterable of str, default ("customer_id",)
        Key columns that stay as they are.

    Returns
    -------
    tuple of (pandas.DataFrame, list of dict)
        The filtered copy, and one record per column acted on: ``column``, ``rule`` (``name``,
        ``email``, ``mobile``, ``id_number``), ``action`` (``dropped``, ``masked``, ``kept``) and
        ``cells`` (the non-empty cells dropped, masked or found). Records never hold a value.
    """
    kept = set(keep)
    record: list[dict[str, object]] = []
    drop: list[str] = []
    for column in frame.columns:
        filled = int(frame[column].notna().sum())
        if column in kept:
            kind = pii_kind(frame[column])
            if kind is not None:
                record.append({"column": str(column), "rule": kind, "action": "kept", "cells": filled})
            continue
        if is_pii_column(column):
            drop.append(column)
            record.append({"column": str(column), "rule": "name", "action": "dropped", "cells": filled})
        elif (kind := pii_kind(frame[column])) is not None:
            drop.append(column)
            record.append({"column": str(column), "rule": kind, "action": "dropped", "cells": filled})
    out = frame.drop(columns=drop)
    masked: dict[str, pd.Series] = {}
    for column in out.columns:
        series = out[column]
        if column in kept or not (pd.api.types.is_string_dtype(series.dtype) or pd.api.types.is_object_dtype(series.dtype)):
            continue
        texts = series.astype("str").where(series.notna())
        for kind, pattern in PII_PATTERNS.items():
            found = texts.str.contains(pattern, regex=True, na=False)
            if kind == "id_number" and found.any():
                found = found & texts.map(lambda t: _has_valid_id(t) if isinstance(t, str) else False).astype(bool)
            if not found.any():
                continue
            texts = texts.where(~found, texts[found].map(lambda t, k=kind: _mask(t, k)))
            record.append({"column": str(column), "rule": kind, "action": "masked", "cells": int(found.sum())})
            masked[column] = texts
    if masked:
        out = out.assign(**{c: v.astype("str") for c, v in masked.items()})
    return out, record


def mask_pii(text: str) -> str:
    """`text` with every e-mail, mainland mobile number and valid ID number replaced by `PII_MASKS`.

    For values quoted in messages (an error naming offending cells): ``'a@b.cn'`` → ``'[email]'``,
    ``'call 13812345678'`` → ``'call [phone]'``.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        The masked text; unchanged when nothing personal is found.
    """
    for kind in PII_PATTERNS:
        text = _mask(text, kind)
    return text


def _has_valid_id(text: str) -> bool:
    return any(id_number_valid(m.group(0)) for m in re.finditer(PII_PATTERNS["id_number"], text))


def _mask(text: str, kind: str) -> str:
    def one(match: re.Match[str]) -> str:
        if kind == "id_number" and not id_number_valid(match.group(0)):
            return match.group(0)
        return PII_MASKS[kind]

    return re.sub(PII_PATTERNS[kind], one, text)
