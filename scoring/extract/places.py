"""Places an article names: states (every spelling in ``state_names.csv``), municipalities and
localities (the gazetteer, :class:`scoring.load.names.Gazetteer`), found on folded text and
resolved with the state named in context, then population.

What is not a place: a street, avenue or neighbourhood named after a state ("calle Zacatecas",
"Zacatecas Street"), a word inside a person's name ("Omar García Harfuch"), a cartel's name
("Cártel de Sinaloa", masked by the caller), the bare word "México"/"Mexico" (the country; the
State of Mexico is "Estado de México", "State of Mexico", "Edomex"), and the dateline.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from scoring.load import names
from scoring.load.names import Gazetteer, PlaceMatch, fold

# words before a name that make it a street, a building or a neighbourhood, not the place
_STREET_BEFORE = {"calle", "avenida", "av", "avda", "blvd", "bulevar", "boulevard", "colonia", "col", "fraccionamiento",
                  "privada", "calzada", "andador", "callejon", "estadio", "universidad", "hospital", "hotel",
                  "escuela", "parque", "mercado", "plaza", "barrio", "glorieta", "periferico", "puente",
                  "diario", "periodico", "cartel", "carteles", "grupo", "banda", "gobernador", "senador"}
_STREET_AFTER = {"street", "st", "avenue", "ave", "boulevard", "road", "rd", "neighborhood", "neighbourhood",
                 "cartel", "cartels", "university", "stadium", "hotel", "newspaper", "governor"}
# words that may stand before a place name (a preposition, an article, a verb)
_FUNCTION = set("""en de del la el los las a al y e o desde hasta hacia entre sobre por para con sin cerca
municipio ciudad estado poblado comunidad localidad ranchería cabecera zona region sur norte oriente poniente
in of the at near from to and on into outside inside city town village municipality state region south north
east west central greater along across around""".split())
# municipality names that are far more often words or surnames in news than the place
_NOT_PLACES = {"centro", "reforma", "progreso", "victoria", "libres", "union", "nacional", "mina", "soledad", "bravo",
               "santiago", "frontera", "general", "independencia", "libertad", "paz", "tierra blanca", "la paz",
               "guadalupe", "trinidad", "carmen", "el carmen", "jesus maria", "san pedro", "lerdo", "camargo",
               "madero", "acuna", "zapata", "morelos", "hidalgo", "allende", "guerrero", "juarez", "ocampo",
               "aldama", "jimenez", "zaragoza", "mexico", "garcia", "obregon", "escobedo", "galeana", "abasolo",
               "cardenas", "salinas", "rosales", "lopez", "gomez", "mendez", "nava", "arteaga", "ayala",
               "tepetlan", "colon", "pinal", "ixtlan", "armeria", "tecate", "la reforma", "san juan", "san jose",
               "san antonio", "santa maria", "san miguel", "san luis", "santa ana", "santa cruz", "calera",
               # the commonest Mexican surnames: in news they are people far more often than places
               "martinez", "hernandez", "gonzalez", "rodriguez", "perez", "sanchez", "ramirez", "torres", "flores",
               "rivera", "gutierrez", "diaz", "cruz", "reyes", "moreno", "ortiz", "castillo", "romero", "vargas",
               "ramos", "herrera", "medina", "aguilar", "mendoza", "vazquez", "castro", "ruiz", "alvarez",
               "jimenez", "chavez", "dominguez", "salazar", "guzman", "velazquez", "rojas", "contreras", "luna",
               "ortega", "estrada", "delgado", "mejia", "soto", "silva", "rios", "navarro", "leon", "acosta"}
_COUNTRY = {"mexico"}
# regions news names instead of a state, read as the state that holds most of them
_REGIONS = {"guatemala border": "07", "frontera con guatemala": "07", "border with guatemala": "07",
            "frontera sur": "07", "southern border": "07", "frontera con belice": "23"}   # the bare name is the country, never the State of Mexico
_MAX_WORDS = 7


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    kind: str                 # state | place
    state_code: str = ""      # for a state mention
    key: str = ""             # for a place: the gazetteer name it stands for


@dataclass(frozen=True)
class Resolved:
    match: PlaceMatch
    municipality_code: str
    municipality: str
    locality: str
    reason: str


class PlaceIndex:
    """Folded names -> states and gazetteer names (with short forms: 'Acapulco' for 'Acapulco de
    Juárez', when no other place has that short name)."""

    def __init__(self):
        self.gazetteer = Gazetteer()
        self.states: dict[str, str] = {}
        with names.STATE_NAMES_CSV.open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                v = r["variant"].strip()
                key = fold(v, punctuation=True)
                if len(v) <= 4 and not v.isalpha() or key in _COUNTRY or len(key) < 4:
                    continue        # abbreviations ('Sin.', 'BC') only in datelines; 'Mexico' is the country
                self.states[key] = r["state_code"].strip()
        for extra in ("estado de mexico", "state of mexico", "edomex", "cdmx", "ciudad de mexico", "mexico city"):
            self.states.setdefault(extra, "15" if "city" not in extra and "ciudad" not in extra and extra != "cdmx"
                                   else "09")
        for region, code in _REGIONS.items():
            self.states.setdefault(region, code)
        self.places: dict[str, str] = {}
        self.muni_name: dict[str, str] = {}
        short: dict[str, set[str]] = {}
        with names.PLACES_CSV.open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                key = fold(r["name"], punctuation=True)
                self.places[key] = r["name"]
                if r["kind"] == "municipality":
                    self.muni_name[r["cvegeo"]] = r["name"]
                bare = re.sub(r"^(?:general|heroica|villa de|ciudad de) ", "", key)
                for head in {re.split(r" de | del ", key, maxsplit=1)[0], bare}:
                    if head != key and len(head) >= 5:
                        short.setdefault(head, set()).add(r["name"])
        for head, full in short.items():
            if head not in self.places and len(full) == 1:
                self.places[head] = next(iter(full))
        self.places = {k: v for k, v in self.places.items() if k not in _NOT_PLACES and k not in self.states
                       and len(k) >= 4}

    def mentions(self, text: str, folded: str, masked: list[tuple[int, int]] = ()) -> list[Mention]:
        """State and place names in ``text`` (``folded`` is its :func:`fold_keep`), longest first,
        outside the ``masked`` spans."""
        toks = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[a-z0-9]+", folded)]
        out: list[Mention] = []
        i = 0
        while i < len(toks):
            hit = None
            for n in range(min(_MAX_WORDS, len(toks) - i), 0, -1):
                s, e = toks[i][0], toks[i + n - 1][1]
                if any(not (e <= a or s >= b) for a, b in masked):
                    continue
                if re.search(r"[\n.;:!?()\"“”]", text[s:e]):
                    continue        # a name does not cross a sentence or a line
                key = " ".join(t[2] for t in toks[i:i + n])
                if key in self.states:
                    hit = Mention(s, e, text[s:e], "state", state_code=self.states[key])
                elif key in self.places and self._is_place(text, toks, i, n):
                    hit = Mention(s, e, text[s:e], "place", key=self.places[key])
                if hit:
                    if hit.kind == "state" and self._is_street(text, toks, i, n):
                        hit = None
                        continue
                    out.append(hit)
                    i += n
                    break
            else:
                i += 1
        return out

    @staticmethod
    def _is_street(text, toks, i, n) -> bool:
        before = toks[i - 1][2] if i > 0 else ""
        after = toks[i + n][2] if i + n < len(toks) else ""
        return before in _STREET_BEFORE or after in _STREET_AFTER

    def _is_place(self, text, toks, i, n) -> bool:
        s = toks[i][0]
        if not text[s:s + 1].isupper():
            return False        # a place name is capitalised; 'progreso', 'reforma' are words
        if self._is_street(text, toks, i, n):
            return False
        before = toks[i - 1] if i > 0 else None
        after = toks[i + n] if i + n < len(toks) else None
        # inside a person's name: a capitalised word right before or after, with only a space between
        if before and text[before[1]:s] == " " and text[before[0]:before[0] + 1].isupper() \
                and before[2] not in _FUNCTION and not _sentence_start(text, before[0]):
            return False
        e = toks[i + n - 1][1]
        if after and text[e:after[0]] == " " and text[after[0]:after[0] + 1].isupper() and after[2] not in _FUNCTION:
            return after[2] in self.states     # 'Celaya Guanajuato' is fine, 'García Harfuch' is a person
        return True

    def resolve(self, mention: Mention, context_states: list[str], next_state: str = "") -> Resolved | None:
        """The gazetteer place a mention stands for: the state written right after it ('Pánuco,
        Zacatecas') decides first, then the states named in context (nearest first), then population."""
        g = self.gazetteer
        why = ""
        match = None
        if next_state:
            match = g.resolve(mention.key, next_state)
            why = f"state {next_state} written with the name"
        if match is None:
            for code in context_states:
                match = g.resolve(mention.key, code)
                if match is not None:
                    why = f"state {code} named in context"
                    break
        if match is None:
            match = g.resolve(mention.key)
            why = "no state in context; " + (match.reason if match else "")
        if match is None:
            return None
        muni = match.cvegeo if match.kind == "municipality" else match.cvegeo
        return Resolved(match, muni, self.muni_name.get(muni, ""),
                        match.name if match.kind == "locality" else "", why)


def _sentence_start(text: str, pos: int) -> bool:
    before = text[max(0, pos - 3):pos].strip()
    return pos == 0 or before == "" or before[-1:] in ".!?\n\"“—-–("


@lru_cache(maxsize=1)
def index() -> PlaceIndex:
    return PlaceIndex()
