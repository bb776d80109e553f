"""CRM notifications: who is told what, on which channel, and when."""
