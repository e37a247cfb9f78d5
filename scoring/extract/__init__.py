"""From a news article to candidate events (issue 14): read the text safely, detect its
language, find the events it reports with their dates, places, counts, types and actors, each
field with the span of text it came from and a confidence.

``scoring.extract`` may import ``scoring.load`` and ``scoring.db``; never ``scoring.index``
or ``dashboard``. Nothing here writes to a database: :mod:`scoring.extract.accept` turns
reviewed candidates into an events file that goes through the ordinary import path.
"""
