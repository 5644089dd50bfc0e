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
#     display_name: Python 3 (segkit)
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
prepared_dir: str = ""                                         # the run's prepared data (segkit run sets it); empty = the demo
transactions_path: str = "../data/raw/demo/transactions.csv"  # required: transactions (read by the prepare step)
language: str = "en"                                           # report language: en | zh
run_id: str = "dev"                                            # set by segkit run

# %% tags=["remove-cell"]
from segkit.pipeline.prepare import prepared
from segkit.reporting.quality_report import QualityReport
from segkit.reporting.report import Report

R = Report(language)
run = prepared(prepared_dir)  # what segkit run prepared once for every report (or the demo)
Q = QualityReport(R, run)     # the cleaning audit and the clean data's coverage, as the prepare step saw them

# %% tags=["hide-input"]
Q.summary()

# %% tags=["remove-cell"]
Q.key_numbers()

# %% tags=["hide-input"]
Q.cleaning()

# %% tags=["hide-input"]
Q.missing()

# %% [markdown]
# Personal data never reach a report: what the filter took out of the customer file, by column.

# %% tags=["hide-input"]
Q.personal_data()

# %% tags=["hide-input"]
Q.coverage_table()

# %% tags=["hide-input"]
Q.monthly()

# %% tags=["hide-input"]
Q.order_values()

# %% tags=["hide-input"]
Q.regions_section()

# %% tags=["hide-input"]
Q.output_and_provenance(run_id=run_id)
