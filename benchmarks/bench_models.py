"""Benchmark: fitting and predicting with the lifetime-value models (BG/NBD, Pareto/NBD, Gamma-Gamma) against lifetimes.

The data are BTYD summaries simulated (vectorised numpy) from a BG/NBD process with known
parameters, in weeks: customers join uniformly over the first 13 weeks of a 39-week calibration
(T from 26 to 39 weeks), buy as a Poisson process with rate Gamma(r, alpha) and drop out after a
repeat purchase with probability Beta(a, b); recency is the time of the last repeat purchase. Times
are whole days (/ 7), so summaries repeat as in real data. Mean spend per repeat purchase comes from
a Gamma-Gamma process (p, q, gamma) for customers with a repeat purchase (0 otherwise). Each size is
written once to a temporary Parquet file.

Every job (tool x model x size) runs in its own process (the script calls itself with a hidden
``--measure``), so the peak RSS (``ru_maxrss``: reading the file, fitting, predicting) belongs to it
alone. Timed: the fit, then the predictions for every customer (P(alive) and expected purchases over
the next 39 weeks; expected spend per purchase for Gamma-Gamma). lifetimes (the baseline, default
settings; its random Pareto/NBD start seeded) is fitted as its documentation shows: Gamma-Gamma on
the repeat buyers only. The log-likelihood of each tool's parameters is evaluated with the same
(segkit's) likelihood, so a parameter disagreement shows which optimum is better.

    python benchmarks/bench_models.py --customers 10000 100000
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

MODELS = ("BG/NBD", "Pareto/NBD", "Gamma-Gamma")
TOOLS = ("lifetimes", "segkit")
PURCHASE_PARAMS = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
SPEND_PARAMS = {"p": 6.0, "q": 3.7, "gamma": 15.0}
WEEKS, JOIN_WEEKS, HORIZON = 39, 13, 39.0
COLUMNS = {"btyd_frequency": "frequency", "btyd_recency": "recency", "btyd_T": "T", "btyd_monetary": "monetary_value"}


def simulate(customers: int, *, seed: int = 7) -> pd.DataFrame:
    """BTYD summaries (weeks, whole days) of `customers` simulated from BG/NBD and Gamma-Gamma processes.

    Given K purchases of an untruncated Poisson process in (0, T], the customer makes
    x = min(K, N) of them, N ~ Geometric(p) being the repeat purchase after which they drop out;
    the x-th of K uniform times on (0, T] is T * Beta(x, K - x + 1). The mean of x purchases
    Gamma(p, nu) is Gamma(p x, nu x), nu ~ Gamma(q, gamma).
    """
    rng = np.random.default_rng(seed)
    r, alpha, a, b = PURCHASE_PARAMS.values()
    p, q, gamma = SPEND_PARAMS.values()
    T_days = 7 * WEEKS - rng.integers(0, 7 * JOIN_WEEKS + 1, customers)
    rate = rng.gamma(r, 1 / alpha, customers) / 7  # per day
    purchases = rng.poisson(rate * T_days)
    x = np.minimum(purchases, rng.geometric(rng.beta(a, b, customers)))
    repeat = x > 0
    last = np.zeros(customers)
    last[repeat] = rng.beta(x[repeat], purchases[repeat] - x[repeat] + 1)
    recency_days = np.minimum(np.ceil(last * T_days), T_days)  # the day of the last purchase, 1 .. T
    nu = rng.gamma(q, 1 / gamma, customers)
    monetary = np.zeros(customers)
    monetary[repeat] = np.round(rng.gamma(p * x[repeat], 1 / (nu[repeat] * x[repeat])), 2)
    return pd.DataFrame(
        {"btyd_frequency": x.astype(float), "btyd_recency": recency_days / 7, "btyd_T": T_days / 7, "btyd_monetary": monetary}
    )


def fit_and_predict(tool: str, model: str, frame: pd.DataFrame) -> dict:
    """Fit `model` with `tool` on `frame`, then predict for every customer; seconds and parameters."""
    x, tx, T, m = (frame[c].to_numpy() for c in COLUMNS)
    if tool == "segkit":
        from segkit.models import BetaGeoModel, GammaGammaModel, ParetoNBDModel

        fitted = {"BG/NBD": BetaGeoModel, "Pareto/NBD": ParetoNBDModel, "Gamma-Gamma": GammaGammaModel}[model]()
        clock = time.perf_counter()
        fitted.fit(frame)
        fit_seconds = time.perf_counter() - clock
        clock = time.perf_counter()
        if model == "Gamma-Gamma":
            prediction = fitted.expected_spend(x, m)
        else:
            fitted.p_alive(x, tx, T)
            prediction = fitted.expected_purchases(HORIZON, x, tx, T)
        params = dict(fitted.params_)
        extra = {"converged": fitted.fit_.converged, "starts": fitted.fit_.starts}
    else:
        import lifetimes

        np.random.seed(0)  # lifetimes' Pareto/NBD starts from a random point
        if model == "Gamma-Gamma":
            fitted, repeat = lifetimes.GammaGammaFitter(), frame[(frame["btyd_frequency"] > 0)]
            clock = time.perf_counter()
            fitted.fit(repeat["btyd_frequency"], repeat["btyd_monetary"])
            fit_seconds = time.perf_counter() - clock
            clock = time.perf_counter()
            prediction = np.asarray(fitted.conditional_expected_average_profit(x, m), dtype=float)
        else:
            fitted = {"BG/NBD": lifetimes.BetaGeoFitter, "Pareto/NBD": lifetimes.ParetoNBDFitter}[model]()
            clock = time.perf_counter()
            fitted.fit(frame["btyd_frequency"], frame["btyd_recency"], frame["btyd_T"])
            fit_seconds = time.perf_counter() - clock
            clock = time.perf_counter()
            fitted.conditional_probability_alive(x, tx, T)
            prediction = np.asarray(fitted.conditional_expected_number_of_purchases_up_to_time(HORIZON, x, tx, T), dtype=float)
        params = {("gamma" if k == "v" else k): float(v) for k, v in fitted.params_.items()}
        extra = {}
    predict_seconds = time.perf_counter() - clock
    return {
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "params": params,
        "mean": float(np.mean(prediction)),
        **extra,
    }


def measure(tool: str, model: str, path: str) -> dict:
    warnings.simplefilter("ignore")  # lifetimes on pandas 3 / numpy 2: deprecation and runtime warnings
    try:
        result = fit_and_predict(tool, model, pd.read_parquet(path))
    except Exception as error:  # a failing fitter is a result of the benchmark, not a crash
        result = {"error": f"{type(error).__name__}: {error}".strip().splitlines()[0][:160]}
    return {**result, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def log_likelihood(model: str, params: dict, frame: pd.DataFrame) -> float:
    """Log-likelihood of `params` on `frame`, with segkit's likelihood (the same formulas as lifetimes')."""
    from segkit.models import BetaGeoModel, GammaGammaModel, ParetoNBDModel

    if model == "Gamma-Gamma":
        used = frame[(frame["btyd_frequency"] > 0) & (frame["btyd_monetary"] > 0)]
        data, cls = [used["btyd_frequency"].to_numpy(), used["btyd_monetary"].to_numpy()], GammaGammaModel
    else:
        data = [frame[c].to_numpy() for c in ("btyd_frequency", "btyd_recency", "btyd_T")]
        cls = BetaGeoModel if model == "BG/NBD" else ParetoNBDModel
    with np.errstate(all="ignore"):
        return float(np.sum(cls._terms(np.array([params[k] for k in cls.PARAMS]), *data)))


def run_job(tool: str, model: str, path: Path, timeout: float) -> dict:
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--measure", tool, model, str(path)], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:g} s"}
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [""]
        return {"error": f"exit code {done.returncode}: {lines[-1][:160]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def row(customers: int, model: str, tool: str, result: dict, base: dict | None) -> str:
    if "error" in result:
        return f"| {customers:,} | {model} | {tool} | failed: {result['error']} | | | | | | | |"
    params = ", ".join(f"{k}={v:.4g}" for k, v in result["params"].items())
    ratio, diff = "1.00x", "—"
    if tool == "segkit":
        ratio = "n/a" if base is None else f"{base['fit_seconds'] / result['fit_seconds']:.2f}x"
        if base is not None:
            diff = f"{max(abs(result['params'][k] - v) / abs(result['params'][k]) for k, v in base['params'].items()):.1e}"
    return (
        f"| {customers:,} | {model} | {tool} | {result['fit_seconds']:.2f} | {result['predict_seconds']:.3f} | "
        f"{result['peak_mb']:,.0f} | {ratio} | {result['log_likelihood']:,.2f} | {params} | {diff} | {result['mean']:.4g} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument(
        "--skip-baseline-above", type=int, default=1_000_000, metavar="N", help="run lifetimes only up to N customers"
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per job before it is reported as failed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--measure", nargs=3, metavar=("TOOL", "MODEL", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    try:
        pymc_marketing = importlib.import_module("pymc_marketing")
        print(f"pymc-marketing {pymc_marketing.__version__} is installed but not benchmarked here.\n")
    except ImportError:
        print("pymc-marketing is not installed: no pymc-marketing rows.\n")
    print(
        "| customers | model | tool | fit s | predict s | peak RSS MB | fit vs lifetimes | log-likelihood | parameters "
        "| max rel diff | mean prediction |\n| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
        flush=True,
    )
    notes = []
    with tempfile.TemporaryDirectory() as work:
        for customers in args.customers:
            clock = time.perf_counter()
            frame = simulate(customers, seed=args.seed)
            seconds = time.perf_counter() - clock
            path = Path(work) / f"btyd-{customers}.parquet"
            frame.to_parquet(path)
            distinct = len(frame.drop_duplicates(["btyd_frequency", "btyd_recency", "btyd_T"]))
            notes.append(
                f"{customers:,} customers simulated in {seconds:.2f} s: {(frame['btyd_frequency'] > 0).mean():.1%} "
                f"repeat buyers, {distinct:,} distinct (frequency, recency, T) rows."
            )
            for model in args.models:
                base = None
                for tool in TOOLS:
                    if tool == "lifetimes" and customers > args.skip_baseline_above:
                        print(
                            f"| {customers:,} | {model} | lifetimes | skipped (--skip-baseline-above "
                            f"{args.skip_baseline_above:,}) | | | | | | | |",
                            flush=True,
                        )
                        continue
                    result = run_job(tool, model, path, args.timeout)
                    if "error" not in result:
                        result["log_likelihood"] = log_likelihood(model, result["params"], frame)
                        if tool == "lifetimes":
                            base = result
                        elif result["converged"] < result["starts"]:
                            notes.append(
                                f"{customers:,} {model} segkit: {result['converged']} of {result['starts']} starts converged."
                            )
                    print(row(customers, model, tool, result, base), flush=True)
    print(
        "\nfit vs lifetimes: lifetimes fit seconds / segkit fit seconds; max rel diff: largest |segkit - lifetimes| / "
        "|segkit| over the parameters; mean prediction: expected purchases in the next 39 weeks, or expected spend."
    )
    print(f"Simulated with {PURCHASE_PARAMS} (weeks) and {SPEND_PARAMS}; seed {args.seed}.")
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
