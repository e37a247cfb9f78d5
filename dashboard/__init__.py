"""The Streamlit dashboard: ``app.py`` (router), ``views/`` (pages), ``data.py`` (data access), ``charts.py`` (figures)."""
