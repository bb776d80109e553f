"""Unit tests of the SSRF policy: a fixed corpus of tricks, and hypothesis over address forms."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications.rules import ssrf
from notifications.rules.ssrf import AllowList, Refused, address_problem, check_resolved, parse_url

# Each is refused before any DNS lookup, whatever the allow-list of names.
REFUSED_URLS = [
    "ftp://example.com/",
    "file:///etc/passwd",
    "gopher://example.com/",
    "javascript:alert(1)",
    "//example.com/",
    "http://127.0.0.1/",
    "http://127.0.0.1.:8080/",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://api.localhost/",
    "http://printer.local/",
    "http://db.internal/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]/",
    "http://[::127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:c0a8:101::1]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[fc00::1]/",
    "http://[ff02::1]/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://0177.0.0.1/",
    "http://0x7f.0.0.1/",
    "http://0x7f.1/",
    "http://127.1/",
    "http://127.0.1/",
    "http://10.1/",
    "http://3232235777/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.170.2/",
    "http://100.64.0.1/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://192.0.0.1/",
    "http://198.18.0.1/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://user:pass@example.com/",
    "http://example.com@127.0.0.1/",
    "http://example.com:80@127.0.0.1/",
    "http://127.0.0.1#@example.com/",
    "http://127.0.0.1\\@example.com/",
    "http://exa mple.com/",
    "http://example.com\r\nHost: evil/",
    "http://%31%32%37.0.0.1/",
    "http://①②⑦.0.0.1/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_every_trick_in_the_corpus_is_refused(url: str) -> None:
    with pytest.raises(Refused):
        parse_url(url, allow=AllowList.parse(["example.com"]))


@pytest.mark.parametrize(
    ("url", "host", "port", "path"),
    [
        ("https://hooks.example.com/in?x=1", "hooks.example.com", 443, "/in?x=1"),
        ("https://HOOKS.Example.com./", "hooks.example.com", 443, "/"),
        ("http://93.184.215.14:8080", "93.184.215.14", 8080, "/"),
        ("https://[2606:4700::1111]/a", "2606:4700::1111", 443, "/a"),
        ("https://例子.测试/回调", "xn--fsqu00a.xn--0zwm56d", 443, "/回调"),
    ],
)
def test_public_urls_are_accepted_with_their_parts(
    url: str, host: str, port: int, path: str
) -> None:
    target = parse_url(url)
    assert (target.host, target.port, target.path) == (host, port, path)


def test_https_is_required_when_asked_except_for_allow_listed_hosts() -> None:
    with pytest.raises(Refused, match="https"):
        parse_url("http://hooks.example.com/", require_https=True)
    allow = AllowList.parse(["erp.corp.example", "10.8.0.0/16"])
    assert parse_url("http://erp.corp.example/", require_https=True, allow=allow).allow_listed
    assert parse_url("http://10.8.1.2/", require_https=True, allow=allow).address is not None
    with pytest.raises(Refused):
        parse_url("http://10.9.1.2/", require_https=True, allow=allow)


def test_names_resolving_to_private_addresses_are_refused() -> None:
    target = parse_url("https://hooks.example.com/")
    for answers in (
        ["10.0.0.5"],
        ["93.184.215.14", "127.0.0.1"],
        ["::ffff:192.168.0.1"],
        ["fd00:ec2::254"],
    ):
        with pytest.raises(Refused, match=r"hooks\.example\.com resolves to"):
            check_resolved(target, answers)
    with pytest.raises(Refused, match="does not resolve"):
        check_resolved(target, [])
    assert check_resolved(target, ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])


def test_an_allow_listed_name_may_resolve_to_a_private_address() -> None:
    allow = AllowList.parse(["erp.corp.example"])
    target = parse_url("https://erp.corp.example/hook", allow=allow)
    assert check_resolved(target, ["10.1.2.3"], allow) == [ipaddress.ip_address("10.1.2.3")]
    # The allow-listed name does not let other names through.
    other = parse_url("https://other.corp.example/hook", allow=allow)
    with pytest.raises(Refused):
        check_resolved(other, ["10.1.2.3"], allow)


def test_an_allow_list_entry_that_is_nothing_is_refused() -> None:
    with pytest.raises(Refused, match="neither"):
        AllowList.parse(["http://x/"])


def test_refusals_say_what_the_address_is() -> None:
    assert "metadata" in (address_problem(ipaddress.ip_address("169.254.169.254")) or "")
    assert "loopback" in (address_problem(ipaddress.ip_address("::ffff:127.0.0.1")) or "")
    assert "carrier-grade" in (address_problem(ipaddress.ip_address("100.100.1.1")) or "")
    assert address_problem(ipaddress.ip_address("8.8.8.8")) is None


# ---------------------------------------------------------------- hypothesis

PRIVATE_V4 = [
    ssrf.ipaddress.ip_network(n)
    for n in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "0.0.0.0/8",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
]


@st.composite
def private_v4(draw: st.DrawFn) -> ipaddress.IPv4Address:
    net = draw(st.sampled_from(PRIVATE_V4))
    offset = draw(st.integers(min_value=0, max_value=net.num_addresses - 1))
    return ipaddress.IPv4Address(int(net.network_address) + offset)


def v4_forms(address: ipaddress.IPv4Address) -> list[str]:
    """The ways inet_aton and friends spell one IPv4 address."""
    n = int(address)
    octets = [int(o) for o in str(address).split(".")]
    return [
        str(n),
        hex(n),
        "0" + oct(n)[2:],
        ".".join("0" + oct(o)[2:] if o else "0" for o in octets),
        ".".join(hex(o) for o in octets),
        f"{octets[0]}.{n & 0xFFFFFF}",
        f"{octets[0]}.{octets[1]}.{n & 0xFFFF}",
        f"[::ffff:{address}]",
        f"[::{address}]" if n > 1 else f"[::ffff:{address}]",
        f"[64:ff9b::{address}]",
        f"[2002:{n >> 16:x}:{n & 0xFFFF:x}::1]",
        str(address),
    ]


@given(private_v4(), st.sampled_from(range(12)), st.sampled_from(["http", "https"]), st.booleans())
def test_no_spelling_of_a_private_ipv4_address_is_accepted(
    address: ipaddress.IPv4Address, form: int, scheme: str, trailing_dot: bool
) -> None:
    host = v4_forms(address)[form]
    if trailing_dot and not host.startswith("["):
        host += "."
    with pytest.raises(Refused):
        parse_url(f"{scheme}://{host}/hook")


@given(st.ip_addresses(v=6))
def test_an_ipv6_literal_is_accepted_only_when_public(address: ipaddress.IPv6Address) -> None:
    url = f"https://[{address}]/"
    if address_problem(address) is None:
        assert address.is_global and not address.is_multicast
        assert parse_url(url).address == address
    else:
        with pytest.raises(Refused):
            parse_url(url)


@given(st.ip_addresses(v=4))
def test_a_resolved_ipv4_answer_is_accepted_only_when_global(
    address: ipaddress.IPv4Address,
) -> None:
    target = parse_url("https://hooks.example.com/")
    if address.is_global and not address.is_multicast and address not in ssrf.CGNAT:
        assert check_resolved(target, [str(address)]) == [address]
    else:
        with pytest.raises(Refused):
            check_resolved(target, [str(address)])


@given(private_v4())
def test_a_mapped_private_address_in_a_dns_answer_is_refused(
    address: ipaddress.IPv4Address,
) -> None:
    target = parse_url("https://hooks.example.com/")
    with pytest.raises(Refused):
        check_resolved(target, [f"::ffff:{address}"])
