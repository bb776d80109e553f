"""The gateway as the shared runtime sees it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Flask, jsonify, request

from crm_shared.config import DEFAULT_PORTS, Env, service_url
from crm_shared.db import utcnow
from crm_shared.service import Job, ServiceSpec

from .models import metadata


def _settings(env: Env) -> dict[str, Any]:
    from .rules.throttle import ThrottlePolicy

    urls = {name: service_url(env, name) for name in DEFAULT_PORTS if name != "gateway"}
    secret_env = {
        name: env.str(name, None)
        for name in ("CRM_GATEWAY_KEY_ENCRYPTION_KEY", "CRM_GATEWAY_KEY_ENCRYPTION_KEY_FILE")
    }
    return {
        # Read (the file opened) only where keys are used: web and migrate.
        "key_encryption": secret_env,
        "service_urls": urls,
        "routes_ttl": env.float("CRM_GATEWAY_ROUTES_TTL", 30.0, min=0.1),
        "retry_seconds": env.float("CRM_PROXY_RETRY_SECONDS", 5.0, min=0.0),
        "anonymous_body_bytes": env.int("CRM_GATEWAY_ANONYMOUS_BODY_BYTES", 64 * 1024, min=1024),
        "token_ttl": env.int("CRM_ACCESS_TOKEN_TTL", 900, min=60, max=86400),
        "admin_username": env.str("CRM_ADMIN_USERNAME", "admin"),
        "admin_password": env.str("CRM_ADMIN_PASSWORD", None),
        "connect_timeout": env.float("CRM_PROXY_CONNECT_TIMEOUT", 2.0, min=0.1),
        "read_timeout": env.float("CRM_PROXY_READ_TIMEOUT", 30.0, min=0.1),
        "throttle": ThrottlePolicy(
            per_user=env.int("CRM_LOGIN_MAX_FAILURES", 5, min=1),
            per_client=env.int("CRM_LOGIN_MAX_CLIENT_FAILURES", 20, min=1),
            per_user_any_address=env.int("CRM_LOGIN_MAX_USER_FAILURES_ANYWHERE", 50, min=1),
            free_failures=env.int("CRM_LOGIN_FREE_FAILURES", 2, min=0),
            first_delay=env.float("CRM_LOGIN_FIRST_DELAY", 1.0, min=0.0),
        ),
        "refresh_ttl": env.int("CRM_REFRESH_TOKEN_TTL", 14 * 86400, min=300),
        # Longer than a service's background JWKS refresh (300 s) plus slack.
        "key_publish_ahead": env.int("CRM_SIGNING_KEY_PUBLISH_AHEAD", 360, min=0),
        "api_key_token_ttl": env.int("CRM_API_KEY_TOKEN_TTL", 120, min=30, max=900),
        "max_upload_bytes": env.int("CRM_GATEWAY_MAX_BODY_BYTES", 64 * 1024 * 1024, min=1024),
        # host:port of the keys listener (keys_listener.py); empty: none.
        "keys_bind": env.str("CRM_GATEWAY_KEYS_BIND", ""),
        # The built web console; unset means the checkout's console/dist.
        "console_dir": env.str("CRM_CONSOLE_DIR", None),
    }


def _blueprints():  # imported late: routes pull in the whole app
    from .api import api_keys, auth, teams, users
    from .approvals_inbox import inbox

    return [auth, users, teams, api_keys, inbox]


def _init_app(app: Flask) -> None:
    import urllib3

    from crm_shared.auth import Revocations
    from crm_shared.errors import Problem
    from crm_shared.web import api_resources, public, service_context

    from .accounts import standing
    from .api_keys import KeyExchange, presented_key
    from .console import console_dir, install_console
    from .keys import KeyRing, make_cipher
    from .models import ApiKey
    from .openapi import MergedSpec
    from .proxy import Proxy
    from .routing import RoutingTable

    ctx = service_context(app)
    extra = ctx.settings.extra
    # Proxied bodies (imports) may be larger than the gateway's own JSON;
    # each service enforces its own limit.
    app.config["MAX_CONTENT_LENGTH"] = extra["max_upload_bytes"]
    cipher = make_cipher(extra["key_encryption"], embedded=ctx.settings.is_sqlite)
    keyring = KeyRing(ctx.db, cipher, extra["token_ttl"])
    app.extensions["crm.key_cipher"] = cipher
    app.extensions["crm.keyring"] = keyring
    ctx.verifier.resolve_key = keyring.public_key
    ctx.verifier.key_source = None  # its own keys, from its database: nothing to fetch
    # The gateway owns the users: a revocation counts here at once (no cache).
    ctx.verifier.revocations = Revocations(standing(ctx.db), ttl=0)
    pool = urllib3.PoolManager(num_pools=max(len(extra["service_urls"]), 1), maxsize=32)
    routes = RoutingTable(extra["service_urls"], pool=pool, ttl=extra["routes_ttl"])
    app.extensions["crm.routes"] = routes
    # Ready only when every service behind the gateway answers.
    app.extensions.setdefault("crm.readiness", []).append(routes.readiness)

    def authenticated(token: str) -> bool:
        try:
            ctx.verifier.verify(token)
        except Problem:
            return False
        return bool(token)

    proxy = Proxy(
        routes,
        connect_timeout=extra["connect_timeout"],
        read_timeout=extra["read_timeout"],
        pool=pool,
        authenticated=authenticated,
        anonymous_body_bytes=extra["anonymous_body_bytes"],
        retry_seconds=extra["retry_seconds"],
        own_resources=frozenset(api_resources(app, SERVICE)),
    )
    merged = MergedSpec(extra["service_urls"])
    api = app.extensions["crm.api"]

    @public
    def openapi_json() -> Any:
        return jsonify(merged.document(api.spec.to_dict()))

    def sign_for_key(key: ApiKey, ttl: int) -> str:
        now = utcnow()
        return keyring.sign(
            {
                "sub": str(key.id),
                "username": f"api-key:{key.name}",
                "roles": [key.role],
                "team_id": None,
                "iss": ctx.settings.jwt_issuer,
                "aud": ctx.settings.jwt_audience,
                "iat": now.timestamp(),
                "exp": now + timedelta(seconds=ttl),
                "jti": uuid.uuid4().hex,
                "api_key": True,
            }
        )

    exchange = KeyExchange(ctx.db, sign_for_key, extra["api_key_token_ttl"])
    app.extensions["crm.key_exchange"] = exchange

    @public
    def forward(path: str) -> Any:
        key = presented_key(request.headers)
        if key is not None:
            # Services verify one kind of credential: swap the key for a token.
            token = exchange.token_for(key, path.split("/", 1)[0])
            request.environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            request.environ.pop("HTTP_X_API_KEY", None)
        return proxy.forward()

    # The body streams on to the service unread; the service checks it.
    forward._crm_raw_body = True  # type: ignore[attr-defined]

    app.add_url_rule("/api/v1/openapi.json", "merged_openapi", openapi_json, methods=["GET"])
    app.add_url_rule(
        "/api/v1/<path:path>",
        "proxy",
        forward,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"],
    )
    app.add_url_rule("/.well-known/jwks.json", "well_known_jwks", lambda: jsonify(keyring.jwks()))
    public(app.view_functions["well_known_jwks"])
    install_console(app, console_dir(extra["console_dir"]))


def _jobs() -> list[Job]:
    from .accounts import prune_login_attempts

    return [Job("prune-login-attempts", 3600, prune_login_attempts)]


def _bootstrap(db: Any, settings: Any) -> None:
    from .accounts import bootstrap

    bootstrap(db, settings)


SERVICE = ServiceSpec(
    name="gateway",
    import_name="crm_gateway",
    title="CRM API",
    metadata=metadata,
    blueprints=_blueprints,
    port=DEFAULT_PORTS["gateway"],
    extra_settings=_settings,
    init_app=_init_app,
    jobs=_jobs,
    bootstrap=_bootstrap,
    publishes=("user.created", "user.updated", "team.created", "team.updated"),
    # The gateway owns users and teams; it keeps no copy of its own events.
    keeps_directory=False,
)
