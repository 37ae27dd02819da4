"""Comparisons against clinical thresholds that are robust to unit-conversion rounding.

0.6 g/dL is exactly half of 1.2 g/dL, but 6 g/L converted to g/dL is
0.6000000000000001: a plain ``>=`` would call a 50% reduction 49.99999%. Values
within a relative 1e-9 of a threshold count as equal to it.
"""

from __future__ import annotations

__all__ = ["above", "at_least", "at_most", "below", "lower_cut", "upper_cut"]

_TOLERANCE = 1e-9


def lower_cut(threshold: float) -> float:
    """The number ``at_least`` and ``below`` compare with: ``at_least(v, t)`` is ``v >= cut``."""
    return threshold - _TOLERANCE * max(1.0, abs(threshold))


def upper_cut(threshold: float) -> float:
    """The number ``above`` and ``at_most`` compare with: ``above(v, t)`` is ``v > cut``."""
    return threshold + _TOLERANCE * max(1.0, abs(threshold))


def at_least(value: float, threshold: float) -> bool:
    """Value ≥ threshold."""
    return value >= threshold - _TOLERANCE * max(1.0, abs(threshold))


def above(value: float, threshold: float) -> bool:
    """Value > threshold (strictly, beyond rounding)."""
    return value > threshold + _TOLERANCE * max(1.0, abs(threshold))


def below(value: float, threshold: float) -> bool:
    """Value < threshold (strictly, beyond rounding)."""
    return value < threshold - _TOLERANCE * max(1.0, abs(threshold))


def at_most(value: float, threshold: float) -> bool:
    """Value ≤ threshold."""
    return value <= threshold + _TOLERANCE * max(1.0, abs(threshold))
