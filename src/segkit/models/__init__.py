"""Fitted models of customer behaviour (lifetime value, churn, clusters) and the data they are fitted on.

- `btyd`: the per-customer summary (frequency, recency, T, monetary) the models are fitted on;
- `bg_nbd`, `mbg_nbd` (modified BG/NBD), `pareto_nbd`: purchase-count models (P(alive), expected purchases), `purchases` their base;
- `gamma_gamma`: spend per purchase; `clv`: discounted lifetime value from the two;
- `holdout`: calibration / holdout split and checks; `fitting`: the shared maximum-likelihood fit;
- `clusters`: data-driven value segments (k-means / Gaussian mixture on log-standardised RFM),
  `cluster_profiles` what each cluster is.
"""

from __future__ import annotations

from segkit.models.bg_nbd import BetaGeoModel
from segkit.models.btyd import BTYDSummary, btyd_summary
from segkit.models.clusters import CLUSTER_MAP, FrozenClusters, ValueClusters
from segkit.models.clv import customer_lifetime_value, value_concentration
from segkit.models.gamma_gamma import GammaGammaModel
from segkit.models.holdout import CalibrationHoldout, HoldoutCheck, check_holdout, split_calibration_holdout
from segkit.models.mbg_nbd import ModifiedBetaGeoModel
from segkit.models.pareto_nbd import ParetoNBDModel

__all__ = [
    "CLUSTER_MAP",
    "BTYDSummary",
    "FrozenClusters",
    "ValueClusters",
    "BetaGeoModel",
    "CalibrationHoldout",
    "GammaGammaModel",
    "HoldoutCheck",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "btyd_summary",
    "check_holdout",
    "customer_lifetime_value",
    "split_calibration_holdout",
    "value_concentration",
]
