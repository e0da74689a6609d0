"""Seeded random choices in the shapes the journey generator needs (no global random state)."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")


class Dice:
    """A ``random.Random`` with helpers for days, odds and weighted picks."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def chance(self, probability: float) -> bool:
        """True with ``probability``."""
        return self.rng.random() < probability

    def between(self, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high`` inclusive."""
        return self.rng.randint(low, high)

    def days(self, low: int, high: int) -> dt.timedelta:
        """A span of ``low`` to ``high`` days inclusive."""
        return dt.timedelta(days=self.rng.randint(low, high))

    def skewed_days(self, median: int, low: int, high: int, spread: float = 0.6) -> dt.timedelta:
        """A log-normal span of days around ``median``, clamped to ``low``..``high``: most waits are
        near the median, a few are much longer, as waiting times in care are."""
        value = round(self.rng.lognormvariate(math.log(median), spread))
        return dt.timedelta(days=min(max(value, low), high))

    def pick(self, weights: Mapping[T, float]) -> T:
        """A key of ``weights`` chosen in proportion to its weight."""
        if not weights:
            raise ValueError("nothing to pick from: the weights are empty")
        # One draw against the running total: the same result as random.choices, without its setup cost.
        target = self.rng.random() * sum(weights.values())
        for key, weight in weights.items():
            target -= weight
            if target < 0:
                return key
        # Rounding can leave a sliver of the total undrawn: it belongs to the last key.
        return key

    def choice(self, items: Sequence[T]) -> T:
        """One of ``items``, uniformly."""
        return self.rng.choice(items)

    def events(self, start: dt.date, end: dt.date, per_year: float) -> list[dt.date]:
        """Days of a Poisson process with ``per_year`` events a year between ``start`` and ``end``."""
        found: list[dt.date] = []
        if per_year <= 0:
            return found
        day = start
        while True:
            day += dt.timedelta(days=max(1, round(self.rng.expovariate(per_year / 365.25))))
            if day >= end:
                return found
            found.append(day)
