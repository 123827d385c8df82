"""Rates with their uncertainty: the Wilson score interval, and cells that refuse to rate too few.

Wilson (1927): for x successes in n trials and z the normal quantile (1.959964 for 95 %),
centre = (p + z²/2n) / (1 + z²/n) and half-width = z √(p(1-p)/n + z²/4n²) / (1 + z²/n), with p = x/n.
Unlike p ± z√(p(1-p)/n) it stays inside [0, 1] and is honest at 0 % and 100 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # the 0.975 quantile of the standard normal distribution
MIN_N = 10  # fewer than this and a cell shows no rate


def wilson(hits: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval (low, high) of the proportion hits/n; ValueError for impossible counts."""
    if n <= 0 or not 0 <= hits <= n:
        raise ValueError(f"need 0 <= hits <= n and n > 0, got hits={hits}, n={n}")
    p = hits / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class RateCell:
    """`hits` of `n`: the rate with its 95 % Wilson interval, or `too_few` when n < MIN_N."""

    n: int
    hits: int

    @property
    def too_few(self) -> bool:
        return self.n < MIN_N

    @property
    def rate(self) -> float | None:
        return None if self.too_few else self.hits / self.n

    def to_json(self) -> dict[str, object]:
        if self.too_few:
            return {"n": self.n, "hits": None, "rate": None, "low": None, "high": None, "too_few": True}
        low, high = wilson(self.hits, self.n)
        return {"n": self.n, "hits": self.hits, "rate": self.hits / self.n, "low": low, "high": high,
                "too_few": False}
