"""State-name and place-name resolution against the project's reference tables.

* :class:`StateNames` maps any known spelling of a Mexican state (official, common, SESNSP,
  CONAPO, UCDP, English, abbreviations, ISO / HASC codes) to its 2-digit INEGI code, from
  ``data/reference/state_names.csv``. It never guesses: an unknown name gives ``None``.
* :class:`Gazetteer` maps a place name to a municipality or locality from
  ``data/reference/places.csv`` (INEGI 2020 municipalities + GeoNames localities), and says
  in words why it picked that one when several places share the name.

Matching is on :func:`normalise_name`: case-insensitive, accent-insensitive, whitespace
collapsed. The exact form is tried first; only if nothing matches is the UCDP-style suffix
(" state", " municipality", " town", " city") dropped and the lookup repeated, so that
"Mexico City" stays Ciudad de México (09) and does not become "Mexico" (15), while
"Guanajuato state" and "Culiacán town" still resolve.

Pure Python (standard library); no DuckDB, no Streamlit.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from scoring import paths

REFERENCE = paths.REFERENCE
STATE_NAMES_CSV = REFERENCE / "state_names.csv"
PLACES_CSV = REFERENCE / "places.csv"

_SUFFIXES = (" state", " municipality", " town", " city")


def fold(s, *, punctuation: bool = False) -> str:
    """The one folding of names and headers: casefold, strip accents, collapse whitespace;
    with ``punctuation``, every run of other characters becomes one space too.

    >>> fold("  Culiacán   Rosales ")
    'culiacan rosales'
    >>> fold("Clave_Ent", punctuation=True)
    'clave ent'
    """
    if s is None:
        return ""
    s = unicodedata.normalize("NFKD", str(s).casefold())
    s = "".join(c for c in s if not unicodedata.combining(c))
    if punctuation:
        s = re.sub(r"[^a-z0-9]+", " ", s)
    return " ".join(s.split())


def normalise_name(s: str, strip_suffix: bool = True) -> str:
    """:func:`fold`, then (by default) drop one trailing UCDP-style suffix: " state",
    " municipality", " town" or " city".

    >>> normalise_name("  Michoacán   state ")
    'michoacan'
    >>> normalise_name("Mexico City", strip_suffix=False)
    'mexico city'
    """
    s = fold(s)
    if strip_suffix:
        for suf in _SUFFIXES:
            if s.endswith(suf) and len(s) > len(suf):
                s = s[: -len(suf)].rstrip()
                break
    return s


def _keys(name: str) -> list[str]:
    """Lookup keys in order: the exact normalised form, then the suffix-stripped one."""
    exact = normalise_name(name, strip_suffix=False)
    stripped = normalise_name(name, strip_suffix=True)
    return [exact] if stripped == exact else [exact, stripped]


def _state_code(code) -> str | None:
    if code is None:
        return None
    s = str(code).strip()
    return s.zfill(2) if s.isdigit() else s


class StateNames:
    """Every known spelling of a state -> INEGI code (``"01"`` .. ``"32"``)."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else STATE_NAMES_CSV
        self._index: dict[str, str] = {}
        with self.path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                key = normalise_name(row["variant"], strip_suffix=False)
                code = row["state_code"].strip()
                if not key:
                    continue
                old = self._index.setdefault(key, code)
                if old != code:
                    raise ValueError(
                        f"{self.path.name}: variant {row['variant']!r} maps to both {old} and {code}"
                    )

    def resolve(self, name) -> str | None:
        """The INEGI code for a state name, or None if the name is unknown (never a guess)."""
        if name is None or (isinstance(name, float) and name != name):  # None / NaN
            return None
        for key in _keys(str(name)):
            if key in self._index:
                return self._index[key]
        return None

    @property
    def codes(self) -> list[str]:
        return sorted(set(self._index.values()))

    def __len__(self) -> int:
        return len(self._index)


@dataclass(frozen=True)
class PlaceMatch:
    place_id: str
    name: str
    state_code: str
    cvegeo: str
    latitude: float
    longitude: float
    kind: str
    reason: str


@dataclass(frozen=True)
class _Place:
    place_id: str
    name: str
    kind: str
    state_code: str
    cvegeo: str
    latitude: float
    longitude: float
    population: int


class Gazetteer:
    """Municipalities (INEGI 2020) and localities (GeoNames) by normalised name."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else PLACES_CSV
        self._index: dict[str, list[_Place]] = {}
        with self.path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                p = _Place(
                    place_id=row["place_id"],
                    name=row["name"],
                    kind=row["kind"],
                    state_code=row["state_code"],
                    cvegeo=row["cvegeo"],
                    latitude=float(row["latitude"]),
                    longitude=float(row["longitude"]),
                    population=int(row["population"] or 0),
                )
                self._index.setdefault(normalise_name(p.name, strip_suffix=False), []).append(p)
        # most populous first; ties: municipality before locality, then place_id
        for cands in self._index.values():
            cands.sort(key=lambda p: (-p.population, p.kind != "municipality", p.place_id))

    def __len__(self) -> int:
        return sum(len(v) for v in self._index.values())

    def _candidates(self, name) -> list[_Place]:
        if name is None:
            return []
        for key in _keys(str(name)):
            if key in self._index:
                return self._index[key]
        return []

    def candidates(self, name, state_code=None) -> list[PlaceMatch]:
        """Every place matching ``name`` (optionally only in ``state_code``), most populous first."""
        state = _state_code(state_code)
        return [
            _match(p, f"candidate (pop {p.population})")
            for p in self._candidates(name)
            if state is None or p.state_code == state
        ]

    def resolve(self, name, state_code=None) -> PlaceMatch | None:
        """The place called ``name``; with ``state_code``, only a place in that state.

        Among several matches the most populous wins (ties: municipality, then place_id).
        Returns None when no place has that name (in that state); it never guesses a
        near-spelling.
        """
        cands = self._candidates(name)
        if not cands:
            return None
        label = str(name).strip()
        state = _state_code(state_code)
        n = len(cands)
        noun = "candidate" if n == 1 else "candidates"
        if state is not None:
            kept = [p for p in cands if p.state_code == state]
            if not kept:
                return None
            best = kept[0]
            if len(kept) == 1:
                if n == 1:
                    reason = f"1 candidate named {label!r}, in state {state} (from context)"
                else:
                    reason = f"{n} {noun} named {label!r}; kept the one in state {state} (from context)"
            else:
                reason = (
                    f"{n} {noun} named {label!r}, {len(kept)} in state {state} (from context); "
                    f"kept the most populous (pop {best.population})"
                )
            return _match(best, reason)
        best = cands[0]
        if n == 1:
            reason = f"1 candidate named {label!r}"
        else:
            states = sorted({p.state_code for p in cands})
            reason = (
                f"{n} {noun} named {label!r} in state(s) {', '.join(states)}; "
                f"kept the most populous (pop {best.population})"
            )
            if cands[1].population == best.population:
                reason += f"; tied on population, kept {best.kind} {best.place_id}"
        return _match(best, reason)


def _match(p: _Place, reason: str) -> PlaceMatch:
    return PlaceMatch(
        place_id=p.place_id,
        name=p.name,
        state_code=p.state_code,
        cvegeo=p.cvegeo,
        latitude=p.latitude,
        longitude=p.longitude,
        kind=p.kind,
        reason=reason,
    )


# --- finding a place by what a person types ---------------------------------------------------

_KIND_ORDER = {"state": 0, "municipality": 1, "locality": 2, "corridor": 3}


@dataclass(frozen=True)
class Found:
    """One answer of :meth:`PlaceFinder.find`: what it is, its code, name and state."""

    kind: str            # state | municipality | locality | corridor
    code: str            # INEGI state (2 digits) or municipality (5 digits) code; corridor id
    name: str
    state_code: str      # '' for a corridor crossing several states
    state_name: str
    municipality: str    # the municipality a locality lies in ('' otherwise)
    match: str           # exact | prefix | word | contains | similar
    score: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class PlaceFinder:
    """Accent- and case-insensitive search over states (every known spelling, English
    included), municipalities, localities and corridors: best match first.

    A match is ranked exact > prefix > word prefix > every typed word in any order > substring >
    similar spelling (difflib ratio of at least 0.8, for misspellings), then by kind (state,
    municipality, locality, corridor) and population.
    """

    def __init__(self, reference: Path | None = None, corridors: list[dict] | None = None):
        ref = Path(reference) if reference else REFERENCE
        with (ref / "states.csv").open(encoding="utf-8", newline="") as f:
            states = {r["state_code"]: r for r in csv.DictReader(f)}
        self._state_name = {c: r["name_common"] for c, r in states.items()}
        rows: list[tuple[str, str, str, str, str, int]] = []   # key, kind, code, name, state, population
        for c, r in states.items():
            rows.append((fold(r["name_common"]), "state", c, r["name_common"], c, int(r["pop_2020"] or 0)))
        with (ref / "state_names.csv").open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                c = r["state_code"].strip()
                if len(r["variant"].strip()) > 3 and c in states:   # abbreviations only match exactly below
                    rows.append((fold(r["variant"]), "state", c, self._state_name[c], c, int(states[c]["pop_2020"] or 0)))
        self._abbr = {}
        with (ref / "state_names.csv").open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                if len(r["variant"].strip()) <= 3 and r["state_code"].strip() in states:
                    self._abbr[fold(r["variant"])] = r["state_code"].strip()
        muni_name = {}
        with (ref / "places.csv").open(encoding="utf-8", newline="") as f:
            places = list(csv.DictReader(f))
        for r in places:
            if r["kind"] == "municipality":
                muni_name[r["cvegeo"]] = r["name"]
        self._muni_name = muni_name
        for r in places:
            code = r["cvegeo"] if r["kind"] == "municipality" else r["cvegeo"] or r["place_id"]
            rows.append((fold(r["name"]), r["kind"], code, r["name"], r["state_code"], int(r["population"] or 0)))
        if corridors is None:
            import yaml

            doc = yaml.safe_load((ref / "corridors.yml").read_text(encoding="utf-8")) or {}
            corridors = doc.get("corridors") or []
        for c in corridors:
            rows.append((fold(c["name"]), "corridor", str(c["id"]), c["name"], "", 0))
        self._rows = rows

    def _found(self, row, match: str, score: float) -> Found:
        key, kind, code, name, state, pop = row
        muni = self._muni_name.get(code, "") if kind == "locality" else ""
        return Found(kind, code, name, state, self._state_name.get(state, ""), muni, match, round(score, 3))

    def find(self, text, limit: int = 10) -> list[Found]:
        import difflib

        q = fold(text, punctuation=True)
        if not q:
            return []
        words = q.split()
        best: dict[tuple[str, str], tuple[float, str, tuple]] = {}

        def offer(row, match, score):
            k = (row[1], row[2] if row[1] != "locality" else row[2] + ":" + row[3])
            if k not in best or best[k][0] < score:
                best[k] = (score, match, row)

        if q in self._abbr:
            c = self._abbr[q]
            offer((q, "state", c, self._state_name[c], c, 0), "exact", 100.0)
        for row in self._rows:
            key = fold(row[0], punctuation=True)
            if key == q:
                offer(row, "exact", 100.0)
            elif key.startswith(q):
                offer(row, "prefix", 80.0)
            elif any(w.startswith(q) for w in key.split()) or f" {q}" in f" {key}":
                offer(row, "word", 60.0)
            elif len(q) >= 4 and q in key:
                offer(row, "contains", 40.0)
            elif len(words) > 1 and all(any(k.startswith(w) for k in key.split()) for w in words):
                offer(row, "words", 50.0)             # every word typed, in any order
            elif len(q) >= 4:
                head = " ".join(key.split()[:len(q.split())])   # "acapulko" against "acapulco", not the whole name
                r = max(difflib.SequenceMatcher(None, q, key).ratio(), difflib.SequenceMatcher(None, q, head).ratio())
                if r >= 0.8:
                    offer(row, "similar", 30.0 * r)
        # a locality that only repeats its municipality (Tulum in Tulum) adds nothing
        munis = {(row[2], row[3]) for _, _, row in best.values() if row[1] == "municipality"}
        ranked = sorted((v for v in best.values() if not (v[2][1] == "locality" and (v[2][2], v[2][3]) in munis)),
                        key=lambda t: (-t[0], _KIND_ORDER[t[2][1]], -t[2][5], t[2][3]))
        return [self._found(row, match, score) for score, match, row in ranked[:limit]]
