"""Which outbound URLs and addresses the service may call (server-side request forgery policy).

Pure: the caller resolves DNS and passes the answers in; this module decides.
A URL is refused unless it is http(s), has no userinfo, names its host in a
canonical form, and every address the host resolves to is public. An admin
allow-list (host names, addresses or networks) lets on-premises systems in.

Numeric hosts in the forms ``inet_aton`` accepts (``2130706433``, ``0177.0.0.1``,
``0x7f.1``, ``127.1``) are refused outright whatever they mean: resolvers and
HTTP libraries disagree on them, which is exactly what the tricks rely on.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

# Named here so a refusal says what the address is, beyond "not public".
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
TEREDO = ipaddress.ip_network("2001::/32")

# Host names that always mean this machine or a private zone, refused before DNS.
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")

_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_HOST_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")


class Refused(ValueError):
    """A URL or address the service will not call, and why (shown to admins)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AllowList:
    """Hosts, addresses and networks an admin lets the service call although not public."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """Build from text entries: ``erp.corp.example``, ``10.0.0.5``, ``10.1.0.0/16``.

        Raises ``Refused`` naming an entry that is none of these.
        """
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if not all(_HOST_LABEL.match(label) for label in entry.split(".")):
                raise Refused(f"{raw!r} is neither a host name, an address nor a network")
            hosts.add(entry)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        """True when ``host`` (a name) is allow-listed by name."""
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        """True when ``address`` lies in an allow-listed network."""
        return any(address.version == net.version and address in net for net in self.networks)


NOTHING_ALLOWED = AllowList()


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to ask for."""

    url: str
    scheme: str
    host: str  # lower-case name, or the address text for a literal
    port: int
    path: str  # path and query, at least "/"
    address: IPAddress | None  # set when the URL names an address literally
    allow_listed: bool  # the host name itself is on the admin allow-list

    @property
    def host_header(self) -> str:
        """The ``Host`` header value (port only when not the scheme's default)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port != DEFAULT_PORTS[self.scheme]:
            return f"{host}:{self.port}"
        return host


def address_problem(address: IPAddress) -> str | None:
    """Why ``address`` must not be called, or None when it is a public address."""
    if address in METADATA_ADDRESSES:
        return f"{address} is a cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_v4(address)
        if embedded is not None:
            inner = address_problem(embedded)
            if inner is not None:
                return f"{address} embeds an IPv4 address: {inner}"
    if address.is_unspecified:
        return f"{address} is the unspecified address"
    if address.is_loopback:
        return f"{address} is a loopback address"
    if address.is_link_local:
        return f"{address} is a link-local address"
    if address.is_multicast:
        return f"{address} is a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in CGNAT:
        return f"{address} is a carrier-grade NAT address"
    if address.is_private:
        return f"{address} is a private address"
    if address.is_reserved:
        return f"{address} is a reserved address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return f"{address} is a site-local address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in SIX_TO_FOUR:
        return address.sixtofour
    if address in TEREDO and address.teredo is not None:
        server, client = address.teredo
        # The client is the interesting one; the server must be public too.
        return client if address_problem(client) is not None else server
    if address in NAT64 or address in NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    packed = int(address)
    # IPv4-compatible (::a.b.c.d, deprecated): the top 96 bits are zero.
    if packed >> 32 == 0 and packed > 1:
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    return None


def _looks_numeric(host: str) -> bool:
    labels = host.split(".")
    return 1 <= len(labels) <= 4 and all(_NUMERIC_LABEL.match(label) for label in labels)


def parse_url(
    url: str, *, require_https: bool = False, allow: AllowList = NOTHING_ALLOWED
) -> Target:
    """Check a URL's form and literal address before any DNS lookup.

    ``require_https`` refuses plain http except for allow-listed hosts (test
    receivers and on-premises systems). Raises ``Refused`` with the reason.
    """
    if not isinstance(url, str) or not url:
        raise Refused("a URL is required")
    if len(url) > 2048:
        raise Refused("the URL is longer than 2048 characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url) or "\\" in url:
        raise Refused("the URL contains spaces, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"the URL cannot be parsed: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise Refused(f"only http and https URLs may be called, not {scheme or 'no scheme'!r}")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise Refused("the URL must not carry a user name or password (userinfo)")
    raw_host = parts.hostname
    if not raw_host:
        raise Refused("the URL has no host")
    # NFKC first: IDNA would turn fullwidth or circled digits into a numeric host.
    host = unicodedata.normalize("NFKC", raw_host).rstrip(".").lower()
    if "%" in host:
        raise Refused("the URL's host must not carry an IPv6 zone or percent-encoding")
    address: IPAddress | None = None
    if parts.netloc.split(":")[0].startswith("[") or ":" in host:
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise Refused(f"{host!r} is not an IPv6 address") from exc
    elif _looks_numeric(host):
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError:
            raise Refused(
                f"{raw_host!r} is a numeric host in a non-standard form "
                "(decimal, octal, hex or short)"
            ) from None
    else:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise Refused(f"{raw_host!r} is not a valid host name") from exc
        if not all(_HOST_LABEL.match(label) for label in host.split(".")):
            raise Refused(f"{raw_host!r} is not a valid host name")
    allow_listed = address is None and allow.allows_host(host)
    address_allowed = address is not None and allow.allows_address(address)
    if scheme != "https" and require_https and not allow_listed and not address_allowed:
        raise Refused("the URL must use https")
    if address is not None:
        check_address(address, allow)
    elif not allow_listed and (host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES)):
        raise Refused(f"{host} names a local or private zone")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(
        url=url,
        scheme=scheme,
        host=str(address) if address is not None else host,
        port=port if port is not None else DEFAULT_PORTS[scheme],
        path=path,
        address=address,
        allow_listed=allow_listed,
    )


def check_address(address: IPAddress, allow: AllowList = NOTHING_ALLOWED) -> None:
    """Raise ``Refused`` unless ``address`` is public or in an allow-listed network."""
    if allow.allows_address(address):
        return
    problem = address_problem(address)
    if problem is not None:
        raise Refused(problem)


def check_resolved(
    target: Target, addresses: Iterable[str], allow: AllowList = NOTHING_ALLOWED
) -> list[IPAddress]:
    """Check every address ``target``'s host resolved to; return them parsed.

    One bad answer refuses the lot: a resolver mixing a public and a private
    answer is how rebinding attacks pick the private one later.
    """
    parsed: list[IPAddress] = []
    for text in addresses:
        try:
            address = ipaddress.ip_address(text.split("%")[0])
        except ValueError as exc:
            raise Refused(f"{target.host} resolved to {text!r}, which is not an address") from exc
        if not target.allow_listed:
            try:
                check_address(address, allow)
            except Refused as exc:
                raise Refused(f"{target.host} resolves to {exc.reason}") from None
        parsed.append(address)
    if not parsed:
        raise Refused(f"{target.host} does not resolve to any address")
    return parsed
