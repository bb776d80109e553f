"""Mechanisms shared by every CRM service; no business rules live here."""
