"""Fitted models of customer behaviour (lifetime value, churn, clusters) and the data they are fitted on."""

from __future__ import annotations

from segkit.models.btyd import BTYDSummary, btyd_summary

__all__ = ["BTYDSummary", "btyd_summary"]
