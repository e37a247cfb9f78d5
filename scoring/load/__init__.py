"""Raw files -> the DuckDB store: the build, the importers, the derived tables and the checks on them."""
