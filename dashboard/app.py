"""Entry point: ``streamlit run dashboard/app.py``. A router and nothing else.

Pages live in ``dashboard/views/`` (not ``pages/``, which would switch on Streamlit's legacy
auto-discovery). Add a page by appending an ``st.Page`` to ``PAGES``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

# `streamlit run` puts dashboard/ on sys.path, not the repository root; pages import
# `dashboard.*` and `scoring.*` from the root.
# (abspath, not Path.resolve: this runs on every rerun, and resolving the links was 3 % of one)
ROOT = Path(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard import settings  # noqa: E402  (after the path fix above)
from dashboard.i18n import _  # noqa: E402

VIEWS = "views"  # relative to this file (Streamlit resolves page paths against the entry script)

# Icons are emoji (rendered locally as an inline SVG favicon); a ":material/...:" icon would
# make the browser fetch a font from Google.
# The run's language first (the URL's ?lang=, else the browser's): page titles are translated.
settings.language()
PAGES = [
    st.Page(f"{VIEWS}/risk_map.py", title=_("Risk map"), icon="🗺️", url_path="risk-map", default=True),
    st.Page(f"{VIEWS}/state_profile.py", title=_("State profile"), icon="📍", url_path="state"),
    st.Page(f"{VIEWS}/place_profile.py", title=_("Place profile"), icon="🏘️", url_path="place"),
    st.Page(f"{VIEWS}/compare.py", title=_("Compare"), icon="⚖️", url_path="compare"),
    st.Page(f"{VIEWS}/corridors.py", title=_("Corridors"), icon="🛣️", url_path="corridors"),
    st.Page(f"{VIEWS}/what_changed.py", title=_("What changed"), icon="🔔", url_path="changes"),
    st.Page(f"{VIEWS}/weights.py", title=_("Weights & methods"), icon="🎚️", url_path="weights"),
    st.Page(f"{VIEWS}/events_data.py", title=_("Events & data"), icon="🗂️", url_path="events"),
]

from dashboard import data  # noqa: E402  (after the sys.path fix above)

data.warm_up_in_background()     # the default results, computed while the first visitor's browser loads
pg = st.navigation(PAGES)
# No page_title here: each page's st.Page title names the browser tab.
st.set_page_config(page_icon="🗺️", layout="wide")
pg.run()
