"""Benchmark: data-driven value segments (segkit.models.ValueClusters) against scikit-learn on every row.

The data are per-customer RFM features drawn from four planted groups (loyal big spenders,
regulars, lapsed mid-value customers, one-off small buyers) with log-normal scatter; frequency
is a whole number of orders, as in real data, so a quarter to a half of the customers share
frequency 1. Each size is written once to a temporary Parquet file.

Every job runs in its own process (the script calls itself with a hidden ``--measure``), so the
peak RSS (``ru_maxrss``: reading the file, fitting, labelling) belongs to it alone:

- ``scikit-learn KMeans, all rows``: the baseline, ``KMeans(k, n_init=4)`` on every customer's
  log-standardised features at the k segkit chose, then ``predict`` on every row (no selection
  curve, no stability check: the least work that gives the same kind of labels);
- ``segkit ValueClusters``: the whole fit: k-means and a Gaussian mixture for every k from 3 to
  8 with the silhouette and BIC, 5 refits with other seeds and 10 on bootstrap resamples, all on
  a seeded sample of at most 10,000 customers, then every customer assigned;
- ``segkit transform``: labelling every customer again from the stored centres (what a report
  or a migration does).

The table gives seconds, the speed-up against the baseline of the same size (baseline seconds /
seconds), peak RSS, the k chosen and the adjusted Rand index between segkit's labels and the
baseline's (how far the sample-based centres give the same partition as a fit on every row).

    python benchmarks/bench_clusters.py --customers 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

GROUPS = ((10.0, 18.0, 15_000.0, 0.10), (40.0, 6.0, 3_000.0, 0.25), (200.0, 3.0, 1_200.0, 0.25), (300.0, 1.0, 300.0, 0.40))
JOBS = ("scikit-learn KMeans, all rows", "segkit ValueClusters", "segkit transform")


def simulate(customers: int, *, seed: int = 11) -> pd.DataFrame:
    """RFM features of `customers` customers from the four planted groups."""
    rng = np.random.default_rng(seed)
    group = rng.choice(len(GROUPS), size=customers, p=[g[3] for g in GROUPS])
    centre = np.array([g[:3] for g in GROUPS])[group]
    scatter = np.exp(rng.normal(0.0, [0.6, 0.4, 0.7], size=(customers, 3)))
    values = centre * scatter
    frequency = np.maximum(1, np.round(values[:, 1])).astype("int64")
    return pd.DataFrame(
        {
            "customer_id": pd.array([f"C{i:08d}" for i in range(customers)], dtype="str"),
            "recency": np.minimum(np.round(values[:, 0]), 730.0),
            "frequency": frequency,
            "monetary": np.round(values[:, 2] * np.sqrt(frequency / centre[:, 1]), 2),
        }
    )


def measure(job: str, path: Path, k: int) -> dict:
    from threadpoolctl import threadpool_limits

    from segkit.models.clusters import ValueClusters

    frame = pd.read_parquet(path)
    clock = time.perf_counter()
    result: dict = {}
    if job == JOBS[0]:
        from sklearn.cluster import KMeans

        raw = np.log1p(frame[["recency", "frequency", "monetary"]].to_numpy(dtype=float))
        x = (raw - raw.mean(axis=0)) / raw.std(axis=0)
        with threadpool_limits(limits=1):  # the same single thread segkit uses
            labels = KMeans(n_clusters=k, n_init=4, random_state=0).fit(x).predict(x)
        np.save(path.with_suffix(".baseline.npy"), labels)
    elif job == JOBS[1]:
        fitted = ValueClusters().fit(frame)
        labels = fitted.map_.table["segment"].to_numpy()
        path.with_suffix(".state.json").write_text(json.dumps(fitted.state()), encoding="utf-8")
        np.save(path.with_suffix(".segkit.npy"), labels.astype("U12"))
        result["k"] = fitted.k_
    else:
        fitted = ValueClusters.from_state(json.loads(path.with_suffix(".state.json").read_text(encoding="utf-8")))
        labels = fitted.transform(frame).table["segment"].to_numpy()
    result["seconds"] = time.perf_counter() - clock
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_job(job: str, path: Path, k: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", job, str(path), str(k)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        job, path, k = args.measure
        print(json.dumps(measure(job, Path(path), int(k))))
        return
    from sklearn.metrics import adjusted_rand_score

    print("| customers | job | seconds | speed-up vs baseline | peak RSS (MB) | k | ARI vs baseline |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for n in args.customers:
            path = Path(folder) / f"rfm_{n}.parquet"
            simulate(n).to_parquet(path)
            ours = run_job(JOBS[1], path, 0)
            base = run_job(JOBS[0], path, ours["k"])
            again = run_job(JOBS[2], path, ours["k"])
            ari = adjusted_rand_score(np.load(path.with_suffix(".baseline.npy")), np.load(path.with_suffix(".segkit.npy")))
            for job, res in ((JOBS[0], base), (JOBS[1], ours), (JOBS[2], again)):
                shown_ari = f"{ari:.3f}" if job == JOBS[1] else ""
                print(
                    f"| {n:,} | {job} | {res['seconds']:.2f} | {base['seconds'] / res['seconds']:.1f}x |"
                    f" {res['peak_mb']:,.0f} | {ours['k']} | {shown_ari} |"
                )


if __name__ == "__main__":
    main()
