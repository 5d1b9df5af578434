"""Which address a push request is counted under: its peer's, or behind a trusted proxy, the client's.

X-Forwarded-For is only believed when the peer is a proxy named in WIRESTREAM_PUSH_TRUSTED_PROXIES: anyone
else could write any address into it and get a fresh rate-limit bucket with every request. Each proxy appends
the address it was connected from, so the list is read from the right, and the first address that is not a
trusted proxy is the client; what lies left of it was written by the client and is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses and CIDR blocks ("10.0.0.5, 10.1.0.0/16, fd00::/8"); raises ValueError."""
    networks = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(f"{entry!r} is not an IP address or CIDR block") from exc
    return tuple(networks)


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]) -> str:
    """The peer's address, or when it is a trusted proxy, the nearest X-Forwarded-For entry that is not one.

    `forwarded_for` holds the X-Forwarded-For header lines in order. An entry that is not an address where a
    proxy's should be counts the request under the last proxy rather than under whatever it says."""
    address = _parse(peer)
    if address is None:
        return peer or "unknown"
    hops = [hop for line in forwarded_for for hop in line.split(",")]
    while _trusted(address, trusted) and hops:
        hop = _parse(hops.pop())
        if hop is None:
            break
        address = hop
    return str(address)


def _trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address in network for network in trusted)


def _parse(text: str | None) -> Address | None:
    """An address, without a port ("1.2.3.4:80", "[::1]:80") and IPv4-mapped IPv6 as IPv4; None if not one."""
    text = (text or "").strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address
