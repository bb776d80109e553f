"""The service desk: after-sales tickets and satisfaction."""
