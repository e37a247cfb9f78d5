"""Named exceptions. Each one is raised for a user's data or options, never for a bug."""

from __future__ import annotations


class RiskError(Exception):
    """Base class of the errors a user can fix; the command line prints them and exits 2."""

    exit_code = 2


class DataError(RiskError):
    """A file the user or the repository supplies is malformed.

    Carries the file, the 1-based line (counting the header as line 1) and the field, so
    the message can say exactly where to look.
    """

    def __init__(self, file, message: str, *, line: int | None = None, field: str | None = None):
        self.file = str(file)
        self.line = line
        self.field = field
        self.detail = message
        where = self.file
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")


class FormatError(RiskError):
    """A file cannot be read at all, or is not of the format asked for."""


class OptionError(RiskError):
    """A command-line option, weights file or API argument is invalid."""
