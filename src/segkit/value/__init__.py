"""Customer value: RFM features and scores, segment maps (10 segments, 8 classes, tiers, 战略/重要/普通, user rules), lifecycle, retention, migration, profiles, playbook, CRM export."""

from __future__ import annotations

from segkit.value.eight_class_model import EIGHT_CLASSES, eight_class
from segkit.value.lifecycle import STAGES, Lifecycle, lifecycle_stages, purchase_gaps
from segkit.value.maps import BUILTIN_MAPS, RuleSet, SegmentMap, apply_rules, load_rules, rfm10
from segkit.value.migration_periods import PeriodMigration, migration_over_periods, stages_over_periods
from segkit.value.profiles import Profile, profile, segment_summary
from segkit.value.retention import Cohorts, cohort_retention, retention_by_period
from segkit.value.rfm import SCORE_COLUMNS, TIE_RULE, RFMFeatures, RFMScores, resolve_as_of, rfm_features, rfm_scores, score_bands
from segkit.value.segmentation import Segmentation, segment_customers
from segkit.value.tiers import (
    STRATEGIC_CUTS,
    STRATEGIC_TIERS,
    VALUE_TIERS,
    ValueTiers,
    gini,
    lorenz_curve,
    strategic_tiers,
    tier_keys,
    value_tiers,
)
from segkit.value.transitions import NOT_YET, Migration, migrate, migration

__all__ = [
    "EIGHT_CLASSES",
    "eight_class",
    "STAGES",
    "purchase_gaps",
    "Lifecycle",
    "lifecycle_stages",
    "BUILTIN_MAPS",
    "SegmentMap",
    "RuleSet",
    "load_rules",
    "apply_rules",
    "rfm10",
    "NOT_YET",
    "Migration",
    "migration",
    "migrate",
    "PeriodMigration",
    "migration_over_periods",
    "stages_over_periods",
    "segment_summary",
    "Profile",
    "profile",
    "retention_by_period",
    "Cohorts",
    "cohort_retention",
    "SCORE_COLUMNS",
    "TIE_RULE",
    "resolve_as_of",
    "RFMFeatures",
    "rfm_features",
    "RFMScores",
    "rfm_scores",
    "score_bands",
    "Segmentation",
    "segment_customers",
    "VALUE_TIERS",
    "gini",
    "lorenz_curve",
    "ValueTiers",
    "value_tiers",
    "tier_keys",
    "STRATEGIC_TIERS",
    "STRATEGIC_CUTS",
    "strategic_tiers",
]
