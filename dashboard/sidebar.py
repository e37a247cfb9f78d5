"""The sidebar controls every scored page shares: profile, as-of date and window."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import scores
from dashboard import state as ui
from scoring.index.weights import load_profile, profile_names

WINDOWS = {"3 months": 91, "6 months": 182, "1 year": 365, "2 years": 730}


def sidebar(page: str) -> None:
    """Draw the shared controls (widget keys are per page) and mirror them in the URL."""
    ui.init()
    latest = scores.default_as_of()
    names = profile_names()
    with st.sidebar:
        st.markdown("### View")
        prof = st.selectbox("Profile", names, index=names.index(ui.get("profile")), key=f"{page}_profile",
                            format_func=str.capitalize, help="Who the weights serve; see Weights & methods.")
        if prof != ui.get("profile"):
            ui.put("pw", {})
            ui.put("iw", {})
        ui.put("profile", prof)
        st.caption(load_profile(prof).description)
        as_of = ui.get("as_of") or latest
        as_of = min(max(as_of, dt.date(2016, 1, 31)), latest)
        picked = st.date_input("As of", value=as_of, min_value=dt.date(2016, 1, 31), max_value=latest,
                               key=f"{page}_as_of", help="Scores use the data up to this date. "
                               f"Latest month with official data: {latest:%Y-%m}.")
        ui.put("as_of", None if picked == latest else picked)
        labels = list(WINDOWS)
        current = next((k for k, v in WINDOWS.items() if v == int(ui.get("window"))), "1 year")
        win = st.select_slider("Window", labels, value=current, key=f"{page}_window",
                               help="How far back the data count; recent months weigh more (half-life).")
        ui.put("window", WINDOWS[win])
        if ui.get("pw") or ui.get("iw") or ui.get("norm") or ui.get("agg") or ui.get("th"):
            st.info("Custom weights or methods are active (Weights & methods page).", icon="⚖️")
    ui.to_url()
