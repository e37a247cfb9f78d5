"""The Streamlit dashboard: ``app.py`` (router), ``views/`` (pages), ``sidebar.py`` (shared controls),
``settings.py`` (the user's choices, mirrored in the URL), ``data.py`` (the only data access and
caching) and ``figures/`` (figure and brief builders, no streamlit)."""
