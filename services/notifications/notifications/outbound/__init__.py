"""Outbound HTTP: the one delivery mechanism, the SSRF-checked calls and webhook signing."""
