"""Spanish and English: one message catalogue per domain, read with Babel.

Every string a person reads is written in English in the code and wrapped in ``_()``; its
Spanish is in ``dashboard/locale/es/LC_MESSAGES/<domain>.po`` (gettext's format, edited with
any PO editor; ``pybabel extract`` finds new strings, see README). Two domains keep the
catalogues apart: ``messages`` (the pages) and ``briefs`` (briefs, exports, the change digest
and feed).

The language of the current run is set once per script run (:func:`use`, from the sidebar,
which reads ``?lang=`` or the browser's language) and read by :func:`_`. Briefs, exports and
the command line pass ``lang=`` explicitly. A string without a translation falls back to
English, never to an empty string; ``tests/dashboard/test_i18n.py`` checks the catalogues are
complete.
"""

from __future__ import annotations

import contextvars
from functools import lru_cache
from pathlib import Path

LANGS = ("en", "es")
DEFAULT = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("lang", default=None)
# The language last set by any run: read only where no run set one (a thread outside the
# script run, such as AppTest's, formatting a widget's options after the run).
_last = DEFAULT


def use(lang: str | None) -> str:
    """Set the language of this run (unknown or empty: English); return it."""
    global _last
    lang = lang if lang in LANGS else DEFAULT
    _current.set(lang)
    _last = lang
    return lang


def current() -> str:
    return _current.get() or _last


@lru_cache(maxsize=16)
def catalogue(lang: str, domain: str = "messages") -> dict[str, str]:
    """msgid -> msgstr of one language and domain (empty for English or a missing file)."""
    if lang == DEFAULT:
        return {}
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return {}
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        cat = read_po(f, locale=lang, domain=domain)
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def gettext(text: str, *, lang: str | None = None, domain: str = "messages") -> str:
    """``text`` in the run's (or the given) language; English when no translation exists."""
    lang = lang or current()
    if lang == DEFAULT:
        return text
    return catalogue(lang, domain).get(text) or text


def _(text: str, **fmt) -> str:
    """Translate, then fill ``{name}`` fields: ``_("Rank of {n}", n=32)``."""
    out = gettext(text)
    return out.format(**fmt) if fmt else out


def N_(text: str) -> str:
    """Mark a string for the catalogue without translating it yet (module-level tables whose
    entries go through :func:`_` when shown); ``pybabel extract`` finds ``N_`` by default."""
    return text


def from_locale(value: str | None) -> str | None:
    """``"es"`` or ``"en"`` from a browser locale (``"es-MX"``) or an Accept-Language header
    (``"es-MX,es;q=0.9,en;q=0.8"``): the first of our languages named; None when none is."""
    for part in (value or "").split(","):
        tag = part.split(";")[0].strip().lower().replace("_", "-").split("-")[0]
        if tag in LANGS:
            return tag
    return None


def b_(text: str, lang: str | None = None, **fmt) -> str:
    """As :func:`_`, in the ``briefs`` domain (briefs, exports, the change digest and feed)."""
    out = gettext(text, lang=lang, domain="briefs")
    return out.format(**fmt) if fmt else out
