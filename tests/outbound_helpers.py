"""For tests of outbound HTTP: a resolver that answers from a table (the guard takes its resolver
as a parameter for this); tests/conftest.py's `dns` fixture installs one in the app."""
from __future__ import annotations

import socket
from pathlib import Path

# a global unicast address (example.com's, once): names resolving to it pass the guard; no test
# connects to it
PUBLIC_ADDRESS = "93.184.215.14"
TLS_DIR = Path(__file__).resolve().parent / "tls"  # a test CA, and a certificate for hooks.test it signed


class TableResolver:
    """socket.getaddrinfo's signature, answering from `names`: a name maps to one address or a list;
    a key starting with "." covers every name under it that has no key of its own. Other names do
    not resolve. `lookups` lists
    the names asked for, in order."""

    def __init__(self, names: dict[str, str | list[str]]) -> None:
        self.names = dict(names)
        self.lookups: list[str] = []

    def _addresses(self, host: str) -> list[str]:
        value = self.names.get(host) or next((v for k, v in self.names.items() if k.startswith(".")
                                              and host.endswith(k)), None)
        return [] if value is None else [value] if isinstance(value, str) else list(value)

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002  (getaddrinfo's names)
        self.lookups.append(host)
        addresses = self._addresses(host)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0)) if ":" in a
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]
