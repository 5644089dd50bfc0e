"""The lifetime-value step of a run: every model fitted once on the prepared purchase days.

`fit_lifetime_value` fits BG/NBD and Gamma-Gamma (and, when asked, Pareto/NBD) on the BTYD summary up to the end
of the analysis period, values every customer (P(alive), expected purchases and CLV over the
horizon, by BG/NBD and Gamma-Gamma) and checks BG/NBD on a calibration / holdout split. A model
that cannot be fitted (too few repeat buyers) is recorded with its message instead of stopping the
run; the customer table then lacks the columns that needed it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from segkit.core import schema
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.models.bg_nbd import BetaGeoModel
from segkit.models.btyd import btyd_summary
from segkit.models.churn import ChurnRisk
from segkit.models.clv import customer_lifetime_value
from segkit.models.gamma_gamma import GammaGammaModel
from segkit.models.holdout import (
    CalibrationHoldout,
    HoldoutCheck,
    check_holdout,
    default_calibration_end,
    split_calibration_holdout,
)
from segkit.models.pareto_nbd import ParetoNBDModel
from segkit.models.purchases import horizon_name


@dataclass(frozen=True)
class LifetimeValue:
    """The fitted lifetime-value models of one run and what they say about each customer.

    Attributes
    ----------
    table : pandas.DataFrame
        customer id, ``btyd_frequency``, ``btyd_recency``, ``btyd_T``, ``btyd_monetary``,
        ``p_alive``, ``expected_purchases_<H>M``, ``expected_spend`` and ``clv_<H>M`` (the last two
        only when the spend model could be fitted).
    models : dict of str to object
        ``bg_nbd``, ``pareto_nbd``, ``gamma_gamma``: the fitted models that could be fitted.
    errors : dict of str to str
        Why a model could not be fitted.
    settings : dict
        ``time_unit``, ``horizon_months``, ``monthly_discount_rate``, ``observation_end``,
        ``calibration_end``.
    holdout : HoldoutCheck or None
        BG/NBD fitted on the calibration period against the holdout.
    split : CalibrationHoldout or None
        The calibration / holdout split.
    holdout_model : BetaGeoModel or None
        The BG/NBD model fitted on the calibration period.
    churn : ChurnRisk or None
        The churn-risk model (None when it could not be fitted: see `errors`).
    """

    table: pd.DataFrame
    models: dict[str, Any]
    errors: dict[str, str]
    settings: dict[str, Any]
    holdout: HoldoutCheck | None = None
    split: CalibrationHoldout | None = None
    holdout_model: BetaGeoModel | None = None
    churn: ChurnRisk | None = None

    @property
    def clv_column(self) -> str:
        """Name of the CLV column, for example ``clv_12M``."""
        return horizon_name("clv", self.settings["horizon_months"], "M")

    @property
    def purchases_column(self) -> str:
        """Name of the expected-purchases column, for example ``expected_purchases_12M``."""
        return horizon_name("expected_purchases", self.settings["horizon_months"], "M")

    def as_dict(self) -> dict[str, Any]:
        """What ``models.json`` holds: each model's parameters, errors, fit and the holdout figures.

        Returns
        -------
        dict
            JSON-ready.
        """
        out: dict[str, Any] = {"settings": self.settings, "errors": self.errors}
        for name, model in self.models.items():
            out[name] = model.as_dict()
        if self.holdout is not None and self.holdout_model is not None:
            check = self.holdout
            out["holdout"] = {
                "calibration_end": self.settings["calibration_end"],
                "bg_nbd": self.holdout_model.as_dict(),
                "customers": int(len(check.per_customer)),
                "actual_purchases": float(check.per_customer["actual"].sum()),
                "predicted_purchases": float(check.per_customer["predicted"].sum()),
                "mae": check.mae,
                "top_decile_capture": check.top_decile_capture,
            }
        return finite(out)


def finite(value: Any) -> Any:
    """`value` with every NaN or infinite float replaced by None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@accepts_frames("visits", "attributes")
def fit_lifetime_value(
    visits: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp,
    unit: str = "W",
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
    calibration_end: str | pd.Timestamp | None = None,
    pareto_nbd: bool = False,
    churn_window_days: int | None = 90,
    attributes: pd.DataFrame | None = None,
) -> LifetimeValue:
    """Fit the lifetime-value models on purchase days and value every customer.

    Parameters
    ----------
    visits : pandas.DataFrame
        One row per customer and purchase day (`segkit.prep.aggregate.visit_table`): customer id,
        order date and amount.
    observation_end : str or pandas.Timestamp
        Last day observed (the day before the analysis date).
    unit : {"D", "W", "M"}, default "W"
        Time unit of the models (weeks, as in the literature).
    horizon_months : int, default 12
        CLV and expected purchases over this many months.
    monthly_discount_rate : float, default 0.01
        Discount rate per month.
    calibration_end : str or pandas.Timestamp, optional
        End of the calibration period of the holdout check; default leaves the last 20 % of the span.
    pareto_nbd : bool, default False
        Fit Pareto/NBD too, for comparison (its likelihood needs a hypergeometric function per
        customer and evaluation: seconds on thousands of customers, minutes on a million).

    Returns
    -------
    LifetimeValue
        The models, the per-customer table and the holdout check.

    Raises
    ------
    InputError
        When there is no purchase to fit on, or the BG/NBD model cannot be fitted.
    """
    summary = btyd_summary(visits, observation_end=observation_end, unit=unit)
    end = summary.observation_end
    cal_end = pd.Timestamp(calibration_end).normalize() if calibration_end else default_calibration_end(visits[schema.ORDER_DATE])
    settings = {
        "time_unit": unit,
        "horizon_months": int(horizon_months),
        "monthly_discount_rate": float(monthly_discount_rate),
        "observation_end": end.date().isoformat(),
        "calibration_end": cal_end.date().isoformat(),
    }
    errors: dict[str, str] = {}
    models: dict[str, Any] = {"bg_nbd": BetaGeoModel().fit(summary)}
    others: list[tuple[str, Any]] = [("pareto_nbd", ParetoNBDModel())] if pareto_nbd else []
    for name, model in [*others, ("gamma_gamma", GammaGammaModel())]:
        try:
            models[name] = model.fit(summary)
        except InputError as error:
            errors[name] = str(error)
    bg = models["bg_nbd"]
    if "gamma_gamma" in models:
        values = customer_lifetime_value(
            bg, models["gamma_gamma"], summary, horizon_months=horizon_months, monthly_discount_rate=monthly_discount_rate
        )
    else:
        values = bg.predict(summary, horizon=horizon_months * 30.4375 / summary.unit_days).rename(
            columns=lambda c: horizon_name("expected_purchases", horizon_months, "M") if c.startswith("expected_") else c
        )
    table = summary.table.merge(values, on=schema.CUSTOMER_ID, how="left")
    holdout = split = holdout_model = None
    try:
        split = split_calibration_holdout(visits, calibration_end=cal_end, observation_end=end, unit=unit)
        holdout_model = BetaGeoModel().fit(split.calibration)
        holdout = check_holdout(holdout_model, split)
    except InputError as error:
        errors["holdout"] = str(error)
    churn = None
    if churn_window_days:
        settings["churn_window_days"] = int(churn_window_days)
        try:
            churn = ChurnRisk(window_days=int(churn_window_days)).fit(visits, observation_end=end, attributes=attributes)
            alive = table.set_index(schema.CUSTOMER_ID)["p_alive"]
            risk = churn.predict_risk(visits, as_of=end + pd.Timedelta(days=1), p_alive=alive)
            table = table.merge(risk, on=schema.CUSTOMER_ID, how="left")
            models["churn"] = churn
        except InputError as error:
            errors["churn"] = str(error)
    return LifetimeValue(
        table=table, models=models, errors=errors, settings=settings, holdout=holdout, split=split,
        holdout_model=holdout_model, churn=churn,
    )  # fmt: skip
