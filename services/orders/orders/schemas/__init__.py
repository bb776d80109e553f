"""What the orders API accepts and returns, one module per capability (as api/)."""
