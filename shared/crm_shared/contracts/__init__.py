"""JSON Schemas of every event, one file per type and version."""
