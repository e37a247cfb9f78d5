"""The brief's two buttons on a page: the HTML (built when clicked) and the PDF (printed by
headless Chromium when asked, then offered). Where no PDF can be printed the page says why, in
words; no traceback reaches the page. Used by the state, place, corridor and compare pages."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard import data
from dashboard.figures import brief
from dashboard.i18n import b_, current


def context() -> brief.Context:
    """What every brief shows besides its region, from the current database and settings."""
    return brief.Context(data.freshness(), data.assessments(), data.state_geojson(), data.score_history())


def offer(make: Callable[[str], str], name: str, as_of, key: str) -> None:
    """Download buttons for the brief ``make(lang)`` of region ``name`` at ``as_of``."""
    lang = current()
    c1, c2 = st.columns(2)
    c1.download_button(b_("Download the brief (HTML)", lang), lambda: make(lang),
                       file_name=brief.file_name(name, as_of, lang), mime="text/html", key=f"{key}_html")
    why = brief.pdf_available()
    if why:
        c2.caption(b_(why, lang))
        return
    sig = (name, str(as_of), lang)
    slot = f"_{key}_pdf"
    if c2.button(b_("Prepare the brief as PDF", lang), key=f"{key}_pdf_make"):
        with st.spinner(b_("Printing the PDF…", lang)):
            try:
                st.session_state[slot] = (sig, brief.to_pdf(make(lang)))
            except brief.PdfUnavailable as exc:
                st.session_state.pop(slot, None)
                c2.warning(b_(str(exc), lang))
    got = st.session_state.get(slot)
    if got and got[0] == sig:
        c2.download_button(b_("Download the brief (PDF)", lang), got[1],
                           file_name=brief.file_name(name, as_of, lang, "pdf"), mime="application/pdf",
                           key=f"{key}_pdf")
