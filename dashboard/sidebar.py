"""The sidebar every scored page shares: profile, as-of date and window, mirrored in the URL."""

from __future__ import annotations

import datetime as dt
import hmac
import os

import streamlit as st

from dashboard import data, settings
from scoring.index import report
from scoring.index.weights import load_profile, profile_names

WINDOWS = {"3 months": 91, "6 months": 182, "1 year": 365, "2 years": 730}
EARLIEST_AS_OF = dt.date(2016, 1, 31)


def draw(page: str) -> None:
    """Draw the shared controls (widget keys are per page) and mirror them in the URL."""
    settings.init()
    latest = data.default_as_of()
    names = profile_names()
    with st.sidebar:
        find_place(page)
        st.markdown("### View")
        prof = st.selectbox("Profile", names, index=names.index(settings.get("profile")), key=f"{page}_profile",
                            format_func=str.capitalize, help="Who the weights serve; see Weights & methods.")
        if prof != settings.get("profile"):
            settings.put("pw", {})
            settings.put("iw", {})
        settings.put("profile", prof)
        st.caption(load_profile(prof).description)
        # a date past the data is honoured (each source's lag is shown), never clamped back
        today = dt.date.today()
        as_of = settings.get("as_of") or latest
        as_of = min(max(as_of, EARLIEST_AS_OF), max(today, latest))
        picked = st.date_input("As of", value=as_of, min_value=EARLIEST_AS_OF, max_value=max(today, latest),
                               key=f"{page}_as_of", help="Scores use the data up to this date; each source is "
                               f"scored on its own latest window. Latest month with official data: {latest:%Y-%m}.")
        settings.put("as_of", None if picked == latest else picked)
        labels = list(WINDOWS)
        current = next((k for k, v in WINDOWS.items() if v == int(settings.get("window"))), "1 year")
        win = st.select_slider("Window", labels, value=current, key=f"{page}_window",
                               help="How far back the data count; recent months weigh more (half-life).")
        settings.put("window", WINDOWS[win])
        base = st.toggle("Leave out imported batches", value=bool(settings.get("base")), key=f"{page}_base",
                         help="Score the data as built (official statistics, UCDP, seed articles) without any "
                              "file imported since: a view, nothing is removed.")
        settings.put("base", base)
        if settings.get("pw") or settings.get("iw") or settings.get("norm") or settings.get("agg") or settings.get("th"):
            st.info("Custom weights or methods are active (Weights & methods page).", icon="⚖️")
        fresh = data.freshness()
        st.caption("Data: " + report.freshness_line(fresh) + ".")
    warning = report.stale_warning(fresh)
    if warning:
        st.warning(warning, icon="🕒")
    settings.to_url()


def _label(f) -> str:
    kind = {"state": "state", "municipality": "municipality", "locality": "town", "corridor": "corridor"}[f.kind]
    where = f"in {f.municipality}, {f.state_name}" if f.municipality else ("" if f.kind in ("state", "corridor")
                                                                            else f.state_name)
    return f"{f.name} ({kind}{', ' + where if where else ''})"


def find_place(page: str) -> None:
    """One search box on every page: accents, case and common misspellings forgiven; a state
    opens its profile, a municipality or town the place profile (of the municipality it lies
    in), a corridor the Corridors page."""
    text = st.text_input("Find a place", key=f"{page}_find", placeholder="Cancún, Tijuana, Jalisco, Fed. 57 ...")
    if not text.strip():
        return
    found = data.find_places(text)
    if not found:
        st.caption("No state, municipality, town or corridor matches that.")
        return
    labels = {_label(f): f for f in found}
    pick = st.selectbox("Matches", list(labels), key=f"{page}_find_pick")
    if st.button("Go to this place", key=f"{page}_find_go"):
        f = labels[pick]
        if f.kind == "corridor":
            settings.put("corridor", f.code)
            settings.to_url()
            st.switch_page("views/corridors.py")
        settings.put("state", f.state_code)
        if f.kind in ("municipality", "locality") and len(f.code) == 5:
            settings.put("place", f.code)
            if f.kind == "locality":
                st.session_state["_found_place"] = f"{f.name} lies in the municipality of {f.municipality}."
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
        typed = st.text_input("Analyst key", type="password", key="analyst_key",
                              help="This server is shared: importing and removing batches needs the analyst key.")
    return bool(typed) and hmac.compare_digest(typed.encode("utf-8"), key.encode("utf-8"))
