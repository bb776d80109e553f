"""The outbound mechanism against a real local HTTP server (allow-listed loopback)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import pytest

from notifications.outbound import http_delivery
from notifications.outbound.http_delivery import DeliveryFailed, DeliveryRefused, Policy, send
from notifications.rules.ssrf import AllowList


class Receiver(BaseHTTPRequestHandler):
    """Records what it got; the path decides the answer."""

    seen: list[tuple[str, str, dict[str, str], bytes]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Receiver.seen.append((self.command, self.path, dict(self.headers.items()), body))
        port = self.server.server_address[1]
        if self.path.startswith("/redirect-to/"):
            target = unquote(self.path[len("/redirect-to/") :]).replace("PORT", str(port))
            code = 302
            if target.startswith("keep/"):
                target, code = target[len("keep/") :], 307
            self.send_response(code)
            self.send_header("Location", target)
            self.end_headers()
            return
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        if self.path == "/big":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 1_000_000)
            return
        if self.path == "/slow":
            time.sleep(3)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        payload = b'{"errcode":0,"errmsg":"ok"}'
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _handle  # noqa: N815 - http.server's naming
    do_POST = _handle  # noqa: N815


@pytest.fixture
def server() -> Iterator[int]:
    Receiver.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def resolver(table: dict[str, list[str]]) -> http_delivery.Resolver:
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise DeliveryFailed(f"{host} cannot be resolved")
        return table[host]

    return resolve


# The receiver is reachable by name only: loopback addresses stay refused.
NAMED = Policy(allow=AllowList.parse(["receiver.test"]), require_https=False)
NAMES = resolver(
    {
        "receiver.test": ["127.0.0.1"],
        "internal.test": ["10.0.0.7"],
        "mixed.test": ["93.184.215.14", "127.0.0.1"],
    }
)


def test_a_post_reaches_the_allow_listed_receiver_with_host_kept(server: int) -> None:
    answer = send(
        "POST",
        f"http://receiver.test:{server}/hook?x=1",
        body="你好".encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
        policy=NAMED,
        resolver=NAMES,
    )
    assert answer.ok and answer.json() == {"errcode": 0, "errmsg": "ok"}
    method, path, headers, body = Receiver.seen[-1]
    assert (method, path, body) == ("POST", "/hook?x=1", "你好".encode())
    # Connected to the pinned 127.0.0.1 but the receiver sees the name it was given.
    assert headers["Host"] == f"receiver.test:{server}"


def test_loopback_is_refused_without_an_allow_list_and_nothing_is_sent(server: int) -> None:
    with pytest.raises(DeliveryRefused, match="loopback"):
        send("POST", f"http://127.0.0.1:{server}/hook", policy=Policy(require_https=False))
    with pytest.raises(DeliveryRefused, match="https"):
        send("POST", f"http://hooks.example.com:{server}/hook", resolver=NAMES)
    assert Receiver.seen == []


@pytest.mark.parametrize("name", ["internal.test", "mixed.test"])
def test_names_resolving_to_private_addresses_are_refused(server: int, name: str) -> None:
    policy = Policy(require_https=False)
    with pytest.raises(DeliveryRefused, match=f"{name} resolves to"):
        send("POST", f"http://{name}:{server}/hook", policy=policy, resolver=NAMES)
    assert Receiver.seen == []


def test_redirects_are_followed_and_each_hop_checked_again(server: int) -> None:
    answer = send(
        "POST",
        f"http://receiver.test:{server}/redirect-to/keep/http://receiver.test:PORT/final",
        body=b"{}",
        policy=NAMED,
        resolver=NAMES,
    )
    assert answer.ok and answer.url.endswith("/final") and len(answer.hops) == 1
    # 307 keeps the method and the body.
    assert Receiver.seen[-1][0:2] == ("POST", "/final") and Receiver.seen[-1][3] == b"{}"
    for evil in (
        "http://127.0.0.1:PORT/final",
        "http://internal.test/",
        "http://[::ffff:127.0.0.1]:PORT/",
        "http://2130706433/",
    ):
        Receiver.seen = []
        with pytest.raises(DeliveryRefused, match="redirect"):
            send(
                "POST",
                f"http://receiver.test:{server}/redirect-to/{evil}",
                policy=NAMED,
                resolver=NAMES,
            )
        # Only the first hop reached the receiver; the refused target never did.
        assert [unquote(p) for _, p, _, _ in Receiver.seen] == [f"/redirect-to/{evil}"]


def test_a_302_after_a_post_becomes_a_get_and_redirect_loops_stop(server: int) -> None:
    send(
        "POST",
        f"http://receiver.test:{server}/redirect-to/http://receiver.test:PORT/g",
        body=b"x",
        policy=NAMED,
        resolver=NAMES,
    )
    assert Receiver.seen[-1][0:2] == ("GET", "/g")
    with pytest.raises(DeliveryFailed, match="redirects"):
        send("GET", f"http://receiver.test:{server}/loop", policy=NAMED, resolver=NAMES)


def test_a_large_answer_is_cut_at_the_cap(server: int) -> None:
    policy = Policy(allow=NAMED.allow, require_https=False, max_response_bytes=1000)
    answer = send("GET", f"http://receiver.test:{server}/big", policy=policy, resolver=NAMES)
    assert answer.truncated and len(answer.body) == 1000


def test_a_receiver_slower_than_the_read_timeout_fails(server: int) -> None:
    policy = Policy(allow=NAMED.allow, require_https=False, read_timeout=0.3)
    with pytest.raises(DeliveryFailed, match="timed out"):
        send("POST", f"http://receiver.test:{server}/slow", policy=policy, resolver=NAMES)


def test_an_unreachable_port_fails_retryably() -> None:
    policy = Policy(allow=AllowList.parse(["127.0.0.1/32"]), require_https=False, connect_timeout=1)
    with pytest.raises(DeliveryFailed):
        send("POST", "http://127.0.0.1:9/", policy=policy)


def test_https_pins_the_address_but_keeps_the_name_for_tls() -> None:
    from notifications.rules.ssrf import parse_url

    target = parse_url("https://hooks.example.com/x")
    adapter = http_delivery._PinnedAdapter(
        target, http_delivery.ssrf.ipaddress.ip_address("93.184.215.14")
    )
    pool = adapter.get_connection_with_tls_context(None, True)  # type: ignore[arg-type]
    assert pool.host == "93.184.215.14"
    assert pool.conn_kw["server_hostname"] == "hooks.example.com"  # type: ignore[attr-defined]
    assert pool.assert_hostname == "hooks.example.com"  # type: ignore[attr-defined]
    adapter.close()
