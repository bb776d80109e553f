"""Compensation: targets, performance and what people earn."""
