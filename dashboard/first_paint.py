"""The session's first map as a picture while plotly.js loads.

A visitor's browser needs 1.5-2 s on a 2-core machine to fetch, compile and start plotly.js
(4.7 MB) before any plotly map can draw. The first map of a session (whatever page it is on) is
therefore preceded, in the same box, by the same map as an SVG picture drawn as soon as the page
arrives; the interactive map is drawn over it and the picture hidden (CSS in
:mod:`dashboard.sidebar`: ``[class*="st-key-mapbox"]``). Later maps of the session need no
picture: plotly.js is loaded in that tab by then.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.figures import maps


def map_box(key: str, picture: Callable[[], str], alt: str):
    """A container (key ``mapbox...``) to draw a plotly map in; on the session's first map it
    holds ``picture()`` (an SVG document) first. Use: ``with map_box(...): st.plotly_chart(...)``."""
    assert key.startswith("mapbox"), key
    box = st.container(key=key)
    if not st.session_state.get("_map_painted"):
        st.session_state["_map_painted"] = True
        with box:
            st.markdown(maps.svg_image_markdown(picture(), alt))
    return box
