"""IPv6 forms that carry an IPv4 address, and IPv6 ranges that are not global, are not public.

`64:ff9b::a9fe:a9fe` (NAT64 of the cloud metadata address), `2002:7f00:1::` (6to4 of loopback)
and `::7f00:1` (IPv4-compatible loopback) used to pass the SSRF guard; each transition form is
judged by the IPv4 address it leads to, on the guard (the connected peer, the resolver's answers)
and when a supporter types the server's address.
"""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest

from amplifier.platforms.egress import embedded_ipv4, is_public_address
from amplifier.platforms.mastodon import normalise_instance

INTERNAL = [
    "64:ff9b::a9fe:a9fe",  # NAT64 well-known prefix: 169.254.169.254
    "64:ff9b::7f00:1",  # NAT64: 127.0.0.1
    "64:ff9b::a00:5",  # NAT64: 10.0.0.5
    "64:ff9b:1::a9fe:a9fe",  # NAT64 local-use prefix (RFC 8215): never global
    "64:ff9b:1:ffff::808:808",
    "2002:7f00:1::",  # 6to4: 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4: 169.254.169.254
    "2002:c0a8:101::1",  # 6to4: 192.168.1.1
    "::7f00:1",  # IPv4-compatible: 127.0.0.1
    "::a9fe:a9fe",
    "::808:808",  # IPv4-compatible is deprecated whatever it carries
    "::ffff:a9fe:a9fe",  # IPv4-mapped
    "::ffff:0:7f00:1",  # IPv4-translated (SIIT): 127.0.0.1
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo: client ~80ff:fffe = 127.0.0.1
    "2001:0:4136:e378:8000:63bf:5601:5601",  # Teredo: client ~5601:5601 = 169.254.169.254
    "2001:0:a00:1:8000:63bf:f7f7:f7f7",  # Teredo: server 10.0.0.1
    "fec0::1",  # site-local (deprecated)
    "3fff::1",  # documentation (2024)
    "5f00::1",  # SRv6 SIDs
    "2001:db8::1",
    "100::1",  # discard-only
    "ff02::1",
    "::",
]
PUBLIC = [
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8: how an IPv6-only host reaches a public server
    "2002:808:808::1",  # 6to4 of 8.8.8.8
    "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  # Teredo: server 65.54.227.120, client 8.8.8.8
    "2a00:1450:4001:80b::200e",
    "2606:4700::1111",
]


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_in_ipv6_clothing_are_refused(address: str) -> None:
    assert not is_public_address(address)
    with pytest.raises(ValueError, match="not a server address"):
        normalise_instance(f"https://[{address}]/")


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_in_ipv6_clothing_pass(address: str) -> None:
    assert is_public_address(address)


def test_the_embedded_address_is_read_where_each_form_keeps_it() -> None:
    forms = ("64:ff9b::a9fe:a9fe", "2002:7f00:1::", "::ffff:0:7f00:1",
             "2001:0:4136:e378:8000:63bf:80ff:fffe", "2a00:1450::1")  # fmt: skip
    found = {a: [str(v4) for v4 in embedded_ipv4(IPv6Address(a)) or []] for a in forms}
    assert found == {
        "64:ff9b::a9fe:a9fe": ["169.254.169.254"],
        "2002:7f00:1::": ["127.0.0.1"],
        "::ffff:0:7f00:1": ["127.0.0.1"],
        "2001:0:4136:e378:8000:63bf:80ff:fffe": ["65.54.227.120", "127.0.0.1"],
        "2a00:1450::1": [],
    }
