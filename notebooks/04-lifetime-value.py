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

# %% tags=["remove-cell"]
from segkit.pipeline.prepare import prepared
from segkit.reporting.churn_report import ChurnSection
from segkit.reporting.cluster_report import ClusterSection
from segkit.reporting.lifetime_report import LifetimeReport
from segkit.reporting.report import Report

R = Report(language, pseudonymize_ids=pseudonymize_ids)
run = prepared(prepared_dir)  # what segkit run prepared once for every report (or the demo)
L = LifetimeReport(R, run)    # the lifetime-value models the prepare step fitted, as they are stored
C = ChurnSection(R, run)      # the churn-risk model fitted in the same step
K = ClusterSection(R, run)    # the data-driven value segments fitted with the run's segmentation

# %% tags=["hide-input"]
L.summary(extra=C.summary_sentences() + K.summary_sentences())

# %% tags=["remove-cell"]
L.key_numbers()
C.key_numbers()
K.key_numbers()

# %% tags=["hide-input"]
L.clv()

# %% tags=["hide-input"]
L.by_segment()

# %% tags=["hide-input"]
L.p_alive_matrix()

# %% tags=["hide-input"]
L.holdout()

# %% tags=["hide-input"]
C.churn_risk()
C.calibration()

# %% tags=["hide-input"]
C.at_risk()
C.conflicts()

# %% tags=["hide-input"]
K.clusters()

# %% tags=["hide-input"]
L.models()

# %% tags=["hide-input"]
L.provenance(run_id=run_id, pseudonymize_ids=pseudonymize_ids)
