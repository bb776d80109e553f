"""The service desk's business rules: plain Python, one module per concept."""
