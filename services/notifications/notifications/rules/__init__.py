"""Pure rules of notifications: routing, preferences, templates, delivery arithmetic."""
