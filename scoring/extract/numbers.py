"""Counts of dead and injured, in digits or in words, in Spanish and English ("seis personas",
"Twelve people", "al menos 8", "veintisiete", "twenty-seven"), with "at least" / "more than"
kept as a lower bound. Works on folded text (:func:`scoring.extract.folding.fold_keep`), so
spans are those of the original text."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "cero": 0, "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
    "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20, "veintiun": 21,
    "veintiuno": 21, "veintiuna": 21, "veintidos": 22, "veintitres": 23, "veinticuatro": 24, "veinticinco": 25,
    "veintiseis": 26, "veintisiete": 27, "veintiocho": 28, "veintinueve": 29,
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90,
         "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_HUNDREDS = {"cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200, "trescientos": 300,
             "trescientas": 300, "hundred": 100}
_DOZEN = {"docena": 12, "dozen": 12, "decena": 10}
_ARTICLES = {"un", "una", "a", "an"}
_WORD = "|".join(sorted(list(_UNITS) + list(_TENS) + list(_HUNDREDS), key=len, reverse=True))
NUMBER = (rf"(?:\d{{1,3}}(?:[.,]\d{{3}})+|\d+|(?:una|un|a|an|dos|two|media)\s+(?:docena|dozen|decena)s?(?:\s+de)?|"
          rf"(?:{_WORD})(?:(?:\s+y\s+|-|\s+and\s+|\s+(?=hundred|cientos))(?:{_WORD}))*|(?:a|an)(?!\s+(?:{_WORD})\b))")
LOWER = (r"(?:al menos|por lo menos|cuando menos|mas de|at least|more than|over|no fewer than|no less than|"
         r"upwards of|some|about|around|nearly|almost|unos|unas|alrededor de|cerca de|casi|aproximadamente)")
_BOUND_WORDS = ("al menos", "por lo menos", "cuando menos", "mas de", "at least", "more than", "over",
                "no fewer than", "no less than", "upwards of")

_PERSON = (r"(?:personas?|people|persons?|hombres?|men|man|mujer(?:es)?|women|woman|jovenes|joven|youths?|"
           r"policias?|agentes?|elementos?|soldados?|militares?|marinos?|guardias?|civiles|police|officers?|"
           r"policem[ae]n|soldiers?|troops?|migrantes?|migrants?|menores|ninos?|ninas?|children|child|teenagers?|"
           r"adolescentes?|integrantes|miembros|members|residents?|pobladores|victimas|victims|individuos|sujetos|"
           r"presuntos|alleged|gunmen|sicarios|delincuentes|criminals|cuerpos|bodies|cadaveres|family|familia|"
           r"addicts|adictos|patients|pacientes|internos|inmates|reos|students|estudiantes|workers|trabajadores|"
           r"guests|invitados|clients|clientes|customers|passengers|pasajeros|farmers|campesinos|relatives|"
           r"drivers?|choferes|taxistas|conductores|comerciantes|merchants|vendors|shopkeepers|"
           r"familiares|of them|de ellos)")
# gap words between a number and what it counts: not a number, not another count's noun, no "and"
_GAP = (r"(?:(?!(?:detenid|arrest|herid|lesionad|wounded|injured|hurt|anos|years|dias|days|horas|hours|"
        r"kilometros|km|metros|vehiculos|vehicles|armas|weapons|casas|homes|carpetas)[a-z]*\b)"
        r"(?!(?:y|and|con|with|que|who|but|pero|mientras)\b)[a-z]+\s+){0,6}")
_DEATH = (r"(?:muert[oa]s?|fallecid[oa]s?|asesinad[oa]s?|sin vida|ejecutad[oa]s?|acribillad[oa]s?|"
          r"victimas mortales|perdieron la vida|perdio la vida|murieron|murio|dead|killed|deaths?|died|slain|"
          r"murdered|shot dead|gunned down|lost their lives|fatalities|were found dead|bodies|cuerpos|cadaveres)")
_HURT = r"(?:herid[oa]s?|lesionad[oa]s?|wounded|injured|hurt)"
_KILL_VERB = (r"(?:mataron a|asesinaron a|ejecutaron a|acribillaron a|masacre de|matanza de|asesinato de|"
              r"homicidio de|muerte de|massacre of|killing of|murder of|deaths of|killed|killing|murdered|"
              r"shot dead|gunned down|left dead|dejaron sin vida a|restos de|cuerpos de|bodies of|remains of)")
_HURT_VERB = r"(?:hirieron a|lesionaron a|wounding|injuring|wounded|injured)"

_PATTERNS = [
    ("fatalities", re.compile(rf"\b(?P<q>{LOWER}\s+)?(?P<n>{NUMBER})\s+(?P<gap>{_GAP}){_DEATH}\b")),
    ("fatalities", re.compile(rf"\b{_KILL_VERB}\s+(?P<q>{LOWER}\s+)?(?P<n>{NUMBER})\s+(?P<gap>{_GAP}){_PERSON}\b")),
    ("fatalities", re.compile(rf"\b(?:masacre de|matanza de|massacre of)\s+(?P<q>{LOWER}\s+)?(?P<n>{NUMBER})\b(?P<gap>)")),
    ("fatalities", re.compile(rf"\b(?:murieron|fallecieron|perdieron la vida|died)\s+(?P<q>{LOWER}\s+)?"
                              rf"(?P<n>{NUMBER})\s+(?P<gap>{_GAP}){_PERSON}\b")),
    ("injured", re.compile(rf"\b(?P<q>{LOWER}\s+)?(?P<n>{NUMBER})\s+(?P<gap>{_GAP}){_HURT}\b")),
    ("injured", re.compile(rf"\b{_HURT_VERB}\s+(?:a\s+)?(?P<q>{LOWER}\s+)?(?P<n>{NUMBER})\s+(?P<gap>{_GAP}){_PERSON}\b")),
]


@dataclass(frozen=True)
class Count:
    kind: str            # fatalities | injured
    value: int
    lower_bound: bool    # "at least 8", "más de 20"
    start: int           # span of the whole phrase in the text
    end: int
    singular: bool = False   # "was shot dead": one victim, no number written


def words_to_int(text: str) -> int | None:
    """'veintisiete' -> 27, 'treinta y dos' -> 32, 'twenty-seven' -> 27, '1,200' -> 1200,
    'una docena' -> 12; None when it is not a number."""
    t = text.strip()
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", t):
        return int(re.sub(r"[.,]", "", t))
    if t.isdigit():
        return int(t)
    words = [w for w in re.split(r"[\s-]+", t) if w and w not in ("y", "and", "de")]
    if not words:
        return None
    if words[-1].rstrip("s") in _DOZEN:
        mult = {"media": 0.5}.get(words[0], 1 if words[0] in _ARTICLES else _UNITS.get(words[0], 1))
        return int(mult * _DOZEN[words[-1].rstrip("s")])
    total, seen = 0, False
    for w in words:
        if w in _ARTICLES and len(words) == 1:
            return 1
        if w in _UNITS:
            total += _UNITS[w]
        elif w in _TENS:
            total += _TENS[w]
        elif w in _HUNDREDS:
            total = (total or 1) * 100 if w == "hundred" else total + _HUNDREDS[w]
        else:
            return None
        seen = True
    return total if seen else None


_ONE_DEAD = re.compile(r"\b(?:was|fue|had been|habia sido)\s+(?:shot dead|shot and killed|killed|murdered|gunned down|"
                       r"stabbed to death|asesinad[oa]|ejecutad[oa]|acribillad[oa]|ultimad[oa])\b")


def find_counts(folded: str, start: int = 0, end: int | None = None) -> list[Count]:
    """Every count of dead or injured people in ``folded[start:end]``, in text order; a single
    victim in the passive ("was shot dead", "fue asesinado") counts one (``singular``: a written
    number in the same sentence says more)."""
    end = len(folded) if end is None else end
    out: list[Count] = []
    taken: list[tuple[int, int]] = []
    out += _singular(folded, start, end)
    for kind, rx in _PATTERNS:
        for m in rx.finditer(folded, start, end):
            s, e = m.span("n")
            if any(not (e <= a or s >= b) for a, b in taken):
                continue
            if re.search(r"\b(?:no|ningun[oa]?|nadie|sin)\s+$", folded[max(0, m.start() - 8):m.start()]):
                continue         # "no one was hurt", "ningún herido"
            raw = m.group("n")
            value = words_to_int(raw)
            if value is None:
                continue
            if raw.strip() in _ARTICLES and not re.search(_PERSON, m.group("gap") or "") and kind == "fatalities" \
                    and rx is _PATTERNS[0][1]:
                continue         # "a car bomb killed": the article counts nothing
            q = (m.group("q") or "").strip()
            taken.append((s, e))
            out.append(Count(kind, value, q.startswith(_BOUND_WORDS), m.start(), m.end()))
    return sorted(out, key=lambda c: c.start)


def _singular(folded: str, start: int, end: int) -> list[Count]:
    return [Count("fatalities", 1, False, m.start(), m.end(), singular=True)
            for m in _ONE_DEAD.finditer(folded, start, end)]
