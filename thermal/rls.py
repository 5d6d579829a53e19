"""Recursive least squares with exponential forgetting and a prior: the estimator behind the
governor's plant and power models.

The prior (a mean and a covariance) makes the estimate Bayesian from the first sample: with
little excitation it stays near the prior instead of wandering, and the covariance says how
far the data have moved it. The covariance is bounded so that forgetting without excitation
(a steady operating point) cannot wind it up into a hair-trigger.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class RecursiveLeastSquares:
    """θ such that y ≈ φ·θ, updated one observation at a time."""

    def __init__(
        self,
        prior_mean: Sequence[float],
        prior_sd: Sequence[float],
        forgetting: float = 1.0,
        noise_sd: float = 1.0,
    ) -> None:
        self.theta = np.array(prior_mean, dtype=float)
        # Scaled by the noise variance so that the prior and the data weigh in the same units.
        self.cov = np.diag(np.square(np.asarray(prior_sd, dtype=float) / noise_sd))
        self._cov_max = self.cov.diagonal().copy()
        self.forgetting = forgetting
        self.noise_sd = noise_sd
        self.samples = 0

    def update(self, phi: Sequence[float], y: float) -> float:
        """Learn from one observation; returns the prediction error before the update."""
        x = np.asarray(phi, dtype=float)
        error = y - float(x @ self.theta)
        px = self.cov @ x
        gain = px / (self.forgetting + float(x @ px))
        self.theta = self.theta + gain * error
        self.cov = (self.cov - np.outer(gain, px)) / self.forgetting
        self.cov = (self.cov + self.cov.T) / 2
        if self.samples % 20 == 0 or (self.cov.diagonal() <= 0).any():
            # Rounding erodes positive definiteness over thousands of updates: restore it.
            values, vectors = np.linalg.eigh(self.cov)
            floor = 1e-9 * float(self._cov_max.max())
            self.cov = (vectors * np.maximum(values, floor)) @ vectors.T
        # Forgetting inflates only the directions the data do not excite; cap them at the prior.
        diag = self.cov.diagonal()
        over = diag > self._cov_max
        if over.any():
            scale = np.sqrt(np.where(over, self._cov_max / diag, 1.0))
            self.cov = self.cov * np.outer(scale, scale)
        self.samples += 1
        return error

    def predict(self, phi: Sequence[float]) -> float:
        return float(np.asarray(phi, dtype=float) @ self.theta)

    def sd(self) -> np.ndarray:
        """Standard deviation of each parameter, in the parameters' units."""
        return np.sqrt(np.maximum(self.cov.diagonal(), 0.0)) * self.noise_sd
