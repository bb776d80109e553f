"""WSGI entry point: ``gunicorn 'notifications.app:create_app()'``."""

from flask import Flask

from crm_shared.web import create_service_app

from .service import SERVICE


def create_app() -> Flask:
    """The notifications web app, configured from the environment."""
    return create_service_app(SERVICE)
