"""Tables -> scores, with no file I/O: indicators, normalisation, aggregation, uncertainty, explanations."""
