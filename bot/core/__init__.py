"""Building blocks every layer may use: time, zones, places, parsing, settings, HTML checks."""
