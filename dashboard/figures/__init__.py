"""Figure builders (plotly) and the HTML brief: ``maps`` (the state map), ``charts`` (score and
data charts), ``palette`` (level and series colours), ``brief`` (a state's HTML briefing).
None of them imports streamlit."""
