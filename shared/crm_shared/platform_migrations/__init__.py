"""Schema history of the platform tables every service carries."""
