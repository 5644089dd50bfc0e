"""segkit: customer segmentation and needs analysis for analysts, schedulers and reviewers.

The package is laid out by domain, in the order data flows through a run:

- `segkit.intake`: raw files to validated canonical tables;
- `segkit.prep`: cleaning with its audit, aggregation on pandas / DuckDB / Spark;
- `segkit.value`: RFM, segment maps, tiers, lifecycle, migration, profiles, playbook, CRM export;
- `segkit.models`: fitted models of customer behaviour and the data they are fitted on;
- `segkit.survey` and `segkit.needs`: survey intake, need priority, Kano, NPS, complaints;
- `segkit.reporting`: formats, charts, i18n catalogues, the `Report` display helpers;
- `segkit.pipeline`: `segkit run` (config, prepare step, notebooks, HTML, manifest).

Subpackages are imported on first use (``import segkit as sk; sk.value.rfm_scores``), so
``import segkit`` stays cheap for the command line.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from segkit.core.errors import InputError

try:
    __version__ = version("segkit")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"

SUBPACKAGES = ("core", "intake", "prep", "value", "models", "survey", "needs", "reporting", "pipeline", "datasets")

__all__ = ["InputError", "__version__", *SUBPACKAGES]


def __getattr__(name: str) -> Any:
    if name in SUBPACKAGES:
        return importlib.import_module(f"segkit.{name}")
    raise AttributeError(f"module 'segkit' has no attribute {name!r}")
