"""One parser per import format: raw rows -> normalised rows for one table, and rejects."""
