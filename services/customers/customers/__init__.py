"""Customers: accounts and the people who own them."""
