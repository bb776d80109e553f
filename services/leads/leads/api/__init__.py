"""HTTP routes of the leads service, one module per blueprint: parse, call, respond.

Each module's schemas are in the module of the same name in ``schemas/``.
"""

from __future__ import annotations

from . import assignment, campaigns, forms, leads, scoring, sources

BLUEPRINTS = [leads.blp, campaigns.blp, sources.blp, forms.blp, scoring.blp, assignment.blp]
