"""Assigning customers to stored clusters with numpy: the nearest k-means centre, the likeliest mixture component.

The prepared run keeps only the centres (and the mixture's weights and covariances), so these
functions, not a pickled scikit-learn object, label every snapshot; the tests check that they
agree with scikit-learn's ``predict``.
"""

from __future__ import annotations

import numpy as np


def kmeans_assign(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest centre (squared Euclidean distance; ties go to the first)."""
    distances = (x**2).sum(axis=1)[:, None] - 2.0 * x @ centers.T + (centers**2).sum(axis=1)[None, :]
    return np.asarray(distances.argmin(axis=1))


def gmm_assign(x: np.ndarray, weights: np.ndarray, means: np.ndarray, covariances: np.ndarray) -> np.ndarray:
    """Index of the component with the highest posterior (log weight + Gaussian log density)."""
    scores = np.empty((len(x), len(weights)))
    for j, (weight, mean, cov) in enumerate(zip(weights, means, covariances, strict=True)):
        chol = np.linalg.cholesky(cov)
        z = np.linalg.solve(chol, (x - mean).T)
        scores[:, j] = np.log(weight) - np.log(np.diag(chol)).sum() - 0.5 * (z**2).sum(axis=0)
    return np.asarray(scores.argmax(axis=1))
