"""The event store: table definitions (schema) and the only code that opens DuckDB files (store)."""
