"""Plain-words explanations generated from the numbers: drivers, changes and summaries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.index.registry import Registry


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "no data"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


@dataclass(frozen=True)
class Driver:
    """One indicator that adds points to a region's score, with what it says in words.

    ``rank`` is the region's place among its peers (states or corridors) on the raw value,
    1 = highest, None when the value is missing; ``of`` is how many peers have a value.
    """

    indicator: str
    name: str
    value: float
    unit: str
    rank: int | None
    of: int
    points: float

    def describe(self, points: bool = True) -> str:
        """In words, e.g. "Homicide victims: 98.1 per 100k per year, 1st highest of 32 (+1.20 points)"."""
        where = f", {_ordinal(self.rank)} highest of {self.of}" if self.rank else ""
        return f"{self.name}: {_fmt(self.value)} {self.unit}{where}" + (f" (+{self.points:.2f} points)" if points else "")

    def __str__(self) -> str:
        return self.describe()


def driver_list(i: int, scores, matrix, reg: Registry, top: int = 3) -> list[Driver]:
    """The indicators that add most points to region ``i``'s score, largest first."""
    c = scores.contributions[i]
    order = np.argsort(-c)
    st = matrix.is_state
    peers = st if st[i] else ~st
    out = []
    for j in order[:top]:
        if c[j] <= 0.005:
            break
        ind = reg.indicators[j]
        col = matrix.raw[peers, j]
        v = matrix.raw[i, j]
        rank = int(np.sum(col[np.isfinite(col)] > v) + 1) if np.isfinite(v) else None
        total = int(np.isfinite(col).sum())
        unit = ind.unit.split(" (")[0] if st[i] else ind.unit.replace("per 100k per year (corridors: per 100 km)", "per 100 km a year")
        if not st[i] and ind.layer == "events" and "per 100 km" not in unit and ind.measure in ("count", "fatalities"):
            unit = unit.replace("per 100k per year", "per 100 km a year")
        out.append(Driver(ind.id, ind.name, float(v), unit, rank, total, float(c[j])))
    return out


def drivers(i: int, scores, matrix, reg: Registry, top: int = 3) -> list[str]:
    """The indicators that add most points to region ``i``'s score, in words."""
    return [str(d) for d in driver_list(i, scores, matrix, reg, top)]


def changes(d: float, delta: np.ndarray, reg: Registry, top: int = 2) -> str:
    """What moved a region's score since the previous period: ``d`` and ``delta`` are its row of
    :func:`scoring.index.scores.like_for_like` (the change and each indicator's part in it)."""
    if not np.isfinite(d):
        return "No comparison: the previous period lacks data."
    order = np.argsort(-np.abs(np.nan_to_num(delta)))
    parts = [f"{reg.indicators[j].name} {delta[j]:+.2f}" for j in order[:top] if abs(delta[j]) >= 0.05]
    if abs(d) < 0.05:
        head = f"Little change ({d:+.2f})"
    else:
        head = f"Score {'up' if d > 0 else 'down'} {abs(d):.2f}"
    return head + (f", mostly from {', '.join(parts)}" if parts else "") + "."


def summary(name: str, score: float, level_name: str, rank, n_peers: int, drv: list[Driver | str], change: str,
            coverage: float) -> str:
    """One paragraph: level, score, rank, the main driver (a :class:`Driver`, or its text), the change."""
    if not np.isfinite(score):
        return f"{name}: no score, too little data for this period."
    r = f"ranked {_ordinal(int(rank))} of {n_peers}" if rank == rank else "unranked"
    lead = _driver_name(drv[0]).lower() if drv else "no single indicator"
    cov = "" if coverage >= 0.95 else f" Data cover {coverage:.0%} of the weighted indicators."
    return (f"{name} is at level {level_name} ({score:.1f}/10), {r}. "
            f"The main driver is {lead}. {change}{cov}").strip()


def _driver_name(d: Driver | str) -> str:
    return d.name if isinstance(d, Driver) else d.split(":")[0]
