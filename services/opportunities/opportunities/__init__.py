"""Opportunities: the deals reps work toward."""
