"""The guarded outbound client against real servers on 127.0.0.1, the system's resolver and one
that answers from a table: refused by default, delivered with allow_private, one lookup and the
connection to the checked address, TLS verified against the host name, no redirect followed, and
failures with short reasons."""
from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal import outbound
from portal.outbound import Client, HostNotFound, OutboundFailed, OutboundRefused
from tests.outbound_helpers import PUBLIC_ADDRESS, TLS_DIR, TableResolver

BODY = b'{"event":"ticket_created"}'
HEADERS = {"Content-Type": "application/json", "X-Portal-Event": "ticket_created"}
SHORT_REASONS = {outbound.HOST_NOT_FOUND, outbound.COULD_NOT_CONNECT, outbound.CONNECTION_LOST, outbound.TIMED_OUT,
                 outbound.TLS_ERROR}


@dataclass(frozen=True)
class Seen:
    path: str
    host: str
    body: bytes


class Receiver:
    """An HTTP(S) server on 127.0.0.1 that records every POST. /redirect answers 302 to `redirect_to`,
    /error 500, /slow after `slow` seconds; anything else 200."""

    def __init__(self, tls: bool = False) -> None:
        self.seen: list[Seen] = []
        self.server_names: list[str | None] = []
        self.redirect_to = "http://127.0.0.1:9/elsewhere"
        self.slow = 0.0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(TLS_DIR / "hooks.pem")
            context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hooks", host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (the name http.server calls)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.seen.append(Seen(self.path, self.headers.get("Host"), body))
                if self.path.startswith("/slow"):
                    time.sleep(receiver.slow)
                status = {"/redirect": 302, "/error": 500}.get(self.path, 200)
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def second_receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def tls_receiver():
    server = Receiver(tls=True)
    yield server
    server.close()


def refusal(client: Client, url: str) -> OutboundRefused:
    with pytest.raises(OutboundRefused) as refused:
        client.post(url, BODY, HEADERS, timeout=3)
    return refused.value


def failure(client: Client, url: str, timeout: float = 3) -> OutboundFailed:
    with pytest.raises(OutboundFailed) as failed:
        client.post(url, BODY, HEADERS, timeout=timeout)
    return failed.value


# hostile URLs for a server on 127.0.0.1, with the system's resolver
def loopback_urls(port: int) -> list[tuple[str, str]]:
    return [(f"http://127.0.0.1:{port}/hooks", "loopback"), (f"http://localhost:{port}/hooks", "loopback"),
            (f"http://LOCALHOST.:{port}/hooks", "loopback"), (f"http://127.0.0.1.:{port}/hooks", "loopback"),
            (f"http://[::ffff:127.0.0.1]:{port}/hooks", "loopback"), (f"http://[::1]:{port}/hooks", "loopback"),
            (f"http://0.0.0.0:{port}/hooks", "unspecified"), (f"http://[::]:{port}/hooks", "unspecified"),
            (f"http://2130706433:{port}/hooks", "ip_spelling"), (f"http://0x7f.1:{port}/hooks", "ip_spelling"),
            (f"http://0177.0.0.1:{port}/hooks", "ip_spelling"), (f"http://127.1:{port}/hooks", "ip_spelling"),
            (f"http://user:secret@127.0.0.1:{port}/hooks", "credentials")]


def test_by_default_nothing_reaches_a_real_server_on_loopback(receiver):
    client = Client()
    for url, rule in loopback_urls(receiver.port):
        refused = refusal(client, url)
        assert refused.rule == rule, url
        assert refused.reason == outbound.URL_RULES.get(rule, outbound.ADDRESS_NOT_ALLOWED)
        assert str(receiver.port) not in str(refused) and "127" not in str(refused)
    assert receiver.seen == []


@pytest.mark.parametrize("spelling", ["2130706433", "0x7f.1", "0177.0.0.1", "127.1", "0x7f000001", "017700000001"])
def test_the_other_ipv4_spellings_are_loopback_to_the_resolver_and_refused_even_when_private_is_allowed(
        receiver, spelling):
    # why they are refused: the system's resolver reads each of them as 127.0.0.1
    assert {info[4][0] for info in socket.getaddrinfo(spelling, 80, type=socket.SOCK_STREAM)} == {"127.0.0.1"}
    assert refusal(Client(allow_private=True), receiver.url(host=spelling)).rule == "ip_spelling"
    assert receiver.seen == []


def test_with_allow_private_a_loopback_server_gets_the_post(receiver):
    client = Client(allow_private=True)
    assert client.post(receiver.url("/hooks?x=1"), BODY, HEADERS, timeout=3) == 200
    assert outbound.post(receiver.url(host="localhost"), BODY, HEADERS, 3, allow_private=True) == 200
    assert receiver.seen == [Seen("/hooks?x=1", f"127.0.0.1:{receiver.port}", BODY),
                             Seen("/hooks", f"localhost:{receiver.port}", BODY)]
    assert client.post(receiver.url("/error"), BODY, HEADERS, timeout=3) == 500  # an answer, not an exception
    # allow_private lifts the address rules only
    assert refusal(client, receiver.url(host="user:pw@127.0.0.1")).rule == "credentials"
    assert refusal(client, receiver.url(scheme="ftp")).rule == "scheme"
    assert len(receiver.seen) == 3


HOSTILE_NAMES = [
    ("internal.example.com", "10.0.0.5", "private"), ("db.example.com", "192.168.1.20", "private"),
    ("meta.example.com", "169.254.169.254", "metadata"), ("ecs.example.com", "169.254.170.2", "metadata"),
    ("aws6.example.com", "fd00:ec2::254", "metadata"), ("ali.example.com", "100.100.100.200", "metadata"),
    ("cgnat.example.com", "100.64.3.4", "shared"), ("lo.example.com", "127.0.0.1", "loopback"),
    ("lo6.example.com", "::1", "loopback"), ("mapped.example.com", "::ffff:10.1.2.3", "private"),
    ("nat64.example.com", "64:ff9b::7f00:1", "loopback"), ("sixtofour.example.com", "2002:a9fe:a9fe::1", "metadata"),
    ("ula.example.com", "fd12::1", "private"), ("ll.example.com", "fe80::1", "link_local"),
    ("zero.example.com", "0.0.0.0", "unspecified"), ("mcast.example.com", "239.1.1.1", "multicast"),
    ("docs.example.com", "198.51.100.7", "reserved"), ("bcast.example.com", "255.255.255.255", "reserved"),
    # every address must be allowed, not only the first one
    ("mixed.example.com", [PUBLIC_ADDRESS, "10.0.0.5"], "private"),
    ("mixed6.example.com", ["2606:4700::1111", "fe80::1"], "link_local"),
]


@pytest.mark.parametrize("name, answer, rule", HOSTILE_NAMES)
def test_a_name_is_judged_by_every_address_it_resolves_to(name, answer, rule):
    resolver = TableResolver({name: answer})
    refused = refusal(Client(resolve=resolver), f"https://{name}/hooks")
    assert (refused.rule, refused.host) == (rule, name)
    assert ipaddress.ip_address(refused.address) in {ipaddress.ip_address(a) for a in
                                                     ([answer] if isinstance(answer, str) else answer)}
    assert refused.reason == outbound.ADDRESS_NOT_ALLOWED and refused.address not in str(refused)
    assert resolver.lookups == [name]


def test_a_name_resolving_to_public_addresses_only_passes_the_check():
    resolver = TableResolver({"chat.example.com": [PUBLIC_ADDRESS, "2606:4700::1111"]})
    destination = Client(resolve=resolver).check("https://chat.example.com/hooks")
    assert [str(a) for a in destination.addresses] == [PUBLIC_ADDRESS, "2606:4700::1111"]
    assert destination.target.host_header == "chat.example.com"


class Rebinding(TableResolver):
    """Answers 127.0.0.1 once, then an address nothing listens on: a rebinding attack's DNS."""

    def __call__(self, host, port, *args, **kwargs):
        answers = super().__call__(host, port, *args, **kwargs)
        self.names[host] = "127.0.0.9"
        return answers


def test_the_connection_goes_to_the_address_checked_after_one_lookup(receiver):
    resolver = Rebinding({"hooks.test": "127.0.0.1"})
    client = Client(allow_private=True, resolve=resolver)
    assert client.post(receiver.url(host="hooks.test"), BODY, HEADERS, timeout=3) == 200
    assert resolver.lookups == ["hooks.test"]  # no second lookup that rebinding could answer
    assert receiver.seen == [Seen("/hooks", f"hooks.test:{receiver.port}", BODY)]  # the name, as sent in Host


def test_addresses_are_tried_in_order_until_one_connects(receiver):
    # nothing listens on 127.0.0.2 at this port: the connection is refused and the next address answers
    resolver = TableResolver({"hooks.test": ["127.0.0.2", "127.0.0.1"]})
    assert Client(allow_private=True, resolve=resolver).post(receiver.url(host="hooks.test"), BODY, HEADERS, 3) == 200
    assert len(receiver.seen) == 1


def test_a_redirect_is_an_answer_and_is_not_followed(receiver, second_receiver):
    receiver.redirect_to = second_receiver.url("/elsewhere")
    client = Client(allow_private=True)
    assert client.post(receiver.url("/redirect"), BODY, HEADERS, timeout=3) == 302
    assert outbound.status_reason(302) == outbound.REDIRECT_NOT_FOLLOWED
    assert [s.path for s in receiver.seen] == ["/redirect"] and second_receiver.seen == []


def test_https_goes_to_the_checked_address_and_verifies_the_host_name(tls_receiver):
    trusted = ssl.create_default_context(cafile=str(TLS_DIR / "ca.pem"))
    resolver = TableResolver({"hooks.test": "127.0.0.1", "other.test": "127.0.0.1"})
    client = Client(allow_private=True, resolve=resolver, ssl_context=trusted)
    assert client.post(tls_receiver.url(host="hooks.test", scheme="https"), BODY, HEADERS, timeout=3) == 200
    assert tls_receiver.server_names == ["hooks.test"]  # SNI: the name, not the address connected to
    assert tls_receiver.seen == [Seen("/hooks", f"hooks.test:{tls_receiver.port}", BODY)]
    # a certificate for another name, an address instead of the name, a certificate nobody trusts
    assert failure(client, tls_receiver.url(host="other.test", scheme="https")).reason == outbound.TLS_ERROR
    assert failure(client, tls_receiver.url(scheme="https")).reason == outbound.TLS_ERROR
    system_trust = Client(allow_private=True, resolve=resolver)
    assert failure(system_trust, tls_receiver.url(host="hooks.test", scheme="https")).reason == outbound.TLS_ERROR
    assert len(tls_receiver.seen) == 1


def test_failures_have_short_reasons_without_addresses_or_ports(receiver):
    client = Client(allow_private=True)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    failures = [failure(client, f"http://127.0.0.1:{closed_port}/x")]
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        failures.append(failure(client, f"http://127.0.0.1:{silent.getsockname()[1]}/x", timeout=0.5))
    receiver.slow = 2
    failures.append(failure(client, receiver.url("/slow"), timeout=0.5))
    with socket.socket() as rude:  # accepts, then hangs up without a word
        rude.bind(("127.0.0.1", 0))
        rude.listen(8)
        hang_up = threading.Thread(target=lambda: rude.accept()[0].close(), daemon=True)
        hang_up.start()
        failures.append(failure(client, f"http://127.0.0.1:{rude.getsockname()[1]}/x"))
        hang_up.join(timeout=5)
    failures.append(failure(Client(resolve=TableResolver({})), "https://unknown.example.net/x"))
    failures.append(failure(Client(), "https://nowhere.invalid/x"))  # RFC 6761: never resolves

    assert [f.reason for f in failures] == [outbound.COULD_NOT_CONNECT, outbound.TIMED_OUT, outbound.TIMED_OUT,
                                            outbound.CONNECTION_LOST, outbound.HOST_NOT_FOUND,
                                            outbound.HOST_NOT_FOUND]
    assert all(isinstance(f, HostNotFound) for f in failures[-2:])
    for f in failures:
        assert str(f) == f.reason and f.reason in SHORT_REASONS
