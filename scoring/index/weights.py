"""Weight profiles: named YAML files in ``scoring/config/profiles``, or a user's file.

A profile gives pillar weights and (optionally) indicator weights relative to each other
inside their pillar, plus the method choices. Negative, non-finite or all-zero weights
are refused with a clear message; the rest are rescaled to sum 1. A profile is frozen:
an analyst's change makes a new profile (:meth:`Profile.replace`), never edits a file.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from scoring import paths
from scoring.errors import OptionError
from scoring.index.levels import DEFAULT_THRESHOLDS
from scoring.index.methods import AGGREGATORS, NORMALISERS
from scoring.index.registry import Registry, load_registry


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    pillar_weights: dict[str, float]
    indicator_weights: dict[str, float]
    normalisation: str = "minmax"
    aggregation: str = "arithmetic"
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    extra: dict = field(default_factory=dict)

    def replace(self, **changes) -> Profile:
        return dataclasses.replace(self, **changes)

    def effective_weights(self, reg: Registry) -> np.ndarray:
        """Weight of each indicator in the overall score: pillar weight x share inside pillar."""
        out = np.zeros(len(reg.indicators))
        for p in reg.pillar_ids:
            idx = [k for k, i in enumerate(reg.indicators) if i.pillar == p]
            w = np.array([self.indicator_weights[reg.indicators[k].id] for k in idx], float)
            if w.sum() > 0:
                out[idx] = self.pillar_weights.get(p, 0.0) * w / w.sum()
        return out

    def to_yaml(self) -> str:
        # memoised on the instance (frozen: the text cannot change); the pages key their caches
        # on it several times per rerun
        cached = self.__dict__.get("_yaml")
        if cached is not None:
            return cached
        doc = {"name": self.name, "description": self.description, "pillars": self.pillar_weights,
               "indicators": self.indicator_weights, "normalisation": self.normalisation,
               "aggregation": self.aggregation, "thresholds": list(self.thresholds)}
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        object.__setattr__(self, "_yaml", text)
        return text


def _check_weights(raw, what: str, allowed: list[str], where: str) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise OptionError(f"{where}: '{what}' must be a mapping of id to weight")
    out = {}
    for k, v in raw.items():
        if k not in allowed:
            raise OptionError(f"{where}: unknown {what[:-1]} {k!r}; known: {', '.join(allowed)}")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise OptionError(f"{where}: weight of {k!r} must be a number, got {v!r}")
        if not math.isfinite(v):
            raise OptionError(f"{where}: weight of {k!r} must be finite, got {v!r}")
        if v < 0:
            raise OptionError(f"{where}: weight of {k!r} must not be negative, got {v!r}")
        out[k] = float(v)
    return out


def profile_from_dict(doc: dict, reg: Registry | None = None, *, where: str = "weights") -> Profile:
    reg = reg or load_registry()
    if not isinstance(doc, dict):
        raise OptionError(f"{where}: must be a mapping with 'pillars' and/or 'indicators'")
    known_keys = {"name", "description", "pillars", "indicators", "normalisation", "aggregation", "thresholds"}
    unknown = set(doc) - known_keys
    if unknown:
        raise OptionError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(known_keys)}")
    pw = _check_weights(doc.get("pillars"), "pillars", reg.pillar_ids, where)
    iw = _check_weights(doc.get("indicators"), "indicators", reg.ids, where)
    pillars = {p: pw.get(p, 1.0 if not pw else 0.0) for p in reg.pillar_ids}
    total = sum(pillars.values())
    if total <= 0:
        raise OptionError(f"{where}: all pillar weights are zero; give at least one a positive weight")
    pillars = {p: v / total for p, v in pillars.items()}
    inds = {i.id: iw.get(i.id, i.weight) for i in reg.indicators}
    if sum(inds.values()) <= 0:
        raise OptionError(f"{where}: all indicator weights are zero; give at least one a positive weight")
    for p, v in pillars.items():
        if v > 0 and sum(inds[i.id] for i in reg.indicators if i.pillar == p) <= 0:
            raise OptionError(f"{where}: pillar {p!r} has weight {v:.2f} but all its indicators weigh zero")
    norm = doc.get("normalisation", "minmax")
    if not isinstance(norm, str) or norm not in NORMALISERS:
        raise OptionError(f"{where}: 'normalisation' must be one of {sorted(NORMALISERS)}, got {norm!r}")
    agg = doc.get("aggregation", "arithmetic")
    if not isinstance(agg, str) or agg not in AGGREGATORS:
        raise OptionError(f"{where}: 'aggregation' must be one of {sorted(AGGREGATORS)}, got {agg!r}")
    th = doc.get("thresholds", DEFAULT_THRESHOLDS)
    # a string, a number or a list with text in it is refused here, not as a bare ValueError
    if not isinstance(th, (list, tuple)) or any(isinstance(x, bool) or not isinstance(x, numbers.Real) for x in th):
        raise OptionError(f"{where}: 'thresholds' must be 4 increasing numbers strictly between 0 and 10, got {th!r}")
    th = tuple(float(x) for x in th)
    check_thresholds(th, where)
    return Profile(str(doc.get("name", "custom")), str(doc.get("description", "Custom weights.")),
                   pillars, inds, norm, agg, th)


def check_thresholds(th, where="thresholds") -> None:
    if len(th) != 4 or any(not math.isfinite(t) for t in th) or list(th) != sorted(th) or len(set(th)) != 4 \
            or th[0] <= 0 or th[-1] >= 10:
        raise OptionError(f"{where}: 'thresholds' must be 4 increasing numbers strictly between 0 and 10, got {list(th)}")


def profile_names() -> list[str]:
    folder = paths.CONFIG / "profiles"
    try:
        stamp = folder.stat().st_mtime_ns
    except OSError:
        stamp = None
    return list(_profile_names(str(folder), stamp))


@functools.lru_cache(maxsize=8)
def _profile_names(folder: str, stamp: int | None) -> tuple[str, ...]:
    """The profiles in ``folder``, listed again only when the folder changes (``stamp``, its
    modification time): the pages ask on every rerun, and listing was a tenth of a rerun."""
    return tuple(sorted(p.stem for p in Path(folder).glob("*.yml")))


def load_profile(name: str = "analyst", reg: Registry | None = None) -> Profile:
    names = profile_names()
    if name not in names:
        raise OptionError(f"unknown profile {name!r}; choose one of: {', '.join(names)}")
    path = paths.CONFIG / "profiles" / f"{name}.yml"
    try:
        st = path.stat()
    except OSError:
        return load_weights_file(path, reg)
    if reg is not None:
        return load_weights_file(path, reg)
    return _shipped_profile(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=32)
def _shipped_profile(path: str, mtime_ns: int, size: int) -> Profile:
    """A shipped profile, read again only when its file changes (a Profile is frozen)."""
    return load_weights_file(path)


def load_weights_file(path, reg: Registry | None = None) -> Profile:
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OptionError(f"{path}: no such weights file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise OptionError(f"{path}: cannot be read as YAML ({exc})") from None
    return profile_from_dict(doc, reg, where=str(path.name))
