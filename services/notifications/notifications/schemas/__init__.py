"""Request and response schemas of the notifications API (marshmallow, in the OpenAPI)."""
