"""The orders business rules: plain Python, one module per concept, time as an argument."""
