"""The outbound guard's pure rules: which addresses a request may go to, and which URLs are refused
before any name is resolved (portal/outbound.py). Resolution and sending: tests/integration/test_outbound.py."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import outbound
from portal.outbound import OutboundRefused, address_rule, parse_url

ADDRESSES = [
    # IPv4
    ("127.0.0.1", "loopback"), ("127.255.255.254", "loopback"),
    ("10.0.0.5", "private"), ("172.16.0.1", "private"), ("172.31.255.255", "private"), ("192.168.1.1", "private"),
    ("169.254.0.1", "link_local"), ("169.254.169.254", "metadata"), ("169.254.170.2", "metadata"),
    ("100.100.100.200", "metadata"), ("168.63.129.16", "metadata"), ("192.0.0.192", "metadata"),
    ("100.64.0.1", "shared"), ("100.127.255.254", "shared"),
    ("0.0.0.0", "unspecified"), ("0.1.2.3", "unspecified"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"), ("192.0.2.10", "reserved"),
    ("198.18.0.1", "reserved"), ("198.51.100.7", "reserved"), ("203.0.113.7", "reserved"), ("192.0.0.8", "reserved"),
    ("192.88.99.1", "reserved"),
    # IPv6
    ("::1", "loopback"), ("::", "unspecified"), ("fc00::1", "private"), ("fd12:3456::1", "private"),
    ("fd00:ec2::254", "metadata"), ("fe80::1", "link_local"), ("fe80::1%eth0", "link_local"),
    ("fec0::1", "private"), ("ff02::1", "multicast"), ("ff0e::1", "multicast"),
    ("2001:db8::1", "reserved"), ("3fff::1", "reserved"), ("2001::1", "reserved"),  # documentation, Teredo
    ("100::1", "reserved"), ("::7f00:1", "reserved"), ("64:ff9b:1::a00:5", "reserved"), ("5f00::1", "reserved"),
    # IPv6 forms that carry an IPv4 address answer for it
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.5", "private"), ("::ffff:169.254.169.254", "metadata"),
    ("64:ff9b::127.0.0.1", "loopback"), ("64:ff9b::10.0.0.5", "private"), ("64:ff9b::a9fe:a9fe", "metadata"),
    ("2002:7f00:1::1", "loopback"), ("2002:a00:5::", "private"), ("2002:a9fe:a9fe::", "metadata"),
    ("2002:5db8:d70e::1", "reserved"),  # 6to4 of a public address: a deprecated relay, not allowed either
]
ALLOWED = ["93.184.215.14", "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
           "192.169.0.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address, rule", ADDRESSES)
def test_an_address_that_is_not_global_unicast_is_refused_with_its_rule(address, rule):
    assert address_rule(ipaddress.ip_address(address)) == rule
    assert rule in outbound.ADDRESS_RULES


@pytest.mark.parametrize("address", ALLOWED)
def test_a_global_unicast_address_is_allowed(address):
    assert address_rule(ipaddress.ip_address(address)) is None


@given(st.ip_addresses(v=4))
def test_an_allowed_ipv4_address_is_global_and_its_mapped_and_nat64_forms_agree(address):
    rule = address_rule(address)
    if rule is None:
        assert address.is_global and not address.is_multicast
    assert address_rule(ipaddress.IPv6Address(f"::ffff:{address}")) == rule
    assert address_rule(ipaddress.IPv6Address(f"64:ff9b::{address}")) == rule


@given(st.ip_addresses(v=6))
def test_an_allowed_ipv6_address_is_global_unicast(address):
    if address_rule(address) is None:
        embedded = address.ipv4_mapped or (ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
                                           if address in ipaddress.ip_network("64:ff9b::/96") else None)
        assert embedded is not None or (address in ipaddress.ip_network("2000::/3") and address.is_global)


# URLs refused before any resolution, whatever OUTBOUND_ALLOW_PRIVATE says
REFUSED_URLS = [
    ("ftp://files.example.com/x", "scheme"), ("file:///etc/passwd", "scheme"), ("gopher://example.com:70/", "scheme"),
    ("javascript:alert(1)", "scheme"), ("//example.com/x", "scheme"),
    ("http://user:pass@example.com/", "credentials"), ("https://token@example.com/", "credentials"),
    ("http://@example.com/", "credentials"), ("http://example.com:80@10.0.0.5/", "credentials"),
    # a host ending in a number is an IPv4 address in some notation; a resolver reads most of these
    # as 127.0.0.1 or 10.0.0.5 (tests/integration/test_outbound.py shows it)
    ("http://2130706433/", "ip_spelling"), ("http://0x7f000001/", "ip_spelling"),
    ("http://017700000001/", "ip_spelling"),
    ("http://0177.0.0.1/", "ip_spelling"), ("http://0x7f.0.0.1/", "ip_spelling"), ("http://127.1/", "ip_spelling"),
    ("http://127.0.1/", "ip_spelling"), ("http://10.5/", "ip_spelling"), ("http://167772165/", "ip_spelling"),
    ("http://0x7F.1/", "ip_spelling"), ("http://127.000.000.001/", "ip_spelling"), ("http://1.2.3.4.5/", "ip_spelling"),
    ("http://２１３０７０６４３３/", "ip_spelling"), ("http://example.com.127/", "ip_spelling"),
    ("http://", "invalid_url"), ("http:///path", "invalid_url"), ("https://exa mple.com/", "invalid_url"),
    ("https://example.com/a b", "invalid_url"), ("https://example.com/\r\nX-Injected: 1", "invalid_url"),
    ("http://example.com:0/", "invalid_url"), ("http://example.com:99999/", "invalid_url"),
    ("http://[127.0.0.1]/", "invalid_url"), ("http://[not-an-address]/", "invalid_url"),
    ("http://example..com/", "invalid_url"), ("http://exa<mple.com/", "invalid_url"),
    ("http:\\\\example.com\\x", "invalid_url"), ("", "invalid_url"),
]


@pytest.mark.parametrize("url, rule", REFUSED_URLS)
def test_a_url_that_breaks_a_rule_of_its_own_is_refused(url, rule):
    with pytest.raises(OutboundRefused) as refused:
        parse_url(url)
    assert refused.value.rule == rule
    # the reason is short and never repeats the URL's host, port or credentials
    assert refused.value.reason == str(refused.value) == outbound.URL_RULES[rule]


@pytest.mark.parametrize("url, host, port, path, host_header, literal", [
    ("https://chat.example.com/hooks/support", "chat.example.com", 443, "/hooks/support", "chat.example.com", None),
    ("HTTP://Chat.Example.COM./x?a=1&b=2#frag", "chat.example.com", 80, "/x?a=1&b=2", "chat.example.com", None),
    ("https://chat.example.com:8443", "chat.example.com", 8443, "/", "chat.example.com:8443", None),
    ("http://bücher.example/ä", "xn--bcher-kva.example", 80, "/%C3%A4", "xn--bcher-kva.example", None),
    ("http://93.184.215.14:8080/h", "93.184.215.14", 8080, "/h", "93.184.215.14:8080", "93.184.215.14"),
    ("https://[2606:4700::1]/h", "2606:4700::1", 443, "/h", "[2606:4700::1]", "2606:4700::1"),
    ("http://[::1]:9000/", "::1", 9000, "/", "[::1]:9000", "::1"),
    ("http://１２７.０.０.１/", "127.0.0.1", 80, "/", "127.0.0.1", "127.0.0.1"),  # full-width digits are ASCII ones
])
def test_a_url_is_taken_apart_as_it_will_be_sent(url, host, port, path, host_header, literal):
    target = parse_url(url)
    assert (target.host, target.port, target.path, target.host_header) == (host, port, path, host_header)
    assert target.literal == (ipaddress.ip_address(literal) if literal else None)


@pytest.mark.parametrize("status, reason", [(200, None), (204, None), (299, None), (301, "redirect not followed"),
                                            (302, "redirect not followed"), (307, "redirect not followed"),
                                            (404, "HTTP 404"), (500, "HTTP 500"), (101, "HTTP 101")])
def test_a_status_that_is_not_2xx_has_a_short_reason(status, reason):
    assert outbound.status_reason(status) == reason
