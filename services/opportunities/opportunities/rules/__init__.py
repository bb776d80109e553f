"""Business rules of opportunities: plain Python, no I/O, time is an argument."""
