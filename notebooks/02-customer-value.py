# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
prepared_dir: str = ""                                         # the run's prepared data (segkit run sets it); empty = the demo
transactions_path: str = "../data/raw/demo/transactions.csv"  # required: transactions (read by the prepare step)
language: str = "en"                                           # report language: en | zh
run_id: str = "dev"                                            # set by segkit run
pseudonymize_ids: bool = False                                 # per-customer tables show keyed-hash ids
migration_periods: int = 4                                     # snapshots compared: this many periods of migration_days before as_of

# %% tags=["remove-cell"]
from segkit.pipeline.export import EXPORT_FILES
from segkit.pipeline.prepare import prepared
from segkit.reporting.report import Report
from segkit.reporting.value_report import ValueReport

R = Report(language, pseudonymize_ids=pseudonymize_ids)
run = prepared(prepared_dir)  # what segkit run prepared once for every report (or the demo)
V = ValueReport(R, run)       # segments, stages and migration exactly as every other report of the run sees them

# %% tags=["hide-input"]
V.summary()

# %% tags=["remove-cell"]
V.key_numbers()

# %% tags=["hide-input"]
V.distributions()

# %% tags=["hide-input"]
V.heatmap()

# %% tags=["hide-input"]
V.rfm_segments()

# %% tags=["hide-input"]
V.eight_classes()

# %% tags=["hide-input"]
V.pareto()

# %% tags=["hide-input"]
V.purchasing_power()

# %% tags=["hide-input"]
V.lifecycle()

# %% tags=["hide-input"]
V.cohorts()

# %% tags=["hide-input"]
V.migration()

# %% tags=["hide-input"]
V.migration_periods(migration_periods)

# %% tags=["hide-input"]
V.profiles()

# %% tags=["hide-input"]
V.playbook()

# %% tags=["hide-input"]
V.export_and_provenance(EXPORT_FILES, run_id=run_id, pseudonymize_ids=pseudonymize_ids)
