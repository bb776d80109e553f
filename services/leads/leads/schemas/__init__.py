"""Marshmallow schemas of the leads API, one module per blueprint (the same names as ``api/``)."""
