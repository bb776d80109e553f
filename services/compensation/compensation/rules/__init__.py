"""The compensation rules: plain Python, no Flask, SQL, bus or clock reads.

One module per concept: ``periods`` (months, quarters, years), ``performance``
(figures, achievement, the weighted scorecard), ``targets`` (levels,
allocation, who may declare), ``commission`` (marginal tiers, caps, splits,
clawback) and ``ranking`` (leaderboards).
"""
