"""The sidebar every scored page shares: profile, as-of date and window, mirrored in the URL."""

from __future__ import annotations

import datetime as dt
import hmac
import os

import streamlit as st

from dashboard import data, i18n, settings, wording
from dashboard.i18n import N_, _
from scoring.index.weights import load_profile, profile_names

WINDOWS = {N_("3 months"): 91, N_("6 months"): 182, N_("1 year"): 365, N_("2 years"): 730}
LANG_NAMES = {"en": "English", "es": "Español"}
PROFILE_NAMES = {"analyst": N_("Analyst"), "traveler": N_("Traveller"), "investor": N_("Investor"),
                 "security": N_("Security team")}
PROFILE_TEXT = {
    "analyst": N_("The default: balanced weights for analysts who want every pillar to count and will adjust "
                  "from here."),
    "investor": N_("For companies deciding where to invest: extortion, cargo theft and the direction of travel "
                   "matter most."),
    "security": N_("For corporate security teams moving staff and goods: armed-group activity, attacks and road "
                   "threats."),
    "traveler": N_("For people visiting or driving through: weighs killings, kidnapping and robbery on the road "
                   "most."),
}


def profile_label(name: str) -> str:
    return _(PROFILE_NAMES[name]) if name in PROFILE_NAMES else name.capitalize()


def language_switch(page: str) -> None:
    """English / Español at the top of the sidebar; kept in the URL (``lang``)."""
    lang = settings.language()
    with st.sidebar:
        picked = st.segmented_control("Language / Idioma", list(i18n.LANGS), default=lang, format_func=LANG_NAMES.get,
                                      key=f"{page}_lang", label_visibility="collapsed")
    if picked and picked != lang:
        settings.put("lang", picked)
        settings.to_url()
        st.rerun()
    # theme-aware, print-friendly page styles (one <style> block, no network)
    style()


def style() -> None:
    st.html("""<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header, [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stStatusWidget"], .stDownloadButton, [data-testid="stExpanderToggleIcon"] {
    display: none !important; }
  [data-testid="stMain"], [data-testid="stMainBlockContainer"], .main .block-container {
    max-width: 100% !important; padding: 0 !important; margin: 0 !important; overflow: visible !important; }
  [data-testid="stAppViewContainer"], [data-testid="stApp"] { overflow: visible !important; height: auto !important; }
  [data-testid="stHorizontalBlock"] { flex-direction: column !important; }
  [data-testid="stHorizontalBlock"] > div { width: 100% !important; flex: 1 1 100% !important; }
  .print-only { display: block !important; }
  .print-only table { border-collapse: collapse; font-size: 10pt; width: 100%; }
  .print-only th, .print-only td { border-bottom: 1px solid #999; padding: 2px 6px; text-align: left; }
  [data-testid="stDataFrame"].ranking-screen, .screen-only { display: none !important; }
}
.print-only { display: none; }
/* Weights & methods: its ranking is a Markdown table in a scrolling box, kept compact */
.st-key-w_rank table { font-size: 0.85rem; }
.st-key-w_rank th, .st-key-w_rank td { padding: 0.15rem 0.5rem !important; white-space: nowrap; }
/* less chrome: the map and the ranking get the width (Global Guardian: a large map, little chrome) */
[data-testid="stMainBlockContainer"] { padding-left: 1.5rem !important; padding-right: 1.5rem !important;
  padding-top: 2.5rem !important; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-left: 0.75rem !important; padding-right: 0.75rem !important; }
}
</style>""")
EARLIEST_AS_OF = dt.date(2016, 1, 31)


def draw(page: str) -> None:
    """Draw the shared controls (widget keys are per page) and mirror them in the URL."""
    language_switch(page)
    latest = data.default_as_of()
    names = profile_names()
    with st.sidebar:
        find_place(page)
        st.markdown("### " + _("View"))
        prof = st.selectbox(_("Profile"), names, index=names.index(settings.get("profile")), key=f"{page}_profile",
                            format_func=profile_label, help=_("Who the weights serve; see Weights & methods."))
        if prof != settings.get("profile"):
            settings.put("pw", {})
            settings.put("iw", {})
        settings.put("profile", prof)
        desc = load_profile(prof).description
        st.caption(_(PROFILE_TEXT[prof]) if prof in PROFILE_TEXT else desc)
        # a date past the data is honoured (each source's lag is shown), never clamped back
        today = dt.date.today()
        as_of = settings.get("as_of") or latest
        as_of = min(max(as_of, EARLIEST_AS_OF), max(today, latest))
        picked = st.date_input(_("As of"), value=as_of, min_value=EARLIEST_AS_OF, max_value=max(today, latest),
                               key=f"{page}_as_of", format="YYYY-MM-DD",
                               help=_("Scores use the data up to this date; each source is scored on its own latest "
                                      "window. Latest month with official data: {month}.", month=wording.month(latest)))
        settings.put("as_of", None if picked == latest else picked)
        labels = list(WINDOWS)
        current = next((k for k, v in WINDOWS.items() if v == int(settings.get("window"))), "1 year")
        win = st.select_slider(_("Window"), labels, value=current, key=f"{page}_window", format_func=_,
                               help=_("How far back the data count; recent months weigh more (half-life)."))
        settings.put("window", WINDOWS[win])
        base = st.toggle(_("Leave out imported batches"), value=bool(settings.get("base")), key=f"{page}_base",
                         help=_("Score the data as built (official statistics, UCDP, seed articles) without any "
                                "file imported since: a view, nothing is removed."))
        settings.put("base", base)
        if settings.get("pw") or settings.get("iw") or settings.get("norm") or settings.get("agg") or settings.get("th"):
            st.info(_("Custom weights or methods are active (Weights & methods page)."), icon="⚖️")
        fresh = data.freshness()
        st.caption(_("Data: {line}.", line=wording.freshness_line(fresh)))
    warning = wording.stale_warning(fresh)
    if warning:
        st.warning(warning, icon="🕒")
    settings.to_url()


_KINDS = {"state": N_("state"), "municipality": N_("municipality"), "locality": N_("town"), "corridor": N_("corridor")}


def _label(f) -> str:
    kind = _(_KINDS[f.kind])
    where = (_("in {municipality}, {state}", municipality=f.municipality, state=f.state_name) if f.municipality
             else ("" if f.kind in ("state", "corridor") else f.state_name))
    return f"{f.name} ({kind}{', ' + where if where else ''})"


def find_place(page: str) -> None:
    """One search box on every page: accents, case and common misspellings forgiven; a state
    opens its profile, a municipality or town the place profile (of the municipality it lies
    in), a corridor the Corridors page."""
    text = st.text_input(_("Find a place"), key=f"{page}_find", placeholder="Cancún, Tijuana, Jalisco, Fed. 57 ...")
    if not text.strip():
        return
    found = data.find_places(text)
    if not found:
        st.caption(_("No state, municipality, town or corridor matches that."))
        return
    labels = {_label(f): f for f in found}
    pick = st.selectbox(_("Matches"), list(labels), key=f"{page}_find_pick")
    if st.button(_("Go to this place"), key=f"{page}_find_go"):
        f = labels[pick]
        if f.kind == "corridor":
            settings.put("corridor", f.code)
            settings.to_url()
            st.switch_page("views/corridors.py")
        settings.put("state", f.state_code)
        if f.kind in ("municipality", "locality") and len(f.code) == 5:
            settings.put("place", f.code)
            if f.kind == "locality":
                st.session_state["_found_place"] = _("{town} lies in the municipality of {municipality}.",
                                                     town=f.name, municipality=f.municipality)
            settings.to_url()
            st.switch_page("views/place_profile.py")
        settings.to_url()
        st.switch_page("views/state_profile.py")


def configured_analyst_key() -> str | None:
    """The analyst key a team server is started with: ``$RISK_ANALYST_KEY``, else
    ``st.secrets["analyst_key"]``; None on a local single-user server (no key set)."""
    key = os.environ.get("RISK_ANALYST_KEY")
    if not key:
        try:
            key = st.secrets.get("analyst_key")
        except Exception:  # no secrets.toml (the usual local case) or an unreadable one
            key = None
    return str(key) if key else None


def analyst_unlocked() -> bool:
    """Whether this session may import and remove batches: always without a configured key;
    with one, only once the same key is typed in the sidebar's password field."""
    key = configured_analyst_key()
    if key is None:
        return True
    with st.sidebar:
        typed = st.text_input(_("Analyst key"), type="password", key="analyst_key",
                              help=_("This server is shared: importing and removing batches needs the analyst key."))
    return bool(typed) and hmac.compare_digest(typed.encode("utf-8"), key.encode("utf-8"))
