"""Outbound HTTP: the one guarded client for every request the portal makes to a URL someone typed
(webhooks now, seller notifications next).

Such a URL would otherwise lend the portal's place in the network to whoever typed it: this
machine, the private network, a cloud metadata service. So the client
* refuses URLs with credentials, schemes other than http and https, and IPv4 addresses written
  any other way than four decimals (`2130706433`, `0x7f.1`, `127.1` are loopback to a resolver);
* resolves the host name once and refuses unless every address it resolves to is a public
  unicast one (`allow_private`, from OUTBOUND_ALLOW_PRIVATE, lifts this rule and only this one);
* connects to the address it checked, so a DNS answer that changes between the check and the
  connection (rebinding) cannot move it, while TLS is verified against the host name (SNI and
  certificate), as for any client;
* never follows a redirect: a 3xx is the answer.
Errors carry a short reason that may be shown to an admin: never an address, a port or an errno
text, so a delivery log cannot be used to map the internal network."""
from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import urllib3
from flask_babel import lazy_gettext as _l
from urllib3 import exceptions as u3

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# socket.getaddrinfo's signature; tests pass one that answers from a table
Resolver = Callable[..., list[tuple]]
RESOLVER_EXTENSION = "portal.outbound_resolver"

# the short reasons, safe to store and show
ADDRESS_NOT_ALLOWED = "address not allowed"
CREDENTIALS_IN_URL = "credentials in URL"
SCHEME_NOT_ALLOWED = "scheme not allowed"
IP_SPELLING = "IP address spelling not allowed"
INVALID_URL = "invalid URL"
HOST_NOT_FOUND = "host not found"
COULD_NOT_CONNECT = "could not connect"
CONNECTION_LOST = "connection lost"
TIMED_OUT = "timed out"
TLS_ERROR = "TLS error"
REDIRECT_NOT_FOLLOWED = "redirect not followed"

# rules an address can break; the rest are rules of the URL itself
ADDRESS_RULES = ("loopback", "private", "link_local", "metadata", "shared", "unspecified", "multicast", "reserved")
URL_RULES = {"invalid_url": INVALID_URL, "scheme": SCHEME_NOT_ALLOWED, "credentials": CREDENTIALS_IN_URL,
             "ip_spelling": IP_SPELLING}


class OutboundError(Exception):
    """A request that was not made or did not complete; `reason` is short and safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OutboundRefused(OutboundError):
    """The destination breaks a rule, so nothing was sent; sending again would be refused again.
    `rule` is one of ADDRESS_RULES or URL_RULES; `host` and `address` say where, for the admin who
    typed the URL (see `explain`), never for a log."""

    def __init__(self, rule: str, host: str | None = None, address: str | None = None) -> None:
        super().__init__(URL_RULES.get(rule, ADDRESS_NOT_ALLOWED))
        self.rule, self.host, self.address = rule, host, address


class OutboundFailed(OutboundError):
    """The destination was allowed but the request did not complete: worth trying again later."""


class HostNotFound(OutboundFailed):
    """The host name did not resolve (it may yet, so a delivery retries it)."""

    def __init__(self, host: str) -> None:
        super().__init__(HOST_NOT_FOUND)
        self.host = host


# --- addresses -----------------------------------------------------------------------------

def _table(*rows: tuple[str, str]) -> tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...]:
    return tuple((ipaddress.ip_network(net), rule) for net, rule in rows)


# Cloud metadata services: AWS (and its ECS and IPv6 endpoints), GCP and Azure (169.254.169.254),
# Azure's wire server, Alibaba, Oracle's legacy one. Most are link-local or private anyway; named
# here so that an admin is told what the address is.
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "168.63.129.16", "100.100.100.200", "192.0.0.192"))
# IANA's special-purpose registries, spelled out: `ipaddress.is_global` differs between Python
# releases (3.11 calls multicast and fec0::/10 global); first match wins
_IPV4 = _table(("0.0.0.0/8", "unspecified"), ("10.0.0.0/8", "private"), ("100.64.0.0/10", "shared"),
               ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link_local"), ("172.16.0.0/12", "private"),
               ("192.0.0.0/24", "reserved"), ("192.0.2.0/24", "reserved"), ("192.88.99.0/24", "reserved"),
               ("192.168.0.0/16", "private"), ("198.18.0.0/15", "reserved"), ("198.51.100.0/24", "reserved"),
               ("203.0.113.0/24", "reserved"), ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"))
_IPV6 = _table(("::/128", "unspecified"), ("::1/128", "loopback"), ("fc00::/7", "private"), ("fec0::/10", "private"),
               ("fe80::/10", "link_local"), ("ff00::/8", "multicast"), ("2001::/23", "reserved"),
               ("2001:db8::/32", "reserved"), ("2002::/16", "reserved"), ("3fff::/20", "reserved"))
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def address_rule(address: Address) -> str | None:
    """The rule (one of ADDRESS_RULES) a destination address breaks, or None for a global unicast
    address. An IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4) answers for it."""
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        address = ipaddress.IPv6Address(str(address).split("%")[0])
    if address in METADATA:
        return "metadata"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address_rule(address.ipv4_mapped)
        if address in _NAT64:  # a NAT64 gateway would connect to the IPv4 address in the last 32 bits
            return address_rule(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None and address_rule(address.sixtofour):
            return address_rule(address.sixtofour)
        table, outside = _IPV6, address not in _GLOBAL_UNICAST_V6
    else:
        table, outside = _IPV4, False
    for network, rule in table:
        if address in network:
            return rule
    return "reserved" if outside or not address.is_global else None


# --- URLs ----------------------------------------------------------------------------------

# WHATWG URL: a host whose last label is a number is an IPv4 address, in whatever notation
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
_PATH_SAFE = "!#$%&'()*+,/:;=?@[]~"


@dataclass(frozen=True)
class Target:
    """A URL taken apart as the client sends to it."""

    scheme: str
    host: str  # ASCII, lower case, without brackets or a trailing dot
    port: int
    path: str  # path and query, percent-encoded
    literal: Address | None  # the host, when it is an IP address

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == {"http": 80, "https": 443}[self.scheme] else f"{host}:{self.port}"


def parse_url(url: str) -> Target:
    """The URL's parts, or OutboundRefused for a URL that breaks a rule of its own (invalid_url,
    scheme, credentials, ip_spelling); no address rule is checked here."""
    if not isinstance(url, str) or not url or "\\" in url or any(c.isspace() or not c.isprintable() for c in url):
        raise OutboundRefused("invalid_url")
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise OutboundRefused("invalid_url") from None
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused("scheme")
    if "@" in parts.netloc:
        raise OutboundRefused("credentials")
    if not host or port == 0:
        raise OutboundRefused("invalid_url")
    host = host[:-1] if host.endswith(".") else host
    literal = _literal(host) if "[" in parts.netloc else None
    if literal is None:
        host, literal = _host_name(host)
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE)
    return Target(parts.scheme, str(literal) if literal else host, port or (443 if parts.scheme == "https" else 80),
                  path, literal)


def _literal(host: str) -> ipaddress.IPv6Address:
    try:
        return ipaddress.IPv6Address(host)
    except ValueError:
        raise OutboundRefused("invalid_url") from None


def _host_name(host: str) -> tuple[str, Address | None]:
    """The host in ASCII, and the IPv4 address it is, if it is one. The IDNA step comes first:
    it turns full-width digits into ASCII ones, which a resolver would take for a number."""
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise OutboundRefused("invalid_url") from None
    try:
        return host, ipaddress.IPv4Address(host)  # four decimals, no leading zeros: nothing else
    except ValueError:
        pass
    if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        raise OutboundRefused("ip_spelling", host=host)
    if not _HOST_NAME.fullmatch(host):
        raise OutboundRefused("invalid_url")
    return host, None


# --- the client ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Destination:
    """A checked URL and the addresses it may be sent to, in the resolver's order."""

    target: Target
    addresses: tuple[Address, ...]


@dataclass(frozen=True)
class Client:
    """The guarded client. `resolve` defaults to the system's resolver; `ssl_context` to one that
    trusts the system's certificate authorities."""

    allow_private: bool = False
    resolve: Resolver = socket.getaddrinfo
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False)

    def check(self, url: str) -> Destination:
        """Parse `url`, resolve its host once and check every address. Raises OutboundRefused when a
        rule is broken, HostNotFound when the name does not resolve."""
        target = parse_url(url)
        addresses = (target.literal,) if target.literal else self._resolve(target)
        if not self.allow_private:
            for address in addresses:
                rule = address_rule(address)
                if rule:
                    raise OutboundRefused(rule, host=target.host, address=_shown(address))
        return Destination(target, addresses)

    def _resolve(self, target: Target) -> tuple[Address, ...]:
        try:
            answers = self.resolve(target.host, target.port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise HostNotFound(target.host) from None
        addresses: dict[Address, None] = {}
        for family, _type, _proto, _name, sockaddr in answers:
            if family in (socket.AF_INET, socket.AF_INET6):
                addresses[ipaddress.ip_address(str(sockaddr[0]).split("%")[0])] = None
        if not addresses:
            raise HostNotFound(target.host)
        return tuple(addresses)

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        """POST `body` to `url` after `check`; returns the HTTP status code, a 3xx included (it is
        not followed). Raises OutboundRefused for a refused destination, OutboundFailed when the
        request did not complete within `timeout` seconds (all addresses tried in order)."""
        destination = self.check(url)
        deadline = time.monotonic() + timeout
        failure: OutboundFailed = OutboundFailed(COULD_NOT_CONNECT)
        for address in destination.addresses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OutboundFailed(TIMED_OUT)
            try:
                return self._post_to(destination.target, address, body, headers, remaining)
            except _NotConnected as exc:  # the next address may answer; anything later is final
                failure = OutboundFailed(exc.reason)
        raise failure

    def _post_to(self, target: Target, address: Address, body: bytes, headers: Mapping[str, str],
                 timeout: float) -> int:
        options = {"host": str(address), "port": target.port, "maxsize": 1, "retries": False,
                   "timeout": urllib3.Timeout(connect=timeout, read=timeout)}
        if target.scheme == "https":
            # connect to the checked address; SNI and the certificate's name are the URL's host
            pool = urllib3.HTTPSConnectionPool(**options, cert_reqs="CERT_REQUIRED", server_hostname=target.host,
                                               ssl_context=self.ssl_context)
        else:
            pool = urllib3.HTTPConnectionPool(**options)
        with pool:
            try:
                response = pool.urlopen("POST", target.path, body=body,
                                        headers={**{k: v for k, v in headers.items() if k.lower() != "host"},
                                                 "Host": target.host_header},
                                        retries=False, redirect=False, assert_same_host=False,
                                        preload_content=False)
            except u3.NewConnectionError:
                raise _NotConnected(COULD_NOT_CONNECT) from None
            except u3.ConnectTimeoutError:
                raise _NotConnected(TIMED_OUT) from None
            except (u3.SSLError, ssl.SSLError):
                raise OutboundFailed(TLS_ERROR) from None
            except (u3.ReadTimeoutError, TimeoutError):
                raise OutboundFailed(TIMED_OUT) from None
            except (u3.ProtocolError, u3.HTTPError, OSError):
                raise OutboundFailed(CONNECTION_LOST) from None
            status = response.status
            response.release_conn()
            return status


def _shown(address: Address) -> str:
    # an IPv4-mapped address as people write it (Python before 3.13 prints ::ffff:a00:5)
    mapped = getattr(address, "ipv4_mapped", None)
    return f"::ffff:{mapped}" if mapped else str(address)


class _NotConnected(OutboundFailed):
    """No connection was made to this address."""


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float, allow_private: bool = False,
         resolve: Resolver = socket.getaddrinfo) -> int:
    """`Client(allow_private, resolve).post(url, body, headers, timeout)`: the HTTP status code,
    or OutboundRefused / OutboundFailed."""
    return Client(allow_private, resolve).post(url, body, headers, timeout)


def status_reason(status: int) -> str | None:
    """The short reason an HTTP answer is not a success, or None for a 2xx."""
    if 200 <= status < 300:
        return None
    return REDIRECT_NOT_FOLLOWED if 300 <= status < 400 else f"HTTP {status}"


def app_client() -> Client:
    """The client of the running app: OUTBOUND_ALLOW_PRIVATE from its configuration (read by every
    process that sends: web workers, the scheduler, the CLI), and the system's resolver unless a
    test put one in app.extensions[RESOLVER_EXTENSION]."""
    from flask import current_app

    return Client(bool(current_app.config.get("OUTBOUND_ALLOW_PRIVATE")),
                  current_app.extensions.get(RESOLVER_EXTENSION) or socket.getaddrinfo)


# --- telling the admin who typed the URL ---------------------------------------------------

_ADDRESS_MESSAGES: dict[str, Callable[[str], str]] = {
    "loopback": lambda a: _l("%(address)s is a loopback address: the portal's own machine.", address=a),
    "private": lambda a: _l("%(address)s is inside a private network.", address=a),
    "link_local": lambda a: _l("%(address)s is a link-local address, reachable only on the local network.",
                               address=a),
    "metadata": lambda a: _l("%(address)s is a cloud metadata service.", address=a),
    "shared": lambda a: _l("%(address)s is inside the shared address space of carrier-grade NAT.", address=a),
    "unspecified": lambda a: _l("%(address)s is the unspecified address.", address=a),
    "multicast": lambda a: _l("%(address)s is a multicast address.", address=a),
    "reserved": lambda a: _l("%(address)s is a reserved address, not a public one.", address=a),
}


def explain(error: OutboundError) -> str:
    """A sentence or two, in the request's language, for the admin who typed the URL: which rule
    it breaks and why (the address included: the admin chose it). Not for logs."""
    if isinstance(error, HostNotFound):
        return str(_l("The host %(host)s could not be found. Check the spelling, or try again once the name "
                      "is in DNS.", host=error.host))
    if not isinstance(error, OutboundRefused):
        return error.reason
    if error.rule == "credentials":
        return str(_l("Leave the user name and password out of the URL (no user:password@)."))
    if error.rule == "ip_spelling":
        return str(_l("Write an IP address as four decimal numbers, such as 203.0.113.7; %(host)s is another "
                      "way of writing one, which is not accepted.", host=error.host))
    if error.rule not in _ADDRESS_MESSAGES:
        return str(_l("Enter an http:// or https:// URL, e.g. https://chat.example.com/hooks/support."))
    sentences = [] if error.host == error.address else [
        _l("%(host)s resolves to %(address)s.", host=error.host, address=error.address)]
    sentences += [_ADDRESS_MESSAGES[error.rule](error.address or ""),
                  _l("Only public Internet addresses are allowed, unless the operator sets "
                     "OUTBOUND_ALLOW_PRIVATE=1.")]
    return " ".join(str(sentence) for sentence in sentences)
