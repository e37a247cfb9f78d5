"""The session's first map as a picture while plotly.js loads, and plotly.js asked for last.

A visitor's browser needs 1.5-2 s on a 2-core machine to fetch, compile and start plotly.js
(4.7 MB) before any plotly map can draw, and while it compiles, the page's other widgets (a
select box, a data grid) wait as grey skeletons for their own small chunks of code. So the first
map of a session (whatever page it is on) is drawn in two runs:

1. the first run sends the map as an SVG picture and no plotly element: the page's widgets load
   their code at once; a fragment timer (:data:`DELAY`) then asks for a rerun;
2. that rerun sends the picture again (so it stays on screen) and the plotly map; the picture is
   hidden by CSS once plotly has drawn over it (:mod:`dashboard.sidebar`: ``[class*="st-key-mapbox"]``).

Later maps of the session need neither: plotly.js is loaded in that tab by then. Any rerun the
visitor causes in between (a click) does step 2 at once.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.figures import maps

DELAY = 0.4   # s after the first run reaches the browser; its widgets' code loads meanwhile


@st.fragment(run_every=DELAY)
def _then_the_map() -> None:
    """Runs once with the page (arming the timer), then on the timer: a rerun of the whole page,
    once, while the map is still waiting."""
    if st.session_state.get("_map_stage") != "waiting":
        return
    if st.session_state.get("_map_armed"):
        st.rerun(scope="app")
    st.session_state["_map_armed"] = True


def map_box(key: str, picture: Callable[[], str], alt: str):
    """(a container keyed ``mapbox...``, whether to draw the plotly map in it this run). On the
    session's first map the container holds ``picture()`` (an SVG document) first. Use::

        box, ready = first_paint.map_box(...)
        with box:
            if ready:
                st.plotly_chart(...)
    """
    assert key.startswith("mapbox"), key
    box = st.container(key=key)
    stage = st.session_state.get("_map_stage")
    if stage == "done":
        return box, True
    with box:
        st.markdown(maps.svg_image_markdown(picture(), alt))
    if stage is None:
        st.session_state["_map_stage"] = "waiting"
        _then_the_map()
        return box, False
    st.session_state["_map_stage"] = "done"
    return box, True
