"""What the customers API accepts and returns: one module per API module of the same name."""
