"""WSGI entry point: ``gunicorn 'crm_gateway.app:create_app()'``."""

from flask import Flask

from crm_shared.web import create_service_app

from .service import SERVICE


def create_app() -> Flask:
    """The gateway app, configured from the environment.

    It verifies its own tokens with the keys in its own database (wired by
    the service's ``init_app``), never over HTTP from itself.
    """
    return create_service_app(SERVICE)
