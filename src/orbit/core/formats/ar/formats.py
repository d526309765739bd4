"""Arabic: Django names the separators but no grouping; large numbers in reports are grouped by thousands."""

NUMBER_GROUPING = 3
