"""Risk scoring for organised-crime violence in Mexico's states and corridors.

The package is pure Python: DuckDB is touched only in :mod:`scoring.store` and the
loaders; Streamlit is never imported here. The dashboard calls this package's API.
"""

__version__ = "0.1.0"
