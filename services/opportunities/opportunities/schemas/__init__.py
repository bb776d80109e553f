"""Marshmallow schemas of the opportunities API, one module per capability."""
