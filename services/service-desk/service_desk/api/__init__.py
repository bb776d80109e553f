"""HTTP routes of the service desk, one module per capability."""
