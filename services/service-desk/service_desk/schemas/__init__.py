"""Marshmallow schemas of the service desk, the same modules as api/."""
