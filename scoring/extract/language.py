"""Which language an article is in: Spanish, English, or another (refused with a reason).

Counts the commonest function words of each language among the article's words: they make up
a third or more of any running text in that language and almost none of the others. Offline,
deterministic and instant; a dedicated detector would add a dependency for no gain on two
languages that share few function words.
"""

from __future__ import annotations

import re

from scoring.load.names import fold

# Function words that are frequent in one language and rare in the others (folded: no accents).
_WORDS = {
    "es": "el la los las del de que y en por con una un para se su sus al lo como mas pero fue fueron este esta "
          "sin sobre entre tras desde cuando donde tambien segun hasta ya muy otro otros".split(),
    "en": "the of and to in a is was were that for on with as by at from this an be have has had which their they "
          "it its are but after said who".split(),
    "pt": "o os da do das dos em no na nos nas um uma para com que nao foi sao mais pelo pela ao tambem".split(),
    "fr": "le les des du et est une dans pour qui pas sur au aux ce cette ont avec par sont".split(),
    "it": "il gli della delle dei che e un una per con non sono nel nella alla anche piu".split(),
    "de": "der die das und ist nicht ein eine zu mit den von im auf dem sich des auch wurde".split(),
}
_SETS = {k: set(v) for k, v in _WORDS.items()}
NAMES = {"es": "Spanish", "en": "English", "pt": "Portuguese", "fr": "French", "it": "Italian", "de": "German"}
SUPPORTED = ("es", "en")


def detect(text: str) -> tuple[str, float]:
    """(language code, share of the words that are its function words); ``"unknown"`` when no
    language's function words make up 8 % of the words (not running text, or another language)."""
    words = re.findall(r"[a-z]+", fold(text[:20000]))
    if not words:
        return "unknown", 0.0
    shares = {lang: sum(w in s for w in words) / len(words) for lang, s in _SETS.items()}
    best = max(shares, key=shares.get)
    if shares[best] < 0.08:
        return "unknown", shares[best]
    return best, shares[best]
