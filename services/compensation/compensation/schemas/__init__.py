"""What the compensation API accepts and returns, one module per capability (as ``api/``)."""
