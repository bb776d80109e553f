"""The customers service's business rules: plain Python, one module per concept.

Nothing here imports Flask, SQLAlchemy, kombu or the outbox, and nothing
reads the clock: time is an argument (a unit test keeps it so).
"""
