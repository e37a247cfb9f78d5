"""The extractor's lexicon (``scoring/config/extract_lexicon.yml``): event types, victims,
armed groups and their aliases, security forces, unnamed perpetrators, background markers.
Loaded once, checked on load (an unknown event type or target is named), and compiled to
regular expressions over folded text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from scoring import paths
from scoring.db import schema
from scoring.errors import FormatError
from scoring.load.names import fold

LEXICON = paths.CONFIG / "extract_lexicon.yml"


@dataclass(frozen=True)
class Hit:
    label: str      # an event type, a target category or an actor's canonical name
    start: int
    end: int


def _phrases_rx(phrases) -> re.Pattern:
    """Whole-word-start match of any phrase (folded); a phrase may end inside a word ("asesin")."""
    alts = sorted({fold(p) for p in phrases if str(p).strip()}, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(_spaced(a) for a in alts) + r")")


def _aliases_rx(aliases) -> re.Pattern:
    """Whole-word match of any alias (folded): 'CDG' does not match inside 'CDGX'."""
    alts = sorted({fold(a) for a in aliases if str(a).strip()}, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(_spaced(a) for a in alts) + r")(?![a-z0-9])")


def _spaced(phrase: str) -> str:
    """A phrase's words joined by any run of spaces or hyphens ('Arellano-Felix', 'narco banners')."""
    return r"[\s-]+".join(re.escape(w) for w in phrase.split())


def _word_end(folded: str, end: int) -> int:
    """A prefix match ('asesin') stretched to the end of its word ('asesinaron'), for the evidence."""
    while end < len(folded) and folded[end].isalnum():
        end += 1
    return end


class Lexicon:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else LEXICON
        doc = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        self.types: list[tuple[str, re.Pattern]] = []
        for entry in doc.get("event_types") or []:
            if entry["type"] not in schema.EVENT_TYPES:
                raise FormatError(f"{self.path.name}: event type {entry['type']!r} is not one of "
                                  f"{', '.join(schema.EVENT_TYPES)}")
            self.types.append((entry["type"], _phrases_rx(entry["phrases"])))
        self.victims: list[tuple[str, re.Pattern]] = []
        for target, phrases in (doc.get("victims") or {}).items():
            if target not in schema.TARGET_CATEGORIES:
                raise FormatError(f"{self.path.name}: victim category {target!r} is not one of "
                                  f"{', '.join(schema.TARGET_CATEGORIES)}")
            self.victims.append((target, _aliases_rx(list(phrases) + [f"{x}s" for x in phrases])))
        self.groups = [(name, _aliases_rx([name] + list(aliases))) for name, aliases in
                       (doc.get("armed_groups") or {}).items()]
        self.forces = [(name, _aliases_rx(aliases)) for name, aliases in (doc.get("security_forces") or {}).items()]
        self.unidentified = _phrases_rx(doc.get("unidentified") or [])
        self.background = _phrases_rx(doc.get("background") or [])

    @staticmethod
    def _hits(table, folded: str, start: int, end: int) -> list[Hit]:
        return [Hit(label, m.start(), _word_end(folded, m.end())) for label, rx in table
                for m in rx.finditer(folded, start, end)]

    def type_hits(self, folded: str, start: int = 0, end: int | None = None) -> list[Hit]:
        return self._hits(self.types, folded, start, len(folded) if end is None else end)

    def victim_hits(self, folded: str, start: int = 0, end: int | None = None) -> list[Hit]:
        return self._hits(self.victims, folded, start, len(folded) if end is None else end)

    def group_hits(self, folded: str, start: int = 0, end: int | None = None) -> list[Hit]:
        return self._hits(self.groups, folded, start, len(folded) if end is None else end)

    def force_hits(self, folded: str, start: int = 0, end: int | None = None) -> list[Hit]:
        return self._hits(self.forces, folded, start, len(folded) if end is None else end)

    def is_background(self, folded: str, start: int, end: int) -> re.Match | None:
        return self.background.search(folded, start, end)


@lru_cache(maxsize=2)
def load(path: str | None = None) -> Lexicon:
    return Lexicon(Path(path) if path else None)
