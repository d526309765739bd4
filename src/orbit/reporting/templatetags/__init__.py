"""Template filters of the results report."""
