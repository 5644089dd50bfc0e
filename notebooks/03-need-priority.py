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
prepared_dir: str = ""                                # the run's prepared data (segkit run sets it); empty = the demo
survey_path: str = "../data/raw/demo/survey.csv"     # required: survey, wide or long (read by the prepare step)
needs_path: str = "../data/raw/demo/needs.yaml"      # required: needs, the need catalogue (read by the prepare step)
language: str = "en"                                  # report language: en | zh
run_id: str = ""                                      # set by segkit run
small_base: int = 30                                  # results on fewer answers are flagged
top_k: int = 5                                        # backlog stability: share of resamples in the top k
seed: int = 0                                         # bootstrap seed
pseudonymize_ids: bool = False                        # per-customer tables show keyed-hash ids instead of customer ids
processed_dir: str = ""                               # the run's processed folder (segkit run sets it): its follow-up lists are named

# %% tags=["remove-cell"]
from segkit.pipeline.followup_files import written_followup
from segkit.pipeline.prepare import prepared
from segkit.reporting.needs_report import NeedsReport
from segkit.reporting.report import Report

R = Report(language, pseudonymize_ids=pseudonymize_ids)
run = prepared(prepared_dir)  # what segkit run prepared once: the same segments and stages as the value report
followup = written_followup(processed_dir)  # the follow-up lists this run wrote beside the CRM export (none on its own)
N = NeedsReport(R, run, small_base=small_base, top_k=top_k, seed=seed, followup=followup)  # survey-only runs get every survey section

# %% tags=["hide-input"]
N.summary()

# %% tags=["remove-cell"]
N.key_numbers()

# %% tags=["hide-input"]
N.catalogue()

# %% tags=["hide-input"]
N.priority()

# %% tags=["hide-input"]
N.gap()

# %% tags=["hide-input"]
N.opportunity()

# %% tags=["hide-input"]
N.ipa()

# %% tags=["hide-input"]
N.kano()

# %% tags=["hide-input"]
N.derived()

# %% tags=["hide-input"]
N.nps()

# %% tags=["hide-input"]
N.extremes()

# %% tags=["hide-input"]
N.segments()

# %% tags=["hide-input"]
N.need_clusters()

# %% tags=["hide-input"]
N.complaints()

# %% tags=["hide-input"]
N.suitability()

# %% tags=["hide-input"]
N.backlog()

# %% tags=["hide-input"]
N.provenance(run_id=run_id, pseudonymize_ids=pseudonymize_ids)
