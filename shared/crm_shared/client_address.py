"""The client's address: the socket's peer, or what a trusted proxy says it saw.

``X-Forwarded-For`` is a claim anyone can send. It is believed only when the
request comes from a configured proxy (``CRM_<SERVICE>_TRUSTED_PROXIES``,
else ``CRM_TRUSTED_PROXIES``: addresses or networks, comma-separated, empty
by default), and then only as far back as the chain of trusted proxies goes:
the first untrusted hop from the right is the client. Every per-address rate
limit reads :func:`client_address`, so a made-up header sent straight to a
service does not buy a fresh allowance.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask import current_app, has_app_context, request

from .config import ConfigError, env_prefix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class TrustedProxies:
    """The networks whose ``X-Forwarded-For`` is believed."""

    networks: tuple[Network, ...] = ()

    def trusts(self, address: str | None) -> bool:
        """True when ``address`` is one of the trusted proxies."""
        parsed = _parse_address(address)
        return parsed is not None and any(parsed in net for net in self.networks)

    def client(self, peer: str | None, forwarded_for: str | None) -> str:
        """The client's address given the socket ``peer`` and an ``X-Forwarded-For`` value."""
        if not peer:
            return "unknown"
        if not forwarded_for or not self.trusts(peer):
            return peer
        current = peer
        for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
            if _parse_address(hop) is None:
                # A malformed entry: nothing left of it can be believed.
                return current
            current = hop
            if not self.trusts(hop):
                return hop
        return current


def _parse_address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not value:
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def parse_trusted_proxies(value: str, *, variable: str = "CRM_TRUSTED_PROXIES") -> TrustedProxies:
    """Parse ``"10.0.0.0/8, 192.0.2.7"``; raise :class:`ConfigError` naming a bad entry."""
    networks: list[Network] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ConfigError(f"{variable}: {item!r} is not an address or network") from exc
    return TrustedProxies(tuple(networks))


def trusted_proxies_from_env(
    service: str, environ: Mapping[str, str] | None = None
) -> TrustedProxies:
    """The trusted proxies: ``CRM_<SERVICE>_TRUSTED_PROXIES``, else ``CRM_TRUSTED_PROXIES``."""
    env = os.environ if environ is None else environ
    own = f"{env_prefix(service)}_TRUSTED_PROXIES"
    if env.get(own) is not None:
        return parse_trusted_proxies(env[own], variable=own)
    return parse_trusted_proxies(env.get("CRM_TRUSTED_PROXIES", ""))


def install_trusted_proxies(app: object, proxies: TrustedProxies | Iterable[str]) -> None:
    """Keep ``proxies`` on ``app`` for :func:`client_address`."""
    if not isinstance(proxies, TrustedProxies):
        proxies = parse_trusted_proxies(",".join(proxies))
    app.extensions["crm.trusted_proxies"] = proxies  # type: ignore[attr-defined]


def client_address() -> str:
    """The current request's client address (see the module's rules)."""
    proxies = TrustedProxies()
    if has_app_context():
        proxies = current_app.extensions.get("crm.trusted_proxies", proxies)
    return proxies.client(request.remote_addr, request.headers.get("X-Forwarded-For"))[:64]
