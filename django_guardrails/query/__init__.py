"""The query guard: capture every query of a unit of work, find N+1s and duplicates, report."""
