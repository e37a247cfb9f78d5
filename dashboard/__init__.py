"""The Streamlit dashboard: ``app.py`` (router), ``views/`` (pages), ``sidebar.py`` (shared controls),
``settings.py`` (the user's choices, mirrored in the URL), ``data.py`` (the only data access and
caching) and ``figures/`` (figure and brief builders, no streamlit)."""

import pandas as _pd

# Strings in the dashboard's frames are stored as Python objects, not Arrow arrays: the pages
# filter and reorder small frames (tens to thousands of rows) many times per rerun, and Arrow's
# `take` costs a fixed ~0.1 ms per column and call, which made up a fifth of a rerun's time (a
# sampling profile of the weights page); same `str` dtype and semantics either way.
_pd.set_option("mode.string_storage", "python")
