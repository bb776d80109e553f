"""WSGI entry point: ``gunicorn 'crm_gateway.app:create_app()'``."""

from flask import Flask

from crm_shared.web import create_service_app, service_context

from . import keys_listener
from .service import SERVICE


def create_app() -> Flask:
    """The gateway app, configured from the environment.

    It verifies its own tokens with the keys in its own database (wired by
    the service's ``init_app``), never over HTTP from itself. With
    ``CRM_GATEWAY_KEYS_BIND`` set, each web process also serves the signing
    keys on a listener of its own, so services fetching them never wait
    behind proxied traffic for one of gunicorn's threads.
    """
    app = create_service_app(SERVICE)
    bind = service_context(app).settings.extra["keys_bind"]
    if bind:
        app.extensions["crm.keys_listener"] = keys_listener.start(
            app.extensions["crm.keyring"], bind
        )
    return app
