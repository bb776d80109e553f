"""Orders: what customers buy and pay for."""
