"""The cleaning rules' names, switches and defaults (`CleaningOptions`)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from segkit.core.errors import InputError

#: Rule names in the order they are applied; the audit has one row per rule in this order.
RULES = (
    "missing_customer_id",
    "non_product",
    "cancellations",
    "returns",
    "non_positive",
    "duplicates",
    "date_window",
    "outliers",
)

#: Stock codes that are not products in the UCI Online Retail files (and in the demo data):
#: postage (POST, DOT = dotcom postage, C2 = carriage), discounts (D), manual adjustments
#: (M, m, ADJUST, ADJUST2), bad-debt adjustment (B), samples (S), bank and marketplace fees
#: (BANK CHARGES, AMAZONFEE), charity commission (CRUK), the 0.001 placeholder line "PADS TO
#: MATCH ALL CUSHIONS" (PADS) and test lines (TEST001, TEST002). "C3" is not in either UCI file
#: and is left out on purpose. Codes such as DCGS0003 are real products (party bags) and stay.
NON_PRODUCT_CODES = (
    "POST",
    "DOT",
    "C2",
    "D",
    "M",
    "m",
    "ADJUST",
    "ADJUST2",
    "B",
    "S",
    "BANK CHARGES",
    "AMAZONFEE",
    "CRUK",
    "PADS",
    "TEST001",
    "TEST002",
)
#: Gift vouchers in Online Retail II (gift_0001_10, gift_0001_20, ...): money, not goods.
NON_PRODUCT_REGEX = r"^gift_\d+_\d+$"

CANCELLATION_MODES = ("drop_with_originals", "drop_cancellations", "keep")


@dataclass(frozen=True)
class CleaningOptions:
    """Switches and parameters of the cleaning rules; the defaults are a careful analyst's.

    ``cancellations`` is ``"drop_with_originals"`` (default), ``"drop_cancellations"`` (keep the
    sale, drop only the C-line: revenue then counts the cancelled goods) or ``"keep"``. With
    originals, each cancellation removes one earlier sale with the same customer, product,
    absolute quantity and unit price: the latest one not already taken by another cancellation
    (last in, first out, ties broken by order id). A cancellation with no such sale (e.g. the sale
    predates the file) removes only itself. Copies caught by the duplicates rule take no part.

    ``date_start`` / ``date_end`` are inclusive; a date without a time (``"2011-12-31"``) means
    the whole day. ``outlier_cap`` (a quantity) wins over ``outlier_quantile``, which is taken
    over the lines that survive rules 1-7.

    Attributes
    ----------
    missing_customer_id, non_product, returns, non_positive, duplicates : bool
        Whether rules 1, 2, 4, 5 and 6 run (default: all on).
    cancellations : str
        Mode of rule 3 (see above).
    cancellation_prefix : str
        Order-id prefix that marks a cancellation (default ``"C"``).
    non_product_codes : tuple of str
        Stock codes rule 2 removes (default `NON_PRODUCT_CODES`).
    non_product_regex : str or None
        Product ids this regex finds are non-products too (default `NON_PRODUCT_REGEX`).
    date_start, date_end : str or None
        Bounds of rule 7 (``YYYY-MM-DD``, inclusive).
    outliers : bool
        Whether rule 8 runs (default off).
    outlier_quantile : float
        Quantile of quantity, between 0 and 1, above which a line is an outlier.
    outlier_cap : float or None
        A fixed quantity cap.
    """

    missing_customer_id: bool = True
    cancellations: str = "drop_with_originals"
    cancellation_prefix: str = "C"
    returns: bool = True
    non_positive: bool = True
    non_product: bool = True
    non_product_codes: tuple[str, ...] = NON_PRODUCT_CODES
    non_product_regex: str | None = NON_PRODUCT_REGEX
    duplicates: bool = True
    date_start: str | None = None
    date_end: str | None = None
    outliers: bool = False
    outlier_quantile: float = 0.999
    outlier_cap: float | None = None

    def __post_init__(self) -> None:
        if self.cancellations not in CANCELLATION_MODES:
            raise InputError(
                f"cleaning option 'cancellations': {self.cancellations!r} is not one of {', '.join(CANCELLATION_MODES)}"
            )
        if not self.cancellation_prefix:
            raise InputError("cleaning option 'cancellation_prefix': must not be empty")
        object.__setattr__(self, "non_product_codes", tuple(str(c) for c in self.non_product_codes))
        if self.non_product_regex is not None:
            try:
                re.compile(self.non_product_regex)
            except re.error as exc:
                raise InputError(
                    f"cleaning option 'non_product_regex': {self.non_product_regex!r} is not a regex ({exc})"
                ) from None
        for name in ("date_start", "date_end"):
            _parse_bound(name, getattr(self, name), end=name == "date_end")
        if (
            self.date_start
            and self.date_end
            and _parse_bound("date_start", self.date_start, end=False) > _parse_bound("date_end", self.date_end, end=True)
        ):
            raise InputError(f"cleaning options: date_start {self.date_start!r} is after date_end {self.date_end!r}")
        if not 0 < self.outlier_quantile < 1:
            raise InputError(f"cleaning option 'outlier_quantile': {self.outlier_quantile!r} is not between 0 and 1")
        if self.outlier_cap is not None and not self.outlier_cap > 0:
            raise InputError(f"cleaning option 'outlier_cap': {self.outlier_cap!r} is not a positive quantity")

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any] | None) -> CleaningOptions:
        """Build options from a config mapping (YAML), refusing unknown keys so typos surface."""
        options = dict(options or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise InputError(
                f"cleaning options: unknown key(s) {', '.join(map(repr, unknown))}; known keys are {', '.join(sorted(known))}"
            )
        if "non_product_codes" in options:
            codes = options["non_product_codes"]
            options["non_product_codes"] = (codes,) if isinstance(codes, str) else tuple(codes)
        for key in ("date_start", "date_end"):
            if options.get(key) is not None:
                options[key] = str(options[key])
        return cls(**options)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the audit JSON, so a run can be reproduced from its audit."""
        values = dataclasses.asdict(self)
        values["non_product_codes"] = list(self.non_product_codes)
        return values


def _parse_bound(name: str, value: str | None, *, end: bool) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(f"cleaning option {name!r}: {value!r} is not a date (use YYYY-MM-DD)") from None
    if end and len(str(value).strip()) <= 10:  # a bare date: the whole day counts
        stamp = stamp + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return stamp.to_pydatetime()
