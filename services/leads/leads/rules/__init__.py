"""The leads service's business rules: plain Python, one module per concept.

No Flask, SQL, bus or clock reads here (time is an argument), so each rule
tests in milliseconds; ``tests/layout/test_rules_purity.py`` keeps it so.
"""
