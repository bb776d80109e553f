"""The gateway: one API surface, one login, for every client app."""
